"""Fitting the competing specifications: one shared design per basis, then each estimator.

:mod:`.specs` says what each model *is* (its terms and its design); this module fits it.
A :class:`Design` holds X, ``(X'X)^-1`` and the hat values once, so the four specs on the
linear design, the specification checks and Cook's distance never rebuild or refactor it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.least_squares import solve_gram
from .covariance import hc3, leverage, quantreg_kernel
from .estimators import MEDIAN_TAU, _gamma_aic, _median_rows, gamma_log_fit, median_fit
from .specs import OUTCOME, DesignBasis, FittedModel, ModelSpec, _make_basis, applicable_specs, build_design


@dataclass(eq=False)
class Design:
    """X on one basis, its ``(X'X)^-1`` and its hat values: built once, shared by every fit on it.

    The linear, log-linear, Gamma-log and median specs all use the linear design (same
    columns, other outcomes or estimators), so one :class:`Design` serves the four of them,
    the specification checks and Cook's distance: at a million customers each rebuild and
    factorisation cost about a second (benchmarks/bench_evidence.py).
    """

    basis: DesignBasis
    x: np.ndarray = field(repr=False)
    xtx_inv: np.ndarray = field(repr=False)
    _hat: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def build(cls, spec: ModelSpec, frame: pd.DataFrame, reference: str, rfm_only: bool = False) -> "Design":
        basis = _make_basis(spec, frame, reference, rfm_only)
        x = build_design(basis, frame)
        return cls(basis, x, gram_inverse(x))

    @property
    def hat(self) -> np.ndarray:
        """Leverages ``h_i`` (diagonal of the hat matrix), computed on first use."""
        if self._hat is None:
            self._hat = leverage(self.x, self.xtx_inv)
        return self._hat

    def serves(self, spec: ModelSpec, frame: pd.DataFrame, rfm_only: bool = False) -> bool:
        """Whether ``spec`` (with or without labels) fitted on ``frame`` uses this design."""
        if len(frame) != self.x.shape[0] or ("spline" in spec.extras) != (self.basis.spline is not None):
            return False
        wanted = _make_basis(spec, frame, self.basis.reference, rfm_only, spline=self.basis.spline)
        return wanted.columns == self.basis.columns


def shared_designs(frame: pd.DataFrame, reference: str, specs=None) -> dict[str, Design]:
    """{spec name: Design} with one design per distinct basis (the linear one serves four specs)."""
    out: dict[str, Design] = {}
    for spec in applicable_specs(frame) if specs is None else specs:
        found = next((d for d in out.values() if d.serves(spec, frame)), None)
        out[spec.name] = found or Design.build(spec, frame, reference)
    return out


def gram_inverse(x: np.ndarray) -> np.ndarray:
    """``(X'X)^-1`` from an equilibrated Cholesky of X'X, refusing an aliased design.

    The project's one least-squares core (:func:`analysis.model.least_squares.solve_gram`,
    lm's aliasing rule); the coefficients then get a refinement step against the rows
    (:func:`fit_spec`), which restores QR-level accuracy. It replaced a Householder QR of
    X here: 0.5 s per fit at a million rows against tens of milliseconds for X'X.
    """
    return solve_gram(x.T @ x).inverse


def fit_spec(spec: ModelSpec, frame: pd.DataFrame, reference: str,
             rfm_only: bool = False, design: Design | None = None,
             covariance: bool = True) -> FittedModel:
    """Fit one spec on ``frame`` (numpy for the estimators and the sandwich; statsmodels' IRLS for the median).

    ``rfm_only`` drops every Segment term (dummies and interactions): the spec's own
    "what R, F and M alone predict", used for misalignment and for "labels add power".
    ``design`` passes X already built on ``frame`` for this spec (see :class:`Design`);
    ``covariance=False`` skips the sandwich (``cov`` is then all NaN) where only the fitted
    values are used (the label-free fits).
    """
    if design is None or not design.serves(spec, frame, rfm_only):
        design = Design.build(spec, frame, reference, rfm_only)
    basis = dataclasses.replace(design.basis, spec_name=spec.name)
    x, xtx_inv = design.x, design.xtx_inv
    y = frame[OUTCOME].to_numpy(float)
    if spec.requires_positive_outcome and not (y > 0).all():
        bad = np.flatnonzero(~(y > 0))[:5].tolist()
        raise ValueError(f"{spec.name}: column {OUTCOME!r} must be > 0 (rows {bad} ...)")
    n, k = x.shape
    extra: dict = {}
    smearing = 1.0
    no_cov = np.full((k, k), np.nan)
    if spec.estimator in ("ols", "log_ols"):
        target = np.log(y) if spec.estimator == "log_ols" else y
        # Corrected semi-normal equations (Bjorck): (X'X)^-1 from the Gram matrix, then one
        # refinement step; as accurate as a QR solve. statsmodels' OLS takes a pinv SVD
        # per fit (4.5 s of the layer's 15 s at 200,000 rows).
        beta = xtx_inv @ (x.T @ target)
        beta = beta + xtx_inv @ (x.T @ (target - x @ beta))
        resid = target - x @ beta
        cov, kind = (hc3(x, resid, xtx_inv, design.hat), "HC3") if covariance else (no_cov, "none")
        sse = float(resid @ resid)
        extra["sse_model_scale"] = sse
        # R's AIC(lm): n log(2 pi SSE / n) + n + 2 (k + 1); the log model moved to dollars
        # by the Jacobian of log, so its AIC compares with the dollar-scale models.
        aic = n * np.log(2 * np.pi * sse / n) + n + 2 * (k + 1)
        if spec.estimator == "log_ols":
            smearing = float(np.mean(np.exp(resid)))
            aic += 2 * float(np.log(y).sum())
        extra["aic"] = float(aic)
    elif spec.estimator == "gamma_log":
        beta = gamma_log_fit(x, y, xtx_inv)
        mu = np.exp(x @ beta)
        cov, kind = (hc3(x, (y - mu) / mu, xtx_inv, design.hat), "HC3") if covariance else (no_cov, "none")
        extra["aic"] = _gamma_aic(y, mu, k)
    elif spec.estimator == "quantile":
        rows = _median_rows(n)
        beta = median_fit(x[rows], y[rows])
        cov = quantreg_kernel(x[rows], y[rows] - x[rows] @ beta, MEDIAN_TAU) if covariance else no_cov
        kind = "kernel sandwich (quantreg se='ker')"
        if len(rows) < n:
            kind += f" on a fixed-seed sample of {len(rows):,} rows"
            extra["fit_rows"] = len(rows)
        extra["aic"] = None
    else:  # pragma: no cover - MODEL_SPECS is closed
        raise ValueError(spec.estimator)
    params = pd.Series(beta, index=list(basis.columns))
    fitted = np.exp(x @ beta) * smearing if spec.estimator in ("log_ols", "gamma_log") else x @ beta
    return FittedModel(spec, basis, params, cov, kind, smearing, n, float(n - k), fitted, extra)
