"""Is the straight line right? The specification checks run on every build.

Each check is a number in :class:`SpecificationChecks`; :mod:`.notes` words them. An
*alarm* needs both a small p-value (``SPEC_ALPHA``) and a gain that matters
(``MATERIAL_R2_GAIN`` of in-sample R-squared): with a million customers a test rejects a
linear truth's harmless wobble, and a reader should not be told the line is wrong when the
better model explains nothing more.

The tests, each checked against R in ``tests/reference/make_r_evidence.R``:

- RESET, powers 2-3 of the fitted values, classical F (``lmtest::resettest``);
- Segment x (R, F, M): HC3 Wald, F form (``lmtest::waldtest(vcov = vcovHC(type = "HC3"))``);
- Frequency x MonetaryValue: the same, on the one product term;
- ns(Recency, df = 3) against linear Recency: nested F (``anova``) and HC3 Wald;
- the share of negative fitted values when no outcome is negative;
- segment overlap on RFM (see :mod:`.overlap`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .covariance import hc3, wald
from .overlap import segment_overlap, segment_range_overlap
from .spline import NaturalSplineBasis
from .fit_specs import Design, fit_spec, gram_inverse
from .specs import OUTCOME, RFM, SPECS_BY_NAME, FittedModel, column_major

#: p-value below which a specification test counts as rejecting the linear model.
SPEC_ALPHA = 0.01
#: In-sample R-squared the alternative must add for a rejection to raise an alarm.
MATERIAL_R2_GAIN = 0.005
#: Share of negative fitted values (outcome never negative) that raises an alarm.
NEGATIVE_FITTED_ALARM = 0.01
#: A segment whose overlap with the reference is below this is compared by extrapolation.
POOR_OVERLAP = 0.5


@dataclass(frozen=True)
class TestResult:
    """One specification test: statistic, p-value, degrees of freedom, R-squared gain."""

    name: str
    stat: float
    p: float
    df_num: int
    df_den: float | None
    r2_gain: float
    method: str
    classical_f: float | None = None  # nested F, where a classical version is reported too
    classical_p: float | None = None

    @property
    def alarm(self) -> bool:
        p = self.p if self.classical_p is None else min(self.p, self.classical_p)
        return bool(p < SPEC_ALPHA and self.r2_gain >= MATERIAL_R2_GAIN)


@dataclass(frozen=True)
class SpecificationChecks:
    """All checks on one table (numbers only)."""

    reset: TestResult
    segment_interactions: TestResult
    frequency_x_monetary: TestResult
    recency_spline: TestResult
    negative_fitted_share: float
    outcome_nonnegative: bool
    segment_overlap: dict[str, float]  # propensity-overlap share, per segment (reference: 1)
    segment_range_overlap: dict[str, float]  # share inside the reference's min-max box
    reference: str

    @property
    def negative_fitted_alarm(self) -> bool:
        return self.outcome_nonnegative and self.negative_fitted_share > NEGATIVE_FITTED_ALARM

    @property
    def poorly_overlapping(self) -> tuple[str, ...]:
        return tuple(s for s, v in self.segment_overlap.items()
                     if s != self.reference and v < POOR_OVERLAP)

    @property
    def tests(self) -> tuple[TestResult, ...]:
        return (self.reset, self.segment_interactions, self.frequency_x_monetary, self.recency_spline)

    @property
    def misspecified(self) -> bool:
        """Any alarm about the linear model's form (overlap is about the data, not the form)."""
        return any(t.alarm for t in self.tests) or self.negative_fitted_alarm


FXM_METHOD = "Frequency x MonetaryValue, HC3 Wald F"


def _r2(y: np.ndarray, sse: float) -> float:
    return 1.0 - sse / float(((y - y.mean()) ** 2).sum())


def _ols(x: np.ndarray, y: np.ndarray, covariance: bool = True):
    """Least squares with HC3: ``(beta, cov_hc3 or None, sse, df_resid)``."""
    xtx_inv = gram_inverse(x)
    beta = xtx_inv @ (x.T @ y)
    beta = beta + xtx_inv @ (x.T @ (y - x @ beta))  # one refinement step, as fit_specs.fit_spec
    resid = y - x @ beta
    cov = hc3(x, resid, xtx_inv) if covariance else None
    return beta, cov, float(resid @ resid), float(len(y) - x.shape[1])


def _nested_f(sse0: float, sse1: float, q: int, df1: float) -> tuple[float, float]:
    f = ((sse0 - sse1) / q) / (sse1 / df1)
    return float(f), float(stats.f.sf(f, q, df1))


def _augmented_test(name: str, x0: np.ndarray, extra: np.ndarray, y: np.ndarray,
                    sse0: float, method: str, classical: bool) -> TestResult:
    """HC3 Wald (and optionally nested F) that the ``extra`` columns add nothing to ``x0``."""
    x1 = column_major([x0, extra])
    beta, cov, sse1, df1 = _ols(x1, y)
    return _wald_result(name, beta, cov, sse0, sse1, df1, x0.shape[1], y, method, classical)


def _wald_result(name: str, beta: np.ndarray, cov: np.ndarray, sse0: float, sse1: float, df1: float,
                 first: int, y: np.ndarray, method: str, classical: bool) -> TestResult:
    """The HC3 Wald F of the coefficients from ``first`` on (and the nested F when ``classical``)."""
    index = np.arange(first, len(beta))
    stat, p = wald(beta, cov, index, df1)
    f, fp = _nested_f(sse0, sse1, len(index), df1) if classical else (None, None)
    return TestResult(name, stat, p, len(index), df1, _r2(y, sse1) - _r2(y, sse0), method, f, fp)


def _fxm_test(fxm: FittedModel, x0: np.ndarray, y: np.ndarray, sse0: float, method: str) -> TestResult:
    """The F x M test read off the fitted ``fxm`` spec: its design is the linear one plus F x M
    as the last column, the same regression the augmented test would run again."""
    return _wald_result("frequency_x_monetary", fxm.params.to_numpy(), fxm.cov, sse0,
                        fxm.extra["sse_model_scale"], fxm.df_resid, x0.shape[1], y, method, False)


def reset_test(linear: FittedModel, x: np.ndarray, y: np.ndarray) -> TestResult:
    """RESET with fitted^2 and fitted^3, classical F, as ``lmtest::resettest(power = 2:3)``."""
    sse0 = float(((y - linear.fitted) ** 2).sum())
    scale = np.abs(linear.fitted).max() or 1.0  # conditioning only: F is scale-invariant
    z = linear.fitted / scale
    x1 = column_major([x, np.column_stack([z ** 2, z ** 3])])
    _, _, sse1, df1 = _ols(x1, y, covariance=False)
    f, p = _nested_f(sse0, sse1, 2, df1)
    return TestResult("reset", f, p, 2, df1, _r2(y, sse1) - _r2(y, sse0),
                      "RESET, powers 2-3 of fitted values, classical F")


def check_specification(frame: pd.DataFrame, reference: str, linear: FittedModel | None = None,
                        design: Design | None = None, fxm: FittedModel | None = None,
                        flexible: Design | None = None) -> SpecificationChecks:
    """Run every check on ``frame`` against the brief's linear model.

    ``design`` may pass the linear design already built on ``frame``; ``fxm`` the fitted
    ``fxm`` spec, whose HC3 Wald of the F x M term is the F x M test (no second fit);
    ``flexible`` the flexible spec's design, whose ns(Recency, 3) columns (knots on the same
    rows) the spline test reuses.
    """
    linear = linear or fit_spec(SPECS_BY_NAME["linear"], frame, reference, design=design)
    x = design.x if design is not None and design.serves(linear.spec, frame) else linear.design(frame)
    y = frame[OUTCOME].to_numpy(float)
    sse0 = float(((y - linear.fitted) ** 2).sum())
    dummies = x[:, [i for i, c in enumerate(linear.design_columns) if c.startswith("Segment[")]]
    rfm = frame[list(RFM)].to_numpy(float)
    interactions = column_major([dummies * rfm[:, [j]] for j in range(3)])
    f, m = rfm[:, 1], rfm[:, 2]
    if flexible is not None and flexible.basis.spline is not None and len(flexible.x) == len(frame):
        spline = flexible.x[:, 1:1 + flexible.basis.spline.df]
    else:
        spline = NaturalSplineBasis.from_sample(rfm[:, 0], 3).evaluate(rfm[:, 0])
    # {1, Recency, ns1, ns2} spans the ns(Recency, 3) space with the intercept; the Wald
    # test is invariant to that reparameterisation, and it nests the linear model.
    return SpecificationChecks(
        reset=reset_test(linear, x, y),
        segment_interactions=_augmented_test(
            "segment_interactions", x, interactions, y, sse0,
            "Segment x (Recency, Frequency, MonetaryValue), HC3 Wald F", classical=False),
        frequency_x_monetary=(_fxm_test(fxm, x, y, sse0, FXM_METHOD) if fxm is not None else _augmented_test(
            "frequency_x_monetary", x, (f * m)[:, None], y, sse0, FXM_METHOD, classical=False)),
        recency_spline=_augmented_test(
            "recency_spline", x, spline[:, :2], y, sse0,
            "ns(Recency, df = 3) against linear Recency, HC3 Wald F (and nested F)", classical=True),
        negative_fitted_share=float(np.mean(linear.fitted < 0)),
        outcome_nonnegative=bool((y >= 0).all()),
        segment_overlap=segment_overlap(frame, reference),
        segment_range_overlap=segment_range_overlap(frame, reference),
        reference=reference,
    )
