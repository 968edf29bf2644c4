"""The report's figures, drawn with matplotlib from a results object and nothing else.

Every figure function has the signature ``f(r, ax=None) -> Figure``. Single-panel
figures take one ``Axes``; multi-panel figures take an array-like of axes of the
right count (4 for :func:`diagnostics` and :func:`distributions`, 3 for
:func:`partial_effects`), or ``None`` to make a new 6.5-inch-wide figure.
Nothing here computes a statistic: residuals, Q-Q positions, smoothers, bands and
Cook's contours come from :mod:`analysis.model.derived`.

Chapters call :func:`with_alt` (``figures.with_alt("diagnostics", r)``): the
figure travels with its alt text from :mod:`analysis.report.figure_alt`, which
states the numbers the figure shows, so it cannot drift from the figure the way a
hand-written ``fig-alt`` can after a data refresh.

Large N: from :data:`~analysis.report._figure_style.LARGE_N` customers the scatter
panels become hexbin densities, the lowess smoother runs on a fixed random
subsample, and the Q-Q plot shows a few thousand order statistics (all of the most
extreme ones included) rather than every customer, which keeps a million-customer
figure well under 300 KB.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..data import PREDICTORS
from ..io.atomic import atomic_output
from ..model.derived import (cooks_contour, engine_summary, largest, partial_effect_curve, predictor_deciles, qq_points,
                             qq_reference_line, root_abs_standardized_residuals, smoother,
                             standardized_residuals)
from ..model.results import ModelResults, segment_term
from ._figure_style import (ACCENT, BAND_ALPHA, GUIDE, INK, REPORT_DPI, dollar_axis, draw_points, house_style,
                            label_points, new_figure, segment_color, style_axes)
from .figure_alt import (DISTRIBUTION_COLUMNS, N_LABELLED, diagnostics_alt, distributions_alt,
                         partial_effects_alt, segment_effects_alt)
from .figure_display import FigureWithAlt
from .formatting import integer, number, usd
from ..io.escape_figure_text import figure_text
from .wording import COOKS_CONTOURS, VARIABLE_LABELS, ci_label, se_label


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
    if engine_summary(r) is not None:  # a warehouse table: drawn from the engine's bins
        from .binned_figures import binned_diagnostics

        return binned_diagnostics(r, ax)
    with house_style():
        figure, axes = new_figure(4, (2, 2), 5.6, ax)
        customers = r.customers
        fitted = customers["fitted"].to_numpy(dtype=float)
        residual = customers["residual"].to_numpy(dtype=float)
        leverage = customers["leverage"].to_numpy(dtype=float)
        ids = customers["CustomerID"].astype(str).to_numpy()
        standardized = standardized_residuals(r)
        extreme = largest(np.abs(residual), N_LABELLED)

        first, qq, scale, influence = axes
        draw_points(first, fitted, residual)
        first.axhline(0, color=GUIDE, linewidth=0.8, linestyle=":")
        curve = smoother(fitted, residual)
        first.plot(curve[:, 0], curve[:, 1], color=ACCENT, linewidth=1.4)
        label_points(first, fitted[extreme], residual[extreme], ids[extreme])
        first.set(title="Residuals vs fitted", xlabel="Fitted customer value", ylabel="Residual")
        dollar_axis(first.xaxis)
        dollar_axis(first.yaxis)

        theoretical, ordered = qq_points(standardized)
        qq.scatter(theoretical, ordered, s=5, color="#4D4D4D", alpha=0.5, linewidths=0, rasterized=True)
        intercept, slope = qq_reference_line(standardized)
        qq.axline((0, intercept), slope=slope, color=GUIDE, linewidth=0.8, linestyle=":")
        qq.set(title="Normal Q-Q", xlabel="Theoretical normal quantile", ylabel="Standardized residual")

        root = root_abs_standardized_residuals(r)
        draw_points(scale, fitted, root)
        curve = smoother(fitted, root)
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
    cooks_guides(ax, r, (float(leverage.min()), float(leverage.max())),
                 (float(standardized.min()), float(standardized.max())))
    influential = largest(r.customers["cooks_distance"].to_numpy(dtype=float), N_LABELLED)
    label_points(ax, leverage[influential], standardized[influential], ids[influential])


def cooks_guides(ax: Axes, r: ModelResults, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
    """The leverage panel's zero line, Cook's-distance contours, limits, note and title."""
    ax.axhline(0, color=GUIDE, linewidth=0.8, linestyle=":")
    y_low, y_high = y_range
    pad = 0.06 * (y_high - y_low or 1.0)
    y_limits = (y_low - pad, y_high + pad)
    x_high = x_range[1] * 1.08
    grid = np.linspace(max(x_range[0], 1e-9), x_high, 200)
    contours = [(level, "--", ACCENT, number(level, 1)) for level in COOKS_CONTOURS]
    contours.append((r.diagnostics.cooks_threshold, ":", GUIDE, "4/n"))
    off_scale = []
    for level, style, color, label in contours:
        bound = cooks_contour(level, r.full.n_coefficients, grid)
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
    dashed_off = [label for label in off_scale if label != "4/n"]
    note = "Dotted: Cook's D = 4/n. Dashed: " + " and ".join(f"{level:g}" for level in COOKS_CONTOURS)
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
                         f"({ci_label(r.alpha)}, {se_label(r)} standard errors)")
        dollar_axis(panel.xaxis)
        panel.set_title("Segment effects beyond RFM")
        style_axes(panel, grid_axis="x")
        panel.tick_params(axis="y", length=0)
    return figure


# --- 3. partial effects ----------------------------------------------------------------------

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
            deciles = predictor_deciles(r, predictor)
            panel.plot(deciles, np.zeros_like(deciles), marker="|", markersize=7, color=INK,
                       linestyle="none", transform=panel.get_xaxis_transform())
            panel.set_xlabel(VARIABLE_LABELS[predictor])
            style_axes(panel)
        axes[0].set_ylabel("Predicted customer value")
        for panel in axes:
            dollar_axis(panel.yaxis)
        dollar_axis(axes[2].xaxis)
        figure.suptitle(f"Partial effects: {r.reference} customer, other predictors at their means; "
                        f"band: {ci_label(r.alpha)} ({se_label(r)}); ticks: deciles of the data",
                        fontsize=8, x=0.01, ha="left", color=INK)
    return figure


# --- 4. distributions by segment -------------------------------------------------------------

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
        engine = engine_summary(r)  # a warehouse table: the engine's five quantiles per box
        levels = list(r.levels)[::-1]  # first level on top
        if engine is None:
            customers = r.customers
            # One pass over the labels (comparing 1M text labels per box took most of a second).
            segments = pd.Categorical(customers["Segment"], categories=levels).codes
        look = dict(orientation="horizontal", showfliers=False, patch_artist=True, widths=0.6,
                    medianprops={"color": INK, "linewidth": 1.2},
                    whiskerprops={"color": "#777777", "linewidth": 0.8},
                    capprops={"color": "#777777", "linewidth": 0.8})
        for i, (panel, column) in enumerate(zip(axes, DISTRIBUTION_COLUMNS)):
            if engine is None:
                values = customers[column].to_numpy(dtype=float)
                data = [values[segments == code] for code in range(len(levels))]
                boxes = panel.boxplot(data, whis=WHISKER_PERCENTILES, **look)
            else:
                boxes = panel.bxp([dict(zip(("whislo", "q1", "med", "q3", "whishi"), engine.box[(level, column)]),
                                        fliers=[]) for level in levels], **look)
            for patch, level in zip(boxes["boxes"], levels):
                patch.set(facecolor=segment_color(level), alpha=0.8, edgecolor="none")
            if i % 2 == 0:
                panel.set_yticks(np.arange(1, len(levels) + 1),
                                 [f"{figure_text(level)} (n = {integer(r.segment_counts.get(level, 0))})" for level in levels])
            else:
                panel.set_yticks(np.arange(1, len(levels) + 1), [""] * len(levels))
            panel.tick_params(axis="y", length=0)
            panel.set_xlabel(VARIABLE_LABELS[column])
            if column in DOLLAR_COLUMNS:
                dollar_axis(panel.xaxis)
            style_axes(panel, grid_axis="x")
        figure.suptitle("Boxes: quartiles and median; whiskers: 5th to 95th percentile",
                        fontsize=8, x=0.01, ha="left", color=INK)
    return figure


FIGURES: dict[str, tuple[Callable[..., Figure], Callable[[ModelResults], str]]] = {
    "diagnostics": (diagnostics, diagnostics_alt),
    "segment_effects": (segment_effects, segment_effects_alt),
    "partial_effects": (partial_effects, partial_effects_alt),
    "distributions": (distributions, distributions_alt),
}


def _known(name: str) -> None:
    if name not in FIGURES:
        raise KeyError(f"no figure named {name!r}; the figures are: {', '.join(FIGURES)}")


def alt_text(name: str, r: ModelResults) -> str:
    """Alt text for figure ``name`` that states what it shows, with the numbers it shows."""
    _known(name)
    return FIGURES[name][1](r)


def with_alt(name: str, r: ModelResults) -> FigureWithAlt:
    """Figure ``name`` with its alt text, for a chapter chunk: the page shows the image with that alt."""
    _known(name)
    draw, describe = FIGURES[name]
    return FigureWithAlt(draw(r), describe(r))


def save_png(figure: Figure, path: str | Path, dpi: int = REPORT_DPI) -> Path:
    """Write ``figure`` as PNG atomically, without the timestamp metadata that would make builds differ."""
    path = Path(path)
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi, metadata={"Software": None})
    path.chmod(0o644)  # the temporary file was private; a published figure must be readable
    return path


__all__ = ["diagnostics", "segment_effects", "partial_effects", "distributions", "alt_text", "with_alt",
           "save_png", "FIGURES"]
