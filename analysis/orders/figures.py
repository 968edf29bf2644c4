"""Figures of the Segmentation chapter; each only reads a :class:`SegmentationSummary`.

Text drawn from data goes through :func:`~analysis.io.escape_figure_text.figure_text`, so a
dollar sign never starts mathtext. Every figure takes ``ax=None`` (or a list of axes)
like the report's other figures.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter

from ..report._figure_style import ACCENT, GUIDE, INK, house_style, new_figure, segment_color, style_axes
from ..report.formatting import integer, number, percent, usd
from ..io.escape_figure_text import figure_text
from .summary import SegmentationSummary

# The heatmap shows the latest cohorts and the first year after acquisition.
COHORT_ROWS = 18
COHORT_AGES = 12

NEUTRAL = "#767676"
BAR = "#4D7EA8"
# Sequential maps without their near-white end, so the smallest value still reads as filled.
VALUE_CMAP = ListedColormap(colormaps["Blues"](np.linspace(0.12, 0.95, 256)), name="seg_value")
COUNT_CMAP = ListedColormap(colormaps["Greens"](np.linspace(0.12, 0.95, 256)), name="seg_count")
# Narrower than the PDF's 6.5 in: these figures are read on screens, and a 6.5 in figure shown
# 390 px wide (a phone) prints 9 pt text about 6 px high; at 4.8 in it is about 8 px.
SCREEN_WIDTH_IN = 4.8
LOG_TICKS = tuple(step * 10.0 ** decade for decade in range(0, 7) for step in (1, 2, 5))


def _figure(n_panels: int, shape: tuple[int, int], height_in: float, ax):
    """:func:`new_figure` at :data:`SCREEN_WIDTH_IN` wide (unless the caller passes axes)."""
    figure, axes = new_figure(n_panels, shape, height_in, ax)
    if ax is None:
        figure.set_size_inches(SCREEN_WIDTH_IN, height_in)
    return figure, axes


def _short_usd(value: float) -> str:
    """$500, $1k, $2.5k: tick labels that fit a narrow log axis."""
    if value >= 1000:
        thousands = value / 1000
        return f"${thousands:,.0f}k" if thousands.is_integer() else f"${thousands:,.1f}k"
    return usd(value, 0)


def _thousands(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def share_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Share of customers next to share of revenue, per segment."""
    s = summary.segments.iloc[::-1]
    with house_style():
        figure, (axis,) = _figure(1, (1, 1), 3.8, ax)
        y = range(len(s))
        colors = [segment_color(label) for label in s["Segment"]]
        axis.barh([v + 0.2 for v in y], s["customer_share"] * 100, height=0.38,
                  color=colors, alpha=0.45, label="% of customers")
        axis.barh([v - 0.2 for v in y], s["revenue_share"] * 100, height=0.38,
                  color=colors, label="% of revenue")
        axis.set_yticks(list(y), [figure_text(name) for name in s["RFMSegment"]])
        axis.set_xlabel("Share (%)")
        # Bars take their segment's colour; the legend explains light vs dark in neutral grey.
        axis.legend(handles=[Patch(color=NEUTRAL, alpha=0.45, label="% of customers"),
                             Patch(color=NEUTRAL, label="% of revenue")], loc="lower right")
        style_axes(axis, grid_axis="x")
    return figure


def monthly_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Monthly revenue, active customers and the new-customer ratio, stacked."""
    m = summary.monthly
    with house_style():
        figure, axes = _figure(3, (3, 1), 5.4, ax)
        x = range(len(m))
        series = [("revenue", "Revenue ($)", 1.0), ("active_customers", "Active customers", 1.0),
                  ("new_customer_ratio", "New-customer ratio (%)", 100.0)]
        for axis, (column, label, scale) in zip(axes, series):
            axis.plot(list(x), m[column] * scale, marker="o", markersize=2.5, linewidth=1.2)
            axis.set_ylabel(figure_text(label))
            _thousands(axis.yaxis)
            style_axes(axis, grid_axis="y")
        step = max(1, len(m) // 12)
        for axis in axes[:-1]:
            axis.set_xticks(list(x)[::step], [""] * len(list(x)[::step]))
        axes[-1].set_xticks(list(x)[::step], m["month"].iloc[::step], rotation=45, ha="right")
    return figure


def _grid_panel(axis, values: np.ndarray, cmap, labels: list[list[str]], title: str) -> None:
    """A 5 x 5 score grid: F score across, R score up (5 = most recent at the top)."""
    masked = np.ma.masked_invalid(values)
    axis.imshow(masked, cmap=cmap, origin="lower", extent=(0.5, 5.5, 0.5, 5.5), aspect="auto")
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0
    for r in range(5):
        for f in range(5):
            dark = np.isfinite(values[r, f]) and values[r, f] > middle
            axis.text(f + 1, r + 1, figure_text(labels[r][f]), ha="center", va="center", fontsize=7.5,
                      color="white" if dark else INK)
    axis.set_xticks(range(1, 6))
    axis.set_yticks(range(1, 6))
    axis.set_xlabel("Frequency score (5 = most orders)")
    axis.set_ylabel("Recency score (5 = most recent)")
    axis.set_title(figure_text(title))
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)


def rf_heatmap_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """The R x F grid twice: mean order value of the cell's buyers, and customers per cell."""
    grid = summary.aggregates.rf_grid.sort_values(["R_score", "F_score"])
    means = grid["monetary_mean"].to_numpy(dtype=float).reshape(5, 5)
    counts = grid["customers"].to_numpy(dtype=float).reshape(5, 5)
    with house_style():
        figure, (left, right) = _figure(2, (2, 1), 6.4, ax)
        mean_labels = [[("–" if not np.isfinite(v) else usd(v, 0)) for v in row] for row in means]
        count_labels = [[integer(v) for v in row] for row in counts]
        _grid_panel(left, means, VALUE_CMAP, mean_labels, "Mean order value (buyers)")
        _grid_panel(right, np.where(counts > 0, counts, np.nan), COUNT_CMAP, count_labels, "Customers")
    return figure


def rfm_histograms_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Histograms of recency (30-day bins), orders in the window and average order value."""
    a = summary.aggregates
    with house_style():
        figure, (recency, frequency, monetary) = _figure(3, (3, 1), 6.6, ax)
        r = a.recency_bins
        recency.bar(r["low"], r["customers"], width=r["high"] - r["low"], align="edge",
                    color=BAR, edgecolor="white", linewidth=0.4)
        recency.set_xlabel("Days since last order")
        recency.set_title("Recency")
        f = a.frequency_bars
        frequency.bar(range(len(f)), f["customers"], color=BAR, width=0.8)
        ticks = list(range(0, len(f), 3)) + ([len(f) - 1] if (len(f) - 1) % 3 else [])
        frequency.set_xticks(ticks, [figure_text(f["label"].iloc[i]) for i in ticks])
        frequency.set_xlabel("Orders in the 12 months")
        frequency.set_title("Frequency")
        m = a.monetary_bins
        high = m["high"].fillna(m["low"] * 1.5)
        monetary.bar(m["low"], m["customers"], width=high - m["low"], align="edge",
                     color=BAR, edgecolor="white", linewidth=0.4)
        monetary.set_xscale("log")
        # Ticks on a 1-2-5 sequence inside the bars' range; log axes otherwise label in mathtext.
        low, top = float(m["low"].min()), float(high.max())
        ticks = [v for v in LOG_TICKS if low <= v <= top] or [low, top]
        monetary.set_xticks(ticks, [figure_text(_short_usd(v)) for v in ticks])
        monetary.xaxis.set_minor_formatter(NullFormatter())
        monetary.set_xlabel("Average order value (log scale)")
        monetary.set_title("Monetary value (buyers)")
        for axis in (recency, frequency, monetary):
            _thousands(axis.yaxis)
            style_axes(axis, grid_axis="y")
            axis.set_ylabel("Customers")
    return figure


def orders_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Customers by the number of orders they have placed, over their whole history."""
    bars = summary.aggregates.order_bars
    with house_style():
        figure, (axis,) = _figure(1, (1, 1), 3.0, ax)
        x = range(len(bars))
        axis.bar(x, bars["customers"], color=BAR, width=0.75)
        for xi, (n, share) in enumerate(zip(bars["customers"], bars["share"])):
            axis.annotate(percent(share, 0), (xi, n), xytext=(0, 2), textcoords="offset points",
                          ha="center", va="bottom", fontsize=7, color=INK)
        axis.set_xticks(list(x), [figure_text(label) for label in bars["label"]])
        axis.set_xlabel("Orders placed up to the as-of date")
        axis.set_ylabel("Customers")
        _thousands(axis.yaxis)
        axis.margins(y=0.12)
        style_axes(axis, grid_axis="y")
    return figure


def lorenz_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """The Pareto curve: share of revenue brought by the top x% of buyers, with the top 20% marked."""
    c = summary.aggregates.concentration
    with house_style():
        figure, (axis,) = _figure(1, (1, 1), 3.6, ax)
        axis.plot(c.curve["buyer_share"], c.curve["revenue_share"], color=BAR, linewidth=1.6,
                  label="Buyers, largest first")
        axis.plot([0, 1], [0, 1], color=GUIDE, linewidth=0.8, linestyle="--", label="Equal revenue per buyer")
        axis.plot([c.top_buyer_share] * 2, [0, c.top_revenue_share], color=ACCENT, linewidth=0.8, linestyle=":")
        axis.plot([0, c.top_buyer_share], [c.top_revenue_share] * 2, color=ACCENT, linewidth=0.8, linestyle=":")
        axis.scatter([c.top_buyer_share], [c.top_revenue_share], color=ACCENT, s=14, zorder=3)
        axis.annotate(figure_text(f"Top {percent(c.top_buyer_share, 0)}: {percent(c.top_revenue_share)} of revenue"),
                      (c.top_buyer_share, c.top_revenue_share), xytext=(8, -12), textcoords="offset points",
                      fontsize=7.5, color=INK)
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1.02)
        axis.xaxis.set_major_formatter(PercentFormatter(1.0))
        axis.yaxis.set_major_formatter(PercentFormatter(1.0))
        axis.set_xlabel("Share of buyers (largest 12-month revenue first)")
        axis.set_ylabel("Share of 12-month revenue")
        axis.set_title(figure_text(f"Gini coefficient {number(c.gini, 2)}"))
        axis.legend(loc="lower right")
        style_axes(axis)
    return figure


def cohort_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Retention heatmap: latest acquisition cohorts (rows) by months since acquisition (columns)."""
    table = summary.aggregates.cohorts.table
    shown = table[(table["age"] >= 1) & (table["age"] <= COHORT_AGES)]
    cohorts = sorted(table["cohort"].unique())[-COHORT_ROWS:]
    ages = list(range(1, COHORT_AGES + 1))
    values = np.full((len(cohorts), len(ages)), np.nan)
    for row in shown[shown["cohort"].isin(cohorts) & shown["complete"]].itertuples():
        values[cohorts.index(row.cohort), row.age - 1] = row.retention
    with house_style():
        figure, (axis,) = _figure(1, (1, 1), 1.0 + 0.24 * max(len(cohorts), 4), ax)
        axis.imshow(np.ma.masked_invalid(values), cmap=VALUE_CMAP, aspect="auto", vmin=0,
                    vmax=np.nanmax(values) if np.isfinite(values).any() else 1)
        finite = values[np.isfinite(values)]
        middle = finite.max() / 2 if finite.size else 0
        for i in range(len(cohorts)):
            for j in range(len(ages)):
                if np.isfinite(values[i, j]):
                    axis.text(j, i, f"{100 * values[i, j]:.0f}", ha="center", va="center", fontsize=6.5,
                              color="white" if values[i, j] > middle else INK)
        sizes = table[table["age"] == 0].set_index("cohort")["size"]
        axis.set_yticks(range(len(cohorts)), [figure_text(f"{c}  (n={integer(sizes[c])})") for c in cohorts])
        axis.set_xticks(range(len(ages)), [str(a) for a in ages])
        axis.set_xlabel("Months since the month of the first order")
        axis.set_title("Share of the cohort ordering in that month (%)")
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    return figure
