"""Which of the report's headline claims survive the competing models?

The admissible models are the brief's linear model (always: the claims are its claims)
and every competitor that predicts negative dollars for no more customers than the linear
model itself does (or than ``NEGATIVE_FITTED_ALARM``, whichever is larger) when no outcome
is negative: a competitor is held to the standard the brief's model meets, not a stricter one.

A claim is ``robust`` when at least one competitor is admissible and every admissible model
agrees with the linear model on it (a claim checked against no alternative is not firm):

- RFM effect: same sign and the same verdict on whether the 95% interval excludes zero;
- segment effect: same sign of the average comparison with the reference, and the same
  verdict on whether its interval excludes zero;
- "labels add power": the robust Wald test of all label terms rejects (p < ``CLAIM_ALPHA``)
  in every model, or in none;
- misaligned count: every model's count (its own RFM-only predictions) within
  ``MISALIGNED_TOLERANCE`` of the linear model's count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .covariance import wald
from .margins import Effect, average_effects, segment_term
from .specification import NEGATIVE_FITTED_ALARM
from .specs import OUTCOME, RFM, SEGMENT, FittedModel

CLAIM_ALPHA = 0.05
MISALIGNED_TOLERANCE = 0.25
WIN_BACK_SEGMENT = "At Risk"


@dataclass(frozen=True)
class ModelValue:
    """One model's number for a claim: estimate and interval (None where not defined)."""

    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None


@dataclass(frozen=True)
class Claim:
    key: str  # e.g. "rfm:Recency", "segment:High Value", "labels_add_power", "misaligned"
    claim: str  # the linear model's statement, plain text, no numbers
    robust: bool
    models: dict[str, ModelValue] = field(default_factory=dict)
    holds: dict[str, bool] = field(default_factory=dict)  # per model: agrees with the linear one

    @property
    def disagreeing(self) -> tuple[str, ...]:
        return tuple(m for m, ok in self.holds.items() if not ok)


def admissible(models: dict[str, FittedModel], frame: pd.DataFrame) -> dict[str, FittedModel]:
    """The linear model plus competitors that pass the negative-fitted-value check."""
    nonnegative = bool((frame[OUTCOME] >= 0).all())
    allowed = max(NEGATIVE_FITTED_ALARM, float(np.mean(models["linear"].fitted < 0)))
    return {name: m for name, m in models.items()
            if name == "linear" or not nonnegative or np.mean(m.fitted < 0) <= allowed}


def labels_wald(model: FittedModel) -> tuple[float, float]:
    """Robust Wald F that every Segment term is zero (dummies and interactions)."""
    index = np.array([i for i, c in enumerate(model.basis.columns) if "Segment[" in c])
    df = model.df_resid if model.spec.estimator in ("ols", "log_ols") else None
    return wald(model.params.to_numpy(), model.cov, index, df)


def misaligned_count(frame: pd.DataFrame, rfm_prediction: np.ndarray) -> int:
    """The report's rule: At Risk or Low Value in the top RFM-predicted quartile, or High
    Value in the bottom one."""
    q1, q3 = np.quantile(rfm_prediction, [0.25, 0.75])
    seg = frame[SEGMENT]  # compared as a column (a categorical compares its few categories)
    low = seg.isin(["At Risk", "Low Value"]).to_numpy()
    high = (seg == "High Value").to_numpy()
    flagged = (low & (rfm_prediction > q3)) | (high & (rfm_prediction <= q1))
    return int(flagged.sum())


def _value(e: Effect) -> ModelValue:
    return ModelValue(e.estimate, e.ci_low, e.ci_high)


def _sign(x: float) -> str:
    return "positive" if x > 0 else "negative" if x < 0 else "zero"


def build_claims(models: dict[str, FittedModel], rfm_only: dict[str, FittedModel],
                 frame: pd.DataFrame, effects: dict[str, dict[str, Effect]] | None = None
                 ) -> tuple[Claim, ...]:
    """Every headline claim, judged across the admissible ``models``.

    ``rfm_only`` holds each spec's fit without labels (for the misaligned counts);
    ``effects`` may pass precomputed :func:`.margins.average_effects`.
    """
    models = admissible(models, frame)
    tested = len(models) > 1  # with no competitor left, nothing is firm
    effects = effects or {n: average_effects(m, frame) for n, m in models.items()}
    effects = {n: effects[n] for n in models}
    lin = effects["linear"]
    claims = []
    for v in RFM:
        base = lin[v]
        holds = {n: (np.sign(e[v].estimate) == np.sign(base.estimate)
                     and e[v].excludes_zero == base.excludes_zero) for n, e in effects.items()}
        text = (f"{v} has a {_sign(base.estimate)} association with CustomerValue"
                + (" that is significant at 5%" if base.excludes_zero else " that is not distinguishable from zero"))
        claims.append(Claim(f"rfm:{v}", text, tested and all(holds.values()),
                            {n: _value(e[v]) for n, e in effects.items()}, holds))
    for level in models["linear"].basis.levels:
        term = segment_term(level)
        base = lin[term]
        present = {n: e for n, e in effects.items() if term in e}
        holds = {n: bool(np.sign(e[term].estimate) == np.sign(base.estimate)
                         and e[term].excludes_zero == base.excludes_zero) for n, e in present.items()}
        text = (f"{level} customers are worth {'more' if base.estimate > 0 else 'less'} than "
                f"{models['linear'].basis.reference} customers with the same RFM profile"
                + ("" if base.excludes_zero else ", though the difference is not distinguishable from zero"))
        claims.append(Claim(f"segment:{level}", text, tested and all(holds.values()),
                            {n: _value(e[term]) for n, e in present.items()}, holds))
    walds = {n: labels_wald(m) for n, m in models.items()}
    base_rejects = walds["linear"][1] < CLAIM_ALPHA
    holds = {n: (p < CLAIM_ALPHA) == base_rejects for n, (_, p) in walds.items()}
    claims.append(Claim("labels_add_power",
                        "the CRM labels add explanatory power beyond R, F and M" if base_rejects
                        else "the CRM labels add no detectable power beyond R, F and M",
                        tested and all(holds.values()),
                        {n: ModelValue(stat, p=p) for n, (stat, p) in walds.items()}, holds))
    counts = {n: misaligned_count(frame, rfm_only[n].fitted) for n in models if n in rfm_only}
    base = counts["linear"]
    holds = {n: abs(c - base) <= MISALIGNED_TOLERANCE * max(base, 1) for n, c in counts.items()}
    claims.append(Claim("misaligned", "labels disagree with RFM-predicted value for this many customers",
                        tested and all(holds.values()), {n: ModelValue(float(c)) for n, c in counts.items()}, holds))
    return tuple(claims)
