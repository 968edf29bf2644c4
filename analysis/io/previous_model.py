"""Read the previous build's ``model.json`` and check it has the shape a comparison needs.

The site build copies the last published ``downloads/model.json`` aside and names
it in :data:`PREVIOUS_MODEL_ENV_VAR`; :func:`read_previous_model` never raises for
a bad file, so the executive summary can say why it could not compare instead
of silently skipping.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import AnalysisError
from ..data.schema import CANONICAL_SEGMENTS
from ..model.results import SE_CLASSICAL, SE_HC3

# The site build copies the last published downloads/model.json to a temporary
# file and names it here; unset on a first build.
PREVIOUS_MODEL_ENV_VAR = "REPORT_PREVIOUS_MODEL"
# The name pages record (renderer.dependencies.record_input) when they read the previous model.
PREVIOUS_MODEL_INPUT = "previous-model"

_REQUIRED_KEYS = ("n", "reference", "r_squared", "coefficients")
SE_TYPES = (SE_CLASSICAL, SE_HC3)
# Keys whose values are maps from segment name to a count of customers.
_SEGMENT_COUNT_KEYS = ("segment_counts", "misaligned_by_segment")
# Longest term name a real contract holds ("C(Segment, Treatment('Medium Value'))[T.High Value]" is ~55).
MAX_TERM_LENGTH = 200
INFERENCE_FIELDS = ("estimate", "p", "ci_low", "ci_high")


class ModelContractError(AnalysisError):
    """A ``model.json`` does not have the shape :func:`analysis.io.export.model_contract` writes."""


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
    """A JSON number that is finite: ``NaN``/``Infinity`` are not JSON and not statistics."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value) -> bool:
    return _is_number(value) and value >= 0 and float(value).is_integer()


def _segment_counts_problem(key: str, counts) -> str | None:
    """A map from the CRM's segment names to counts; anything else could be markup in a key."""
    if not isinstance(counts, dict):
        return f"'{key}' must map segment names to counts"
    unknown = [name for name in counts if name not in CANONICAL_SEGMENTS]
    if unknown:
        return (f"'{key}' has {len(unknown)} key(s) that are not segment names "
                f"(expected {', '.join(CANONICAL_SEGMENTS)})")
    if not all(_is_count(value) for value in counts.values()):
        return f"'{key}' values must be whole, non-negative counts"
    return None


def _coefficient_list_problem(key: str, rows) -> str | None:
    if not isinstance(rows, list) or not rows:
        return f"'{key}' is not a non-empty list"
    for position, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("term"), str):
            return f"'{key}' entry {position + 1} has no 'term'"
        if not row["term"] or len(row["term"]) > MAX_TERM_LENGTH:
            return f"'{key}' entry {position + 1} has an empty or over-long 'term'"
        missing = [field for field in INFERENCE_FIELDS if not _is_number(row.get(field))]
        if missing:
            return f"'{key}' entry {position + 1} lacks finite numeric {', '.join(missing)}"
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
    if not _is_count(contract["n"]) or not _is_number(contract["r_squared"]):
        return "'n' must be a whole count and 'r_squared' a finite number"
    if contract["reference"] not in CANONICAL_SEGMENTS:
        return f"'reference' must be one of the segment names {', '.join(CANONICAL_SEGMENTS)}"
    if "se_type" in contract and contract["se_type"] not in SE_TYPES:
        return f"'se_type' must be one of {', '.join(SE_TYPES)}"
    if "alpha" in contract and not (_is_number(contract["alpha"]) and 0 < contract["alpha"] < 1):
        return "'alpha' must be a number between 0 and 1"
    for key in ("coefficients", "reported_coefficients"):
        if key in contract:
            problem = _coefficient_list_problem(key, contract[key])
            if problem:
                return problem
    if "reported_coefficients" not in contract and contract.get("se_type") == SE_HC3 and not all(
            _is_number(row.get("std_error_hc3")) for row in contract["coefficients"]):
        return "an HC3 build without 'reported_coefficients' needs 'std_error_hc3' for every coefficient"
    for key in _SEGMENT_COUNT_KEYS:
        if contract.get(key) is not None:
            problem = _segment_counts_problem(key, contract[key])
            if problem:
                return problem
    if "misaligned_count" in contract and not _is_count(contract["misaligned_count"]):
        return "'misaligned_count' must be a whole, non-negative count"
    return None


def _refuse_constant(name: str):
    """``json.loads`` accepts ``NaN`` and ``Infinity``; JSON does not."""
    raise _NonFiniteNumber(name)


class _NonFiniteNumber(ValueError):
    pass


def read_previous_model(path: str | os.PathLike | None = None) -> PreviousModel:
    """The previous build's ``model.json``: from ``path``, else ``$REPORT_PREVIOUS_MODEL``.

    Never raises for a bad file: a missing file (or no path at all) is a first
    build, and an unreadable or malformed one comes back with ``problem`` set so
    the summary can say so instead of silently skipping the comparison.
    """
    if path is None:
        from renderer.dependencies import record_input

        # The builtin renderer re-executes only the pages that record this input when it changes.
        record_input(PREVIOUS_MODEL_INPUT)
        path = os.environ.get(PREVIOUS_MODEL_ENV_VAR, "").strip() or None
    if path is None:
        return PreviousModel(path=None, contract=None, problem=None)
    path = Path(path)
    if not path.is_file():
        return PreviousModel(path=path, contract=None, problem=None)
    try:
        contract = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        return PreviousModel(path, None, f"not valid JSON: {error.msg} at line {error.lineno}, "
                                         f"column {error.colno}")
    except _NonFiniteNumber as error:
        return PreviousModel(path, None, f"holds {error}, which is not a JSON number")
    except (OSError, UnicodeDecodeError) as error:
        return PreviousModel(path, None, f"{type(error).__name__}: {error}")
    problem = contract_problem(contract)
    if problem:
        return PreviousModel(path, None, problem)
    return PreviousModel(path, contract, None)


def load_previous_model(path_or_env: str | os.PathLike | None = None) -> dict | None:
    """The previous contract, or ``None`` when there is none or it cannot be read."""
    return read_previous_model(path_or_env).contract

