"""Tables, figures and sentences of the Segmentation chapter; they only read a summary.

Every function takes a :class:`~analysis.orders.summary.SegmentationSummary` and
renders it; none recomputes anything, so a share quoted in prose is the share in
the table. The chapter must also render when no order log is configured: then the
summary is ``None``, :func:`introduction` prints how to configure one, and every
other function returns ``None`` or ``""`` so its chunk shows nothing.
"""
from __future__ import annotations

import functools

import pandas as pd
from great_tables import GT
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..io.escape_markdown import markdown_text
from ..report._figure_style import house_style, new_figure, segment_color, style_axes
from ..report._table_style import build_table
from ..report.formatting import integer, number, percent, usd
from .summary import ORDER_LOG_AS_OF_ENV, ORDER_LOG_COLUMNS_ENV, ORDER_LOG_ENV, SegmentationSummary


NEUTRAL = "#767676"


def _when_configured(empty):
    """Render only when there is a summary; without one, return ``empty`` (``""`` for text, else ``None``)."""
    def decorate(render):
        @functools.wraps(render)
        def wrapper(summary, *args, **kwargs):
            if summary is None:
                return empty
            return render(summary, *args, **kwargs)
        return wrapper
    return decorate


def introduction(summary: SegmentationSummary | None) -> str:
    """Markdown opening the chapter: what was analysed and the headline, or how to configure."""
    if summary is None:
        return not_configured_note()
    text = f"{scope(summary)}\n\n**{headline(summary)}**\n"
    notes = notes_markdown(summary)
    return text + (f"\nNotes on this run:\n\n{notes}\n" if notes else "")


@_when_configured(empty="")
def section(summary: SegmentationSummary, title: str, anchor: str, text: str = "") -> str:
    """A section heading (and its lead paragraph), only when the chapter has content."""
    return f"## {title} {{#{anchor}}}\n\n{text}\n"


def not_configured_note() -> str:
    """Markdown shown instead of the chapter when no order log is configured."""
    return (
        "::: {.callout-note}\n"
        "## No order log configured\n\n"
        f"This chapter derives segments from raw order lines. Set `{ORDER_LOG_ENV}` to a CSV or "
        "Parquet order log (Online Retail layout by default) and render again, for example:\n\n"
        "```bash\n"
        f"{ORDER_LOG_ENV}=data/orders.csv {ORDER_LOG_AS_OF_ENV}=2011-12-09 python -m analysis render\n"
        "```\n\n"
        f"`{ORDER_LOG_AS_OF_ENV}` (YYYY-MM-DD) defaults to the last day of the log; "
        f"`{ORDER_LOG_COLUMNS_ENV}` maps other column names, e.g. `customer=cust_id,date=ordered_at`.\n"
        ":::\n"
    )


@_when_configured(empty="")
def headline(summary: SegmentationSummary) -> str:
    """The Pareto sentence: "x% of revenue comes from y% of customers"."""
    high = summary.high_value
    return (
        f"{percent(summary.top_revenue_share)} of the last 12 months' revenue comes from "
        f"{percent(summary.top_customer_share)} of customers; the High Value group "
        f"(Champions and Loyal, {percent(high['customer_share'])} of customers) brings "
        f"{percent(high['revenue_share'])} of it."
    )


@_when_configured(empty="")
def scope(summary: SegmentationSummary) -> str:
    """One sentence on what was analysed, naming the snapshot (lines read and file hash)."""
    snapshot = f", SHA-256 `{summary.snapshot_sha256[:12]}`" if summary.snapshot_sha256 else ""
    return (
        f"{integer(summary.customers)} customers from {markdown_text(summary.source)} "  # a path or URL: literal
        f"({integer(summary.cleaning.lines_read)} order lines{snapshot}), with orders from "
        f"{summary.first_day} to {summary.last_day}, scored as of {summary.as_of}; "
        f"12-month revenue {usd(summary.revenue, 0)}."
    )


@_when_configured(empty="")
def notes_markdown(summary: SegmentationSummary) -> str:
    """The run's caveats as a Markdown list (empty string when there are none)."""
    return "\n".join(f"- {note[0].upper()}{note[1:]}." for note in summary.notes)


@_when_configured(empty=None)
def size_table(summary: SegmentationSummary) -> GT:
    """Segment sizes and revenue shares, one row per named segment, with a total row."""
    s = summary.segments
    shown = pd.DataFrame({
        "RFMSegment": [*s["RFMSegment"], "All customers"],
        "Segment": [*s["Segment"], ""],
        "customers": [*s["customers"].map(integer), integer(summary.customers)],
        "customer_share": [*s["customer_share"].map(percent), percent(1.0)],
        "revenue": [*s["revenue"].map(lambda v: usd(v, 0)), usd(summary.revenue, 0)],
        "revenue_share": [*s["revenue_share"].map(percent), percent(1.0) if summary.revenue else ""],
    })
    return build_table(
        shown, table_id="segmentation-sizes", title="Segment sizes and revenue shares",
        subtitle=f"Revenue of the 12 months up to {summary.as_of}",
        labels={"RFMSegment": "Segment", "Segment": "CRM label", "customers": "Customers",
                "customer_share": "% of customers", "revenue": "Revenue", "revenue_share": "% of revenue"},
        numeric=["customers", "customer_share", "revenue", "revenue_share"],
        notes=["Segments: the standard R x F map of quintile scores (analysis/orders/segments.py)."],
    )


@_when_configured(empty=None)
def profile_table(summary: SegmentationSummary) -> GT:
    """What a typical customer of each segment looks like."""
    s = summary.segments
    shown = pd.DataFrame({
        "RFMSegment": s["RFMSegment"],
        "recency_median": s["recency_median"].map(lambda v: number(v, 0)),
        "frequency_mean": s["frequency_mean"].map(lambda v: number(v, 1)),
        "monetary_mean": s["monetary_mean"].map(usd),
        "value_mean": s["value_mean"].map(usd),
    })
    return build_table(
        shown, table_id="segmentation-profiles", title="Segment profiles",
        subtitle="Typical recency, orders, order value and CustomerValue",
        labels={"RFMSegment": "Segment", "recency_median": "Median recency (days)",
                "frequency_mean": "Mean orders (12 months)", "monetary_mean": "Mean order value",
                "value_mean": "Mean CustomerValue"},
        numeric=["recency_median", "frequency_mean", "monetary_mean", "value_mean"],
        notes=["Empty segments show zeros."],
    )


@_when_configured(empty=None)
def action_table(summary: SegmentationSummary) -> GT:
    """One recommended action per segment, next to what is at stake."""
    s = summary.segments
    shown = pd.DataFrame({
        "RFMSegment": s["RFMSegment"],
        "customers": s["customers"].map(integer),
        "revenue_share": s["revenue_share"].map(percent),
        "action": s["action"],
    })
    return build_table(
        shown, table_id="segmentation-actions", title="One action per segment", subtitle=None,
        labels={"RFMSegment": "Segment", "customers": "Customers", "revenue_share": "% revenue",
                "action": "Recommended action"},
        numeric=["customers", "revenue_share"], notes=[],
    )


@_when_configured(empty=None)
def cleaning_table(summary: SegmentationSummary) -> GT:
    """Lines removed by each cleaning rule, and lines kept."""
    c = summary.cleaning
    rows = [*c.rows(), ("kept", c.kept)]
    shown = pd.DataFrame({
        "rule": [rule for rule, _ in rows],
        "lines": [integer(n) for _, n in rows],
        "share": [percent(n / c.lines_read) if c.lines_read else "" for _, n in rows],
    })
    return build_table(
        shown, table_id="segmentation-cleaning", title="Cleaning the order log",
        subtitle=f"{integer(c.lines_read)} lines read; each counted under the first rule it breaks",
        labels={"rule": "Rule", "lines": "Lines", "share": "% of lines"},
        numeric=["lines", "share"], notes=[],
    )


@_when_configured(empty=None)
def share_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Share of customers next to share of revenue, per segment."""
    s = summary.segments.iloc[::-1]
    with house_style():
        figure, (axis,) = new_figure(1, (1, 1), 3.6, ax)
        y = range(len(s))
        colors = [segment_color(label) for label in s["Segment"]]
        axis.barh([v + 0.2 for v in y], s["customer_share"] * 100, height=0.38,
                  color=colors, alpha=0.45, label="% of customers")
        axis.barh([v - 0.2 for v in y], s["revenue_share"] * 100, height=0.38,
                  color=colors, label="% of revenue")
        axis.set_yticks(list(y), s["RFMSegment"])
        axis.set_xlabel("Share (%)")
        # Bars take their segment's colour; the legend explains light vs dark in neutral grey.
        axis.legend(handles=[Patch(color=NEUTRAL, alpha=0.45, label="% of customers"),
                             Patch(color=NEUTRAL, label="% of revenue")], loc="lower right")
        style_axes(axis, grid_axis="x")
    return figure


@_when_configured(empty=None)
def monthly_figure(summary: SegmentationSummary, ax=None) -> Figure:
    """Monthly revenue, active customers and the new-customer ratio, stacked."""
    m = summary.monthly
    with house_style():
        figure, axes = new_figure(3, (3, 1), 5.4, ax)
        x = range(len(m))
        series = [("revenue", "Revenue ($)", 1.0), ("active_customers", "Active customers", 1.0),
                  ("new_customer_ratio", "New-customer ratio (%)", 100.0)]
        for axis, (column, label, scale) in zip(axes, series):
            axis.plot(list(x), m[column] * scale, marker="o", markersize=2.5, linewidth=1.2)
            axis.set_ylabel(label)
            axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            style_axes(axis, grid_axis="y")
        step = max(1, len(m) // 12)
        for axis in axes[:-1]:
            axis.set_xticks(list(x)[::step], [""] * len(list(x)[::step]))
        axes[-1].set_xticks(list(x)[::step], m["month"].iloc[::step], rotation=45, ha="right")
    return figure
