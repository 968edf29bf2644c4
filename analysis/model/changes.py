"""What changed since the last published build: compare two ``model.json`` contracts.

Compute first, render second: :func:`compare_models` turns the previous and the
current contract (:func:`analysis.io.export.model_contract`) into a frozen
:class:`ModelChanges`; :mod:`analysis.report.changes` words it. Reading the
previous build's file is :mod:`analysis.io.previous_model`'s job.

The rules, each covered by ``tests/model/test_changes.py``:

* **Inference compared** is each build's *reported* inference
  (``reported_coefficients``: HC3 when that build's Breusch–Pagan test rejected,
  else classical), because that is the interval and p-value its readers saw.
  A contract written before ``reported_coefficients`` existed is read through
  :func:`reported_inference`, which rebuilds the same numbers from the
  contract's classical and HC3 fields with the model's own t inference.
* **Terms compared** are Recency, Frequency, MonetaryValue and the segment
  effects present in both builds. The intercept is left out, as the report's
  tables leave it out (it is an extrapolation to R = F = M = 0). When the
  reference segment differs, segment effects measure different comparisons, so
  only R, F and M are compared and the summary says why.
* **Moved outside its previous CI**: the current estimate lies outside the
  previous build's reported confidence interval.
* **Sign flip**: the previous and current estimates are non-zero with opposite signs.
* **Significance flip**: ``p < alpha`` (alpha 0.05) holds in one build and not
  in the other, each with its own reported p-value.
* **R²** counts as changed when it differs at the three decimals the report shows.
* **Segment sizes** and the **misaligned count** count as changed when the
  whole numbers differ.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.export import model_contract
from ..io.previous_model import INFERENCE_FIELDS, ModelContractError, PreviousModel, contract_problem
from .inference import t_inference
from .results import ALPHA, SE_HC3, ModelResults, segment_level_of

R_SQUARED_DECIMALS = 3          # as the report's tables show R²
INTERCEPT = "Intercept"


# ---------------------------------------------------------------------------
# Results objects
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CoefficientMove:
    """A coefficient whose current estimate lies outside the previous build's confidence interval."""

    term: str
    previous: float
    current: float
    previous_ci_low: float
    previous_ci_high: float


@dataclass(frozen=True)
class SignFlip:
    term: str
    previous: float
    current: float


@dataclass(frozen=True)
class SignificanceFlip:
    """A coefficient significant at ``alpha`` in one build and not in the other."""

    term: str
    previous_p: float
    current_p: float

    @property
    def now_significant(self) -> bool:
        # Exactly one side is below alpha, so the smaller p is the significant one.
        return self.current_p < self.previous_p


@dataclass(frozen=True)
class SegmentSizeChange:
    """``None`` on one side means the segment is absent from that build's data."""

    segment: str
    previous: int | None
    current: int | None


@dataclass(frozen=True)
class ModelChanges:
    """Everything that differs between the previous and the current build, as plain numbers.

    ``previous_misaligned`` and ``segment_size_changes`` are ``None`` when the
    previous ``model.json`` does not record them.
    """

    previous_n: int
    current_n: int
    previous_r_squared: float
    current_r_squared: float
    previous_reference: str
    current_reference: str
    previous_se_type: str | None
    current_se_type: str | None
    moved_outside_ci: tuple[CoefficientMove, ...]
    sign_flips: tuple[SignFlip, ...]
    significance_flips: tuple[SignificanceFlip, ...]
    segment_size_changes: tuple[SegmentSizeChange, ...] | None
    previous_misaligned: int | None
    current_misaligned: int | None
    added_terms: tuple[str, ...]
    removed_terms: tuple[str, ...]
    same_data: bool | None
    alpha: float = ALPHA

    @property
    def r_squared_change(self) -> float:
        return self.current_r_squared - self.previous_r_squared

    @property
    def r_squared_changed(self) -> bool:
        """Whether a reader would see a different R² at the report's precision."""
        return (f"{self.previous_r_squared:.{R_SQUARED_DECIMALS}f}"
                != f"{self.current_r_squared:.{R_SQUARED_DECIMALS}f}")

    @property
    def reference_changed(self) -> bool:
        return self.previous_reference != self.current_reference

    @property
    def se_type_changed(self) -> bool:
        return None not in (self.previous_se_type, self.current_se_type) and \
            self.previous_se_type != self.current_se_type

    @property
    def misaligned_change(self) -> int | None:
        if self.previous_misaligned is None or self.current_misaligned is None:
            return None
        return self.current_misaligned - self.previous_misaligned

    @property
    def nothing_moved(self) -> bool:
        """True when no rule above fires (and everything the rules need was recorded)."""
        return not (self.r_squared_changed or self.moved_outside_ci or self.sign_flips
                    or self.significance_flips or self.segment_size_changes or self.added_terms
                    or self.removed_terms or self.reference_changed or self.se_type_changed
                    or self.previous_n != self.current_n
                    or self.segment_size_changes is None or self.misaligned_change is None
                    or self.misaligned_change != 0)



# ---------------------------------------------------------------------------
# Compute
# ---------------------------------------------------------------------------

def reported_inference(contract: dict) -> dict[str, dict[str, float]]:
    """Per term: the estimate, p-value and CI the build's report printed.

    Uses ``reported_coefficients`` when present. Otherwise rebuilds them as
    :func:`analysis.model.fit.fit_model` does: classical fields for a classical
    build; for an HC3 build, :func:`~analysis.model.inference.t_inference` on
    ``std_error_hc3`` with n - k degrees of freedom.
    """
    if "reported_coefficients" in contract:
        return {row["term"]: {f: float(row[f]) for f in INFERENCE_FIELDS}
                for row in contract["reported_coefficients"]}
    rows = contract["coefficients"]
    if contract.get("se_type") != SE_HC3:
        return {row["term"]: {f: float(row[f]) for f in INFERENCE_FIELDS} for row in rows}
    estimate = np.array([float(row["estimate"]) for row in rows])
    std_error = np.array([float(row["std_error_hc3"]) for row in rows])
    inference = t_inference(estimate, std_error, int(contract["n"]) - len(rows),
                            float(contract.get("alpha", ALPHA)))
    return {row["term"]: {"estimate": float(estimate[i]), "p": float(inference["p"][i]),
                          "ci_low": float(inference["ci_low"][i]), "ci_high": float(inference["ci_high"][i])}
            for i, row in enumerate(rows)}


def _comparable(term: str, same_reference: bool) -> bool:
    if term == INTERCEPT:
        return False
    return same_reference or segment_level_of(term) is None


def _segment_size_changes(previous: dict, current: dict) -> tuple[SegmentSizeChange, ...] | None:
    if previous.get("segment_counts") is None or current.get("segment_counts") is None:
        return None
    before, after = previous["segment_counts"], current["segment_counts"]
    order = list(after) + [level for level in before if level not in after]
    changes = []
    for level in order:
        old = int(before[level]) if level in before else None
        new = int(after[level]) if level in after else None
        if old != new:
            changes.append(SegmentSizeChange(level, old, new))
    return tuple(changes)


def _data_identity(contract: dict) -> tuple[str, str] | None:
    """What identifies the data a contract was fitted on: a file's SHA-256, or an in-engine row fingerprint."""
    if contract.get("data_sha256"):
        return ("file", contract["data_sha256"])
    if contract.get("data_fingerprint"):
        return ("engine rows", contract["data_fingerprint"])
    return None


def compare_models(previous: dict, current: dict, alpha: float = ALPHA) -> ModelChanges:
    """Compare two ``model.json`` contracts by the rules in the module docstring.

    Parameters
    ----------
    previous, current : dict
        Contracts as :func:`analysis.io.export.model_contract` writes them.
    alpha : float
        Significance level of the significance-flip rule.

    Raises
    ------
    ModelContractError
        When either contract lacks what the comparison needs.
    """
    for name, contract in (("previous", previous), ("current", current)):
        problem = contract_problem(contract)
        if problem:
            raise ModelContractError(f"the {name} model.json cannot be compared: {problem}")
    before, after = reported_inference(previous), reported_inference(current)
    same_reference = previous["reference"] == current["reference"]
    common = [term for term in after if term in before and _comparable(term, same_reference)]

    moves, signs, significance = [], [], []
    for term in common:
        old, new = before[term], after[term]
        if not old["ci_low"] <= new["estimate"] <= old["ci_high"]:
            moves.append(CoefficientMove(term, old["estimate"], new["estimate"], old["ci_low"], old["ci_high"]))
        if old["estimate"] * new["estimate"] < 0:
            signs.append(SignFlip(term, old["estimate"], new["estimate"]))
        if (old["p"] < alpha) != (new["p"] < alpha):
            significance.append(SignificanceFlip(term, old["p"], new["p"]))

    # Segment terms under another reference are renamed comparisons, not new or lost terms.
    def named(contract_terms, other_terms):
        return tuple(term for term in contract_terms if term not in other_terms and term != INTERCEPT)

    previous_sha, current_sha = _data_identity(previous), _data_identity(current)
    if None not in (previous_sha, current_sha) and previous_sha[0] != current_sha[0]:
        previous_sha = None  # a file's hash and an engine's row fingerprint say nothing about each other
    return ModelChanges(
        previous_n=int(previous["n"]), current_n=int(current["n"]),
        previous_r_squared=float(previous["r_squared"]), current_r_squared=float(current["r_squared"]),
        previous_reference=previous["reference"], current_reference=current["reference"],
        previous_se_type=previous.get("se_type"), current_se_type=current.get("se_type"),
        moved_outside_ci=tuple(moves), sign_flips=tuple(signs), significance_flips=tuple(significance),
        segment_size_changes=_segment_size_changes(previous, current),
        previous_misaligned=int(previous["misaligned_count"]) if "misaligned_count" in previous else None,
        current_misaligned=int(current["misaligned_count"]) if "misaligned_count" in current else None,
        added_terms=named(after, before) if same_reference else (),
        removed_terms=named(before, after) if same_reference else (),
        same_data=None if None in (previous_sha, current_sha) else previous_sha == current_sha,
        alpha=alpha,
    )


@dataclass(frozen=True)
class Comparison:
    """This build against the previous one: the changes, or why there are none to show.

    ``changes`` and ``problem`` are both ``None`` on a first build; ``problem`` says
    why a previous ``model.json`` that exists could not be compared.
    """

    changes: ModelChanges | None
    problem: str | None

    @property
    def first_build(self) -> bool:
        return self.changes is None and self.problem is None


def compare_with_previous(results: ModelResults, previous: PreviousModel) -> Comparison:
    """Compare ``results`` with the previous build's contract (see :func:`compare_models`)."""
    if previous.problem:
        return Comparison(changes=None, problem=previous.problem)
    if previous.contract is None:
        return Comparison(changes=None, problem=None)
    return Comparison(changes=compare_models(previous.contract, model_contract(results)), problem=None)

