"""What changed since the last published build: compare two ``model.json`` contracts, then word it.

Compute first, render second: :func:`compare_models` turns the previous and the
current contract (:func:`analysis.export.model_contract`) into a frozen
:class:`ModelChanges`; :func:`changes_markdown` words it; :func:`what_changed`
wires in the current results and the previous build's file, which the site
build passes in ``$REPORT_PREVIOUS_MODEL``.

The rules, each covered by ``tests/outputs/test_changes.py``:

* **Inference compared** is each build's *reported* inference
  (``reported_coefficients``: HC3 when that build's Breusch–Pagan test rejected,
  else classical), because that is the interval and p-value its readers saw.
  A contract written before ``reported_coefficients`` existed is read through
  :func:`reported_inference`, which rebuilds the same numbers from the
  contract's classical and HC3 fields.
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

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from scipy import stats

from .errors import AnalysisError
from .export import model_contract
from .formatting import integer, number, percent, pvalue, usd, usd_interval
from .results import ALPHA, PREDICTOR_UNITS, SE_HC3, ModelResults

# The site build copies the last published downloads/model.json to a temporary
# file and names it here; unset on a first build.
PREVIOUS_MODEL_ENV_VAR = "REPORT_PREVIOUS_MODEL"

FIRST_BUILD_TEXT = "This is the first build: there is no previous model to compare."
R_SQUARED_DECIMALS = 3          # as the report's tables show R²
INTERCEPT = "Intercept"
_SEGMENT_TERM = re.compile(r"^Segment\[(?P<level>.+)\]$")
_REQUIRED_KEYS = ("n", "reference", "r_squared", "coefficients")
_INFERENCE_FIELDS = ("estimate", "p", "ci_low", "ci_high")


class ModelContractError(AnalysisError):
    """A ``model.json`` does not have the shape :func:`analysis.export.model_contract` writes."""


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
        return (number(self.previous_r_squared, R_SQUARED_DECIMALS)
                != number(self.current_r_squared, R_SQUARED_DECIMALS))

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


@dataclass(frozen=True)
class PreviousModel:
    """The previous build's contract, or why there is none.

    ``contract`` and ``problem`` are both ``None`` on a first build; ``problem``
    says why a file that exists could not be used.
    """

    path: Path | None
    contract: dict | None
    problem: str | None


# ---------------------------------------------------------------------------
# Reading and checking contracts
# ---------------------------------------------------------------------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _coefficient_list_problem(key: str, rows) -> str | None:
    if not isinstance(rows, list) or not rows:
        return f"'{key}' is not a non-empty list"
    for position, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("term"), str):
            return f"'{key}' entry {position + 1} has no 'term'"
        missing = [field for field in _INFERENCE_FIELDS if not _is_number(row.get(field))]
        if missing:
            return f"'{key}' entry for {row['term']} lacks numeric {', '.join(missing)}"
    return None


def contract_problem(contract) -> str | None:
    """Why ``contract`` cannot be compared, or ``None`` when it can.

    Required: ``n``, ``reference``, ``r_squared`` and ``coefficients`` (each with
    ``term``, ``estimate``, ``p``, ``ci_low``, ``ci_high``). Optional keys are
    checked only when present, so an older contract without them still compares.
    """
    if not isinstance(contract, dict):
        return f"expected a JSON object, found {type(contract).__name__}"
    missing = [key for key in _REQUIRED_KEYS if key not in contract]
    if missing:
        return f"missing {', '.join(repr(key) for key in missing)}"
    if not _is_number(contract["n"]) or not _is_number(contract["r_squared"]):
        return "'n' and 'r_squared' must be numbers"
    if not isinstance(contract["reference"], str):
        return "'reference' must be a segment name"
    for key in ("coefficients", "reported_coefficients"):
        if key in contract:
            problem = _coefficient_list_problem(key, contract[key])
            if problem:
                return problem
    if "reported_coefficients" not in contract and contract.get("se_type") == SE_HC3 and not all(
            _is_number(row.get("std_error_hc3")) for row in contract["coefficients"]):
        return "an HC3 build without 'reported_coefficients' needs 'std_error_hc3' for every coefficient"
    counts = contract.get("segment_counts")
    if counts is not None and (not isinstance(counts, dict)
                               or not all(_is_number(v) for v in counts.values())):
        return "'segment_counts' must map segment names to counts"
    if "misaligned_count" in contract and not _is_number(contract["misaligned_count"]):
        return "'misaligned_count' must be a number"
    return None


def read_previous_model(path: str | os.PathLike | None = None) -> PreviousModel:
    """The previous build's ``model.json``: from ``path``, else ``$REPORT_PREVIOUS_MODEL``.

    Never raises for a bad file: a missing file (or no path at all) is a first
    build, and an unreadable or malformed one comes back with ``problem`` set so
    the summary can say so instead of silently skipping the comparison.
    """
    if path is None:
        path = os.environ.get(PREVIOUS_MODEL_ENV_VAR, "").strip() or None
    if path is None:
        return PreviousModel(path=None, contract=None, problem=None)
    path = Path(path)
    if not path.is_file():
        return PreviousModel(path=path, contract=None, problem=None)
    try:
        contract = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return PreviousModel(path, None, f"not valid JSON: {error.msg} at line {error.lineno}, "
                                         f"column {error.colno}")
    except (OSError, UnicodeDecodeError) as error:
        return PreviousModel(path, None, f"{type(error).__name__}: {error}")
    problem = contract_problem(contract)
    if problem:
        return PreviousModel(path, None, problem)
    return PreviousModel(path, contract, None)


def load_previous_model(path_or_env: str | os.PathLike | None = None) -> dict | None:
    """The previous contract, or ``None`` when there is none or it cannot be read."""
    return read_previous_model(path_or_env).contract


# ---------------------------------------------------------------------------
# Compute
# ---------------------------------------------------------------------------

def reported_inference(contract: dict) -> dict[str, dict[str, float]]:
    """Per term: the estimate, p-value and CI the build's report printed.

    Uses ``reported_coefficients`` when present. Otherwise rebuilds them as
    :mod:`analysis.model` does: classical fields for a classical build; for an
    HC3 build, t = estimate / ``std_error_hc3`` on n - k degrees of freedom.
    """
    if "reported_coefficients" in contract:
        return {row["term"]: {f: float(row[f]) for f in _INFERENCE_FIELDS}
                for row in contract["reported_coefficients"]}
    rows = contract["coefficients"]
    if contract.get("se_type") != SE_HC3:
        return {row["term"]: {f: float(row[f]) for f in _INFERENCE_FIELDS} for row in rows}
    df_resid = int(contract["n"]) - len(rows)
    alpha = float(contract.get("alpha", ALPHA))
    critical = stats.t.ppf(1 - alpha / 2, df_resid)
    inference = {}
    for row in rows:
        estimate, std_error = float(row["estimate"]), float(row["std_error_hc3"])
        inference[row["term"]] = {
            "estimate": estimate,
            "p": float(2 * stats.t.sf(abs(estimate / std_error), df_resid)),
            "ci_low": estimate - critical * std_error,
            "ci_high": estimate + critical * std_error,
        }
    return inference


def _comparable(term: str, same_reference: bool) -> bool:
    if term == INTERCEPT:
        return False
    return same_reference or not _SEGMENT_TERM.match(term)


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


def compare_models(previous: dict, current: dict, alpha: float = ALPHA) -> ModelChanges:
    """Compare two ``model.json`` contracts by the rules in the module docstring.

    Parameters
    ----------
    previous, current : dict
        Contracts as :func:`analysis.export.model_contract` writes them.
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

    previous_sha, current_sha = previous.get("data_sha256"), current.get("data_sha256")
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


# ---------------------------------------------------------------------------
# Render
# ---------------------------------------------------------------------------

def term_label(term: str, reference: str) -> str:
    """How a summary names a term: ``Frequency`` or ``At Risk (vs Low Value)``."""
    segment = _SEGMENT_TERM.match(term)
    if segment:
        return f"{segment['level']} (vs {reference})"
    return term


def _value(term: str, value: float) -> str:
    unit = PREDICTOR_UNITS.get(term)
    return f"{usd(value)} {unit}" if unit else usd(value)


def _p_phrase(p: float) -> str:
    shown = pvalue(p)
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def _signed(text_of_magnitude: str, value: float) -> str:
    return f"+{text_of_magnitude}" if value > 0 else (f"-{text_of_magnitude}" if value < 0 else text_of_magnitude)


def _count_change(old: int, new: int) -> str:
    return f"from {integer(old)} to {integer(new)} ({_signed(integer(abs(new - old)), new - old)})"


def _r_squared_sentence(changes: ModelChanges) -> str:
    old = number(changes.previous_r_squared, R_SQUARED_DECIMALS)
    new = number(changes.current_r_squared, R_SQUARED_DECIMALS)
    if not changes.r_squared_changed:
        return f"R² is unchanged at {new}."
    direction = "rose" if changes.r_squared_change > 0 else "fell"
    delta = _signed(number(abs(changes.r_squared_change), R_SQUARED_DECIMALS), changes.r_squared_change)
    return f"R² {direction} from {old} to {new} ({delta})."


def _moves_sentence(changes: ModelChanges, level: str) -> str:
    if not changes.moved_outside_ci:
        return f"No coefficient moved outside its previous {level} confidence interval."
    items = [f"{term_label(m.term, changes.current_reference)} is now {_value(m.term, m.current)} "
             f"(previously {usd(m.previous)}, {level} CI {usd_interval(m.previous_ci_low, m.previous_ci_high)})"
             for m in changes.moved_outside_ci]
    return f"Outside the previous {level} confidence interval: " + "; ".join(items) + "."


def _signs_sentence(changes: ModelChanges) -> str:
    if not changes.sign_flips:
        return "No coefficient changed sign."
    items = [f"{term_label(f.term, changes.current_reference)} from {usd(f.previous)} to {usd(f.current)}"
             for f in changes.sign_flips]
    return "Changed sign: " + "; ".join(items) + "."


def _significance_sentence(changes: ModelChanges, level: str) -> str:
    where = f"at the {percent(changes.alpha, 0)} level"
    if not changes.significance_flips:
        return f"No coefficient changed statistical significance {where}."
    items = []
    for flip in changes.significance_flips:
        status = ("is now statistically distinguishable from zero" if flip.now_significant
                  else "is no longer statistically distinguishable from zero")
        items.append(f"{term_label(flip.term, changes.current_reference)} {status} "
                     f"({_p_phrase(flip.current_p)}; previously {_p_phrase(flip.previous_p)})")
    return f"Changed significance {where}: " + "; ".join(items) + "."


def _segments_sentence(changes: ModelChanges) -> str:
    if changes.segment_size_changes is None:
        return "The previous model.json does not record segment sizes, so they are not compared."
    total = ("" if changes.previous_n == changes.current_n
             else f" Customers in total: {_count_change(changes.previous_n, changes.current_n)}.")
    if not changes.segment_size_changes:
        return "Segment sizes are unchanged." + total
    items = []
    for change in changes.segment_size_changes:
        if change.previous is None:
            items.append(f"{change.segment} is new ({integer(change.current)} customers)")
        elif change.current is None:
            items.append(f"{change.segment} is no longer in the data (previously {integer(change.previous)})")
        else:
            items.append(f"{change.segment} {_count_change(change.previous, change.current)}")
    return "Segment sizes: " + "; ".join(items) + "." + total


def _misaligned_sentence(changes: ModelChanges) -> str:
    subject = "Customers whose CRM label disagrees with their RFM-predicted value"
    if changes.misaligned_change is None:
        return "The previous model.json does not record the misaligned count, so it is not compared."
    if changes.misaligned_change == 0:
        return f"{subject}: unchanged at {integer(changes.current_misaligned)}."
    return f"{subject}: {_count_change(changes.previous_misaligned, changes.current_misaligned)}."


def _context_sentences(changes: ModelChanges) -> list[str]:
    notes = []
    if changes.reference_changed:
        notes.append(f"The reference segment changed from {changes.previous_reference} to "
                     f"{changes.current_reference}, so segment effects measure different comparisons "
                     "and only Recency, Frequency and MonetaryValue are compared.")
    if changes.se_type_changed:
        notes.append(f"Standard errors switched from {changes.previous_se_type} to {changes.current_se_type} "
                     "(the Breusch–Pagan test decides), which by itself moves intervals and p-values.")
    for terms, what in ((changes.added_terms, "New in this build"),
                        (changes.removed_terms, "No longer in the model")):
        if terms:
            labels = ", ".join(term_label(t, changes.current_reference) for t in terms)
            notes.append(f"{what}: {labels}.")
    return notes


def changes_markdown(changes: ModelChanges) -> str:
    """Markdown for the executive summary: one sentence when nothing moved, else bullets."""
    level = percent(1 - changes.alpha, 0)
    if changes.nothing_moved:
        return (f"Compared with the previous build, nothing moved: R² is unchanged at "
                f"{number(changes.current_r_squared, R_SQUARED_DECIMALS)}, no coefficient left its previous "
                f"{level} confidence interval or changed sign or significance, and segment sizes and the "
                f"number of misaligned customers ({integer(changes.current_misaligned)}) are the same.")
    lead = "Compared with the previous build"
    if changes.same_data:
        lead += " (same data file, identical SHA-256)"
    bullets = [*_context_sentences(changes), _r_squared_sentence(changes), _moves_sentence(changes, level),
               _signs_sentence(changes), _significance_sentence(changes, level),
               _segments_sentence(changes), _misaligned_sentence(changes)]
    return f"{lead}:\n\n" + "\n".join(f"- {bullet}" for bullet in bullets) + "\n"


def what_changed(results: ModelResults, previous: str | os.PathLike | None = None) -> str:
    """The executive summary's "what changed since the last refresh" as markdown.

    Parameters
    ----------
    results : ModelResults
        This build's fitted model.
    previous : path, optional
        The previous build's ``model.json``; default ``$REPORT_PREVIOUS_MODEL``.
    """
    loaded = read_previous_model(previous)
    if loaded.problem:
        return (f"Could not read the previous model.json ({loaded.problem}), "
                "so this build is not compared with the last one.")
    if loaded.contract is None:
        return FIRST_BUILD_TEXT
    return changes_markdown(compare_models(loaded.contract, model_contract(results)))
