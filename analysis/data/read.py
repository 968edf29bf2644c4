"""Read a customer CSV: sniff it, stream it into typed columns, then validate.

:func:`load_customers` is the only way a table enters the analysis. The start of
the file is sniffed (encoding, binary content, delimiter, header names); one pass
over the bytes hashes it on a second thread while
:func:`analysis.data.stream.read_columns` reads it chunk by chunk, clean or not, and the checks of :mod:`analysis.data.validate` word
every problem the same way whichever reader (Arrow, or the csv module for ragged
rows) read the file.
"""
from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .columns import Columns
from .hashing import FileScan, count_line_breaks, is_utf8_start, scan_file
from .schema import ID_COLUMN, REQUIRED_COLUMNS, SEGMENT_COLUMN, CustomerTable
from .stream import read_columns
from .validate import (Problems, check_columns, check_header_names, check_estimability, check_ids, check_ranges,
                       check_segments, report_numbers)

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


def _first_line(text: str) -> str:
    """The header line, without splitting a million-row file into lines to find it."""
    stripped = text.lstrip()
    head = stripped[:65536].splitlines()
    if len(head) > 1 or len(stripped) <= 65536:
        return head[0]
    return stripped.splitlines()[0]  # a header longer than 64 KB: rare, pay for it


# Enough of the file's start to sniff its encoding and read any real header.
_PREFIX_BYTES = 65536


def _header_line(path: Path, prefix: bytes) -> str:
    """The header line, for sniffing the delimiter and checking the names before any parsing."""
    stripped = prefix.lstrip()
    end = stripped.find(b"\n")
    if end < 0 and len(prefix) == _PREFIX_BYTES:
        # A header longer than 64 KB: rare, pay for reading the whole file.
        return _first_line(_decode(path.read_bytes())[0])
    line = stripped if end < 0 else stripped[:end]
    return _decode(line)[0].rstrip("\r").lstrip("\ufeff")


def _read_while_hashing(path: Path, prefix: bytes, problems: Problems) -> tuple[Columns, FileScan]:
    """The typed columns, and the file's hash and encoding from a second thread meanwhile.

    hashlib and Arrow both release the GIL, so the two passes over the bytes overlap
    (the hash and UTF-8 check took 0.07 s of a 1M-customer read before the Arrow pass,
    2026-12-01). Arrow needs the encoding first: the file is read as UTF-8 when its
    start is, and read again as Latin-1 in the rare file whose first byte that is not
    UTF-8 comes later; only the read's own problems (ragged rows) are then replaced.
    """
    capacity = count_line_breaks(path) + 1  # a bound on the records (numpy: 20 ms at 1M)
    guess = "utf-8" if is_utf8_start(prefix) else "latin-1"
    failure: UnicodeDecodeError | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_file, path)
        try:
            columns = read_columns(path, guess, capacity, problems)
        except UnicodeDecodeError as error:  # the csv module's path met a byte that is not UTF-8
            failure = error
        scan = scanning.result()
    if scan.is_utf8 != (guess == "utf-8"):
        problems.items.clear()  # the header's checks raised before: only this read's problems are here
        columns = read_columns(path, "utf-8" if scan.is_utf8 else "latin-1", capacity, problems)
    elif failure is not None:
        raise failure
    return columns, scan


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
    header_line = _header_line(path, prefix)
    delimiter = _other_delimiter(header_line)
    if delimiter:
        problems.add(f"the file uses {delimiter} as its delimiter; expected commas. "
                     "Re-export it as comma-separated values")
        problems.raise_if_any()
    check_header_names(next(csv.reader([header_line]), []), problems)
    problems.raise_if_any()

    columns, scan = _read_while_hashing(path, prefix, problems)
    encoding = "utf-8" if scan.is_utf8 else "latin-1"
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        # Hash and table were read separately: they must describe one version of the file.
        problems.add("the file changed while it was being read; run again once it is complete")
        problems.raise_if_any()
    check_columns(columns.names_in_messages, problems)
    if columns.n_rows == 0:
        problems.add("the file has a header but no customer rows")
        problems.raise_if_any()
    for column in columns.number_columns:
        report_numbers(column, columns.number_faults[column], problems)
    parsed = columns.parsed()
    check_ranges(parsed, problems)
    check_ids(columns.ids, problems)
    segments = check_segments(columns.segment_codes, columns.unknown_labels, problems)
    check_estimability(columns.n_rows, parsed, segments, problems)
    problems.raise_if_any()

    import pandas as pd  # not at the top: the file is read before pandas is needed (validate.py)

    # The four numeric columns stay the one float block they were read into: a frame built
    # from four separate arrays would copy them into one.
    clean = pd.DataFrame(columns.numbers.T, columns=list(columns.number_columns), copy=False)
    clean.insert(0, ID_COLUMN, columns.ids.array)
    clean[SEGMENT_COLUMN] = segments.array
    ignored = tuple(name.strip() for name in columns.names if name.strip() not in REQUIRED_COLUMNS)
    return CustomerTable(path=path.resolve(), frame=clean, sha256=scan.sha256,
                         encoding=encoding, ignored_columns=ignored)
