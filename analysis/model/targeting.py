"""Who gets retention, win-back and premium-upsell budget: stated rules over the fitted model.

Every customer lands on at most one list, in the order of :data:`TARGET_RULES`.
Each rule is a :class:`TargetRule`: which labels it draws from, which conditions
it applies, its wording and its action, so a table or a sentence reads the rule's
fields instead of parsing its text. "Expected value" is the model's fitted value,
so it carries the model's typical error (the residual SE) per customer: list
totals are far more precise than any single customer's number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import CANONICAL_SEGMENTS
from .results import ModelResults

# A customer who has not ordered for a month is cooling off; a subscription brand's
# regular cycle is monthly, so 30 days is the first sign of drift.
RECENT_DAYS = 30
# Retention starts the day after upsell's window ends, so no customer meets both recency
# conditions (at exactly 30 days the old ">= 30" and "<= 30" rules overlapped, issue 10 section 6).
COOLING_DAYS = RECENT_DAYS + 1
# A list total is uncertain by about this many standard errors of the summed noise.
UNCERTAINTY_SES = 2
MEMBER_COLUMNS = ["CustomerID", "Segment", "Recency", "Frequency", "MonetaryValue", "CustomerValue",
                  "fitted", "rfm_prediction"]


@dataclass(frozen=True)
class TargetRule:
    """One campaign list's rule, as data.

    Attributes
    ----------
    segments : tuple of str
        The CRM labels the list draws from.
    min_rfm_quartile : int or None
        Lowest quartile of RFM-predicted value (1 bottom, 4 top) that qualifies.
    top_modelled_quartile : bool
        Whether the full model's fitted value must be in the top quartile.
    min_recency, max_recency : int or None
        Days since the last order, at least / at most.
    rule : str
        The rule in words (short); ``{threshold}`` is filled with the top-quartile value.
    action : str
        What the campaign does (long wording).
    """

    key: str
    name: str
    segments: tuple[str, ...]
    min_rfm_quartile: int | None
    top_modelled_quartile: bool
    min_recency: int | None
    max_recency: int | None
    rule: str
    action: str

    def selects(self, customers: pd.DataFrame, top_quartile_threshold: float) -> np.ndarray:
        """Which customers meet every condition of this rule."""
        mask = customers["Segment"].isin(list(self.segments)).to_numpy(dtype=bool, copy=True)
        if self.min_rfm_quartile is not None:
            mask &= customers["rfm_quartile"].to_numpy() >= self.min_rfm_quartile
        if self.top_modelled_quartile:
            mask &= customers["fitted"].to_numpy() > top_quartile_threshold
        recency = customers["Recency"].to_numpy()
        if self.min_recency is not None:
            mask &= recency >= self.min_recency
        if self.max_recency is not None:
            mask &= recency <= self.max_recency
        return mask


TARGET_RULES = (
    TargetRule("winback", "Win-back", ("At Risk",), min_rfm_quartile=3, top_modelled_quartile=False,
               min_recency=None, max_recency=None,
               rule="At Risk label and RFM-predicted value in the top half of all customers",
               action="Personal win-back offer; prioritise by RFM-predicted value"),
    TargetRule("retention", "Retention", tuple(level for level in CANONICAL_SEGMENTS if level != "At Risk"),
               min_rfm_quartile=None, top_modelled_quartile=True, min_recency=COOLING_DAYS, max_recency=None,
               rule=f"Top-quartile modelled value (above {{threshold}} USD), not At Risk, "
                    f"no order for more than {RECENT_DAYS} days",
               action="Loyalty perks and a replenishment reminder before they lapse"),
    TargetRule("upsell", "Premium upsell", ("Medium Value", "Low Value"), min_rfm_quartile=4,
               top_modelled_quartile=False, min_recency=None, max_recency=RECENT_DAYS,
               rule=f"Medium or Low Value label, top-quartile RFM-predicted value, ordered in the last "
                    f"{RECENT_DAYS} days",
               action="Invite to the premium programme; they already behave like High Value customers"),
)


def list_total_uncertainty(sigma: float, size: int) -> float:
    """About two standard errors of a list's summed customer value from individual noise alone.

    Individual errors (spread: the residual SE) partly cancel in a sum: the sum of n
    independent errors has spread sigma * sqrt(n), so a list's total is known far more
    precisely than any one customer's value. Coefficient uncertainty comes on top.
    """
    return UNCERTAINTY_SES * sigma * size ** 0.5


@dataclass(frozen=True)
class TargetList:
    """One campaign list: its rule in words, its members, their modelled value and its uncertainty."""

    key: str
    name: str
    rule: str
    action: str
    members: pd.DataFrame
    total_uncertainty: float  # ± on the modelled total from customer-level noise alone

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def expected_value_total(self) -> float:
        return float(self.members["fitted"].sum())

    @property
    def expected_value_mean(self) -> float:
        return float(self.members["fitted"].mean()) if self.size else float("nan")


@dataclass(frozen=True)
class Targeting:
    lists: tuple[TargetList, ...]
    top_quartile_threshold: float  # fitted value above which a customer is top-quartile
    # Row positions (in the results' customer table) of each list's members, by key.
    positions: dict = field(default_factory=dict, repr=False)
    # Which model's predictions "modelled value" means: "linear" (the brief's) or the best CV model.
    model: str = "linear"

    def member_positions(self, key: str) -> np.ndarray:
        return self.positions.get(key, np.zeros(0, dtype=int))

    def by_key(self, key: str) -> TargetList:
        return next(item for item in self.lists if item.key == key)


def build_targeting(r: ModelResults, rules: tuple[TargetRule, ...] = TARGET_RULES,
                    predicted: np.ndarray | None = None, model: str = "linear") -> Targeting:
    """Assign customers to lists in the order of ``rules``: win-back, then retention, then upsell.

    Rules
    -----
    - **Win-back**: labelled "At Risk" but with RFM-predicted value in the top half of
      all customers: their history says they are worth saving.
    - **Retention**: top-quartile modelled value (full model), not labelled "At Risk",
      and no order for more than 30 days: valuable customers who are cooling off.
    - **Premium upsell**: labelled "Medium Value" or "Low Value", RFM-predicted value in
      the top quartile, and ordered within the last 30 days: they already behave like
      High Value customers.

    ``predicted`` (optional) replaces the brief's fitted values as "modelled value": the
    report passes the best cross-validated model's predictions (issue 11 section 4).
    """
    customers = r.customers if predicted is None else r.customers.assign(fitted=np.asarray(predicted, float))
    threshold = float(np.quantile(customers["fitted"], 0.75))
    positions = {}
    taken = np.zeros(len(customers), dtype=bool)
    lists = []
    for rule in rules:
        chosen = rule.selects(customers, threshold) & ~taken
        taken |= chosen
        order = np.argsort(-customers["rfm_prediction"].to_numpy()[chosen], kind="stable")
        positions[rule.key] = np.flatnonzero(chosen)[order]
        members = customers.loc[chosen, MEMBER_COLUMNS].sort_values("rfm_prediction", ascending=False)
        lists.append(TargetList(key=rule.key, name=rule.name, rule=rule.rule.format(threshold=f"{threshold:,.0f}"),
                                action=rule.action, members=members.reset_index(drop=True),
                                total_uncertainty=list_total_uncertainty(r.full.sigma, len(members))))
    return Targeting(lists=tuple(lists), top_quartile_threshold=threshold, positions=positions, model=model)
