"""Tables of the Segmentation chapter; each only reads a :class:`SegmentationSummary`.

None recomputes anything, so a share quoted in the prose (:mod:`analysis.orders.words`)
is the share in the table. Cells are plain strings: great_tables escapes them for HTML,
and Pandoc for Typst, so a file name from the environment prints as itself.
Figures are in :mod:`analysis.orders.figures`.
"""
from __future__ import annotations

import pandas as pd
from great_tables import GT

from ..report._table_style import bold_rows, build_table
from ..report.formatting import integer, number, percent, usd
from ..io.escape_markdown import markdown_text
from .segments import CRM_LABEL_OF_SEGMENT, CRM_LABELS
from .summary import ORDER_LOG_ENV, SegmentationSummary


def notes_markdown(summary: SegmentationSummary) -> str:
    """The run's caveats as a Markdown list (empty string when there are none), escaped."""
    return "\n".join(f"- {markdown_text(note[0].upper() + note[1:])}." for note in summary.notes)


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
    table = build_table(
        shown, table_id="segmentation-sizes", title="Segment sizes and revenue shares",
        subtitle=f"Revenue of the 12 months up to {summary.as_of}",
        labels={"RFMSegment": "Segment", "Segment": "CRM label", "customers": "Customers",
                "customer_share": "% of customers", "revenue": "Revenue", "revenue_share": "% of revenue"},
        numeric=["customers", "customer_share", "revenue", "revenue_share"],
        notes=["Segments: the standard R x F map of quintile scores (analysis/orders/segments.py)."],
    )
    return bold_rows(table, [len(shown) - 1])


# Each profile column once: its label and its cell format (the segment name comes first).
_PROFILE_COLUMNS = {
    "customers": ("Customers", integer),
    "recency_median": ("Median recency (days)", lambda v: number(v, 0)),
    "frequency_median": ("Median orders (12 months)", lambda v: number(v, 1)),
    "monetary_median": ("Median order value", usd),
    "value_mean": ("Mean CustomerValue", usd),
}


def profile_table(summary: SegmentationSummary) -> GT:
    """Median recency, orders and order value per segment, as the rfm package reports them."""
    s = summary.segments
    shown = pd.DataFrame({"RFMSegment": s["RFMSegment"],
                          **{column: s[column].map(cell) for column, (_, cell) in _PROFILE_COLUMNS.items()}})
    return build_table(
        shown, table_id="segmentation-profiles", title="Segment profiles",
        subtitle="Median recency, orders and order value; mean CustomerValue",
        labels={"RFMSegment": "Segment", **{column: label for column, (label, _) in _PROFILE_COLUMNS.items()}},
        numeric=list(_PROFILE_COLUMNS),
        notes=["Empty segments show zeros. Lapsed customers (no order in 12 months) count with 0 orders "
               "and an order value of 0."],
    )


def inactivity_table(summary: SegmentationSummary) -> GT:
    """Customers inactive for 60, 90 and 120 days or more, and the revenue they brought."""
    i = summary.aggregates.inactivity
    rows = i.rows
    shown = pd.DataFrame({
        "days": [f"{d} days or more" for d in rows["days"]],
        "customers": rows["customers"].map(integer),
        "customer_share": rows["customer_share"].map(percent),
        "revenue": rows["revenue"].map(lambda v: usd(v, 0)),
        "revenue_share": rows["revenue_share"].map(percent),
    })
    return build_table(
        shown, table_id="segmentation-inactivity", title="Inactive customers and the revenue at stake",
        subtitle=f"Days since the last order, as of {summary.as_of}; of {integer(i.customers)} customers",
        labels={"days": "No order for", "customers": "Customers", "customer_share": "% of customers",
                "revenue": "Their 12-month revenue", "revenue_share": "% of revenue"},
        numeric=["customers", "customer_share", "revenue", "revenue_share"],
        notes=["Cumulative: the 90-day row includes the customers of the 120-day row."],
    )


def concentration_table(summary: SegmentationSummary) -> GT:
    """The concentration figures the Pareto curve shows, exactly."""
    c = summary.aggregates.concentration
    shown = pd.DataFrame({
        "measure": ["Buyers (12-month revenue above 0)", "Their 12-month revenue",
                    f"Top {percent(c.top_buyer_share, 1)} of buyers ({integer(c.top_buyers)})",
                    "Fewest buyers bringing half the revenue", "Gini coefficient"],
        "value": [integer(c.buyers), usd(c.revenue, 0), f"{percent(c.top_revenue_share)} of revenue",
                  f"{integer(c.half_buyers)} ({percent(c.half_buyer_share)} of buyers)", number(c.gini, 3)],
    })
    return build_table(
        shown, table_id="segmentation-concentration", title="Revenue concentration",
        subtitle=f"12 months up to {summary.as_of}",
        labels={"measure": "Measure", "value": "Value"}, numeric=["value"],
        notes=["Gini: 0 when every buyer brings the same revenue, towards 1 when one buyer brings it all."],
    )


def crosstab_table(summary: SegmentationSummary) -> GT:
    """Customers by R x F segment (rows) and CRM label (columns); the agreeing cell is bold."""
    c = summary.crosstab
    counts = c.counts
    shown = pd.DataFrame({"RFMSegment": counts.index, "implied": [CRM_LABEL_OF_SEGMENT[s] for s in counts.index]})
    for label in CRM_LABELS:
        shown[label] = counts[label].map(integer).to_numpy() if c.available else "–"
    table = build_table(
        shown, table_id="segmentation-crm", title="R x F segments against the CRM labels",
        subtitle=(f"{integer(c.matched)} of {integer(c.customers)} customers matched on CustomerID"
                  if c.available else "No CRM labels available for these customers"),
        labels={"RFMSegment": "Segment", "implied": "Label by behaviour", **{label: label for label in CRM_LABELS}},
        numeric=list(CRM_LABELS),
        notes=["Columns: the CRM's label in the customer table. Label by behaviour: the CRM label the "
               "segment maps to (analysis/orders/segments.py)."],
    )
    return table


def snapshot_table(summary: SegmentationSummary) -> GT:
    """What was analysed: the log, its lines and dates, its hash, and where the labels came from."""
    origin = f"${ORDER_LOG_ENV}" if summary.configured else "default"
    rows = [
        ("Order log", f"{summary.location} ({origin})"),
        ("Read as", summary.source),
        ("Order lines read / kept", f"{integer(summary.cleaning.lines_read)} / {integer(summary.cleaning.kept)}"),
        ("Orders from / to", f"{summary.first_day} to {summary.last_day}"),
        ("Scored as of", str(summary.as_of)),
        ("SHA-256", summary.snapshot_sha256[:16] if summary.snapshot_sha256 else "not a single file"),
        ("CRM labels from", str(summary.crosstab.source)),
    ]
    shown = pd.DataFrame(rows, columns=["item", "value"])
    return build_table(shown, table_id="segmentation-snapshot", title="What this chapter analysed", subtitle=None,
                       labels={"item": "", "value": ""}, numeric=[], notes=[])


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
