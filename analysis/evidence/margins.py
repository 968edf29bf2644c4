"""Average marginal effects in dollars and marginal means at a common profile.

The number to compare across models is not a raw coefficient (a log-scale or GLM
coefficient is not dollars, an interaction splits one effect over several terms) but:

- for R, F and M, the **average slope**: the mean over customers of d(predicted
  dollars)/dx, as ``marginaleffects::avg_slopes``;
- for a label, the **average comparison**: the mean over customers of predicted dollars
  with that label minus with the reference label, as ``avg_comparisons``;
- the **marginal mean** (``emmeans``): predicted dollars for each label at the common
  profile (mean R, F, M), and its contrast with the reference.

Slopes are central differences with step ``STEP_FRACTION`` x the variable's standard
deviation (exact for every column but the Recency spline's; R's reference uses the same step).
Intervals are delta-method, normal, 95%, with each model's robust covariance (HC3 for
least squares and the Gamma GLM; the kernel sandwich for the median). For ``loglinear``
the smearing factor is held fixed in the delta method (its own sampling error is ignored).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .specs import RFM, FittedModel, counterfactual_design, derivative_design, segment_dummies

STEP_FRACTION = 1e-4
LEVEL = 0.95
_Z = float(stats.norm.ppf(0.5 + LEVEL / 2))


@dataclass(frozen=True)
class Effect:
    """One average effect in dollars with its delta-method interval."""

    term: str
    estimate: float
    se: float

    @property
    def ci_low(self) -> float:
        return self.estimate - _Z * self.se

    @property
    def ci_high(self) -> float:
        return self.estimate + _Z * self.se

    @property
    def excludes_zero(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)


def segment_term(level: str) -> str:
    """Contract name of a label's effect, e.g. ``"Segment[High Value]"``."""
    return f"Segment[{level}]"


def _mean_and_gradient(model: FittedModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean prediction in dollars over rows of ``x`` and its gradient in the coefficients."""
    pred = model.predict_from_design(x)
    if model.spec.estimator in ("log_ols", "gamma_log"):
        return pred.mean(), (x * pred[:, None]).mean(axis=0)
    return pred.mean(), x.mean(axis=0)


def _effect(model: FittedModel, term: str, plus: np.ndarray, minus: np.ndarray,
            scale: float) -> Effect:
    top, g_top = _mean_and_gradient(model, plus)
    bottom, g_bottom = _mean_and_gradient(model, minus)
    grad = (g_top - g_bottom) / scale
    se = float(np.sqrt(max(grad @ model.cov @ grad, 0.0)))
    return Effect(term, float((top - bottom) / scale), se)


def _level(model: FittedModel, term: str, x: np.ndarray) -> Effect:
    value, grad = _mean_and_gradient(model, x)
    return Effect(term, float(value), float(np.sqrt(max(grad @ model.cov @ grad, 0.0))))


def step(frame: pd.DataFrame, variable: str) -> float:
    """Finite-difference step for ``variable``: ``STEP_FRACTION`` x its standard deviation."""
    sd = float(frame[variable].std(ddof=1))
    return STEP_FRACTION * (sd if sd > 0 else 1.0)


def average_slopes(model: FittedModel, frame: pd.DataFrame,
                   x: np.ndarray | None = None) -> dict[str, Effect]:
    """Average d(dollars)/dx for each of R, F and M, as ``avg_slopes``.

    With ``D = (X(x + h) - X(x - h)) / 2h`` (:func:`.specs.derivative_design`): identity link,
    slope ``mean(D) b``; log link, ``eta(x +- h) = eta +- h D b`` exactly (no spline there).
    """
    rfm = [frame[v].to_numpy(float) for v in RFM]
    dummies = segment_dummies(model.basis, frame)
    beta = model.params.to_numpy()
    log_link = model.spec.estimator in ("log_ols", "gamma_log")
    if log_link:
        x = model.design(frame) if x is None else x
        eta = x @ beta
    out = {}
    for variable in RFM:
        h = step(frame, variable)
        d = derivative_design(model.basis, *rfm, dummies, variable, h)
        if log_link:
            s = d @ beta
            up, down = np.exp(eta + h * s) * model.smearing, np.exp(eta - h * s) * model.smearing
            estimate = float(np.mean(up - down) / (2 * h))
            grad = ((up - down) @ x + h * (up + down) @ d) / (2 * h * len(eta))
        else:
            grad = d.mean(axis=0)
            estimate = float(grad @ beta)
        out[variable] = Effect(variable, estimate, float(np.sqrt(max(grad @ model.cov @ grad, 0.0))))
    return out


def average_comparisons(model: FittedModel, frame: pd.DataFrame,
                        x: np.ndarray | None = None) -> dict[str, Effect]:
    """Mean over customers of dollars with each label minus with the reference."""
    x = model.design(frame) if x is None else x
    rfm = {v: frame[v].to_numpy(float) for v in RFM}
    base = counterfactual_design(model.basis, x, model.basis.reference, rfm)
    return {segment_term(level): _effect(model, segment_term(level),
                                         counterfactual_design(model.basis, x, level, rfm), base, 1.0)
            for level in model.basis.levels}


# Above this many customers the AMEs average over a seeded sample of this size. An AME is a
# mean over customers of a smooth function of X (coefficients fixed, as marginaleffects
# treats X); a 100,000-row mean's sampling error is far inside the coefficient interval.
# For the straight-line model the AME equals the coefficient whatever the rows. Measured at
# 200k rows: 5.6 s of 19 s of build_evidence.
AME_ROWS_MAX = 100_000
AME_SEED = 20261010


def average_effects(model: FittedModel, frame: pd.DataFrame) -> dict[str, Effect]:
    """Slopes for R, F, M then comparisons for each non-reference label (sampled above AME_ROWS_MAX)."""
    if len(frame) > AME_ROWS_MAX:
        frame = frame.sample(AME_ROWS_MAX, random_state=AME_SEED)
    x = model.design(frame)
    return {**average_slopes(model, frame, x), **average_comparisons(model, frame, x)}


@dataclass(frozen=True)
class MarginalMeans:
    """emmeans-style means per label at one profile, and contrasts with the reference."""

    model: str
    profile: dict[str, float]
    means: dict[str, Effect]  # keyed by label, reference included
    contrasts: dict[str, Effect]  # keyed by non-reference label: label - reference


def marginal_means(model: FittedModel, frame: pd.DataFrame) -> MarginalMeans:
    """Predicted dollars for each label at mean R, F and M (``emmeans(m, ~ Segment)``).

    emmeans puts covariates at their means and builds products (F x M) and spline terms
    from those means, which is what evaluating the design at the mean profile does.
    """
    profile = {v: float(frame[v].mean()) for v in RFM}
    row = pd.DataFrame({**{v: [profile[v]] for v in RFM}, "Segment": [model.basis.reference]})
    ref_x = model.design(row, segment=model.basis.reference)
    means = {model.basis.reference: _level(model, model.basis.reference, ref_x)}
    contrasts = {}
    for level in model.basis.levels:
        x = model.design(row, segment=level)
        means[level] = _level(model, level, x)
        contrasts[level] = _effect(model, level, x, ref_x, 1.0)
    return MarginalMeans(model.spec.name, profile, means, contrasts)
