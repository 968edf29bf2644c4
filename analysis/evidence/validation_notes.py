"""Rule-based sentences for issue 11: who ranks customers best, how sure, and what it is not.

Each function decides its wording from the numbers it states, by an explicit rule with a
named threshold, so a test can drive it both ways. Sentences are associational: the model
predicts value; it does not say what a campaign would change (that needs a holdout test,
:func:`holdout_test_design`). No sentence tells anyone to "lean on" the model for a budget.
Strings are plain text; the render layer escapes them for its target.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .gains import Gains
from .intervals import PredictionIntervals
from .lists import CIRCULAR_ACCURACY, ListTotal
from .selection import BestModel

#: Below this difference (percentage points of total value) two rankings "capture about the same".
GAINS_TIE_POINTS = 1.0
RANKING_NAMES = {"linear": "the brief's linear model", "best": "the best cross-validated model",
                 "rfm_only": "the RFM-only model", "rfm_score": "the R+F+M quintile score",
                 "labels": "the CRM label"}
COVERAGE_TARGET = (0.78, 0.82)


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def gains_winner(gains: Gains) -> str:
    """The ranking (not random or oracle) with the largest captured share at the High Value list size."""
    shares = {k: gains.captured_share[k] for k in RANKING_NAMES}
    return max(shares, key=shares.get)


def gains_sentence(gains: Gains) -> str:
    """Which ranking wins at a list the size of the High Value segment, and by how much vs the label."""
    model, label, oracle = (gains.captured_share[k] for k in ("best", "labels", "oracle"))
    gap = 100 * (model - label)
    lead = (f"With a list the size of the High Value segment ({gains.list_size:,} customers), ranking by "
            f"the best cross-validated model ({gains.best_model}) captures {_pct(model)} of all customer "
            f"value out of fold; ranking by the CRM label captures {_pct(label)}, and a perfect ranking "
            f"would capture {_pct(oracle)}.")
    if abs(gap) < GAINS_TIE_POINTS:
        verdict = (f" The model and the label capture about the same share (a difference of "
                   f"{abs(gap):.1f} points, below the {GAINS_TIE_POINTS:.0f}-point threshold).")
    elif gap > 0:
        verdict = f" The model's list captures {gap:.1f} percentage points more value than the label's."
    else:
        verdict = f" The label's list captures {-gap:.1f} percentage points more value than the model's."
    winner = gains_winner(gains)
    tail = f" Of the five rankings, {RANKING_NAMES[winner]} captures the most ({_pct(gains.captured_share[winner])})."
    return lead + verdict + tail


def uplift_caveat() -> str:
    """Why gains are not campaign effects."""
    return ("These shares say whose value is high, not whose value a campaign would raise: who responds "
            "to an offer (uplift) can only be measured with a randomised holdout, which observational "
            "data like this table cannot provide.")


def holdout_test_design(values: np.ndarray, list_size: int, effect_share: float = 0.05,
                        alpha: float = 0.05, power: float = 0.80) -> dict:
    """Customers per arm to detect a campaign lifting mean value by ``effect_share``.

    Two-sided two-sample z test with the list's own value SD: ``n = 2 (z_a + z_b)^2 s^2 / d^2``.
    """
    values = np.asarray(values, float)
    sd, mean = float(values.std(ddof=1)), float(values.mean())
    delta = effect_share * mean
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    per_arm = int(np.ceil(2 * z ** 2 * sd ** 2 / delta ** 2)) if delta > 0 else None
    return {"effect_share": effect_share, "alpha": alpha, "power": power, "sd": sd, "mean": mean,
            "per_arm": per_arm, "list_size": int(list_size),
            "feasible": per_arm is not None and 2 * per_arm <= list_size}


def holdout_sentence(design: dict) -> str:
    """The proposed test, in words."""
    lead = ("Proposed test: pick the list by the model, then randomly hold out part of it from the campaign "
            "(stratified by segment and predicted-value decile) and compare the two groups' value over the "
            "campaign horizon.")
    if design["per_arm"] is None:
        return lead
    size = (f" Detecting a {100 * design['effect_share']:.0f}% lift in mean value with "
            f"{100 * design['power']:.0f}% power at the {100 * design['alpha']:.0f}% level needs about "
            f"{design['per_arm']:,} customers per group")
    if design["feasible"]:
        return lead + size + f", which a list of {design['list_size']:,} can supply."
    return lead + size + f", more than a list of {design['list_size']:,} holds: pool campaigns or accept a larger detectable lift."


def best_model_sentence(best: BestModel) -> str:
    """Which model drives targeting and why (the one-SE rule), and the linear model's standing."""
    lead = (f"Targeting, misalignment and gains use the {best.label.lower()} model: the simplest model whose "
            f"cross-validated RMSE (${best.best_rmse:,.2f}) is within one standard error "
            f"(${best.lowest_rmse_se:,.2f}) of the lowest (${best.lowest_rmse:,.2f}, {best.lowest}).")
    if best.is_linear:
        return lead + " That is the brief's linear model itself."
    return lead + (f" The brief's linear model (${best.linear_rmse:,.2f}) is outside that band; its coefficients "
                   "are still the ones interpreted first, with the others beside them.")


def coverage_sentence(intervals: PredictionIntervals) -> str:
    """The 80% intervals' out-of-fold coverage, and whether it is on target."""
    low, high = COVERAGE_TARGET
    cov = intervals.coverage_out_of_fold
    lead = (f"Out of fold, {_pct(cov)} of customers' values fall inside their {100 * intervals.level:.0f}% "
            "prediction interval, whose width follows the predicted value.")
    if low <= cov <= high:
        return lead + " That is on target."
    side = "narrow" if cov < low else "wide"
    return lead + f" That is off target ({low:.2f}-{high:.2f}): the intervals are too {side}."


def misalignment_sentence(segment: str, point_count: int, interval_count: int) -> str:
    """Interval-based misalignment next to the point-prediction count."""
    if segment == "High Value":
        what = "model outside the top quartile"
        rule = "P(top quartile) below 0.2"
    else:
        what = "model in the top quartile"
        rule = "P(top quartile) above 0.8"
    return (f"{point_count:,} {segment} customers {what} by their point prediction; allowing for "
            f"prediction uncertainty ({rule}), {interval_count:,} clearly do.")


def circularity_sentence(recovery: float) -> str | None:
    """A warning when the label is (nearly) a rule of R, F and M; None otherwise."""
    if recovery < CIRCULAR_ACCURACY:
        return None
    return (f"The CRM label is close to a rule of R, F and M: their quintiles recover it for {_pct(recovery)} of "
            "customers out of fold. Comparing the label with an RFM model is then circular: the label "
            "cannot add information that R, F and M do not already hold.")


def list_total_sentence(total: ListTotal) -> str:
    """Actual against modelled total of one list, with its band at the stated level."""
    level = f"{100 * total.level:.0f}%"
    lead = (f"The {total.name} list ({total.size:,} customers) has an actual total of ${total.actual:,.0f} "
            f"against a modelled ${total.modelled:,.0f} in-sample (${total.modelled_oof:,.0f} out of fold); "
            f"the {level} band, including parameter uncertainty and this list's own residual spread, is "
            f"${total.low:,.0f} to ${total.high:,.0f}.")
    if total.inside and total.inside_oof:
        return lead + " The actual total lies inside it."
    off = 100 * (total.actual - total.modelled) / total.modelled if total.modelled else float("nan")
    direction = "below" if off < 0 else "above"
    return lead + (f" The actual total lies outside it, {abs(off):.0f}% {direction} the model: the model is "
                   "biased for this list, so its modelled total is not a planning figure.")
