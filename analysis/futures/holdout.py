"""Holdout validation: were the predicted purchases and revenue right?

Nothing here fits anything. The predictions were made from the calibration
period alone (up to as-of); the holdout is what then happened. Two classic views:

* purchases by number of calibration repeat purchases (Fader, Hardie & Lee 2005, Figure 4);
* revenue by decile of predicted CLV: does a higher score mean more money later?
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TOP_PURCHASE_BIN = 7  # "7+" as in the paper's figure
PLAIN, SEASON_ADJUSTED = "plain", "season-adjusted"


@dataclass(frozen=True)
class HoldoutValidation:
    """Predicted against actual in the holdout, summed and by group.

    Attributes
    ----------
    weeks : float
        Holdout length the log covers (weeks).
    predicted_purchases, actual_purchases : float
        Sums over customers.
    predicted_revenue, actual_revenue : float
        Sums over customers (revenue, undiscounted, before margin).
    purchases_mae : float
        Mean absolute error of per-customer holdout purchases.
    revenue_mae : float
        Mean absolute error of per-customer holdout revenue.
    by_frequency : pandas.DataFrame
        ``repeat_purchases`` (0..6, "7+"), ``customers, predicted_mean, actual_mean``.
    by_decile : pandas.DataFrame
        ``decile`` (1 = lowest predicted CLV), ``customers, predicted_revenue, actual_revenue``.
    model : str
        Which BG/NBD made ``predicted_*``: :data:`SEASON_ADJUSTED` (refitted in season-weighted
        time, :mod:`analysis.futures.seasonality`) when it exists, else :data:`PLAIN`.
    plain_predicted_purchases, plain_predicted_revenue : float or None
        The plain BG/NBD's sums, kept beside the model used (equal to ``predicted_*`` when the
        plain model is the one used). With a season-adjusted model, ``by_frequency`` also has
        ``plain_mean``.
    """

    weeks: float
    predicted_purchases: float
    actual_purchases: float
    predicted_revenue: float
    actual_revenue: float
    purchases_mae: float
    revenue_mae: float
    by_frequency: pd.DataFrame
    by_decile: pd.DataFrame
    model: str = "plain"
    plain_predicted_purchases: float | None = None
    plain_predicted_revenue: float | None = None

    @property
    def season_adjusted_purchases(self) -> float | None:
        """The season-adjusted forecast's sum (None when the plain model is the one used)."""
        return self.predicted_purchases if self.model == SEASON_ADJUSTED else None

    @property
    def plain_purchases_error(self) -> float:
        """Aggregate error of the plain BG/NBD's purchase forecast."""
        plain = self.predicted_purchases if self.plain_predicted_purchases is None else self.plain_predicted_purchases
        return _relative_error(plain, self.actual_purchases)

    @property
    def purchases_error(self) -> float:
        """Aggregate error of the used model's holdout purchases, as a share of actual (+ = over-prediction)."""
        return _relative_error(self.predicted_purchases, self.actual_purchases)

    @property
    def season_adjusted_error(self) -> float:
        """Aggregate error of the season-adjusted purchase forecast (NaN without one)."""
        if self.model != SEASON_ADJUSTED:
            return float("nan")
        return _relative_error(self.predicted_purchases, self.actual_purchases)

    @property
    def revenue_error(self) -> float:
        """Aggregate error of predicted holdout revenue, as a share of actual."""
        return _relative_error(self.predicted_revenue, self.actual_revenue)

    def as_dict(self, months: int) -> dict[str, float]:
        """The ``holdout`` block of ``model.json``."""
        return {"months": months, "weeks": self.weeks,
                "predicted_purchases": self.predicted_purchases, "actual_purchases": self.actual_purchases,
                "predicted_revenue": self.predicted_revenue, "actual_revenue": self.actual_revenue,
                "purchases_mae": self.purchases_mae, "revenue_mae": self.revenue_mae, "model": self.model,
                "plain_predicted_purchases": self.plain_predicted_purchases,
                "plain_predicted_revenue": self.plain_predicted_revenue,
                "season_adjusted_purchases": self.season_adjusted_purchases}


def _relative_error(predicted: float, actual: float) -> float:
    return (predicted - actual) / actual if actual else float("nan")


def validate_holdout(frequency: np.ndarray, predicted_purchases: np.ndarray, actual_purchases: np.ndarray,
                     predicted_clv: np.ndarray, predicted_revenue: np.ndarray, actual_revenue: np.ndarray,
                     weeks: float, plain_purchases: np.ndarray | None = None,
                     plain_revenue: np.ndarray | None = None) -> HoldoutValidation:
    """Compare per-customer holdout predictions with what happened.

    Parameters
    ----------
    frequency : array
        Calibration repeat purchases (groups the purchase comparison).
    predicted_purchases, actual_purchases : array
        Holdout purchases, expected (by the model used) and observed.
    predicted_clv : array
        The CLV score that ranks customers into deciles.
    predicted_revenue, actual_revenue : array
        Holdout revenue, expected (purchases x expected spend) and observed.
    weeks : float
        Holdout length.
    plain_purchases, plain_revenue : array, optional
        The plain BG/NBD's holdout purchases and revenue when ``predicted_*`` are the
        season-adjusted model's (then ``model`` is :data:`SEASON_ADJUSTED`); kept beside them.
    """
    adjusted = plain_purchases is not None
    frame = pd.DataFrame({
        "bin": np.minimum(np.asarray(frequency, dtype=int), TOP_PURCHASE_BIN),
        "predicted": predicted_purchases, "actual": actual_purchases,
        "plain": plain_purchases if adjusted else np.nan,
    })
    grouped = frame.groupby("bin")
    by_frequency = pd.DataFrame({"customers": grouped.size(), "predicted_mean": grouped["predicted"].mean(),
                                 "actual_mean": grouped["actual"].mean()}).reset_index()
    if adjusted:
        by_frequency["plain_mean"] = grouped["plain"].mean().to_numpy()
    by_frequency.insert(0, "repeat_purchases",
                        [f"{b}+" if b == TOP_PURCHASE_BIN else str(b) for b in by_frequency.pop("bin")])

    deciles = _deciles(np.asarray(predicted_clv, dtype=float))
    revenue = pd.DataFrame({"decile": deciles, "predicted": predicted_revenue, "actual": actual_revenue})
    by_decile = (revenue.groupby("decile")
                 .agg(customers=("actual", "size"), predicted_revenue=("predicted", "sum"),
                      actual_revenue=("actual", "sum")).reset_index())
    return HoldoutValidation(
        weeks=float(weeks),
        predicted_purchases=float(np.sum(predicted_purchases)), actual_purchases=float(np.sum(actual_purchases)),
        predicted_revenue=float(np.sum(predicted_revenue)), actual_revenue=float(np.sum(actual_revenue)),
        purchases_mae=float(np.mean(np.abs(np.asarray(predicted_purchases) - actual_purchases))),
        revenue_mae=float(np.mean(np.abs(np.asarray(predicted_revenue) - actual_revenue))),
        by_frequency=by_frequency, by_decile=by_decile,
        model=SEASON_ADJUSTED if adjusted else PLAIN,
        plain_predicted_purchases=float(np.sum(plain_purchases if adjusted else predicted_purchases)),
        plain_predicted_revenue=float(np.sum(plain_revenue if adjusted else predicted_revenue)),
    )


def _deciles(score: np.ndarray) -> np.ndarray:
    """Deciles 1..10 of equal size by rank (ties broken by position, so tied scores never empty a decile)."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score), dtype=int)
    ranks[order] = np.arange(len(score))
    return ranks * 10 // max(len(score), 1) + 1
