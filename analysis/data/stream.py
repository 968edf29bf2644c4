"""Stream a customer CSV chunk by chunk into typed columns: Arrow first, the csv module when Arrow cannot.

Both the clean file and the one with a bad cell go through :func:`read_columns`, the
one home of reading: Arrow's streaming CSV reader hands over text columns a block at
a time and :class:`~analysis.data.columns.ColumnBuilder` keeps only typed columns.
Arrow stops at a ragged row (or anything else it refuses); then the file is read
again with the csv module, still chunk by chunk, with the rules the previous pandas
reader applied: blank and whitespace-only lines are skipped, unless some row really is
ragged, in which case every record is kept (cut or padded to the header's width) so
that the row numbers of later problems still match the file.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv

from .columns import ColumnBuilder, Columns
from .validate import Problems

BLOCK_BYTES = 2 << 20   # Arrow's block: some 50,000 rows of a contract table
CSV_RECORDS = 100_000   # records per chunk on the csv-module path
PROBE_BYTES = 1 << 16   # the block the header's names are probed from
THREADS = True
Chunk = tuple[list[pa.Array], int]  # text columns in header order, and their number of rows
# The header's names as read, as problems name them (the way the reader before this one
# did), and the chunks.
Source = tuple[list[str], list[str], Iterator[Chunk]]


def _pandas_names(names: list[str]) -> list[str]:
    """Header names as the pandas reader named them in messages (an empty name is ``Unnamed: i``)."""
    return [name if name != "" else f"Unnamed: {i}" for i, name in enumerate(names)]


def _arrow_options(encoding: str) -> tuple[pa_csv.ReadOptions, pa_csv.ParseOptions]:
    return (pa_csv.ReadOptions(block_size=BLOCK_BYTES, encoding=encoding, use_threads=THREADS),
            pa_csv.ParseOptions(newlines_in_values=True))


def _arrow_names(path: Path, read: pa_csv.ReadOptions, parse: pa_csv.ParseOptions) -> list[str]:
    """The header's names as Arrow reads them, from a first block of ``PROBE_BYTES``.

    Opening a reader infers every column's type from its first block: 74 ms of CPU on a
    2 MB block against 1 ms on 64 KB (1M-customer file, 2026-12-01). A header (or a
    first record) too long for the small block is probed again with the full one.
    """
    small = pa_csv.ReadOptions(block_size=min(PROBE_BYTES, read.block_size), encoding=read.encoding,
                               use_threads=False)
    for options in (small, read):
        try:
            with pa_csv.open_csv(str(path), read_options=options, parse_options=parse) as probe:
                return probe.schema.names  # typed by inference: opened only for the header
        except pa.ArrowInvalid:
            if options is read:
                raise
    raise AssertionError("unreachable")


def _arrow_chunks(path: Path, encoding: str) -> Source:
    """Arrow's own header names, and every column as text, one block at a time.

    Raises ``pa.ArrowInvalid`` (now or while iterating) at a ragged row.
    """
    read, parse = _arrow_options(encoding)
    names = _arrow_names(path, read, parse)
    text = {name: pa.large_string() for name in names}
    reader = pa_csv.open_csv(
        str(path), read_options=read, parse_options=parse,
        convert_options=pa_csv.ConvertOptions(column_types=text, null_values=[], strings_can_be_null=False,
                                              quoted_strings_can_be_null=False))
    if reader.schema.names != names or any(t != pa.large_string() for t in reader.schema.types):
        raise pa.ArrowInvalid("header names Arrow cannot key on")  # e.g. a name repeated

    def chunks() -> Iterator[Chunk]:
        with reader:
            for batch in reader:
                yield list(batch.columns), batch.num_rows

    return names, _pandas_names(names), chunks()


@dataclass
class Ragged:
    """Line numbers (as the csv module counts them) of records with too few or too many fields."""

    too_few: list[int] = field(default_factory=list)
    too_many: list[int] = field(default_factory=list)
    # Lines the first pass read as pandas did (blank-looking lines and a leading blank line
    # skipped, empty names renamed): the old ragged path kept them as they were.
    read_as_pandas_did: int = 0

    def any(self) -> bool:
        return bool(self.too_few or self.too_many)


class _Lines:
    """The file's lines, remembering the last one the csv module read (its record's own text)."""

    def __init__(self, handle):
        self.handle, self.last = handle, ""

    def __iter__(self):
        return self

    def __next__(self) -> str:
        self.last = next(self.handle)
        return self.last


def _blank_looking(record: list[str], line: str) -> bool:
    """A line of spaces and tabs only (not quoted), which pandas' reader skipped as blank."""
    return len(record) == 1 and record[0] != "" and line.strip(" \t\r\n") == ""


def _csv_chunks(path: Path, encoding: str, keep_all: bool, ragged: Ragged) -> Source:
    handle = open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")
    lines = _Lines(handle)
    reader = csv.reader(lines)
    header = next(reader, [])
    if not keep_all:
        while header is not None and (not header or _blank_looking(header, lines.last)):
            ragged.read_as_pandas_did += 1
            header = next(reader, None)
        header = header or []
        ragged.read_as_pandas_did += _pandas_names(header) != header
    width = len(header)

    def chunks() -> Iterator[Chunk]:
        with handle:
            records: list[list[str]] = []
            for record in reader:
                if not record:
                    continue  # blank lines are skipped by every reader
                if not keep_all and _blank_looking(record, lines.last):
                    ragged.read_as_pandas_did += 1
                    continue
                if len(record) < width:
                    ragged.too_few.append(reader.line_num)
                elif len(record) > width:
                    ragged.too_many.append(reader.line_num)
                records.append((record + [""] * width)[:width])
                if len(records) == CSV_RECORDS:
                    yield _as_columns(records, width)
                    records = []
            if records:
                yield _as_columns(records, width)

    return header, (header if keep_all else _pandas_names(header)), chunks()


def _as_columns(records: list[list[str]], width: int) -> Chunk:
    return [pa.array(column, type=pa.large_string()) for column in zip(*records)] if width else [], len(records)


def _build(source: Source, capacity: int) -> Columns:
    names, names_in_messages, chunks = source
    builder = ColumnBuilder(names, names_in_messages, capacity)
    for columns, n_rows in chunks:
        builder.add(columns, n_rows)
    return builder.finish()


def read_columns(path: Path, encoding: str, capacity: int, problems: Problems) -> Columns:
    """Every row of the file as typed contract columns; ragged rows become problems.

    ``capacity`` bounds the number of records (the file's line breaks plus one), so the
    float block is allocated once.
    """
    try:
        columns = _build(_arrow_chunks(path, encoding), capacity)
        # Blocks the reader parsed are free but still held by Arrow's allocator: hand them
        # back before validation's own temporaries (the sort of the IDs) need memory.
        pa.default_memory_pool().release_unused()
        return columns
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass  # a ragged row, or something else Arrow refuses: the csv module reads every file
    ragged = Ragged()
    columns = _build(_csv_chunks(path, encoding, keep_all=False, ragged=ragged), capacity)
    if ragged.any() and ragged.read_as_pandas_did:
        # Some rows really are ragged: keep every record, so row numbers match the file.
        ragged = Ragged()
        columns = _build(_csv_chunks(path, encoding, keep_all=True, ragged=ragged), capacity)
    if ragged.too_few:
        problems.add(f"ragged rows: fewer fields than the header's {len(columns.names)}", rows=ragged.too_few)
    if ragged.too_many:
        problems.add(f"ragged rows: more fields than the header's {len(columns.names)}", rows=ragged.too_many)
    return columns
