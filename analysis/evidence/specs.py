"""The six competing specifications of CustomerValue, their designs and their fits.

One place defines what each model *is*, so that the specification checks, the side-by-side
table, the claims and the next issue's cross-validation all fit the same thing:

=============  =====================================================================
``linear``     CustomerValue ~ Recency + Frequency + MonetaryValue + C(Segment): the brief.
``fxm``        ``linear`` + Frequency:MonetaryValue.
``flexible``   ``fxm`` with ns(Recency, df = 3) in place of Recency, + Segment x (R, F, M).
``loglinear``  log(CustomerValue) ~ linear terms; back to dollars with Duan's smearing.
``gamma_log``  Gamma GLM, log link, linear terms.
``median``     Median regression (tau = 0.5), linear terms.
=============  =====================================================================

``flexible`` contains ``fxm`` (the list in the issue is cumulative): every customer table
this project derives from an order log has CustomerValue ~ margin x F x M built in, so a
flexible model without F x M would be flexible in the wrong places.

Designs are plain numpy (no formula parser): the same :class:`DesignBasis` (segment levels,
spline knots fixed on the fitting sample) rebuilds X on any frame, which is what fold-wise
sufficient statistics and prediction on new customers need.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .spline import NaturalSplineBasis

OUTCOME = "CustomerValue"
RFM = ("Recency", "Frequency", "MonetaryValue")
SEGMENT = "Segment"
#: Canonical order of the CRM labels; non-reference dummies follow it.
SEGMENT_ORDER = ("High Value", "Medium Value", "Low Value", "At Risk")
SPLINE_DF = 3


@dataclass(frozen=True)
class ModelSpec:
    """One competing model: what it is called, what it fits, and when it applies."""

    name: str
    label: str
    formula_or_family: str
    requires_positive_outcome: bool
    #: "ols" (least squares on dollars), "log_ols", "gamma_log" or "quantile".
    estimator: str
    #: Terms beyond R + F + M + Segment: "fxm", "spline", "segment_x_rfm".
    extras: tuple[str, ...] = ()


_LINEAR = "CustomerValue ~ Recency + Frequency + MonetaryValue + C(Segment)"
MODEL_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec("linear", "Linear (the brief)", _LINEAR, False, "ols"),
    ModelSpec("fxm", "Linear + F x M", _LINEAR + " + Frequency:MonetaryValue", False, "ols", ("fxm",)),
    ModelSpec("flexible", "Spline + interactions",
              "CustomerValue ~ ns(Recency, df = 3) + Frequency + MonetaryValue + C(Segment)"
              " + Frequency:MonetaryValue + C(Segment):(Recency + Frequency + MonetaryValue)",
              False, "ols", ("fxm", "spline", "segment_x_rfm")),
    ModelSpec("loglinear", "Log-linear (smeared)",
              "log(CustomerValue) ~ Recency + Frequency + MonetaryValue + C(Segment); Duan smearing",
              True, "log_ols"),
    ModelSpec("gamma_log", "Gamma GLM, log link",
              "Gamma(link = log): CustomerValue ~ Recency + Frequency + MonetaryValue + C(Segment)",
              True, "gamma_log"),
    ModelSpec("median", "Median regression",
              "quantreg::rq(tau = 0.5): " + _LINEAR, False, "quantile"),
)
SPECS_BY_NAME = {spec.name: spec for spec in MODEL_SPECS}
#: Specs whose fit is least squares on a fixed design (fold sufficient statistics apply).
LINEAR_FAMILY = ("linear", "fxm", "flexible", "loglinear")


def applicable_specs(frame: pd.DataFrame) -> tuple[ModelSpec, ...]:
    """All specs, less the log-scale ones unless every outcome is > 0."""
    positive = bool((frame[OUTCOME] > 0).all())
    return tuple(s for s in MODEL_SPECS if positive or not s.requires_positive_outcome)


@dataclass(frozen=True)
class DesignBasis:
    """What a design needs from the fitting sample: segment levels and spline knots."""

    spec_name: str
    reference: str
    levels: tuple[str, ...]  # non-reference levels, in SEGMENT_ORDER
    spline: NaturalSplineBasis | None
    columns: tuple[str, ...]


def segment_labels(frame: pd.DataFrame) -> np.ndarray:
    """The label of each row as a numpy array of str (a categorical maps its few categories)."""
    codes, labels = pd.factorize(frame[SEGMENT])
    return np.asarray([str(label) for label in labels] + ["nan"], dtype=object)[codes]


def segment_levels(frame: pd.DataFrame, reference: str) -> tuple[str, ...]:
    """Non-reference labels present in ``frame``, in canonical order, then any others."""
    present = {str(v) for v in frame[SEGMENT].unique()}  # a few values: no n-string copy
    if reference not in present:
        raise ValueError(f"reference segment {reference!r} not in column {SEGMENT!r} "
                         f"(labels present: {sorted(present)})")
    ordered = [s for s in SEGMENT_ORDER if s in present and s != reference]
    return tuple(ordered + sorted(present - set(ordered) - {reference}))


def _make_basis(spec: ModelSpec, frame: pd.DataFrame, reference: str,
                rfm_only: bool = False, spline: NaturalSplineBasis | None = None) -> DesignBasis:
    """The basis of ``spec`` on ``frame``; ``spline`` may pass knots already placed on it."""
    levels = () if rfm_only else segment_levels(frame, reference)
    if "spline" not in spec.extras:
        spline = None
    elif spline is None:
        spline = NaturalSplineBasis.from_sample(frame["Recency"].to_numpy(float), SPLINE_DF)
    seg = [f"Segment[{s}]" for s in levels]
    recency = [f"ns(Recency)[{i + 1}]" for i in range(SPLINE_DF)] if spline else ["Recency"]
    cols = ["Intercept", *recency, "Frequency", "MonetaryValue", *seg]
    if "segment_x_rfm" in spec.extras:
        cols += [f"{s}:{v}" for v in RFM for s in seg]
    if "fxm" in spec.extras:  # last, where R's model.matrix puts a product of main effects
        cols.append("Frequency:MonetaryValue")
    return DesignBasis(spec.name, reference, levels, spline, tuple(cols))


def segment_dummies(basis: DesignBasis, frame: pd.DataFrame, segment: str | None = None) -> np.ndarray:
    """0/1 columns for the basis's non-reference labels (``segment`` sets every row to one).

    Built from index codes: comparing a million Python strings once per label cost
    more than the rest of the design.
    """
    n = len(frame)
    if not basis.levels:
        return np.empty((n, 0))
    if segment is not None:
        return np.tile((np.array(basis.levels) == segment).astype(float), (n, 1))
    column = frame[SEGMENT]
    if isinstance(column.dtype, pd.CategoricalDtype):  # fast path: map the few categories
        lookup = pd.Index(basis.levels).get_indexer(column.cat.categories.astype(str))
        raw = column.cat.codes.to_numpy()
        codes = np.where(raw >= 0, lookup[raw], -1)
    else:
        codes = pd.Index(basis.levels).get_indexer(column.astype(str))  # -1: reference or other
    return (codes[:, None] == np.arange(len(basis.levels))).astype(float)


def design_from_arrays(basis: DesignBasis, r: np.ndarray, f: np.ndarray, m: np.ndarray,
                       dummies: np.ndarray, recency: np.ndarray | None = None) -> np.ndarray:
    """X from the RFM arrays and the label dummies (what finite differences vary).

    ``recency`` may pass the already evaluated Recency columns (the spline basis is the
    costliest part at scale and does not change when F, M or the label do).
    """
    n = len(r)
    if recency is None:
        recency = basis.spline.evaluate(r) if basis.spline is not None else r[:, None]
    parts = [np.ones((n, 1)), recency, f[:, None], m[:, None], dummies]
    if basis.spline is not None and basis.levels:  # flexible: segment x (R, F, M)
        parts += [dummies * v[:, None] for v in (r, f, m)]
    if "Frequency:MonetaryValue" in basis.columns:
        parts.append((f * m)[:, None])
    return column_major(parts)


def column_major(parts: list[np.ndarray]) -> np.ndarray:
    """``np.hstack(parts)`` laid out column by column (Fortran order).

    Every product the layer takes is ``B @ X'`` (k by n); on a column-major X the transpose
    is a free C-contiguous view, and OpenBLAS runs it several times faster than ``X @ B``
    on a row-major copy (47 against 370 ms at 1M x 7: analysis/model/least_squares.py).
    """
    n = len(parts[0])
    out = np.empty((n, sum(p.shape[1] for p in parts)), order="F")
    start = 0
    for part in parts:
        out[:, start:start + part.shape[1]] = part
        start += part.shape[1]
    return out


def derivative_design(basis: DesignBasis, r: np.ndarray, f: np.ndarray, m: np.ndarray,
                      dummies: np.ndarray, variable: str, h: float) -> np.ndarray:
    """dX/d``variable``, column for column with :func:`design_from_arrays`.

    Every column is linear in each of R, F and M except the Recency spline, so the
    derivative is exact there and a central difference with step ``h`` for the spline
    columns: exactly ``(X(x + h) - X(x - h)) / 2h``, what a finite-difference slope (R's
    reference, marginaleffects) computes, without building two full designs.
    """
    n = len(r)
    zero, one = np.zeros((n, 1)), np.ones((n, 1))
    pick = {"Recency": r, "Frequency": f, "MonetaryValue": m}
    if basis.spline is None:
        recency = one if variable == "Recency" else zero
    elif variable == "Recency":
        recency = (basis.spline.evaluate(r + h) - basis.spline.evaluate(r - h)) / (2 * h)
    else:
        recency = np.zeros((n, basis.spline.df))
    parts = [zero, recency, one if variable == "Frequency" else zero,
             one if variable == "MonetaryValue" else zero, np.zeros_like(dummies)]
    if basis.spline is not None and basis.levels:
        parts += [dummies if v == variable else np.zeros_like(dummies) for v in RFM]
    if "Frequency:MonetaryValue" in basis.columns:
        other = {"Frequency": "MonetaryValue", "MonetaryValue": "Frequency"}.get(variable)
        parts.append(pick[other][:, None] if other else zero)
    return np.hstack(parts)


def counterfactual_design(basis: DesignBasis, x: np.ndarray, level: str,
                          rfm: dict[str, np.ndarray]) -> np.ndarray:
    """``x`` with every row given ``level`` (the reference: all label columns zero)."""
    out = x.copy()
    label_cols = [i for i, c in enumerate(basis.columns) if c.startswith("Segment[")]
    out[:, label_cols] = 0.0
    if level != basis.reference:
        term = f"Segment[{level}]"
        for i, c in enumerate(basis.columns):
            if c == term:
                out[:, i] = 1.0
            elif c.startswith(term + ":"):
                out[:, i] = rfm[c.split(":", 1)[1]]
    return out


def build_design(basis: DesignBasis, frame: pd.DataFrame,
                 segment: str | None = None) -> np.ndarray:
    """X for ``frame`` on a fixed ``basis``; ``segment`` sets every row to one label.

    The counterfactual ``segment`` is how average comparisons and marginal means are built.
    """
    r, f, m = (frame[v].to_numpy(float) for v in RFM)
    return design_from_arrays(basis, r, f, m, segment_dummies(basis, frame, segment))


def linear_design(spec: ModelSpec, frame: pd.DataFrame, reference: str,
                  basis: DesignBasis | None = None):
    """``(X, y, basis)`` for a least-squares spec; ``y`` is log(CustomerValue) for ``loglinear``.

    Pass the ``basis`` of a fit to rebuild X for new rows (a held-out fold) with the knots and
    levels of the fitting sample; leave it out to place them on ``frame``.
    """
    if spec.name not in LINEAR_FAMILY:
        raise ValueError(f"{spec.name!r} is not least squares on a fixed design")
    basis = basis or _make_basis(spec, frame, reference)
    y = frame[OUTCOME].to_numpy(float)
    return build_design(basis, frame), (np.log(y) if spec.estimator == "log_ols" else y), basis


@dataclass(frozen=True)
class FittedModel:
    """A fitted spec: coefficients, a robust covariance, and predictions in dollars.

    ``cov`` is HC3 for the least-squares and Gamma models and the Powell kernel sandwich
    for the median (``cov_kind`` says which). ``smearing`` is Duan's factor
    ``mean(exp(residual))`` for ``loglinear`` and 1 otherwise.
    """

    spec: ModelSpec
    basis: DesignBasis
    params: pd.Series
    cov: np.ndarray = field(repr=False)
    cov_kind: str
    smearing: float
    n: int
    df_resid: float
    fitted: np.ndarray = field(repr=False)  # in-sample, dollars
    extra: dict = field(default_factory=dict, repr=False)  # sse, aic, deviance ...

    @property
    def design_columns(self) -> tuple[str, ...]:
        return self.basis.columns

    def design(self, frame: pd.DataFrame, segment: str | None = None) -> np.ndarray:
        """X on the fitting basis (knots, levels); optional counterfactual ``segment``."""
        return build_design(self.basis, frame, segment)

    def predict_from_design(self, x: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Dollar predictions from a design matrix (optionally other coefficients)."""
        eta = x @ (self.params.to_numpy() if params is None else params)
        if self.spec.estimator in ("log_ols", "gamma_log"):
            return np.exp(eta) * self.smearing
        return eta

    def predict(self, frame: pd.DataFrame, segment: str | None = None) -> np.ndarray:
        """Predicted CustomerValue in dollars for ``frame``."""
        return self.predict_from_design(self.design(frame, segment))
