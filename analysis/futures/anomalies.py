"""Abnormal spending, flagged by a documented robust rule, for review rather than action.

**Rule.** For every customer with an order before as-of, take the log of the mean
order value and the log of the largest order. Their *robust z-scores* are
``(x − median) / (1.4826 × MAD)``, the MAD-based scale that equals the standard
deviation for normal data but is not dragged by the outliers it is looking for.
A customer is flagged when any reason below holds:

* ``huge single order`` – largest order z > :data:`Z_LIMIT` *and* that order is at
  least half of the customer's revenue (one event, not a steady big spender);
* ``very high average order`` – mean order value z > :data:`Z_LIMIT`;
* ``very low average order`` – mean order value z < −:data:`Z_LIMIT` (penny orders,
  test accounts, unit errors);
* ``many orders in one day`` – at least :data:`ORDERS_PER_DAY_LIMIT` orders on one day
  (scripted or split orders; the log keeps days, not seconds).

3.5 is Iglewicz & Hoaglin's usual cut-off for the modified z-score.
Some flags are data errors, some are the best customers; the chapter says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

Z_LIMIT = 3.5
ORDERS_PER_DAY_LIMIT = 5
MAD_TO_SD = 1.4826
REVIEW_NOTE = ("Flags are for review, not action: some flagged customers are data errors "
               "(a mistyped quantity, a test account), and some are the best customers the business has.")


@dataclass(frozen=True)
class Anomalies:
    """Flags, reasons and the cases to look at first.

    Attributes
    ----------
    flagged : numpy.ndarray of bool
        One per customer: True when any rule flags the customer.
    reasons : pandas.Series
        ``"; "``-joined reasons per customer ("" when not flagged).
    order_value_z, largest_order_z : numpy.ndarray
    top : pandas.DataFrame
        The most extreme flagged customers: ``CustomerID, reasons, orders,
        calibration_revenue, largest_order, mean_order, score``.
    """

    flagged: np.ndarray
    reasons: pd.Series
    order_value_z: np.ndarray
    largest_order_z: np.ndarray
    top: pd.DataFrame

    @property
    def share_flagged(self) -> float:
        return float(np.mean(self.flagged)) if len(self.flagged) else 0.0

    def as_dict(self) -> dict:
        """The ``anomalies`` block of ``model.json``."""
        counts = {reason: int(self.reasons.str.contains(reason, regex=False).sum()) for reason in REASONS}
        return {"share_flagged": self.share_flagged, "flagged": int(self.flagged.sum()),
                "rule": f"robust z > {Z_LIMIT} on log order values, or >= {ORDERS_PER_DAY_LIMIT} orders in a day",
                "by_reason": counts}


REASONS = ("huge single order", "very high average order", "very low average order", "many orders in one day")


def robust_z(values: np.ndarray) -> np.ndarray:
    """``(x − median) / (1.4826 × MAD)``; all zeros when the MAD is 0 (no spread to judge by)."""
    values = np.asarray(values, dtype=float)
    median = np.median(values)
    mad = np.median(np.abs(values - median)) * MAD_TO_SD
    return np.zeros_like(values) if mad == 0 else (values - median) / mad


def flag_anomalies(customers: pd.DataFrame, top_n: int = 10) -> Anomalies:
    """Apply the rule to ``orders, calibration_revenue, largest_order, most_orders_in_a_day``."""
    mean_order = customers["calibration_revenue"].to_numpy(float) / customers["orders"].to_numpy(float)
    largest = customers["largest_order"].to_numpy(float)
    order_z, largest_z = robust_z(np.log(mean_order)), robust_z(np.log(largest))
    single = (largest_z > Z_LIMIT) & (largest >= 0.5 * customers["calibration_revenue"].to_numpy(float))
    conditions = {
        "huge single order": single,
        "very high average order": order_z > Z_LIMIT,
        "very low average order": order_z < -Z_LIMIT,
        "many orders in one day": customers["most_orders_in_a_day"].to_numpy() >= ORDERS_PER_DAY_LIMIT,
    }
    reason_lists = [[] for _ in range(len(customers))]
    for reason, hit in conditions.items():
        for i in np.flatnonzero(hit):
            reason_lists[i].append(reason)
    reasons = pd.Series(["; ".join(r) for r in reason_lists], index=customers.index)
    flagged = reasons.to_numpy() != ""
    score = np.maximum(np.abs(order_z), largest_z)
    top = (customers.loc[flagged, ["CustomerID", "orders", "calibration_revenue", "largest_order",
                                   "most_orders_in_a_day"]]
           .assign(mean_order=mean_order[flagged], reasons=reasons[flagged], score=score[flagged])
           .sort_values("score", ascending=False, kind="stable").head(top_n).reset_index(drop=True))
    return Anomalies(flagged=flagged, reasons=reasons, order_value_z=order_z, largest_order_z=largest_z, top=top)
