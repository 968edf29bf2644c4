"""The figures: what they draw is checked against an independent statsmodels fit, their
API (``f(r, ax=None) -> Figure``), alt text, palette, and file size at a million customers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from analysis import figures
from analysis.model import derived
from analysis.report import figure_alt
from analysis.report._figure_style import LARGE_N, SEGMENT_COLORS
from analysis.data import PREDICTORS
from analysis.report.formatting import integer, usd
from analysis.model.results import SE_HC3, segment_term
from analysis.data.simulate import simulate_customers

PANELS = {"diagnostics": 4, "segment_effects": 1, "partial_effects": 3, "distributions": 4}
MAX_FIGURE_BYTES = 300 * 1024
MILLION = 1_000_000


@pytest.fixture(scope="module")
def independent_fit(results):
    """The same model fitted by statsmodels' formula interface, as a check on what figures draw."""
    data = results.customers[["CustomerValue", *PREDICTORS, "Segment"]].copy()
    formula = (f"CustomerValue ~ Recency + Frequency + MonetaryValue"
               f" + C(Segment, Treatment('{results.reference}'))")
    cov_type = "HC3" if results.se_type == SE_HC3 else "nonrobust"
    return smf.ols(formula, data=data).fit(cov_type=cov_type, use_t=True), data


@pytest.fixture(scope="module")
def million(fit_frame, tmp_path_factory):
    """A million simulated customers, fitted through the real data path (about 20 s)."""
    folder = tmp_path_factory.mktemp("million")
    return fit_frame(simulate_customers(MILLION, seed=5), folder)


# --- API --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PANELS))
def test_each_figure_returns_a_figure_with_its_panels(results, name):
    figure = figures.FIGURES[name][0](results)
    assert isinstance(figure, Figure)
    assert isinstance(figure.canvas, FigureCanvasAgg)
    assert len(figure.axes) == PANELS[name]
    assert figure.get_figwidth() == pytest.approx(6.5)


@pytest.mark.parametrize("name", list(PANELS))
def test_each_figure_draws_into_axes_it_is_given(results, name):
    host = Figure(figsize=(8, 6))
    axes = host.subplots(1, PANELS[name])
    returned = figures.FIGURES[name][0](results, ax=axes)
    assert returned is host
    assert all(ax.has_data() or ax.texts or ax.lines for ax in np.atleast_1d(axes))


def test_wrong_number_of_axes_is_refused_with_a_message(results):
    host = Figure()
    with pytest.raises(ValueError, match="4 Axes"):
        figures.diagnostics(results, ax=host.subplots(1, 3))


def test_figures_leave_the_results_untouched(results):
    before = results.customers.copy()
    for draw, _ in figures.FIGURES.values():
        draw(results)
    pd.testing.assert_frame_equal(results.customers, before)


# --- what is drawn equals an independent computation -------------------------------------------

def test_standardized_residuals_match_statsmodels(results, independent_fit):
    fit, _ = independent_fit
    expected = fit.get_influence().resid_studentized_internal
    np.testing.assert_allclose(derived.standardized_residuals(results), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("predictor", PREDICTORS)
def test_partial_effect_band_matches_statsmodels_prediction(results, independent_fit, predictor):
    fit, data = independent_fit
    grid, prediction, low, high = derived.partial_effect_curve(results, predictor, points=7)
    new = pd.DataFrame({column: np.full(len(grid), data[column].mean()) for column in PREDICTORS})
    new[predictor] = grid
    new["Segment"] = results.reference
    frame = fit.get_prediction(new).summary_frame(alpha=results.alpha)
    np.testing.assert_allclose(prediction, frame["mean"], rtol=1e-9)
    np.testing.assert_allclose(low, frame["mean_ci_lower"], rtol=1e-7)
    np.testing.assert_allclose(high, frame["mean_ci_upper"], rtol=1e-7)
    values = results.customers[predictor]
    assert grid[0] == pytest.approx(values.quantile(0.005)) and grid[-1] == pytest.approx(values.quantile(0.995))


def test_diagnostics_names_the_three_most_influential_customers(results, independent_fit):
    fit, _ = independent_fit
    cooks = fit.get_influence().cooks_distance[0]
    expected = list(results.customers["CustomerID"].iloc[np.argsort(-cooks)[:3]])
    assert derived.most_influential(results, figure_alt.N_LABELLED) == expected
    leverage_panel = figures.diagnostics(results).axes[3]
    named = {text.get_text() for text in leverage_panel.texts} & set(results.customers["CustomerID"])
    assert named == set(expected)


def test_qq_thinning_keeps_exact_order_statistics_and_both_extremes():
    values = np.random.default_rng(1).standard_t(5, 200_000)
    theoretical, sample = derived.qq_points(values)
    assert len(sample) <= derived.QQ_POINTS + 2 * derived.QQ_TAIL_POINTS
    assert sample[0] == values.min() and sample[-1] == values.max()
    assert np.all(np.isin(sample, values)) and np.all(np.diff(sample) >= 0)
    assert np.all(np.diff(theoretical) > 0)
    small_t, small_sample = derived.qq_points(values[:500])
    assert len(small_sample) == 500
    # R's ppoints for n > 10: (i - 1/2) / n, so the median rank sits at quantile 0.
    assert small_t[0] == pytest.approx(-small_t[-1])


def test_segment_effect_points_sit_at_the_reported_estimates(results):
    panel = figures.segment_effects(results).axes[0]
    drawn = {to_hex(line.get_color()): line.get_xdata()[0] for line in panel.lines
             if line.get_marker() == "o" and len(line.get_xdata()) == 1}
    for level in results.segment_levels_besides_reference:
        assert drawn[to_hex(SEGMENT_COLORS[level])] == pytest.approx(results.coefficient(segment_term(level)).estimate)
    labels = {text.get_text() for text in panel.texts}
    assert {usd(results.coefficient(segment_term(level)).estimate)
            for level in results.segment_levels_besides_reference} <= labels


# --- style ------------------------------------------------------------------------------------

def test_every_segment_keeps_its_colour_across_figures(results):
    boxes = figures.distributions(results).axes[0]
    faces = [to_hex(patch.get_facecolor()) for patch in boxes.patches]
    assert faces == [to_hex(SEGMENT_COLORS[level]) for level in reversed(results.levels)]
    effect_colours = {to_hex(line.get_color()) for line in figures.segment_effects(results).axes[0].lines
                      if line.get_marker() == "o"}
    assert effect_colours == {to_hex(SEGMENT_COLORS[level]) for level in results.levels}


def test_figures_work_without_a_segment(no_at_risk_results):
    r = no_at_risk_results
    for name, (draw, _) in figures.FIGURES.items():
        assert len(draw(r).axes) == PANELS[name]
        assert "At Risk" not in figures.alt_text(name, r)


# --- alt text ---------------------------------------------------------------------------------

def test_alt_text_states_the_numbers_the_figure_shows(results):
    effects = figures.alt_text("segment_effects", results)
    for level in results.segment_levels_besides_reference:
        row = results.coefficient(segment_term(level))
        assert f"{level} {usd(row.estimate)} ({usd(row.ci_low)} to {usd(row.ci_high)})" in effects
    diagnostics = figures.alt_text("diagnostics", results)
    assert all(customer in diagnostics for customer in derived.most_influential(results, figure_alt.N_LABELLED))
    assert f"{integer(results.diagnostics.n_influential)} customers exceed Cook's distance" in diagnostics
    partial = figures.alt_text("partial_effects", results)
    assert usd(results.coefficient("Frequency").estimate) in partial
    distributions = figures.alt_text("distributions", results)
    median = results.customers.loc[results.customers["Segment"] == "High Value", "CustomerValue"].median()
    assert f"customer value {usd(median, 0)}" in distributions


def test_alt_text_for_an_unknown_figure_lists_the_names(results):
    with pytest.raises(KeyError, match="diagnostics"):
        figures.alt_text("histogram", results)


# --- a million customers ------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", list(PANELS))
def test_million_customer_figures_stay_small_and_draw_densities(million, tmp_path, name):
    figure = figures.FIGURES[name][0](million)
    path = figures.save_png(figure, tmp_path / f"{name}.png")
    assert path.stat().st_size < MAX_FIGURE_BYTES, f"{name}: {path.stat().st_size / 1024:.0f} KB"
    for ax in figure.axes:
        largest = max((len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)), default=0)
        assert largest < LARGE_N, f"{name}: {largest} individual points drawn in one panel"
    if name == "diagnostics":
        assert all(any(isinstance(c, PolyCollection) for c in ax.collections)
                   for ax in figure.axes if ax.get_title(loc="left") != "Normal Q-Q")
    assert figures.alt_text(name, million)
