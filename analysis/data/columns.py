"""The contract's typed columns, built chunk by chunk from a CSV's text cells.

A reader (:mod:`analysis.data.stream`) hands over one chunk of text columns at a
time; :class:`ColumnBuilder` turns it at once into what validation and the model
need and lets the text go: numbers into one preallocated float block, IDs trimmed,
segment labels into one-byte codes. So the file is never held whole, as text or as
a table of strings, whether it is clean or has a bad cell near its end (peak
memory: ``benchmarks/bench_validate.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pa_compute

from .schema import CANONICAL_SEGMENTS, ID_COLUMN, NUMERIC_COLUMNS, SEGMENT_COLUMN, canonical_segment
from .validate import BLANK_SEGMENT, UNKNOWN_SEGMENT, CellFaults, parse_number_text

# pandas is imported where it is used: the chunks themselves are read with Arrow and numpy
# only, so the fit command can import pandas on another thread meanwhile (cli.py). Arrow's
# to_numpy and pa.array import pandas, hence the buffer views below.
if TYPE_CHECKING:
    import pandas as pd

_POSITION = {label: i for i, label in enumerate(CANONICAL_SEGMENTS)}
KEPT_POOL = pa.system_memory_pool()


def _values(array: pa.Array, dtype) -> np.ndarray:
    """A fixed-width Arrow array as numpy: a view of its buffer when it has no nulls.

    The same values as ``array.to_numpy(zero_copy_only=False)``, without the pandas import
    that call makes.
    """
    if array.null_count:
        return array.to_numpy(zero_copy_only=False)
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * np.dtype(dtype).itemsize)


class SegmentCodes:
    """Segment labels as codes (0-3 canonical, unknown, blank), one chunk at a time.

    Each distinct spelling is looked up once, with the same rules as
    :func:`~analysis.data.schema.canonical_segment`, and blank means empty once
    Arrow trims it (what pandas' ``str.strip`` does).
    """

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.unknown_labels: list[str] = []
        self._code: dict[str, int] = {}

    def add(self, text: pa.Array) -> None:
        distinct = pa_compute.unique(text)
        labels = distinct.to_pylist()
        if any(label not in self._code for label in labels):
            trimmed_length = pa_compute.utf8_length(pa_compute.utf8_trim_whitespace(distinct)).to_pylist()
            for label, length in zip(labels, trimmed_length):
                if label in self._code:
                    continue
                is_blank = length == 0
                canonical = canonical_segment(label)
                self._code[label] = (BLANK_SEGMENT if is_blank else
                                     _POSITION[canonical] if canonical is not None else UNKNOWN_SEGMENT)
        lookup = np.array([self._code[label] for label in labels], dtype=np.int8)
        self.chunks.append(lookup[_values(pa_compute.index_in(text, value_set=distinct), np.int32)])
        for label in labels:  # unique() keeps first-appearance order, so these stay in file order
            if self._code[label] == UNKNOWN_SEGMENT and len(self.unknown_labels) < 3 \
                    and label not in self.unknown_labels:
                self.unknown_labels.append(label)

    def codes(self) -> np.ndarray:
        return np.concatenate(self.chunks) if self.chunks else np.empty(0, dtype=np.int8)


def _cast_clean(text: pa.Array) -> np.ndarray | None:
    """Arrow's correctly rounded parse of a chunk whose every cell is a finite number, else None."""
    try:
        cast = pa_compute.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if cast.null_count:
        return None
    values = _values(cast, np.float64)
    return values if np.isfinite(values).all() else None


@dataclass(frozen=True)
class Columns:
    """What a whole file reads to: column names as written, and the typed contract columns."""

    names: list[str]
    names_in_messages: list[str]   # an empty name reads "Unnamed: i" there
    n_rows: int
    numbers: np.ndarray            # one row per present numeric column, in NUMERIC_COLUMNS order
    number_columns: tuple[str, ...]
    number_faults: dict[str, CellFaults]
    ids: pd.Series | None          # trimmed
    segment_codes: np.ndarray | None
    unknown_labels: list[str]

    def parsed(self) -> dict[str, pd.Series]:
        """Each numeric column as a float Series over the shared block (no copies)."""
        import pandas as pd

        return {column: pd.Series(self.numbers[i], name=column, copy=False)
                for i, column in enumerate(self.number_columns)}


class ColumnBuilder:
    """Takes chunks of text columns (in the order of ``names``) and keeps only typed columns."""

    def __init__(self, names: list[str], names_in_messages: list[str], capacity: int):
        self.names, self.names_in_messages = names, names_in_messages
        stripped = [name.strip() for name in names]
        self._number_at = [(stripped.index(c), c) for c in NUMERIC_COLUMNS if c in stripped]
        self._id_at = stripped.index(ID_COLUMN) if ID_COLUMN in stripped else None
        self._segment_at = stripped.index(SEGMENT_COLUMN) if SEGMENT_COLUMN in stripped else None
        # np.empty reserves address space only: pages a short file never fills are never resident.
        self._numbers = np.empty((len(self._number_at), max(capacity, 1)))
        self._faults = {column: CellFaults() for _, column in self._number_at}
        self._ids: list[pa.Array] = []
        self._segments = SegmentCodes() if self._segment_at is not None else None
        self.n_rows = 0

    def add(self, columns: list[pa.Array], n: int) -> None:
        if n == 0:
            return
        start, end = self.n_rows, self.n_rows + n
        if end > self._numbers.shape[1]:  # cannot happen when capacity counts line breaks; stay correct
            grown = np.empty((self._numbers.shape[0], max(end, 2 * self._numbers.shape[1])))
            grown[:, :start] = self._numbers[:, :start]
            self._numbers = grown
        for row, (index, column) in enumerate(self._number_at):
            values = _cast_clean(columns[index])
            if values is None:  # the exact rules, for this chunk only
                import pandas as pd

                values = parse_number_text(pd.Series(pd.array(columns[index], dtype="str")), start,
                                           self._faults[column])
            self._numbers[row, start:end] = values
        if self._id_at is not None:
            self._ids.append(pa_compute.utf8_trim_whitespace(columns[self._id_at], memory_pool=KEPT_POOL))
        if self._segments is not None:
            self._segments.add(columns[self._segment_at])
        self.n_rows = end

    def finish(self) -> Columns:
        import pandas as pd

        ids = None
        if self._id_at is not None:
            chunks = pa.chunked_array(self._ids, type=pa.large_string())
            ids = pd.Series(pd.array(chunks, dtype="str"))
            self._ids = []
        return Columns(names=self.names, names_in_messages=self.names_in_messages, n_rows=self.n_rows, numbers=self._numbers[:, :self.n_rows],
                       number_columns=tuple(column for _, column in self._number_at),
                       number_faults=self._faults, ids=ids,
                       segment_codes=self._segments.codes() if self._segments is not None else None,
                       unknown_labels=self._segments.unknown_labels if self._segments is not None else [])
