"""Issues 10 and 11 computed once per build, beside the frozen model results.

:func:`build_model_evidence` runs the evidence layer (:mod:`analysis.evidence`: specification
checks, competing models, segment value, claims, influence; cross-validation, best model,
gains, prediction intervals, misalignment, list totals) on the fitted table, and builds the
campaign lists from the best cross-validated model's predictions. The result is pickled
next to the results (:func:`analysis.model.cache.load_evidence`, same key plus a suffix), so
each chapter's process reads it instead of recomputing ~10 s of fits at 1M customers.
Render modules only read :class:`ModelEvidence`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..evidence.build import Evidence, build_evidence, prepare_frame
from ..evidence.contract import contract as evidence_contract
from ..evidence.lists import ListTotal, list_totals
from ..evidence.predictive import PredictiveEvidence, assess_prediction
from ..evidence.fit_specs import shared_designs
from .results import ModelResults
from .targeting import Targeting, build_targeting

FRAME_COLUMNS = ["CustomerValue", "Recency", "Frequency", "MonetaryValue", "Segment"]
# The lists whose totals get intervals (win-back is ranked by RFM-predicted value, not
# by a modelled total, so its budget question is the same and it is included too).
TOTAL_LISTS = ("winback", "retention", "upsell")


@dataclass(frozen=True)
class ModelEvidence:
    """The evidence of issues 10 and 11 and the lists built from the best model."""

    evidence: Evidence
    prediction: PredictiveEvidence
    targeting: Targeting
    best_predicted: np.ndarray = dataclasses.field(repr=False)   # in-sample, dollars, row order of results.customers
    best_oof: np.ndarray = dataclasses.field(repr=False)         # out-of-fold, first repeat

    @property
    def best_name(self) -> str:
        return self.prediction.best.name

    @property
    def list_totals(self) -> tuple[ListTotal, ...]:
        return self.prediction.list_totals

    def segment_robust(self, segment: str = "High Value") -> bool | None:
        """Whether the segment's contrast has the same sign in every admissible model (None: no such claim)."""
        claim = next((c for c in self.evidence.claims if c.key == f"segment:{segment}"), None)
        return None if claim is None else bool(claim.robust)

    def contract(self) -> dict:
        """The model.json keys of issues 10 and 11 (strict JSON), documented in data/README.md."""
        out = evidence_contract(self.evidence)
        out.update(self.prediction.to_contract())
        return out


def _picklable(prediction: PredictiveEvidence) -> PredictiveEvidence:
    """Drop the per-fold predictor closures (used only for the list totals, already computed)."""
    v = prediction.validation
    models = {name: dataclasses.replace(m, fold_predict=None) for name, m in v.models.items()}
    rfm_only = dataclasses.replace(v.rfm_only, fold_predict=None)
    return dataclasses.replace(prediction, validation=dataclasses.replace(v, models=models, rfm_only=rfm_only))


def build_model_evidence(results: ModelResults, parallel: bool = False) -> ModelEvidence:
    """Everything issues 10 and 11 report, for the customers ``results`` was fitted on.

    ``parallel`` computes the competing models and checks in a forked child while this
    process cross-validates (the build's precompute, which has both cores to itself). The
    numbers are the same either way: the prediction half then fits the best model itself
    instead of taking the side-by-side fit.
    """
    frame = prepare_frame(results.customers[FRAME_COLUMNS].reset_index(drop=True))
    # Each distinct design is built and factorised once, for the fits and the cross-validation.
    designs = shared_designs(frame, results.reference)
    if parallel:
        from ..io.forked import forked

        with forked(build_evidence, frame, results.reference, designs) as evidence_of:
            prediction = assess_prediction(frame, results.reference, designs=designs)
            evidence = evidence_of()
    else:
        evidence = build_evidence(frame, results.reference, designs)
        prediction = assess_prediction(frame, results.reference, fitted=evidence.models, designs=designs)
    del designs
    best = prediction.best.name
    fitted = evidence.models.get(best)
    best_predicted = np.asarray(fitted.fitted if fitted is not None
                                else prediction.intervals.customers["predicted"], dtype=float)
    best_oof = np.asarray(prediction.validation.oof(best), dtype=float)
    # Issue 11 section 4: targeting uses the best cross-validated model's predictions.
    targeting = build_targeting(results, predicted=best_predicted, model=best)
    masks = {}
    for key in TOTAL_LISTS:
        mask = np.zeros(len(frame), dtype=bool)
        mask[targeting.member_positions(key)] = True
        if mask.sum() >= 2:
            masks[targeting.by_key(key).name] = mask
    totals = tuple(list_totals(frame, masks, best_predicted, best_oof,
                               prediction.validation.models[best].fold_predict)) if masks else ()
    prediction = dataclasses.replace(prediction, list_totals=totals)
    return ModelEvidence(evidence=evidence, prediction=_picklable(prediction), targeting=targeting,
                         best_predicted=best_predicted, best_oof=best_oof)

