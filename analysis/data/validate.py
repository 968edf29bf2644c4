"""The checks of the data contract: each adds problems in the contract's wording, never raises alone.

Validation collects *every* problem before failing, so a user fixing an export
sees the whole list at once. Each problem names the file, the column and up to
five row numbers. Row numbers count the header as row 1, as a spreadsheet does,
so "row 7" is the seventh line of the file when no field spans lines.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from ..errors import DataValidationError
from .schema import (BOUND_UNITS, CANONICAL_SEGMENTS, ID_COLUMN, MAGNITUDE_BOUNDS, MIN_SEGMENT_SIZE,
                     NON_NEGATIVE_COLUMNS,
                     NUMERIC_COLUMNS, PREDICTORS, REQUIRED_COLUMNS, ROWS_PER_COEFFICIENT, SEGMENT_COLUMN,
                     WHOLE_COUNT_COLUMNS, canonical_segment, minimum_rows)

MAX_ROWS_NAMED = 5
# Up to this many distinct segment spellings, labels are matched by vectorised comparisons.
_FEW_LABELS = 64


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    """Spreadsheet row numbers (header is row 1) of the flagged data rows."""
    positions = np.flatnonzero(np.asarray(mask))
    return [int(i) + 2 for i in positions]


def _name_rows(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_NAMED])
    more = f" and {len(rows) - MAX_ROWS_NAMED:,} more" if len(rows) > MAX_ROWS_NAMED else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


class Problems:
    """Collects problems in the contract's wording: file, column, rows."""

    def __init__(self, path: Path):
        self.path = path
        self.items: list[str] = []

    def add(self, message: str, column: str | None = None, rows: list[int] | None = None) -> None:
        where = f"column '{column}': " if column else ""
        at = f" ({_name_rows(rows)})" if rows else ""
        self.items.append(f"{self.path.name}: {where}{message}{at}")

    def raise_if_any(self) -> None:
        if self.items:
            raise DataValidationError(self.path, self.items)


def check_header_names(names: list[str], problems: Problems) -> None:
    """Refuse column names that collide once spaces and case are ignored (``Recency`` and `` recency``).

    Checked on the header line itself: pandas would rename a repeat to ``Recency.1``
    and silently use the first, and trimming would leave two columns of one name.
    """
    seen: dict[str, str] = {}
    clashes: list[str] = []
    for name in names:
        key = name.strip().casefold()
        if key in seen:
            clashes.append(f"{seen[key]!r} and {name!r}")
        else:
            seen[key] = name
    if clashes:
        problems.add("duplicate column names once surrounding spaces and case are ignored: "
                     + "; ".join(clashes[:MAX_ROWS_NAMED]) + "; keep one of each")


def check_columns(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    stripped = {c: c.strip() for c in frame.columns}
    frame = frame.rename(columns=stripped)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in frame.columns) or "none"
        for column in missing:
            problems.add(f"missing required column (columns found: {found})", column=column)
    return frame


def parse_numbers(frame: pd.DataFrame, problems: Problems) -> dict[str, pd.Series]:
    parsed = {}
    for column in NUMERIC_COLUMNS:
        if column not in frame.columns:
            continue
        if frame[column].dtype == np.float64:
            # Parsed by _read_typed, which only returns frames whose numbers are all finite.
            parsed[column] = frame[column]
            continue
        text = frame[column].fillna("").astype(str).str.strip()
        blank = (text == "").to_numpy()
        values = pd.to_numeric(text.where(~blank, None), errors="coerce").astype("float64")
        unparsable = values.isna().to_numpy() & ~blank
        not_a_number_word = text.str.lower().isin(["nan", "inf", "-inf", "+inf", "infinity", "-infinity"])
        non_finite = (~np.isfinite(values.to_numpy()) & ~values.isna().to_numpy()) | (
            not_a_number_word.to_numpy() & ~blank)
        unparsable &= ~non_finite
        if blank.any():
            problems.add("missing value", column=column, rows=_rows(blank))
        if unparsable.any():
            examples = ", ".join(repr(v) for v in text[unparsable].unique()[:3])
            problems.add(f"not a number (e.g. {examples})", column=column, rows=_rows(unparsable))
        if non_finite.any():
            problems.add("value is not finite (NaN or infinity)", column=column, rows=_rows(non_finite))
        usable = values.to_numpy().copy()
        usable[~np.isfinite(usable)] = np.nan
        parsed[column] = pd.Series(usable, index=frame.index, name=column)
    return parsed


def check_ranges(parsed: dict[str, pd.Series], problems: Problems) -> None:
    for column in NON_NEGATIVE_COLUMNS:
        if column in parsed:
            negative = (parsed[column] < 0).to_numpy()
            if negative.any():
                problems.add("negative value; it must be 0 or more", column=column, rows=_rows(negative))
    for column, bound in MAGNITUDE_BOUNDS.items():
        if column in parsed:
            values = parsed[column].to_numpy()
            too_large = np.abs(values) > bound  # NaN compares False: already reported as missing
            if too_large.any():
                first = float(values[np.flatnonzero(too_large)[0]])
                problems.add(f"value {first:.6g} is beyond the bound of {bound:,.0f} {BOUND_UNITS[column]} "
                             "in magnitude (an export error or a sentinel value?)",
                             column=column, rows=_rows(too_large))
    for column in WHOLE_COUNT_COLUMNS:
        if column in parsed:
            values = parsed[column].to_numpy()
            fractional = np.isfinite(values) & (values != np.round(values))
            if fractional.any():
                problems.add("not a whole number; counts of days and orders must be whole",
                             column=column, rows=_rows(fractional))


def _all_distinct(ids: pd.Series) -> bool:
    """Whether no two IDs are equal: sort, then compare neighbours.

    Arrow's sort is two to three times faster than hashing a million strings
    (``Series.is_unique``), and equal IDs always end up side by side.
    """
    values = pa.array(ids.array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if len(values) < 2:
        return True
    ordered = values.take(pa_compute.sort_indices(values))
    return not pa_compute.any(pa_compute.equal(ordered[1:], ordered[:-1])).as_py()


def check_ids(frame: pd.DataFrame, problems: Problems) -> None:
    if ID_COLUMN not in frame.columns:
        return
    ids = frame[ID_COLUMN].fillna("").astype(str).str.strip()
    blank = (ids == "").to_numpy()
    if blank.any():
        problems.add("missing value", column=ID_COLUMN, rows=_rows(blank))
    if _all_distinct(ids):
        return  # the usual case, and a fraction of the cost of marking duplicates
    duplicated = (ids.duplicated(keep=False) & ~blank).to_numpy()
    if duplicated.any():
        examples = ", ".join(repr(v) for v in ids[duplicated].unique()[:3])
        problems.add(f"duplicate IDs (e.g. {examples})", column=ID_COLUMN, rows=_rows(duplicated))


def check_segments(frame: pd.DataFrame, problems: Problems) -> pd.Series | None:
    if SEGMENT_COLUMN not in frame.columns:
        return None
    raw = frame[SEGMENT_COLUMN].fillna("").astype(str)
    lookup = {label: canonical_segment(label) for label in raw.unique()}
    if len(lookup) <= _FEW_LABELS:
        # One vectorised comparison per distinct label, then Arrow builds the canonical
        # column: mapping a million labels one by one costs several times more.
        position = {label: i for i, label in enumerate(CANONICAL_SEGMENTS)}
        code = np.full(len(raw), -1, dtype=np.int8)
        for label, canonical in lookup.items():
            if canonical is not None:
                code[(raw == label).to_numpy(dtype=bool)] = position[canonical]
        canonical_column = pa.array(CANONICAL_SEGMENTS).take(pa.array(code, mask=code < 0))
        segments = pd.Series(pd.array(canonical_column, dtype="str"), index=raw.index)
    else:
        segments = raw.map(lookup)
    blank = (raw.str.strip() == "").to_numpy()
    unknown = segments.isna().to_numpy() & ~blank
    if blank.any():
        problems.add("missing value", column=SEGMENT_COLUMN, rows=_rows(blank))
    if unknown.any():
        labels = ", ".join(repr(v) for v in raw[unknown].unique()[:3])
        allowed = ", ".join(CANONICAL_SEGMENTS)
        problems.add(f"unknown segment label {labels}; expected one of {allowed} "
                     "(case and surrounding spaces are ignored)", column=SEGMENT_COLUMN,
                     rows=_rows(unknown))
    return segments


def check_estimability(frame: pd.DataFrame, parsed: dict[str, pd.Series],
                        segments: pd.Series | None, problems: Problems) -> None:
    """Rules about the whole table rather than single cells: can the model be fitted?"""
    levels = segments.dropna().value_counts() if segments is not None else pd.Series(dtype=int)
    needed = minimum_rows(max(len(levels), 1))
    if len(frame) < needed:
        problems.add(f"too few rows for the model: {len(frame):,} customers, at least {needed:,} "
                     f"needed ({ROWS_PER_COEFFICIENT} per estimated coefficient)")
    if segments is not None and len(levels) == 1:
        problems.add(f"only one segment level ('{levels.index[0]}'): segment effects need at least two",
                     column=SEGMENT_COLUMN)
    for level, count in levels.items():
        if count < MIN_SEGMENT_SIZE:
            problems.add(f"segment '{level}' has {count} customer{'s' if count != 1 else ''}; "
                         f"at least {MIN_SEGMENT_SIZE} are needed to estimate its effect",
                         column=SEGMENT_COLUMN, rows=_rows((segments == level).to_numpy()))
    for column in PREDICTORS:
        if column in parsed:
            values = parsed[column].dropna()
            # min == max: the same test as "one distinct value" without hashing every number.
            if len(values) > 1 and values.min() == values.max():
                problems.add(f"constant predictor: every value is {values.iloc[0]:g}, so its "
                             "effect cannot be estimated", column=column)


