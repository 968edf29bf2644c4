"""Do a few customers drive the brief's coefficients? Refits without influential rows.

Two named cut-offs, each a refit of the linear model without the flagged customers:

- ``COOKS_CUTOFF``: Cook's distance above 1 (Cook and Weisberg's conventional line);
- ``TOP_SHARE``: the most influential 0.1% by Cook's distance, whatever their values, so
  that a table with no D > 1 still shows how much its top customers move the estimates.

For each refit and each term the change, whether the sign flips and whether the HC3
interval's verdict (excludes zero or not) changes. Cook's distance is computed from the
hat values (``cooks.distance(lm)``), not from statsmodels' OLSInfluence, which builds
per-row diagnostics the report never uses (quadratic memory in its summary frame).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .claims import CLAIM_ALPHA, labels_wald
from .covariance import leverage
from .margins import Effect
from .specs import OUTCOME, SPECS_BY_NAME, FittedModel, fit_spec

COOKS_CUTOFF = 1.0
TOP_SHARE = 0.001


def cooks_distance(model: FittedModel, frame: pd.DataFrame) -> np.ndarray:
    """Cook's distance of each row for a least-squares fit, as R's ``cooks.distance``."""
    x = model.design(frame)
    resid = frame[OUTCOME].to_numpy(float) - model.fitted
    h = leverage(x, np.linalg.inv(x.T @ x))
    p = x.shape[1]
    s2 = float(resid @ resid) / model.df_resid
    return resid ** 2 / (p * s2) * h / (1 - h) ** 2


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
    cooks_cutoff: float
    top_share: float
    max_cooks: float
    refits: tuple[Refit, ...]


def _effects(model: FittedModel) -> dict[str, Effect]:
    se = np.sqrt(np.diag(model.cov))
    return {t: Effect(t, float(b), float(s)) for t, b, s in zip(model.params.index, model.params, se)
            if t != "Intercept"}


def influence(frame: pd.DataFrame, reference: str, linear: FittedModel | None = None) -> Influence:
    """Refit the linear model without D > ``COOKS_CUTOFF`` rows and without the top ``TOP_SHARE``."""
    spec = SPECS_BY_NAME["linear"]
    linear = linear or fit_spec(spec, frame, reference)
    d = cooks_distance(linear, frame)
    before = _effects(linear)
    n_top = max(1, math.ceil(TOP_SHARE * len(frame)))
    top = np.zeros(len(frame), dtype=bool)
    top[np.argsort(-d, kind="stable")[:n_top]] = True
    p_before = labels_wald(linear)[1]
    refits = []
    for rule, cutoff, drop in (("cooks_above_cutoff", COOKS_CUTOFF, d > COOKS_CUTOFF),
                               ("top_share", TOP_SHARE, top)):
        if not drop.any():
            refits.append(Refit(rule, cutoff, 0, tuple(TermChange(t, e, e) for t, e in before.items()),
                                p_before, p_before))
            continue
        refit = fit_spec(spec, frame.loc[~drop], reference)
        after = _effects(refit)
        refits.append(Refit(rule, cutoff, int(drop.sum()),
                            tuple(TermChange(t, before[t], after[t]) for t in before if t in after),
                            p_before, labels_wald(refit)[1]))
    return Influence(COOKS_CUTOFF, TOP_SHARE, float(d.max()), tuple(refits))
