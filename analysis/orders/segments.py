"""Named RFM segments (the standard R x F map) and the four CRM labels.

The R x F map is the one used across RFM practice (and in the seed reports):
recency score on one axis, frequency score on the other, both 1-5.

============  ====================  ===========================================
R score       F score               Segment
============  ====================  ===========================================
5             4-5                   Champions
3-4           4-5                   Loyal
4-5           2-3                   Potential Loyalists
5             1                     New
4             1                     Promising
3             3                     Need Attention
3             1-2                   About to Sleep
1-2           3-4                   At Risk
1-2           5                     Can't Lose Them
1-2           1-2                   Hibernating
============  ====================  ===========================================

Every one of the 25 (R, F) cells gets exactly one segment.

CRM labels group the segments by what the customer is worth *and* whether they
are still buying:

* **High Value** – Champions, Loyal: recent and frequent.
* **Medium Value** – Potential Loyalists, New, Promising, Need Attention: recent,
  not yet frequent; worth growing.
* **At Risk** – At Risk, Can't Lose Them: bought often, but not lately.
* **Low Value** – About to Sleep, Hibernating: neither recent nor frequent.
"""
from __future__ import annotations

import ibis

from ..data.schema import CANONICAL_SEGMENTS

# (segment, R scores, F scores); first match wins, and the cells do not overlap anyway.
RF_MAP: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("Champions", (5,), (4, 5)),
    ("Loyal", (3, 4), (4, 5)),
    ("Potential Loyalists", (4, 5), (2, 3)),
    ("New", (5,), (1,)),
    ("Promising", (4,), (1,)),
    ("Need Attention", (3,), (3,)),
    ("About to Sleep", (3,), (1, 2)),
    ("At Risk", (1, 2), (3, 4)),
    ("Can't Lose Them", (1, 2), (5,)),
    ("Hibernating", (1, 2), (1, 2)),
)
RFM_SEGMENTS = tuple(name for name, _, _ in RF_MAP)

CRM_LABEL_OF_SEGMENT = {
    "Champions": "High Value",
    "Loyal": "High Value",
    "Potential Loyalists": "Medium Value",
    "New": "Medium Value",
    "Promising": "Medium Value",
    "Need Attention": "Medium Value",
    "At Risk": "At Risk",
    "Can't Lose Them": "At Risk",
    "About to Sleep": "Low Value",
    "Hibernating": "Low Value",
}
# The CRM labels are the customer-table contract's own (one definition, in analysis.data.schema).
CRM_LABELS = CANONICAL_SEGMENTS

# One action per segment, in the spirit of the seed reports' recommendations.
ACTIONS = {
    "Champions": "Reward them: early access, VIP perks; ask for reviews and referrals.",
    "Loyal": "Upsell higher-value products; enrol in the loyalty programme.",
    "Potential Loyalists": "Offer membership or a loyalty tier; recommend related products.",
    "New": "Onboard well: welcome series and a second-order incentive.",
    "Promising": "Build the habit: personalised recommendations, free shipping on the next order.",
    "Need Attention": "Time-limited offers based on past purchases before they drift.",
    "About to Sleep": "Reactivate with popular products and a modest discount.",
    "At Risk": "Personal win-back emails and renewal offers; find out what changed.",
    "Can't Lose Them": "Win them back at almost any cost: call, survey, strong incentive.",
    "Hibernating": "Low-cost reactivation only; otherwise exclude from paid campaigns.",
}


def segment_of(r_score: int, f_score: int) -> str:
    """The named segment of one (R, F) cell; the Python twin of :func:`segment_expr`.

    >>> segment_of(5, 5), segment_of(1, 1)
    ('Champions', 'Hibernating')
    """
    for name, r_scores, f_scores in RF_MAP:
        if r_score in r_scores and f_score in f_scores:
            return name
    raise ValueError(f"scores must be 1-5, got R={r_score}, F={f_score}")


def segment_expr(r_score: ibis.IntegerValue, f_score: ibis.IntegerValue) -> ibis.StringValue:
    """The R x F map as an Ibis ``CASE`` expression."""
    branches = [(r_score.isin(r) & f_score.isin(f), name) for name, r, f in RF_MAP]
    return ibis.cases(*branches, else_="Hibernating")


def crm_label_expr(segment: ibis.StringValue) -> ibis.StringValue:
    """The CRM label of a named segment as an Ibis ``CASE`` expression."""
    return segment.substitute(CRM_LABEL_OF_SEGMENT, else_="Low Value")
