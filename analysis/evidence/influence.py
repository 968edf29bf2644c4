"""Do a few customers drive the brief's coefficients? Refits without influential rows.

Two named cut-offs, each a refit of the linear model without the flagged customers:

- ``COOKS_CUTOFF``: Cook's distance above 1 (Cook and Weisberg's conventional line);
- ``TOP_SHARE``: the most influential 0.1% by Cook's distance, whatever their values, so
  that a table with no D > 1 still shows how much its top customers move the estimates.

For each refit and each term the change, whether the sign flips and whether the HC3
interval's verdict (excludes zero or not) changes. Cook's distance is computed from the
hat values (``cooks.distance(lm)``), not from statsmodels' OLSInfluence, which builds
per-row diagnostics the report never uses (quadratic memory in its summary frame). The
"refits" are exact deletions from the least-squares sufficient statistics
(:func:`without_rows`), not new fits.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.least_squares import solve_gram
from .claims import CLAIM_ALPHA, labels_wald
from .covariance import hc3
from .margins import Effect
from .fit_specs import Design, fit_spec
from .specs import OUTCOME, SPECS_BY_NAME, FittedModel

COOKS_CUTOFF = 1.0
TOP_SHARE = 0.001
COOKS_RULE, TOP_RULE = "cooks_above_cutoff", "top_share"


def cooks_distance(model: FittedModel, frame: pd.DataFrame, design: Design | None = None) -> np.ndarray:
    """Cook's distance of each row for a least-squares fit, as R's ``cooks.distance``.

    ``design`` may pass the model's design built on ``frame`` (its hat values are reused).
    """
    if design is None or not design.serves(model.spec, frame):
        design = Design.build(model.spec, frame, model.basis.reference)
    resid = frame[OUTCOME].to_numpy(float) - model.fitted
    h = design.hat
    p = design.x.shape[1]
    s2 = float(resid @ resid) / model.df_resid
    return resid ** 2 / (p * s2) * h / (1 - h) ** 2


def without_rows(model: FittedModel, design: Design, y: np.ndarray, drop: np.ndarray) -> FittedModel:
    """The least-squares ``model`` refitted without the rows ``drop``, exactly, with no refit.

    Deleting rows from OLS is a downdate of its sufficient statistics: X'X and X'y lose the
    dropped rows' own sums (the exact leave-out formula; only those rows are read), then a
    p x p solve. The HC3 covariance of the reduced fit needs its residuals and leverages on
    the kept rows: one pass over the design already built, with the dropped rows' scores set
    to zero. Equal to a refit on the kept rows to rounding (tests/evidence), and about a
    design rebuild plus a factorisation cheaper at scale.
    """
    x = design.x
    dropped = x[drop]
    inverse = solve_gram(x.T @ x - dropped.T @ dropped).inverse
    beta = inverse @ (x.T @ y - dropped.T @ y[drop])
    keep = ~drop
    resid = np.where(keep, y - x @ beta, 0.0)
    beta = beta + inverse @ (x.T @ resid)  # one refinement step on the kept rows, as fit_spec
    fitted = x @ beta
    resid = np.where(keep, y - fitted, 0.0)
    n = int(keep.sum())
    return dataclasses.replace(model, params=pd.Series(beta, index=model.params.index),
                               cov=hc3(x, resid, inverse), n=n, df_resid=float(n - x.shape[1]), fitted=fitted,
                               extra={**model.extra, "sse_model_scale": float(resid @ resid)})


@dataclass(frozen=True)
class TermChange:
    term: str
    before: Effect
    after: Effect

    @property
    def change(self) -> float:
        return self.after.estimate - self.before.estimate

    @property
    def flips_sign(self) -> bool:
        return bool(np.sign(self.after.estimate) != np.sign(self.before.estimate))

    @property
    def verdict_changes(self) -> bool:
        return self.after.excludes_zero != self.before.excludes_zero


@dataclass(frozen=True)
class Refit:
    """One refit: which rule, how many rows it drops, and every term's change."""

    rule: str
    cutoff: float
    n_dropped: int
    terms: tuple[TermChange, ...]
    labels_p_before: float  # robust Wald p of "labels add power"
    labels_p_after: float

    @property
    def labels_claim_changes(self) -> bool:
        return (self.labels_p_before < CLAIM_ALPHA) != (self.labels_p_after < CLAIM_ALPHA)

    @property
    def moved(self) -> tuple[TermChange, ...]:
        """Terms whose sign or interval verdict changes."""
        return tuple(t for t in self.terms if t.flips_sign or t.verdict_changes)


@dataclass(frozen=True)
class Influence:
    """Cook's distance's largest value and one :class:`Refit` per rule (each names its cut-off)."""

    max_cooks: float
    refits: tuple[Refit, ...]

    def cutoff(self, rule: str) -> float:
        return next(r.cutoff for r in self.refits if r.rule == rule)

    @property
    def cooks_cutoff(self) -> float:
        return self.cutoff(COOKS_RULE)

    @property
    def top_share(self) -> float:
        return self.cutoff(TOP_RULE)


def _effects(model: FittedModel) -> dict[str, Effect]:
    se = np.sqrt(np.diag(model.cov))
    return {t: Effect(t, float(b), float(s)) for t, b, s in zip(model.params.index, model.params, se)
            if t != "Intercept"}


def influence(frame: pd.DataFrame, reference: str, linear: FittedModel | None = None,
              design: Design | None = None) -> Influence:
    """The linear model without D > ``COOKS_CUTOFF`` rows and without the top ``TOP_SHARE``."""
    spec = SPECS_BY_NAME["linear"]
    if design is None or not design.serves(spec, frame):
        design = Design.build(spec, frame, reference)
    linear = linear or fit_spec(spec, frame, reference, design=design)
    d = cooks_distance(linear, frame, design)
    y = frame[OUTCOME].to_numpy(float)
    before = _effects(linear)
    n_top = max(1, math.ceil(TOP_SHARE * len(frame)))
    top = np.zeros(len(frame), dtype=bool)
    top[np.argsort(-d, kind="stable")[:n_top]] = True
    p_before = labels_wald(linear)[1]
    refits = []
    for rule, cutoff, drop in ((COOKS_RULE, COOKS_CUTOFF, d > COOKS_CUTOFF), (TOP_RULE, TOP_SHARE, top)):
        refit = without_rows(linear, design, y, drop) if drop.any() else linear
        after = _effects(refit)
        refits.append(Refit(rule, cutoff, int(drop.sum()),
                            tuple(TermChange(t, before[t], after[t]) for t in before if t in after),
                            p_before, labels_wald(refit)[1] if drop.any() else p_before))
    return Influence(float(d.max()), tuple(refits))
