"""Read a customer CSV: sniff it, parse it fast when it is clean, slowly when it is not, then validate.

:func:`load_customers` is the only way a table enters the analysis. The fast path
(Arrow's CSV reader) and the slow path (pandas, then the csv module for ragged
rows) give identical frames; the checks of :mod:`analysis.data.validate` then word
every problem the same way whichever path read the file.
"""
from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from .hashing import file_sha256
from .schema import ID_COLUMN, NUMERIC_COLUMNS, REQUIRED_COLUMNS, SEGMENT_COLUMN, CustomerTable
from .validate import (Problems, check_columns, check_header_names, check_estimability, check_ids, check_ranges,
                       check_segments, parse_numbers)

_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # CRM exports are often Latin-1; every byte sequence decodes, so this cannot fail.
        return raw.decode("latin-1"), "latin-1"


# Byte-order marks, longest first: UTF-32's little-endian mark starts with UTF-16's.
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"), (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
              (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))


def wide_encoding(raw: bytes) -> str | None:
    """UTF-16 or UTF-32, by byte-order mark or by where the NUL bytes of ASCII text fall.

    Spreadsheets "Save as Unicode text" writes UTF-16; without this it reads as
    binary content. Text in those encodings puts NUL bytes at a fixed stride.
    """
    for mark, name in _WIDE_BOMS:
        if raw.startswith(mark):
            return name
    sample = raw[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) - len(sample) % 4]
    nul = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
    if nul[1] > 0.9 and nul[2] > 0.9 and nul[3] > 0.9:
        return "UTF-32 (little-endian)"
    if nul[0] > 0.9 and nul[1] > 0.9 and nul[2] > 0.9:
        return "UTF-32 (big-endian)"
    if nul[1] > 0.9 and nul[3] > 0.9:
        return "UTF-16 (little-endian)"
    if nul[0] > 0.9 and nul[2] > 0.9:
        return "UTF-16 (big-endian)"
    return None


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:4096]
    return b"\x00" in sample or sample.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0"))


def _other_delimiter(header_line: str) -> str | None:
    """Name the delimiter when the header only splits into the contract under another one."""
    if "," in header_line:
        return None
    for delimiter, name in _OTHER_DELIMITERS.items():
        fields = [f.strip().strip('"') for f in header_line.split(delimiter)]
        if len(fields) > 1 and len(set(fields) & set(REQUIRED_COLUMNS)) >= 2:
            return f"{name} ('{delimiter}')" if delimiter != "\t" else name
    return None


def _read_ragged(text: str, problems: Problems) -> pd.DataFrame:
    """Slow path with the csv module, used only when pandas' fast reader saw a ragged row.

    Every row is kept (cut or padded to the header's width) so that the row numbers of
    later problems still match the file.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    width = len(header)
    records, too_few, too_many = [], [], []
    for record in reader:
        if not record:
            continue  # blank lines are skipped by the fast reader too
        if len(record) < width:
            too_few.append(reader.line_num)
        elif len(record) > width:
            too_many.append(reader.line_num)
        records.append((record + [""] * width)[:width])
    if too_few:
        problems.add(f"ragged rows: fewer fields than the header's {width}", rows=too_few)
    if too_many:
        problems.add(f"ragged rows: more fields than the header's {width}", rows=too_many)
    return pd.DataFrame(records, columns=header, dtype=str)


def _first_line(text: str) -> str:
    """The header line, without splitting a million-row file into lines to find it."""
    stripped = text.lstrip()
    head = stripped[:65536].splitlines()
    if len(head) > 1 or len(stripped) <= 65536:
        return head[0]
    return stripped.splitlines()[0]  # a header longer than 64 KB: rare, pay for it


# Enough of the file's start to sniff its encoding and read any real header.
_PREFIX_BYTES = 65536


def _header_line(path: Path, prefix: bytes) -> tuple[str, bool]:
    """The header line, and whether it is valid UTF-8 (decides whether the fast path may try)."""
    stripped = prefix.lstrip()
    end = stripped.find(b"\n")
    if end < 0 and len(prefix) == _PREFIX_BYTES:
        # A header longer than 64 KB: rare, pay for reading the whole file.
        text, encoding = _decode(path.read_bytes())
        return _first_line(text), encoding == "utf-8"
    line = stripped if end < 0 else stripped[:end]
    text, encoding = _decode(line)
    return text.rstrip("\r").lstrip("\ufeff"), encoding == "utf-8"


def _read_typed(path: Path, header_line: str) -> pd.DataFrame | None:
    """Fast path for a clean UTF-8 file: Arrow's CSV reader parses the numbers itself.

    Reading every column as text and converting afterwards costs several seconds and
    gigabytes at ten million rows. Arrow's reader (multi-threaded) parses the numeric
    columns directly, to the same correctly rounded doubles ``pd.to_numeric`` gives, and
    this returns None at the first sign of trouble (a cell that is not a number, a
    missing or non-finite value, a ragged row, an odd header), so that
    :func:`_read_frame` and the checks after it find and word every problem exactly as
    before. A frame it returns is identical to the one the slow path would build.
    Arrow reads the file itself, block by block, so the file's bytes are never held
    whole (the 1 GB figure is in ``benchmarks/bench_validate.py``); it checks string
    columns as UTF-8, so a Latin-1 file falls through to the slow path.
    """
    names = next(csv.reader([header_line]), [])
    stripped = [name.strip() for name in names]
    if len(set(stripped)) != len(stripped) or not set(REQUIRED_COLUMNS) <= set(stripped):
        return None
    types = {name: pa.float64() if clean in NUMERIC_COLUMNS else pa.string()
             for name, clean in zip(names, stripped)}
    try:
        table = pa_csv.read_csv(
            str(path),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=types, null_values=[],
                                                  strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    expected = [pa.float64() if types.get(name) == pa.float64() else pa.string() for name in names]
    if table.column_names != names or table.schema.types != expected or table.num_rows == 0:
        return None
    # self_destruct frees each Arrow column once converted: no second copy of the table.
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    numbers = frame[[name for name, clean in zip(names, stripped) if clean in NUMERIC_COLUMNS]].to_numpy()
    if not np.isfinite(numbers).all():
        return None
    return frame


def _read_frame(text: str, problems: Problems) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skip_blank_lines=True, engine="c")
    except pd.errors.EmptyDataError:
        problems.add("the file is empty: expected a header row and at least one customer")
        return None
    except pd.errors.ParserError:
        return _read_ragged(text, problems)  # a row with too many fields
    # pandas pads short rows with NaN, and silently turns a first column into the index
    # when every row has one field too many.
    if frame.isna().any(axis=None) or not isinstance(frame.index, pd.RangeIndex):
        return _read_ragged(text, problems)
    return frame


def load_customers(path: str | Path) -> CustomerTable:
    """Read and validate a customer table.

    Parameters
    ----------
    path : str or Path
        A CSV with the contract columns (extra columns are ignored).

    Returns
    -------
    CustomerTable

    Raises
    ------
    DataValidationError
        Listing every problem found, each naming the file, column and rows.

    Examples
    --------
    >>> from analysis.config import DEFAULT_DATA
    >>> load_customers(DEFAULT_DATA).n_rows
    5000
    """
    path = Path(path)
    problems = Problems(path)
    if not path.is_file():
        problems.add("file not found" if not path.exists() else "not a file")
        problems.raise_if_any()
    try:
        with open(path, "rb") as handle:
            prefix = handle.read(_PREFIX_BYTES)  # sniffing needs the start only, not the whole file
        before = path.stat()
    except OSError as error:  # PermissionError, EIO, ...: a message, not a traceback
        problems.add(f"cannot be read ({error.strerror or type(error).__name__})")
        problems.raise_if_any()
    if not prefix.strip() and not path.read_bytes().strip():
        problems.add("the file is empty: expected a header row and at least one customer")
        problems.raise_if_any()
    wide = wide_encoding(prefix)
    if wide:
        problems.add(f"the file is encoded as {wide}; save or export it as UTF-8 comma-separated values")
        problems.raise_if_any()
    if _looks_binary(prefix):
        problems.add("not a CSV text file (binary content, e.g. a spreadsheet or archive); "
                     "export it as comma-separated values")
        problems.raise_if_any()
    header_line, header_is_utf8 = _header_line(path, prefix)
    delimiter = _other_delimiter(header_line)
    if delimiter:
        problems.add(f"the file uses {delimiter} as its delimiter; expected commas. "
                     "Re-export it as comma-separated values")
        problems.raise_if_any()
    check_header_names(next(csv.reader([header_line]), []), problems)
    problems.raise_if_any()

    frame = _read_typed(path, header_line) if header_is_utf8 else None
    if frame is not None:
        encoding, sha256 = "utf-8", file_sha256(path)
    else:  # the slow path words every problem; it needs the text, so it pays for reading it whole
        raw = path.read_bytes()
        text, encoding = _decode(raw)
        frame = _read_frame(text, problems)
        del text  # a second copy of the file: free it before validating and fitting
        sha256 = hashlib.sha256(raw).hexdigest()
        del raw  # and the bytes themselves: the frame holds everything from here on
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        # Hash and table were read separately: they must describe one version of the file.
        problems.add("the file changed while it was being read; run again once it is complete")
        problems.raise_if_any()
    if frame is None:
        problems.raise_if_any()
    frame = check_columns(frame, problems)
    if len(frame) == 0:
        problems.add("the file has a header but no customer rows")
        problems.raise_if_any()
    parsed = parse_numbers(frame, problems)
    check_ranges(parsed, problems)
    check_ids(frame, problems)
    segments = check_segments(frame, problems)
    check_estimability(frame, parsed, segments, problems)
    problems.raise_if_any()

    clean = pd.DataFrame({
        # .array keeps pandas' Arrow-backed text; a detour through Python string objects
        # would cost seconds at ten million rows and give the same column.
        ID_COLUMN: frame[ID_COLUMN].astype(str).str.strip().array,
        **{column: parsed[column].to_numpy(dtype="float64") for column in NUMERIC_COLUMNS},
        SEGMENT_COLUMN: segments.astype(str).array,
    }, copy=False)  # the parsed columns are this frame's alone: no need to copy them again
    ignored = tuple(c for c in frame.columns if c not in REQUIRED_COLUMNS)
    return CustomerTable(path=path.resolve(), frame=clean, sha256=sha256,
                         encoding=encoding, ignored_columns=ignored)
