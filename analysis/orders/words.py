"""The Segmentation chapter's inline values: plain text, read from a summary, decided by rule.

The chapter's prose lives in ``chapters/segmentation.qmd``; these functions give it its
numbers and the few words a rule decides (``more than`` / ``less than``). Every value
is plain text with no Markdown in it, and none carries a string from the data (file
paths and labels go to tables, which escape them), so a value reads the same under
Quarto, which escapes inline output, and under the built-in renderer, which does not.
"""
from __future__ import annotations

from ..report.formatting import integer, number, percent, usd
from .aggregates import TOP_DENOMINATOR, TOP_NUMERATOR
from .chapter_results import LATEST_COHORTS, last_complete_month
from .cohorts import month_index
from .summary import SegmentationSummary

# The Pareto rule of thumb the concentration is compared with: 80% of revenue from 20% of buyers.
PARETO_REVENUE_SHARE = 0.80
# Gini bands for the one-word description; wide on purpose, they only name the order of size.
GINI_BANDS = ((0.6, "highly concentrated"), (0.4, "concentrated"), (0.0, "fairly evenly spread"))


def customers(s: SegmentationSummary) -> str:
    return integer(s.customers)


def lines_read(s: SegmentationSummary) -> str:
    return integer(s.cleaning.lines_read)


def first_day(s: SegmentationSummary) -> str:
    return s.first_day.isoformat()


def last_day(s: SegmentationSummary) -> str:
    return s.last_day.isoformat()


def as_of(s: SegmentationSummary) -> str:
    return s.as_of.isoformat()


def revenue(s: SegmentationSummary) -> str:
    return usd(s.revenue, 0)


def log_origin(s: SegmentationSummary) -> str:
    """Which log this is, without its path (the path is in the snapshot table)."""
    return "the configured order log" if s.configured else "the default order log of the simulated business"


# Concentration ------------------------------------------------------------------------

def buyers(s: SegmentationSummary) -> str:
    return integer(s.aggregates.concentration.buyers)


def top_share_of_buyers(s: SegmentationSummary) -> str:
    """The nominal "top 20%" (the exact share of ceil(n / 5) buyers is in the table)."""
    return percent(TOP_NUMERATOR / TOP_DENOMINATOR, 0)


def top_revenue_share(s: SegmentationSummary) -> str:
    return percent(s.aggregates.concentration.top_revenue_share)


def pareto_comparison(s: SegmentationSummary) -> str:
    """``more than``, ``less than`` or ``exactly``: the top 20%'s share against the 80% rule."""
    share = round(s.aggregates.concentration.top_revenue_share, 3)
    if share > PARETO_REVENUE_SHARE:
        return "more than"
    if share < PARETO_REVENUE_SHARE:
        return "less than"
    return "exactly"


def half_buyer_share(s: SegmentationSummary) -> str:
    return percent(s.aggregates.concentration.half_buyer_share)


def gini(s: SegmentationSummary) -> str:
    return number(s.aggregates.concentration.gini, 2)


def gini_words(s: SegmentationSummary) -> str:
    value = s.aggregates.concentration.gini
    return next(words for floor, words in GINI_BANDS if value >= floor)


# Segments -----------------------------------------------------------------------------

def high_value_customer_share(s: SegmentationSummary) -> str:
    return percent(s.high_value["customer_share"])


def high_value_revenue_share(s: SegmentationSummary) -> str:
    return percent(s.high_value["revenue_share"])


def largest_segment(s: SegmentationSummary) -> str:
    """The segment with the most customers (first in map order on a tie)."""
    return str(s.segments.loc[s.segments["customers"].idxmax(), "RFMSegment"])


def largest_segment_share(s: SegmentationSummary) -> str:
    return percent(s.segments["customer_share"].max())


def top_revenue_segment(s: SegmentationSummary) -> str:
    return str(s.segments.loc[s.segments["revenue"].idxmax(), "RFMSegment"])


def top_revenue_segment_share(s: SegmentationSummary) -> str:
    return percent(s.segments["revenue_share"].max())


# Distributions ------------------------------------------------------------------------

def one_order_share(s: SegmentationSummary) -> str:
    return percent(s.aggregates.one_order_share)


def median_recency(s: SegmentationSummary) -> str:
    """Median days since the last order, over all customers."""
    return integer(s.median_recency)


def median_frequency(s: SegmentationSummary) -> str:
    return number(s.median_frequency, 0) if float(s.median_frequency).is_integer() else number(s.median_frequency, 1)


def median_monetary(s: SegmentationSummary) -> str:
    return usd(s.median_monetary)


def _best_cell(s: SegmentationSummary) -> float:
    """Mean order value of the buyers in the R 5 x F 5 cell (most recent, most frequent); NaN if none."""
    return float(s.aggregates.rf_grid.set_index(["R_score", "F_score"]).loc[(5, 5), "monetary_mean"])


def best_cell_sentence(s: SegmentationSummary) -> str:
    """The R 5 x F 5 cell's mean order value against all buyers', with the direction by rule."""
    best, overall = _best_cell(s), s.aggregates.mean_order_value
    if best != best or overall != overall:
        return "No buyer falls in the most recent, most frequent cell (R 5, F 5)."
    if round(best, 2) == round(overall, 2):
        direction = "the same as"
    else:
        direction = "more than" if best > overall else "less than"
    return (f"Buyers in the most recent, most frequent cell (R 5, F 5) spend {usd(best)} per order on "
            f"average, {direction} the {usd(overall)} of all buyers.")


def kept_share(s: SegmentationSummary) -> str:
    c = s.cleaning
    return percent(c.kept / c.lines_read) if c.lines_read else percent(0)


def last_full_month_sentence(s: SegmentationSummary) -> str:
    """Revenue, active customers and new-customer ratio of the last month that had ended by as-of."""
    until = last_complete_month(s.as_of)
    months = s.monthly[[month_index(int(m[:4]), int(m[5:])) <= until for m in s.monthly["month"]]]
    if months.empty:
        return "No calendar month of the log had ended by the as-of date."
    row = months.iloc[-1]
    return (f"In {row['month']}, the last full month, revenue was {usd(row['revenue'], 0)} from "
            f"{integer(row['active_customers'])} active customers, {percent(row['new_customer_ratio'])} "
            "of them ordering for the first time.")


# Inactivity ---------------------------------------------------------------------------

def inactive_share(s: SegmentationSummary, days: int) -> str:
    return percent(s.aggregates.inactivity.at(days)["customer_share"])


def inactive_count(s: SegmentationSummary, days: int) -> str:
    return integer(s.aggregates.inactivity.at(days)["customers"])


def inactive_revenue(s: SegmentationSummary, days: int) -> str:
    return usd(s.aggregates.inactivity.at(days)["revenue"], 0)


def inactive_revenue_share(s: SegmentationSummary, days: int) -> str:
    return percent(s.aggregates.inactivity.at(days)["revenue_share"])


# Cohorts ------------------------------------------------------------------------------

def retention_sentence(s: SegmentationSummary, age: int) -> str:
    """Retention at ``age`` months of the latest cohorts followed that long, or why there is none."""
    latest = s.aggregates.cohorts.latest.get(age)
    months = "month" if age == 1 else "months"
    if latest is None:
        return (f"No cohort has been followed for {age} full {months} yet, so retention after "
                f"{age} {months} cannot be given.")
    first, last, size, retention = latest
    cohorts = f"the {first} cohort" if first == last else f"the {LATEST_COHORTS} latest cohorts followed that long ({first} to {last})"
    return (f"Of the {integer(size)} customers acquired in {cohorts}, {percent(retention)} "
            f"ordered again {age} {months} after the month of their first order.")


# Labels -------------------------------------------------------------------------------

def labels_sentence(s: SegmentationSummary) -> str:
    """How many customers have a CRM label, and how often it matches behaviour; or that none do."""
    c = s.crosstab
    if not c.available:
        return ("No CRM labels are available for these customers: the customer table named in the "
                "snapshot table has no CustomerID and Segment columns, or none of its customers is in "
                "the order log, so the cross-tab below is empty.")
    return (f"{integer(c.matched)} of the {integer(c.customers)} customers of the log carry a CRM label in the "
            f"customer table; for {percent(c.agreement)} of them the CRM label is the one their current "
            f"R x F segment maps to, and for {percent(1 - c.agreement)} it is not.")


def label_lag_sentence(s: SegmentationSummary) -> str:
    """The two disagreements that matter for targeting; empty when there are no labels."""
    c = s.crosstab
    if not c.available:
        return ""
    return (f"{integer(c.at_risk_but_valuable)} customers the CRM labels At Risk or Low Value now buy "
            f"like Champions or Loyal customers, and {integer(c.high_but_lapsed)} it labels High Value "
            "now look like At Risk, Can't Lose Them or Hibernating customers.")
