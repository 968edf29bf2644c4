"""One call that computes all of the evidence layer for a table: :func:`build_evidence`."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .claims import Claim, admissible, build_claims
from .influence import Influence, influence
from .margins import Effect, MarginalMeans, average_effects
from .segment_value import SegmentValue, segment_value
from .specification import SpecificationChecks, check_specification
from .fit_specs import Design, fit_spec, shared_designs
from .specs import OUTCOME, RFM, SEGMENT, SPECS_BY_NAME, FittedModel, applicable_specs


@dataclass(frozen=True)
class ModelFit:
    """In-sample fit of one model on the dollar scale (cross-validated fit: issue 11)."""

    r_squared: float  # 1 - SSE/SST of dollar predictions, for every model alike
    rms_error: float  # root-mean-square error of dollar predictions
    median_abs_error: float  # "typical error"
    aic: float | None


@dataclass(frozen=True)
class Evidence:
    reference: str
    models: dict[str, FittedModel] = field(repr=False)
    rfm_only: dict[str, FittedModel] = field(repr=False)  # admissible models only
    fit: dict[str, ModelFit]
    effects: dict[str, dict[str, Effect]]
    specification: SpecificationChecks
    segment_values: tuple[SegmentValue, ...]
    marginal_means: MarginalMeans
    claims: tuple[Claim, ...]
    influence: Influence


def model_fit(model: FittedModel, y: np.ndarray) -> ModelFit:
    resid = y - model.fitted
    sst = float(((y - y.mean()) ** 2).sum())
    return ModelFit(1 - float(resid @ resid) / sst, float(np.sqrt(np.mean(resid ** 2))),
                    float(np.median(np.abs(resid))), model.extra.get("aic"))


def prepare_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The five columns as plain float arrays and a categorical label, in row order.

    Labels as a categorical once: every design then maps four categories, not n strings;
    and numpy columns, because every design, fold and score reads them again (an
    Arrow-backed column costs ~15 ms per read at a million rows: 2.3 s of the layer).
    """
    columns = {v: frame[v].to_numpy(float) for v in (OUTCOME, *RFM)}
    columns[SEGMENT] = pd.Categorical(frame[SEGMENT].astype(str)) if not isinstance(
        frame[SEGMENT].dtype, pd.CategoricalDtype) else frame[SEGMENT].to_numpy()
    return pd.DataFrame(columns)[[OUTCOME, *RFM, SEGMENT]]


def build_evidence(frame: pd.DataFrame, reference: str,
                   designs: dict[str, Design] | None = None) -> Evidence:
    """Fit every applicable spec (with and without labels) and run every check on ``frame``.

    ``designs`` may pass :func:`.fit_specs.shared_designs` of ``frame`` (the cross-validation
    reuses them); each distinct design is built and factorised once either way.
    """
    frame = prepare_frame(frame)
    specs = applicable_specs(frame)
    designs = designs or shared_designs(frame, reference, specs)
    models = {s.name: fit_spec(s, frame, reference, design=designs[s.name]) for s in specs}
    # Label-free fits serve only the misaligned counts of the admissible models (and the
    # linear one's for segment value), so the others are not fitted, and only their
    # fitted values are used (no sandwich). The linear design's label-free version serves
    # the linear, log-linear, Gamma and median specs alike.
    keep = admissible(models, frame)
    label_free = Design.build(SPECS_BY_NAME["linear"], frame, reference, rfm_only=True)
    rfm_only = {s.name: fit_spec(s, frame, reference, rfm_only=True, design=label_free, covariance=False)
                for s in specs if s.name in keep}
    y = frame[OUTCOME].to_numpy(float)
    effects = {n: average_effects(m, frame) for n, m in models.items()}
    values, means = segment_value(frame, reference, models["linear"], rfm_only["linear"])
    return Evidence(
        reference=reference, models=models, rfm_only=rfm_only,
        fit={n: model_fit(m, y) for n, m in models.items()},
        effects=effects,
        specification=check_specification(frame, reference, models["linear"], designs["linear"],
                                          models.get("fxm"), designs.get("flexible")),
        segment_values=values, marginal_means=means,
        claims=build_claims(models, rfm_only, frame, effects),
        influence=influence(frame, reference, models["linear"], designs["linear"]),
    )
