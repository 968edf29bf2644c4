"""The report's figures, drawn with matplotlib from a results object and nothing else.

Every figure function has the signature ``f(r, ax=None) -> Figure``. Single-panel
figures take one ``Axes``; multi-panel figures take an array-like of axes of the
right count (4 for :func:`diagnostics` and :func:`distributions`, 3 for
:func:`partial_effects`), or ``None`` to make a new 6.5-inch-wide figure.
Nothing here refits: residuals, leverage and Cook's distance come from
``r.customers``; confidence bands come from ``r.coefficients`` and
``r.reported_covariance``.

Alt text is built from the same numbers by :func:`alt_text` (``alt_text("diagnostics", r)``):
it says what the figure shows and states the numbers it shows, so it cannot drift from
the figure the way a hand-written ``fig-alt`` can after a data refresh.

Large N: from :data:`~analysis._figure_style.LARGE_N` customers the scatter
panels become hexbin densities, the lowess smoother runs on a fixed random
subsample of :data:`LOWESS_SAMPLE` customers, and the Q-Q plot shows
:data:`QQ_POINTS` order statistics (all of the most extreme ones included) rather
than every customer, which keeps a million-customer figure well under 300 KB.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats
from statsmodels.nonparametric.smoothers_lowess import lowess

from ._figure_style import (ACCENT, BAND_ALPHA, GUIDE, INK, REPORT_DPI, house_style,
                            dollar_axis, draw_points, label_points, new_figure, segment_color, style_axes)
from ..io.atomic import atomic_output
from ..data import PREDICTORS
from .formatting import integer, number, percent, usd
from ..model.results import SE_HC3, ModelResults, segment_term

# R's panel.smooth: lowess with f = 2/3 and 3 robustness iterations.
LOWESS_FRACTION = 2 / 3
LOWESS_ITERATIONS = 3
LOWESS_SAMPLE = 5_000        # lowess is O(n * window); a 5,000-customer sample traces the same curve
QQ_POINTS = 2_000            # order statistics shown in the Q-Q plot at large N
QQ_TAIL_POINTS = 50          # ...always including this many at each extreme
N_LABELLED = 3               # customers named per panel, as plot.lm's id.n
COOKS_CONTOURS = (0.5, 1.0)  # plot.lm's contours
PARTIAL_GRID = 100
PARTIAL_COVERAGE = 0.99      # the partial-effect curves span the middle 99% of customers
SAMPLE_SEED = 20240601       # fixed so the same data always draws the same figure

AXIS_LABELS = {
    "CustomerValue": "Customer value (USD)",
    "Recency": "Recency (days since last order)",
    "Frequency": "Frequency (orders in 12 months)",
    "MonetaryValue": "Average basket (USD)",
}


# --- shared computations (reading, never refitting) ------------------------------------------

def standardized_residuals(r: ModelResults) -> np.ndarray:
    """Internally studentized residuals, as R's ``rstandard``: e / (sigma * sqrt(1 - h))."""
    customers = r.customers
    leverage = np.clip(customers["leverage"].to_numpy(dtype=float), 0.0, 1.0 - 1e-12)
    return customers["residual"].to_numpy(dtype=float) / (r.full.sigma * np.sqrt(1.0 - leverage))


def _sample_index(n: int, size: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, size=size, replace=False))


def _smoother(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Lowess curve (sorted by x) on at most :data:`LOWESS_SAMPLE` points."""
    keep = _sample_index(len(x), LOWESS_SAMPLE)
    xs, ys = x[keep], y[keep]
    span = float(np.ptp(xs)) or 1.0
    return lowess(ys, xs, frac=LOWESS_FRACTION, it=LOWESS_ITERATIONS, delta=0.01 * span,
                  return_sorted=True)


def qq_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Theoretical normal quantiles and sorted values, thinned to :data:`QQ_POINTS` at large N.

    The plotting positions are R's ``ppoints``; thinning keeps exact order
    statistics (a subset of the full Q-Q plot's points), including the most
    extreme ones, so the tails look exactly as they would with every customer.
    """
    ordered = np.sort(values)
    n = len(ordered)
    a = 3 / 8 if n <= 10 else 1 / 2
    ranks = np.arange(1, n + 1)
    if n > QQ_POINTS:
        ranks = np.unique(np.concatenate([
            np.round(np.linspace(1, n, QQ_POINTS)).astype(int),
            np.arange(1, QQ_TAIL_POINTS + 1), np.arange(n - QQ_TAIL_POINTS + 1, n + 1)]))
    theoretical = stats.norm.ppf((ranks - a) / (n + 1 - 2 * a))
    return theoretical, ordered[ranks - 1]


def _top(values: np.ndarray, k: int = N_LABELLED) -> np.ndarray:
    k = min(k, len(values))
    return np.argsort(-values, kind="stable")[:k]


def most_influential(r: ModelResults, k: int = N_LABELLED) -> list[str]:
    """CustomerIDs of the ``k`` customers with the largest Cook's distance, largest first."""
    cooks = r.customers["cooks_distance"].to_numpy(dtype=float)
    return [str(r.customers["CustomerID"].iloc[i]) for i in _top(cooks, k)]


def _se_label(r: ModelResults) -> str:
    return "HC3" if r.se_type == SE_HC3 else "classical"


def _confidence(r: ModelResults) -> str:
    return f"{100 * (1 - r.alpha):g}% CI"


# --- 1. plot.lm-style diagnostics ------------------------------------------------------------

def diagnostics(r: ModelResults, ax=None) -> Figure:
    """Four panels like R's ``plot.lm``: residuals vs fitted, normal Q-Q, scale-location,
    residuals vs leverage with Cook's-distance contours.

    Parameters
    ----------
    r : ModelResults
    ax : array-like of 4 Axes, optional
        Panels in the order above; default a new 2 x 2 figure.
    """
    with house_style():
        figure, axes = new_figure(4, (2, 2), 5.6, ax)
        customers = r.customers
        fitted = customers["fitted"].to_numpy(dtype=float)
        residual = customers["residual"].to_numpy(dtype=float)
        leverage = customers["leverage"].to_numpy(dtype=float)
        ids = customers["CustomerID"].astype(str).to_numpy()
        standardized = standardized_residuals(r)
        extreme = _top(np.abs(residual))

        first, qq, scale, influence = axes
        draw_points(first, fitted, residual)
        first.axhline(0, color=GUIDE, linewidth=0.8, linestyle=":")
        curve = _smoother(fitted, residual)
        first.plot(curve[:, 0], curve[:, 1], color=ACCENT, linewidth=1.4)
        label_points(first, fitted[extreme], residual[extreme], ids[extreme])
        first.set(title="Residuals vs fitted", xlabel="Fitted customer value", ylabel="Residual")
        dollar_axis(first.xaxis)
        dollar_axis(first.yaxis)

        theoretical, ordered = qq_points(standardized)
        qq.scatter(theoretical, ordered, s=5, color="#4D4D4D", alpha=0.5, linewidths=0, rasterized=True)
        quartiles = np.quantile(standardized, [0.25, 0.75])
        normal_quartiles = stats.norm.ppf([0.25, 0.75])
        slope = (quartiles[1] - quartiles[0]) / (normal_quartiles[1] - normal_quartiles[0])
        intercept = quartiles[0] - slope * normal_quartiles[0]
        qq.axline((0, intercept), slope=slope, color=GUIDE, linewidth=0.8, linestyle=":")
        qq.set(title="Normal Q-Q", xlabel="Theoretical normal quantile", ylabel="Standardized residual")

        root = np.sqrt(np.abs(standardized))
        draw_points(scale, fitted, root)
        curve = _smoother(fitted, root)
        scale.plot(curve[:, 0], curve[:, 1], color=ACCENT, linewidth=1.4)
        label_points(scale, fitted[extreme], root[extreme], ids[extreme])
        scale.set(title="Scale-location", xlabel="Fitted customer value",
                  ylabel="√|standardized residual|")
        dollar_axis(scale.xaxis)

        _leverage_panel(influence, r, leverage, standardized, ids)
        for panel in axes:
            style_axes(panel)
    return figure


def _leverage_panel(ax: Axes, r: ModelResults, leverage: np.ndarray, standardized: np.ndarray,
                    ids: np.ndarray) -> None:
    """Standardized residual against leverage, with Cook's-distance contours labelled at the
    right edge as plot.lm labels them (a legend would sit on the very corner where the most
    influential customers tend to be)."""
    draw_points(ax, leverage, standardized)
    ax.axhline(0, color=GUIDE, linewidth=0.8, linestyle=":")
    y_low, y_high = float(standardized.min()), float(standardized.max())
    pad = 0.06 * (y_high - y_low or 1.0)
    y_limits = (y_low - pad, y_high + pad)
    x_high = float(leverage.max()) * 1.08
    grid = np.linspace(max(float(leverage.min()), 1e-9), x_high, 200)
    p = r.full.n_coefficients
    # A point with leverage h and standardized residual s has Cook's D = s² h / (p (1 - h)).
    contours = [(level, "--", ACCENT, number(level, 1)) for level in COOKS_CONTOURS]
    contours.append((r.diagnostics.cooks_threshold, ":", GUIDE, "4/n"))
    off_scale = []
    for level, style, color, label in contours:
        bound = np.sqrt(level * p * (1 - grid) / grid)
        for sign in (1, -1):
            ax.plot(grid, sign * bound, color=color, linewidth=0.8, linestyle=style)
            edge = sign * bound[-1]
            if sign > 0 and y_limits[0] <= edge <= y_limits[1]:
                ax.annotate(label, (grid[-1], edge), xytext=(2, 0), textcoords="offset points",
                            fontsize=7, color=color, va="center", annotation_clip=False)
        if bound.min() > max(abs(y_limits[0]), abs(y_limits[1])):
            off_scale.append(label)
    ax.set_xlim(0, x_high)
    ax.set_ylim(*y_limits)
    influential = _top(r.customers["cooks_distance"].to_numpy(dtype=float))
    label_points(ax, leverage[influential], standardized[influential], ids[influential])
    dashed_off = [label for label in off_scale if label != "4/n"]
    note = "Dotted: Cook's D = 4/n. Dashed: 0.5 and 1"
    if len(dashed_off) == len(COOKS_CONTOURS):
        note += " (off scale)"
    elif dashed_off:
        note += f" ({dashed_off[0]} off scale)"
    ax.text(1.0, -0.2, note, transform=ax.transAxes, ha="right", va="top", fontsize=7, color=INK)
    ax.set(title="Residuals vs leverage", xlabel="Leverage", ylabel="Standardized residual")


# --- 2. segment effects ----------------------------------------------------------------------

def segment_effects(r: ModelResults, ax: Axes | None = None) -> Figure:
    """Segment coefficients in dollars beyond RFM, with the reported confidence intervals.

    The reference segment sits at zero as a hollow marker.
    """
    with house_style():
        figure, (panel,) = new_figure(1, (1, 1), 0.55 * len(r.levels) + 1.0, ax)
        positions = np.arange(len(r.levels))[::-1]
        for y, level in zip(positions, r.levels):
            color = segment_color(level)
            if level == r.reference:
                panel.plot([0], [y], marker="o", markersize=6, markerfacecolor="white", color=color,
                           linestyle="none")
                panel.annotate("reference", (0, y), xytext=(6, 0), textcoords="offset points",
                               va="center", fontsize=7.5, color=INK)
                continue
            row = r.coefficient(segment_term(level))
            panel.plot([row.ci_low, row.ci_high], [y, y], color=color, linewidth=2.2,
                       solid_capstyle="butt")
            panel.plot([row.estimate], [y], marker="o", markersize=6, color=color, linestyle="none")
            panel.annotate(usd(row.estimate), (row.estimate, y), xytext=(0, 6), textcoords="offset points",
                           ha="center", fontsize=7.5, color=INK)
        panel.axvline(0, color=GUIDE, linewidth=0.8, linestyle=":")
        panel.set_yticks(positions, [f"{level}" for level in r.levels])
        panel.set_ylim(positions.min() - 0.6, positions.max() + 0.7)
        panel.set_xlabel(f"Customer value vs {r.reference} customers with the same R, F and M "
                         f"({_confidence(r)}, {_se_label(r)} standard errors)")
        dollar_axis(panel.xaxis)
        panel.set_title("Segment effects beyond RFM")
        style_axes(panel, grid_axis="x")
        panel.tick_params(axis="y", length=0)
    return figure


# --- 3. partial effects ----------------------------------------------------------------------

def partial_effect_range(r: ModelResults, predictor: str) -> tuple[float, float]:
    """Where the curve is drawn: the middle :data:`PARTIAL_COVERAGE` of customers.

    Not min to max: one customer with 400 orders would stretch the axis until
    every other customer sits in its first tenth.
    """
    tail = (1 - PARTIAL_COVERAGE) / 2
    low, high = np.quantile(r.customers[predictor].to_numpy(dtype=float), [tail, 1 - tail])
    return float(low), float(high)


def partial_effect_curve(r: ModelResults, predictor: str, points: int = PARTIAL_GRID):
    """Prediction and confidence band over :func:`partial_effect_range` of ``predictor``.

    Other predictors sit at their means and the segment at the reference; the band
    uses ``r.reported_covariance`` and the t quantile on the residual degrees of
    freedom. Returns ``(grid, prediction, low, high)``.
    """
    if predictor not in PREDICTORS:
        raise KeyError(f"{predictor!r} is not an RFM predictor; choose one of {', '.join(PREDICTORS)}")
    terms = list(r.reported_covariance.index)
    estimates = r.coefficients.set_index("term").loc[terms, "estimate"].to_numpy(dtype=float)
    grid = np.linspace(*partial_effect_range(r, predictor), points)
    design = np.zeros((points, len(terms)))
    design[:, terms.index("Intercept")] = 1.0
    for column in PREDICTORS:
        design[:, terms.index(column)] = grid if column == predictor else r.predictor_means[column]
    prediction = design @ estimates
    covariance = r.reported_covariance.loc[terms, terms].to_numpy(dtype=float)
    std_error = np.sqrt(np.einsum("ij,jk,ik->i", design, covariance, design))
    half_width = stats.t.ppf(1 - r.alpha / 2, r.full.df_resid) * std_error
    return grid, prediction, prediction - half_width, prediction + half_width


def partial_effects(r: ModelResults, ax=None) -> Figure:
    """Predicted customer value against Recency, Frequency and MonetaryValue, with CI bands.

    Parameters
    ----------
    ax : array-like of 3 Axes, optional
        One per predictor in the order Recency, Frequency, MonetaryValue.
    """
    with house_style():
        figure, axes = new_figure(3, (1, 3), 2.6, ax)
        color = segment_color(r.reference)
        for panel, predictor in zip(axes, PREDICTORS):
            grid, prediction, low, high = partial_effect_curve(r, predictor)
            panel.fill_between(grid, low, high, color=color, alpha=BAND_ALPHA, linewidth=0)
            panel.plot(grid, prediction, color=color, linewidth=1.6)
            # Deciles of the data as a rug: where along the line the customers actually are.
            deciles = np.quantile(r.customers[predictor].to_numpy(dtype=float), np.linspace(0.1, 0.9, 9))
            panel.plot(deciles, np.zeros_like(deciles), marker="|", markersize=7, color=INK,
                       linestyle="none", transform=panel.get_xaxis_transform())
            panel.set_xlabel(AXIS_LABELS[predictor])
            style_axes(panel)
        axes[0].set_ylabel("Predicted customer value")
        for panel in axes:
            dollar_axis(panel.yaxis)
        dollar_axis(axes[2].xaxis)
        figure.suptitle(f"Partial effects: {r.reference} customer, other predictors at their means; "
                        f"band: {_confidence(r)} ({_se_label(r)}); ticks: deciles of the data",
                        fontsize=8, x=0.01, ha="left", color=INK)
    return figure


# --- 4. distributions by segment -------------------------------------------------------------

DISTRIBUTION_COLUMNS = ("CustomerValue", "Recency", "Frequency", "MonetaryValue")
WHISKER_PERCENTILES = (5, 95)
DOLLAR_COLUMNS = ("CustomerValue", "MonetaryValue")


def distributions(r: ModelResults, ax=None) -> Figure:
    """Box plots of CustomerValue, Recency, Frequency and MonetaryValue by segment.

    Boxes span the quartiles with the median marked; whiskers reach the 5th and
    95th percentiles and outliers are not drawn (at large N they would be
    thousands of dots).

    Parameters
    ----------
    ax : array-like of 4 Axes, optional
        One per variable in the order above.
    """
    with house_style():
        figure, axes = new_figure(4, (2, 2), 4.6, ax)
        customers = r.customers
        segments = customers["Segment"].to_numpy()
        levels = list(r.levels)[::-1]  # first level on top
        for i, (panel, column) in enumerate(zip(axes, DISTRIBUTION_COLUMNS)):
            values = customers[column].to_numpy(dtype=float)
            data = [values[segments == level] for level in levels]
            boxes = panel.boxplot(data, orientation="horizontal", whis=WHISKER_PERCENTILES, showfliers=False,
                                  patch_artist=True, widths=0.6,
                                  medianprops={"color": INK, "linewidth": 1.2},
                                  whiskerprops={"color": "#777777", "linewidth": 0.8},
                                  capprops={"color": "#777777", "linewidth": 0.8})
            for patch, level in zip(boxes["boxes"], levels):
                patch.set(facecolor=segment_color(level), alpha=0.8, edgecolor="none")
            if i % 2 == 0:
                panel.set_yticks(np.arange(1, len(levels) + 1),
                                 [f"{level} (n = {integer(r.segment_counts.get(level, 0))})" for level in levels])
            else:
                panel.set_yticks(np.arange(1, len(levels) + 1), [""] * len(levels))
            panel.tick_params(axis="y", length=0)
            panel.set_xlabel(AXIS_LABELS[column])
            if column in DOLLAR_COLUMNS:
                dollar_axis(panel.xaxis)
            style_axes(panel, grid_axis="x")
        figure.suptitle("Boxes: quartiles and median; whiskers: 5th to 95th percentile",
                        fontsize=8, x=0.01, ha="left", color=INK)
    return figure


# --- alt text --------------------------------------------------------------------------------

def _diagnostics_alt(r: ModelResults) -> str:
    d = r.diagnostics
    customers = r.customers
    fitted = customers["fitted"].to_numpy(dtype=float)
    spread = np.corrcoef(fitted, np.abs(customers["residual"].to_numpy(dtype=float)))[0, 1]
    if d.bp_p < r.alpha:
        trend = "widens" if spread > 0 else "narrows"
        spread_text = (f"the spread of the residuals {trend} as fitted value grows (Breusch–Pagan "
                       f"p {'< 0.001' if d.bp_p < 0.001 else '= ' + number(d.bp_p, 3)}), which is why "
                       f"{_se_label(r)} standard errors are reported")
    else:
        spread_text = "the spread of the residuals is roughly constant across fitted values"
    top = most_influential(r)
    return (f"Four regression diagnostic panels for {integer(r.n)} customers, as R's plot.lm draws them. "
            f"Residuals vs fitted: residuals centre on zero for fitted values from "
            f"{usd(fitted.min(), 0)} to {usd(fitted.max(), 0)}; {spread_text}. "
            f"Normal Q-Q: standardized residuals follow the normal line in the middle; the tails "
            f"are {'heavier' if d.excess_kurtosis > 0 else 'lighter'} than normal (excess kurtosis "
            f"{number(d.excess_kurtosis, 2)}). Scale-location: the square root of the absolute "
            f"standardized residual against fitted value, with a smoother. Residuals vs leverage: "
            f"{integer(d.n_influential)} customers exceed Cook's distance 4/n; the largest Cook's "
            f"distance is {number(d.max_cooks_distance, 3)}, "
            f"{'beyond' if d.max_cooks_distance > COOKS_CONTOURS[0] else 'well inside'} the 0.5 contour; "
            f"the most influential customers are labelled: {', '.join(top)}.")


def _segment_effects_alt(r: ModelResults) -> str:
    parts = []
    for level in r.segment_levels_besides_reference:
        row = r.coefficient(segment_term(level))
        parts.append(f"{level} {usd(row.estimate)} ({usd(row.ci_low)} to {usd(row.ci_high)})")
    return (f"Dot-and-interval chart of segment effects beyond RFM: customer value relative to "
            f"{r.reference} customers with the same recency, frequency and basket size, with "
            f"{_confidence(r)}s from {_se_label(r)} standard errors. " + "; ".join(parts) + ".")


def _partial_effects_alt(r: ModelResults) -> str:
    parts = []
    for predictor in PREDICTORS:
        grid, prediction, _, _ = partial_effect_curve(r, predictor, points=2)
        parts.append(f"{AXIS_LABELS[predictor]}: predicted value {usd(prediction[0], 0)} at "
                     f"{number(grid[0], 0 if predictor != 'MonetaryValue' else 2)} and "
                     f"{usd(prediction[-1], 0)} at {number(grid[-1], 0 if predictor != 'MonetaryValue' else 2)} "
                     f"(slope {usd(r.coefficient(predictor).estimate)} per unit)")
    return (f"Three line charts of predicted customer value for a {r.reference} customer with the other "
            f"predictors at their means, each with a shaded {_confidence(r)} band ({_se_label(r)}), "
            f"drawn across the middle {percent(PARTIAL_COVERAGE, 0)} of customers. "
            + "; ".join(parts) + ".")


def _distributions_alt(r: ModelResults) -> str:
    customers = r.customers
    medians = customers.groupby("Segment", observed=True)[list(DISTRIBUTION_COLUMNS)].median()
    shown = {"CustomerValue": lambda v: usd(v, 0), "Recency": lambda v: f"{number(v, 0)} days",
             "Frequency": lambda v: f"{number(v, 0)} orders", "MonetaryValue": lambda v: usd(v, 0)}
    parts = []
    for level in r.levels:
        values = ", ".join(f"{AXIS_LABELS[c].split(' (')[0].lower()} {shown[c](medians.loc[level, c])}"
                           for c in DISTRIBUTION_COLUMNS)
        parts.append(f"{level} ({percent(r.segment_counts[level] / r.n)} of customers): median {values}")
    return ("Four panels of box plots by segment for customer value, recency, frequency and average "
            "basket; boxes span the quartiles and whiskers the 5th to 95th percentiles. "
            + "; ".join(parts) + ".")


FIGURES: dict[str, tuple[Callable[..., Figure], Callable[[ModelResults], str]]] = {
    "diagnostics": (diagnostics, _diagnostics_alt),
    "segment_effects": (segment_effects, _segment_effects_alt),
    "partial_effects": (partial_effects, _partial_effects_alt),
    "distributions": (distributions, _distributions_alt),
}


def alt_text(name: str, r: ModelResults) -> str:
    """Alt text for figure ``name`` that states what it shows, with the numbers it shows."""
    if name not in FIGURES:
        raise KeyError(f"no figure named {name!r}; the figures are: {', '.join(FIGURES)}")
    return FIGURES[name][1](r)


def save_png(figure: Figure, path: str | Path, dpi: int = REPORT_DPI) -> Path:
    """Write ``figure`` as PNG atomically, without the timestamp metadata that would make builds differ."""
    path = Path(path)
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi, metadata={"Software": None})
    path.chmod(0o644)  # the temporary file was private; a published figure must be readable
    return path


__all__ = ["diagnostics", "segment_effects", "partial_effects", "distributions", "alt_text",
           "partial_effect_curve", "partial_effect_range", "standardized_residuals", "qq_points", "most_influential",
           "save_png", "FIGURES"]
