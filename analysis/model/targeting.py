"""Who gets retention, win-back and premium-upsell budget: stated rules over the fitted model.

Every customer lands on at most one list. The rules read only the results object;
"expected value" is the model's fitted value, so it carries the model's typical
error (the residual SE) per customer: list totals are far more precise than any
single customer's number.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .results import ModelResults

# A customer who has not ordered for a month is cooling off; a subscription brand's
# regular cycle is monthly, so 30 days is the first sign of drift.
COOLING_DAYS = 30
RECENT_DAYS = 30


@dataclass(frozen=True)
class TargetList:
    """One campaign list: its rule in words, its members and their modelled value."""

    key: str
    name: str
    rule: str
    action: str
    members: pd.DataFrame

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

    def by_key(self, key: str) -> TargetList:
        return next(item for item in self.lists if item.key == key)


def build_targeting(r: ModelResults) -> Targeting:
    """Assign customers to lists in priority order: win-back, then retention, then upsell.

    Rules
    -----
    - **Win-back**: labelled "At Risk" but with RFM-predicted value in the top half of
      all customers: their history says they are worth saving.
    - **Retention**: top-quartile modelled value (full model), not labelled "At Risk",
      and no order for at least 30 days: valuable customers who are cooling off.
    - **Premium upsell**: labelled "Medium Value" or "Low Value", RFM-predicted value in
      the top quartile, and ordered within the last 30 days: they already behave like
      High Value customers.
    """
    customers = r.customers
    fitted_q3 = float(np.quantile(customers["fitted"], 0.75))
    segment = customers["Segment"]
    taken = np.zeros(len(customers), dtype=bool)

    definitions = [
        ("winback", "Win-back",
         "At Risk label and RFM-predicted value in the top half of all customers",
         "Personal win-back offer; prioritise by RFM-predicted value",
         (segment == "At Risk") & (customers["rfm_quartile"] >= 3)),
        ("retention", "Retention",
         f"Top-quartile modelled value (above {fitted_q3:,.0f} USD), not At Risk, "
         f"no order for {COOLING_DAYS}+ days",
         "Loyalty perks and a replenishment reminder before they lapse",
         (customers["fitted"] > fitted_q3) & (segment != "At Risk") & (customers["Recency"] >= COOLING_DAYS)),
        ("upsell", "Premium upsell",
         f"Medium or Low Value label, top-quartile RFM-predicted value, ordered in the last {RECENT_DAYS} days",
         "Invite to the premium programme; they already behave like High Value customers",
         segment.isin(["Medium Value", "Low Value"]) & (customers["rfm_quartile"] == 4)
         & (customers["Recency"] <= RECENT_DAYS)),
    ]
    lists = []
    columns = ["CustomerID", "Segment", "Recency", "Frequency", "MonetaryValue", "CustomerValue",
               "fitted", "rfm_prediction"]
    for key, name, rule, action, mask in definitions:
        chosen = mask.to_numpy() & ~taken
        taken |= chosen
        members = customers.loc[chosen, columns].sort_values("rfm_prediction", ascending=False)
        lists.append(TargetList(key=key, name=name, rule=rule, action=action,
                                members=members.reset_index(drop=True)))
    return Targeting(lists=tuple(lists), top_quartile_threshold=fitted_q3)
