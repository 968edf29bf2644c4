"""Does it predict, and does it beat the labels? One call that computes issue 11 end to end.

:func:`assess_prediction` cross-validates every model, picks the one-SE best, and from the
cross-fitted predictions computes calibration, the distribution check, gains, prediction
intervals, misalignment, circularity and (for caller-given lists) list totals. The render
layer reads the returned :class:`PredictiveEvidence`; :meth:`PredictiveEvidence.to_contract`
gives the ``validation``, ``gains``, ``best_model`` and ``prediction_intervals`` keys of
model.json (plus ``misalignment``, ``circularity``, ``list_totals`` and ``calibration``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import fit_specs as fitting
from . import specs as model_specs
from .calibration import calibration_by_decile, calibration_summary, predictive_check
from .folds import CV_FOLDS, CV_REPEATS, CV_SEED
from .gains import Gains, compute_gains, rfm_quintiles
from .intervals import PredictionIntervals, prediction_intervals
from .lists import CIRCULAR_ACCURACY, ListTotal, label_recovery, list_totals, misalignment
from .selection import BestModel, select_best
from .validation import RFM_ONLY, Validation, validate


@dataclass(frozen=True)
class PredictiveEvidence:
    """Everything issue 11 reports, computed once; render modules only read it."""

    validation: Validation = field(repr=False)
    best: BestModel
    gains: Gains = field(repr=False)
    intervals: PredictionIntervals = field(repr=False)
    calibration: pd.DataFrame = field(repr=False)       # linear and best, by decile
    distribution: pd.DataFrame = field(repr=False)      # observed vs replicated densities
    distribution_summary: tuple[dict, ...]
    misaligned: pd.DataFrame = field(repr=False)
    label_recovery: float
    list_totals: tuple[ListTotal, ...]

    @property
    def circular(self) -> bool:
        return self.label_recovery >= CIRCULAR_ACCURACY

    def to_contract(self) -> dict:
        """model.json keys of issue 11 (strict JSON: no NaN, no numpy scalars)."""
        calibration = {}
        for model, table in self.calibration.groupby("model", sort=False):
            calibration[str(model)] = {"summary": calibration_summary(table.reset_index(drop=True)),
                                       "deciles": _records(table.drop(columns="model"))}
        return _strict({
            "validation": self.validation.to_contract(),
            "best_model": self.best.name,
            "best_model_rule": {"rule": "simplest within one SE of the lowest CV RMSE",
                                "lowest": self.best.lowest, "lowest_rmse": self.best.lowest_rmse,
                                "se": self.best.lowest_rmse_se, "threshold": self.best.threshold,
                                "within_one_se": list(self.best.candidates)},
            "gains": self.gains.to_contract(),
            "prediction_intervals": self.intervals.to_contract(),
            "misalignment": _records(self.misaligned),
            "circularity": {"label_recovery_accuracy": self.label_recovery,
                            "threshold": CIRCULAR_ACCURACY, "circular": self.circular},
            "calibration": calibration,
            "list_totals": [t.to_dict() for t in self.list_totals],
        })


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


def _strict(value):
    """Recursively turn numpy scalars into Python ones and non-finite floats into None."""
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def assess_prediction(frame: pd.DataFrame, reference: str,
                      lists: Mapping[str, np.ndarray] | None = None, folds: int = CV_FOLDS,
                      repeats: int = CV_REPEATS, seed: int = CV_SEED,
                      fitted: Mapping[str, model_specs.FittedModel] | None = None,
                      designs: Mapping[str, fitting.Design] | None = None) -> PredictiveEvidence:
    """Cross-validate, choose, rank, and put honest intervals on customers and lists.

    Parameters
    ----------
    frame : customer table (CustomerValue, Recency, Frequency, MonetaryValue, Segment).
    reference : the reference segment of the designs.
    lists : optional {name: boolean mask over ``frame`` rows (or row positions)}, e.g. the
        retention and upsell lists; their totals get intervals.
    fitted : optional {spec name: FittedModel} already fitted on ``frame`` (the side-by-side
        models), so the full-sample fits are not repeated; missing ones are fitted here.
    designs : optional :func:`.fit_specs.shared_designs` of ``frame``, reused by the cross-validation.
    """
    frame = frame.reset_index(drop=True)
    validation = validate(frame, reference, folds=folds, repeats=repeats, seed=seed, designs=designs)
    best = select_best(validation)
    y = frame[model_specs.OUTCOME].to_numpy(float)
    ids = validation.ids[0]
    fitted = dict(fitted or {})
    if best.name not in fitted:
        # Only its fitted values are used here, so no sandwich; the design is reused when given.
        fitted[best.name] = fitting.fit_spec(model_specs.SPECS_BY_NAME[best.name], frame, reference,
                                             design=(designs or {}).get(best.name), covariance=False)
    best_fit = fitted[best.name]
    best_oof = validation.oof(best.name)
    quintiles = rfm_quintiles(frame)
    gains = compute_gains(frame, {"linear": validation.oof("linear"), "best": best_oof,
                                  "rfm_only": validation.oof(RFM_ONLY)}, best.name, quintiles=quintiles)
    intervals = prediction_intervals(y, best_fit.fitted, best_oof, ids, best.name)
    names = ["linear"] if best.name == "linear" else ["linear", best.name]
    calibration = pd.concat([calibration_by_decile(y, validation.oof(m), m) for m in names],
                            ignore_index=True)
    # check_model's panel for the brief's lm: constant-variance normal replicates around
    # the out-of-fold predictions; the targeting model's from its own residual bands.
    linear_oof = validation.oof("linear")
    sigma = float(np.sqrt(np.mean((y - linear_oof) ** 2)))
    panels = [predictive_check(y, linear_oof, "linear", sigma=sigma)]
    panels.append(predictive_check(y, best_oof, best.name, bands=intervals.bands))
    distribution = pd.concat([p[0].assign(replicates_from=("normal" if i == 0 else "residual bands"))
                              for i, p in enumerate(panels)], ignore_index=True)
    misaligned = misalignment(frame, best_fit.fitted, intervals.customers["p_top_quartile"].to_numpy(),
                              intervals.cutoff)
    totals = ()
    if lists:
        totals = tuple(list_totals(frame, lists, best_fit.fitted, best_oof,
                                   validation.models[best.name].fold_predict))
    return PredictiveEvidence(validation, best, gains, intervals, calibration, distribution,
                              tuple(p[1] for p in panels), misaligned, label_recovery(frame, ids, quintiles),
                              totals)
