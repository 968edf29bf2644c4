"""Churn: who did not come back in the holdout, and which score saw it coming.

**Definition (stated in the chapter):** a customer *churned* when they made no
purchase in the holdout, the months after as-of that no fit has seen.

Predictors compared on that label:

* ``bgnbd_p_no_purchase`` – BG/NBD's P(no purchase in the holdout), from the
  calibration period alone. It is built on P(alive):
  ``P(none) = 1 − P(alive) + P(alive) × P(none | alive)``;
* ``bgnbd_not_alive`` – the plain ``1 − P(alive)`` at as-of. It ranks customers
  almost the same way but is not a probability of *this* event (an alive customer
  can still skip six months), so its calibration shows how far that gap goes;
* ``logistic_rfm`` – a scikit-learn logistic regression on log(1 + Recency,
  Frequency, MonetaryValue) and tenure, standardised. It learns from the holdout
  labels themselves, so its predictions are **out of fold** (5-fold, stratified):
  each customer is scored by a model that never saw them. It still learns the
  holdout's base rate, an advantage BG/NBD does not have.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .conventions import SEED

DEFINITION = "no purchase in the holdout period after the as-of date"
FOLDS = 5              # the logistic scores are out of fold: no customer is scored by a model that saw them
CALIBRATION_BINS = 10  # deciles of predicted churn in the calibration figure
PREDICTORS = {
    "bgnbd_p_no_purchase": "BG/NBD: P(no purchase in holdout)",
    "bgnbd_not_alive": "BG/NBD: 1 − P(alive)",
    "logistic_rfm": "Logistic regression on RFM + tenure",
}


@dataclass(frozen=True, eq=False)  # array fields: identity, not an elementwise == that cannot be a bool
class ChurnComparison:
    """Scores, metrics and calibration curves of every predictor.

    Attributes
    ----------
    churned : numpy.ndarray of bool
        True for a customer with no purchase in the holdout (:data:`DEFINITION`).
    scores : pandas.DataFrame
        One column per key of :data:`PREDICTORS`, one row per customer.
    metrics : pandas.DataFrame
        ``predictor, label, auc, brier`` in :data:`PREDICTORS` order.
    calibration : pandas.DataFrame
        ``predictor, predicted, observed`` (mean per quantile bin).
    """

    churned: np.ndarray
    scores: pd.DataFrame
    metrics: pd.DataFrame
    calibration: pd.DataFrame

    @property
    def churn_rate(self) -> float:
        return float(np.mean(self.churned))

    def as_dict(self) -> dict:
        """The ``churn`` block of ``model.json``."""
        return {"definition": DEFINITION, "churn_rate": self.churn_rate,
                **{row.predictor: {"auc": row.auc, "brier": row.brier} for row in self.metrics.itertuples()}}


def rfm_features(customers: pd.DataFrame) -> np.ndarray:
    """log(1 + Recency, Frequency, MonetaryValue) and tenure (days since first order)."""
    return np.column_stack([np.log1p(customers["Recency"].to_numpy(float)),
                            np.log1p(customers["Frequency"].to_numpy(float)),
                            np.log1p(customers["MonetaryValue"].to_numpy(float)),
                            customers["tenure_days"].to_numpy(float)])


def logistic_churn_scores(customers: pd.DataFrame, churned: np.ndarray) -> np.ndarray:
    """Out-of-fold P(churn) from a standardised logistic regression on :func:`rfm_features`."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    with threadpool_limits(limits=1):  # BLAS threads only contend on a shared machine (see clusters.py)
        return cross_val_predict(model, rfm_features(customers), churned.astype(int), cv=folds,
                                 method="predict_proba")[:, 1]


def compare_churn(customers: pd.DataFrame, p_alive: np.ndarray, p_no_purchase: np.ndarray) -> ChurnComparison:
    """Score churn three ways and measure each on the holdout label.

    Raises
    ------
    ValueError
        When every customer churned or none did: AUC is then undefined.
    """
    churned = customers["holdout_purchases"].to_numpy() == 0
    if churned.all() or not churned.any():
        raise ValueError("every customer " + ("churned" if churned.all() else "bought again")
                         + " in the holdout; churn cannot be scored")
    scores = pd.DataFrame({
        "bgnbd_p_no_purchase": np.asarray(p_no_purchase, dtype=float),
        "bgnbd_not_alive": 1.0 - np.asarray(p_alive, dtype=float),
        "logistic_rfm": logistic_churn_scores(customers, churned),
    }, index=customers.index)
    rows, curves = [], []
    for key, label in PREDICTORS.items():
        score = np.clip(scores[key].to_numpy(), 0.0, 1.0)
        rows.append({"predictor": key, "label": label, "auc": float(roc_auc_score(churned, score)),
                     "brier": float(brier_score_loss(churned, score))})
        observed, predicted = calibration_curve(churned, score, n_bins=CALIBRATION_BINS, strategy="quantile")
        curves.append(pd.DataFrame({"predictor": key, "predicted": predicted, "observed": observed}))
    return ChurnComparison(churned=churned, scores=scores, metrics=pd.DataFrame(rows),
                           calibration=pd.concat(curves, ignore_index=True))


def win_back_list(customers: pd.DataFrame, churn_probability: np.ndarray, *, value_column: str = "Revenue12m",
                  top_value_share: float = 0.20, threshold: float = 0.5) -> pd.DataFrame:
    """High-value customers most likely to churn: the win-back list.

    *High value* is the top ``top_value_share`` of customers by ``value_column``
    (12-month revenue: what they have been worth, not what the model expects, so
    that likely churners are not discounted out of the list). Of those, the ones
    with churn probability at least ``threshold`` are listed, most likely first.

    Returns
    -------
    pandas.DataFrame
        ``CustomerID, Segment, RFMSegment, Revenue12m, churn_probability, clv`` (when present).
    """
    n_top = max(1, int(np.ceil(top_value_share * len(customers))))
    frame = customers.assign(churn_probability=np.asarray(churn_probability, dtype=float))
    high_value = frame.nlargest(n_top, value_column)
    listed = high_value[high_value["churn_probability"] >= threshold]
    columns = [c for c in ("CustomerID", "Segment", "RFMSegment", "Revenue12m", "churn_probability", "clv")
               if c in listed.columns]
    return (listed.sort_values(["churn_probability", value_column], ascending=[False, False], kind="stable")
            .loc[:, columns].reset_index(drop=True))


@dataclass(frozen=True)
class Overlap:
    """How the win-back list and another list of customers (e.g. the model's misaligned) meet."""

    win_back: int
    other: int
    both: int

    @property
    def share_of_win_back(self) -> float:
        return self.both / self.win_back if self.win_back else float("nan")


def overlap(win_back: pd.DataFrame, other_ids) -> Overlap:
    """Count customers on both lists; ids are compared as text (``17850`` = ``"17850"``)."""
    mine = set(win_back["CustomerID"].astype(str))
    others = {str(i) for i in other_ids}
    return Overlap(win_back=len(mine), other=len(others), both=len(mine & others))
