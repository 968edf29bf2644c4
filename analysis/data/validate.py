"""The checks of the data contract: each adds problems in the contract's wording, never raises alone.

Validation collects *every* problem before failing, so a user fixing an export
sees the whole list at once. Each problem names the file, the column and up to
five row numbers. Row numbers count the header as row 1, as a spreadsheet does,
so "row 7" is the seventh line of the file when no field spans lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pa_compute

from ..errors import DataValidationError
from .schema import (BOUND_UNITS, CANONICAL_SEGMENTS, ID_COLUMN, MAGNITUDE_BOUNDS, MIN_SEGMENT_SIZE,
                     NON_NEGATIVE_COLUMNS,
                     PREDICTORS, REQUIRED_COLUMNS, ROWS_PER_COEFFICIENT, SEGMENT_COLUMN,
                     WHOLE_COUNT_COLUMNS, minimum_rows)

# pandas is imported where it is used, not here: reading the file needs only Arrow and numpy,
# so `python -m analysis fit` imports pandas on another thread while Arrow reads (cli.py).
if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS_NAMED = 5
_BUCKETS = 16  # IDs are checked for repeats a sixteenth at a time (see _all_distinct)
# Up to this many IDs one sort covers them all (about 70 MB of sort state at 2M rows):
# 16 filtered sorts cost 0.16 s of CPU at 1M rows, one sort 0.11 s (2026-12-01).
_ONE_SORT_ROWS = 2_000_000


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


def check_columns(names: list[str], problems: Problems) -> list[str]:
    """The column names with surrounding spaces trimmed; each missing contract column is a problem."""
    stripped = [name.strip() for name in names]
    missing = [c for c in REQUIRED_COLUMNS if c not in stripped]
    if missing:
        found = ", ".join(f"'{c}'" for c in stripped) or "none"
        for column in missing:
            problems.add(f"missing required column (columns found: {found})", column=column)
    return stripped


_NOT_A_NUMBER_WORDS = ["nan", "inf", "-inf", "+inf", "infinity", "-infinity"]


@dataclass
class CellFaults:
    """Where one column's cells break the contract, gathered chunk by chunk as row positions."""

    blank: list[np.ndarray] = field(default_factory=list)
    unparsable: list[np.ndarray] = field(default_factory=list)
    non_finite: list[np.ndarray] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # first distinct bad texts, in file order

    def note(self, kind: str, mask: np.ndarray, offset: int) -> None:
        if mask.any():
            getattr(self, kind).append(np.flatnonzero(mask) + offset)

    def note_examples(self, values) -> None:
        for value in values:
            if len(self.examples) >= 3:
                return
            if value not in self.examples:
                self.examples.append(value)


def _rows_at(positions: list[np.ndarray]) -> list[int]:
    """Spreadsheet row numbers of data-row positions gathered over chunks."""
    return [int(i) + 2 for part in positions for i in part]


def parse_number_text(text: pd.Series, offset: int, faults: CellFaults) -> np.ndarray:
    """The contract's rules for numeric cells, on one chunk of text: values, NaN where unusable.

    The reader converts clean chunks with Arrow's cast and sends only a chunk it cannot
    convert (a blank, a word, a stray space, NaN or infinity) here, so every problem
    is worded from the same rules whatever else the file holds.
    """
    import pandas as pd

    text = text.fillna("").astype(str).str.strip()
    blank = (text == "").to_numpy()
    values = pd.to_numeric(text.where(~blank, None), errors="coerce").astype("float64")
    unparsable = values.isna().to_numpy() & ~blank
    not_a_number_word = text.str.lower().isin(_NOT_A_NUMBER_WORDS)
    non_finite = (~np.isfinite(values.to_numpy()) & ~values.isna().to_numpy()) | (
        not_a_number_word.to_numpy() & ~blank)
    unparsable &= ~non_finite
    faults.note("blank", blank, offset)
    faults.note("unparsable", unparsable, offset)
    faults.note("non_finite", non_finite, offset)
    if unparsable.any():
        faults.note_examples(text[unparsable].unique())
    usable = values.to_numpy().copy()
    usable[~np.isfinite(usable)] = np.nan
    return usable


def report_numbers(column: str, faults: CellFaults, problems: Problems) -> None:
    if faults.blank:
        problems.add("missing value", column=column, rows=_rows_at(faults.blank))
    if faults.unparsable:
        examples = ", ".join(repr(v) for v in faults.examples)
        problems.add(f"not a number (e.g. {examples})", column=column, rows=_rows_at(faults.unparsable))
    if faults.non_finite:
        problems.add("value is not finite (NaN or infinity)", column=column, rows=_rows_at(faults.non_finite))


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


def _buckets(values: pa.ChunkedArray) -> np.ndarray:
    """A bucket (0 to _BUCKETS - 1) per ID from its length and last four bytes: equal IDs share one.

    Read straight from each chunk's Arrow buffers, one byte per row.
    """
    parts = []
    for chunk in values.chunks:
        n = len(chunk)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
        data = chunk.buffers()[2]
        data = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(1, np.uint8)
        ends, lengths = offsets[1:], np.diff(offsets)
        key = lengths.astype(np.uint32)
        for back in range(1, 5):
            key = key * 31 + np.where(lengths >= back, data[np.maximum(ends - back, 0)], 0)
        parts.append((key % _BUCKETS).astype(np.uint8))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint8)


def _all_distinct(ids: pd.Series) -> bool:
    """Whether no two IDs are equal: sort, then compare neighbours, one bucket of IDs at a time.

    Arrow's sort is two to three times faster than hashing a million strings
    (``Series.is_unique``), and equal IDs always end up side by side. Sorting all IDs
    at once needs some 35 bytes a row besides the IDs (about 700 MB at 20 million rows,
    the largest term of validation's peak memory); equal IDs always fall in one bucket,
    so sorting the buckets in turn finds the same answer with a sixteenth of that. Up
    to ``_ONE_SORT_ROWS`` IDs the sort state is small and one sort is faster.
    """
    values = pa.chunked_array(pa.array(ids.array))
    if len(values) <= _ONE_SORT_ROWS:
        return _sorted_distinct(values)
    buckets = _buckets(values)
    return all(_sorted_distinct(values.filter(pa.array(buckets == bucket))) for bucket in range(_BUCKETS))


def _sorted_distinct(values: pa.ChunkedArray) -> bool:
    if len(values) < 2:
        return True
    ordered = values.take(pa_compute.sort_indices(values))
    return not pa_compute.any(pa_compute.equal(ordered[1:], ordered[:-1])).as_py()


def check_ids(ids: pd.Series | None, problems: Problems) -> None:
    """``ids`` trimmed of surrounding spaces, as the reader keeps them; None when the column is missing."""
    if ids is None:
        return
    blank = (ids == "").to_numpy()
    if blank.any():
        problems.add("missing value", column=ID_COLUMN, rows=_rows(blank))
    if _all_distinct(ids):
        return  # the usual case, and a fraction of the cost of marking duplicates
    duplicated = (ids.duplicated(keep=False) & ~blank).to_numpy()
    if duplicated.any():
        examples = ", ".join(repr(v) for v in ids[duplicated].unique()[:3])
        problems.add(f"duplicate IDs (e.g. {examples})", column=ID_COLUMN, rows=_rows(duplicated))


# Codes of the segment column: 0-3 index CANONICAL_SEGMENTS.
UNKNOWN_SEGMENT, BLANK_SEGMENT = -1, -2


def check_segments(codes: np.ndarray | None, unknown_labels: list[str], problems: Problems) -> pd.Series | None:
    """The canonical segment column (NaN where a label is blank or unknown), and its problems.

    ``codes`` come from the reader, one per row; ``unknown_labels`` are the first
    distinct unknown labels as written, in file order.
    """
    if codes is None:
        return None
    import pandas as pd

    canonical_column = pa.array(CANONICAL_SEGMENTS, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
    segments = pd.Series(pd.array(canonical_column, dtype="str"))
    blank = codes == BLANK_SEGMENT
    unknown = codes == UNKNOWN_SEGMENT
    if blank.any():
        problems.add("missing value", column=SEGMENT_COLUMN, rows=_rows(blank))
    if unknown.any():
        labels = ", ".join(repr(v) for v in unknown_labels[:3])
        allowed = ", ".join(CANONICAL_SEGMENTS)
        problems.add(f"unknown segment label {labels}; expected one of {allowed} "
                     "(case and surrounding spaces are ignored)", column=SEGMENT_COLUMN,
                     rows=_rows(unknown))
    return segments


def check_estimability(n_rows: int, parsed: dict[str, pd.Series],
                        segments: pd.Series | None, problems: Problems) -> None:
    """Rules about the whole table rather than single cells: can the model be fitted?"""
    import pandas as pd

    # value_counts leaves NaN (blank or unknown labels) out, without a dropna copy first.
    levels = segments.value_counts() if segments is not None else pd.Series(dtype=int)
    needed = minimum_rows(max(len(levels), 1))
    if n_rows < needed:
        problems.add(f"too few rows for the model: {n_rows:,} customers, at least {needed:,} "
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
            values = parsed[column].to_numpy()
            present = ~np.isnan(values)
            # min == max: the same test as "one distinct value" without hashing every number,
            # and nanmin/nanmax without a copy of the column that drops the missing values.
            if present.sum() > 1 and np.nanmin(values) == np.nanmax(values):
                problems.add(f"constant predictor: every value is {values[present.argmax()]:g}, so its "
                             "effect cannot be estimated", column=column)


