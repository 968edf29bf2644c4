"""The plot.lm diagnostics drawn from in-engine bins, for a warehouse table.

:func:`analysis.report.figures.diagnostics` hands over here when the results carry
an :class:`~analysis.model.engine.summary.EngineSummary`: the same four panels,
titles, guides and labelled customers, with each point cloud drawn as the
engine's 50 x 50 count lattice (log colour scale, as the in-memory hexbin) and
the smoother as the mean per fitted-value bin (a lowess needs the rows). The
Q-Q panel shows the same exact order statistics the in-memory figure keeps.
"""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from scipy import stats

from ..model.engine.bins import Histogram2D
from ..model.results import ModelResults
from ._figure_style import ACCENT, GUIDE, dollar_axis, house_style, label_points, new_figure, style_axes
from ._figure_style import DENSITY_CMAP

# Bins with fewer customers than this are left out of the binned-mean smoother: a mean of
# two or three residuals jumps about and would read as a pattern.
SMOOTHER_MIN_COUNT = 20


def density(ax: Axes, histogram: Histogram2D) -> None:
    """Counts as a log-scaled grey lattice; empty cells blank (the in-memory hexbin's look)."""
    counts = np.ma.masked_equal(histogram.counts.T, 0)
    if counts.count() == 0:
        return
    ax.pcolormesh(histogram.x_edges, histogram.y_edges, counts, cmap=DENSITY_CMAP,
                  norm=LogNorm(vmin=1, vmax=max(2, int(counts.max()))), rasterized=True, linewidth=0)
    ax.use_sticky_edges = False  # a margin as around a scatter, so edge customers' labels stay inside
    ax.margins(0.04)


def _smoother(ax: Axes, means, column: str) -> None:
    kept = means[means["n"] >= SMOOTHER_MIN_COUNT]
    ax.plot(kept["x"], kept[column], color=ACCENT, linewidth=1.4)


def binned_diagnostics(r: ModelResults, ax=None) -> Figure:
    """The four diagnostic panels from ``r.engine`` (see the module docstring)."""
    from .figures import cooks_guides

    e = r.engine
    with house_style():
        figure, axes = new_figure(4, (2, 2), 5.6, ax)
        first, qq, scale, influence = axes
        density(first, e.residuals_vs_fitted)
        first.axhline(0, color=GUIDE, linewidth=0.8, linestyle=":")
        _smoother(first, e.fitted_means, "residual")
        labels = e.labelled_residuals
        ids = labels["CustomerID"].astype(str).to_numpy()
        label_points(first, labels["fitted"].to_numpy(float), labels["residual"].to_numpy(float), ids)
        first.set(title="Residuals vs fitted", xlabel="Fitted customer value",
                  ylabel="Residual (mean per bin in orange)")
        dollar_axis(first.xaxis)
        dollar_axis(first.yaxis)

        qq.scatter(e.qq_theoretical, e.qq_ordered, s=5, color="#4D4D4D", alpha=0.5, linewidths=0,
                   rasterized=True)
        (q1, q3), (z1, z3) = e.qq_quartiles, stats.norm.ppf([0.25, 0.75])
        slope = (q3 - q1) / (z3 - z1)
        qq.axline((0, q1 - slope * z1), slope=slope, color=GUIDE, linewidth=0.8, linestyle=":")
        qq.set(title="Normal Q-Q", xlabel="Theoretical normal quantile", ylabel="Standardized residual")

        density(scale, e.scale_location)
        _smoother(scale, e.fitted_means, "root")
        label_points(scale, labels["fitted"].to_numpy(float), labels["root"].to_numpy(float), ids)
        scale.set(title="Scale-location", xlabel="Fitted customer value", ylabel="√|standardized residual|")
        dollar_axis(scale.xaxis)

        density(influence, e.residuals_vs_leverage)
        cooks_guides(influence, r, e.ranges["leverage"], e.ranges["standardized"])
        cooks = e.labelled_cooks
        label_points(influence, cooks["leverage"].to_numpy(float), cooks["standardized"].to_numpy(float),
                     cooks["CustomerID"].astype(str).to_numpy())
        for panel in axes:
            style_axes(panel)
    return figure
