"""The customer-table data contract: read a CSV, check every rule, return a clean frame.

Validation collects *every* problem before failing, so a user fixing an export
sees the whole list at once. Each problem names the file, the column and up to
five row numbers. Row numbers count the header as row 1, as a spreadsheet does,
so "row 7" is the seventh line of the file when no field spans lines.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from .errors import DataValidationError

ID_COLUMN = "CustomerID"
OUTCOME = "CustomerValue"
PREDICTORS = ("Recency", "Frequency", "MonetaryValue")
SEGMENT_COLUMN = "Segment"
REQUIRED_COLUMNS = (ID_COLUMN, OUTCOME, *PREDICTORS, SEGMENT_COLUMN)
NUMERIC_COLUMNS = (OUTCOME, *PREDICTORS)
WHOLE_COUNT_COLUMNS = ("Recency", "Frequency")
NON_NEGATIVE_COLUMNS = ("Recency", "Frequency", "MonetaryValue")

# The CRM's four labels, in the order reports list them (best to worst, then churn risk).
CANONICAL_SEGMENTS = ("High Value", "Medium Value", "Low Value", "At Risk")

# Ten customers per estimated coefficient is the usual floor for a stable linear model;
# with four segments the full model has seven coefficients.
ROWS_PER_COEFFICIENT = 10
# Below this a segment's dollar effect rests on a handful of customers and its
# confidence interval is too wide to steer any budget.
MIN_SEGMENT_SIZE = 10
MAX_ROWS_NAMED = 5
# Up to this many distinct segment spellings, labels are matched by vectorised comparisons.
_FEW_LABELS = 64

# What each contract column means; the Methods chapter prints this.
DATA_DICTIONARY = {
    ID_COLUMN: ("text", "Unique customer identifier."),
    OUTCOME: ("USD", "Value score: past profit plus projected near-term value. May be negative."),
    "Recency": ("whole days, 0 or more", "Days since the customer's last order (lower is more recent)."),
    "Frequency": ("whole orders, 0 or more", "Completed orders in the last 12 months."),
    "MonetaryValue": ("USD, 0 or more", "Average order value (basket size)."),
    SEGMENT_COLUMN: ("label", "CRM label: " + ", ".join(CANONICAL_SEGMENTS) + "."),
}

# Every rule load_customers enforces, in words, for the validation summary.
CONTRACT_RULES = (
    "the file is a non-empty, comma-separated text file (UTF-8, or Latin-1 as a fallback)",
    "every required column is present (extra columns are ignored)",
    "every row has as many fields as the header",
    "numbers parse, and no value is missing, NaN or infinite",
    "Recency and Frequency are whole numbers, 0 or more; MonetaryValue is 0 or more",
    "customer IDs are unique",
    "segment labels are one of the four CRM labels (ignoring case and spaces)",
    "there are at least 10 customers per estimated coefficient",
    "there are at least two segments, each with at least 10 customers",
    "no predictor is constant",
)
_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class CustomerTable:
    """A validated customer table and where it came from.

    ``frame`` has exactly the contract columns: ``CustomerID`` as text, the four
    numeric columns as float64 (counts are whole numbers) and ``Segment`` as
    canonical labels.
    """

    path: Path
    frame: pd.DataFrame
    sha256: str
    encoding: str
    ignored_columns: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def segment_counts(self) -> dict[str, int]:
        counts = self.frame[SEGMENT_COLUMN].value_counts()
        return {level: int(counts[level]) for level in CANONICAL_SEGMENTS if level in counts}

    def summary_line(self) -> str:
        sizes = ", ".join(f"{level} {count:,}" for level, count in self.segment_counts.items())
        return f"{self.path}: valid, {self.n_rows:,} customers ({sizes}); sha256 {self.sha256[:12]}"


def minimum_rows(n_segments: int) -> int:
    """Rows needed to fit the full model with ``n_segments`` segment levels."""
    n_coefficients = 1 + len(PREDICTORS) + max(n_segments - 1, 0)
    return ROWS_PER_COEFFICIENT * n_coefficients


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    """Spreadsheet row numbers (header is row 1) of the flagged data rows."""
    positions = np.flatnonzero(np.asarray(mask))
    return [int(i) + 2 for i in positions]


def _name_rows(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_NAMED])
    more = f" and {len(rows) - MAX_ROWS_NAMED:,} more" if len(rows) > MAX_ROWS_NAMED else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


class _Problems:
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


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # CRM exports are often Latin-1; every byte sequence decodes, so this cannot fail.
        return raw.decode("latin-1"), "latin-1"


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


def _read_ragged(text: str, problems: _Problems) -> pd.DataFrame:
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


def _read_typed(raw: bytes, header_line: str) -> pd.DataFrame | None:
    """Fast path for a clean UTF-8 file: Arrow's CSV reader parses the numbers itself.

    Reading every column as text and converting afterwards costs several seconds and
    gigabytes at ten million rows. Arrow's reader (multi-threaded) parses the numeric
    columns directly, to the same correctly rounded doubles ``pd.to_numeric`` gives, and
    this returns None at the first sign of trouble (a cell that is not a number, a
    missing or non-finite value, a ragged row, an odd header), so that
    :func:`_read_frame` and the checks after it find and word every problem exactly as
    before. A frame it returns is identical to the one the slow path would build.
    """
    names = next(csv.reader([header_line]), [])
    stripped = [name.strip() for name in names]
    if len(set(stripped)) != len(stripped) or not set(REQUIRED_COLUMNS) <= set(stripped):
        return None
    types = {name: pa.float64() if clean in NUMERIC_COLUMNS else pa.string()
             for name, clean in zip(names, stripped)}
    try:
        table = pa_csv.read_csv(
            io.BytesIO(raw),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=types, null_values=[],
                                                  strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    expected = [pa.float64() if types.get(name) == pa.float64() else pa.string() for name in names]
    if table.column_names != names or table.schema.types != expected or table.num_rows == 0:
        return None
    frame = table.to_pandas()
    numbers = frame[[name for name, clean in zip(names, stripped) if clean in NUMERIC_COLUMNS]].to_numpy()
    if not np.isfinite(numbers).all():
        return None
    return frame


def _read_frame(text: str, problems: _Problems) -> pd.DataFrame | None:
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


def _check_columns(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    stripped = {c: c.strip() for c in frame.columns}
    frame = frame.rename(columns=stripped)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(f"'{c}'" for c in frame.columns) or "none"
        for column in missing:
            problems.add(f"missing required column (columns found: {found})", column=column)
    return frame


def _parse_numbers(frame: pd.DataFrame, problems: _Problems) -> dict[str, pd.Series]:
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


def _check_ranges(parsed: dict[str, pd.Series], problems: _Problems) -> None:
    for column in NON_NEGATIVE_COLUMNS:
        if column in parsed:
            negative = (parsed[column] < 0).to_numpy()
            if negative.any():
                problems.add("negative value; it must be 0 or more", column=column, rows=_rows(negative))
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


def _check_ids(frame: pd.DataFrame, problems: _Problems) -> None:
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


def canonical_segment(label: str) -> str | None:
    """The canonical spelling of a CRM label, ignoring case and surrounding/repeated spaces."""
    key = " ".join(str(label).split()).casefold()
    for canonical in CANONICAL_SEGMENTS:
        if canonical.casefold() == key:
            return canonical
    return None


def _check_segments(frame: pd.DataFrame, problems: _Problems) -> pd.Series | None:
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


def _check_estimability(frame: pd.DataFrame, parsed: dict[str, pd.Series],
                        segments: pd.Series | None, problems: _Problems) -> None:
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    problems = _Problems(path)
    if not path.is_file():
        problems.add("file not found" if not path.exists() else "not a file")
        problems.raise_if_any()
    raw = path.read_bytes()
    # The 64 KB prefix answers for any real file without copying a large one to strip it.
    if not raw[:65536].strip() and not raw.strip():
        problems.add("the file is empty: expected a header row and at least one customer")
        problems.raise_if_any()
    if _looks_binary(raw):
        problems.add("not a CSV text file (binary content, e.g. a spreadsheet or archive); "
                     "export it as comma-separated values")
        problems.raise_if_any()
    text, encoding = _decode(raw)
    header_line = _first_line(text)
    delimiter = _other_delimiter(header_line)
    if delimiter:
        problems.add(f"the file uses {delimiter} as its delimiter; expected commas. "
                     "Re-export it as comma-separated values")
        problems.raise_if_any()

    frame = _read_typed(raw, header_line) if encoding == "utf-8" else None
    if frame is None:
        frame = _read_frame(text, problems)
    del text  # a second copy of the file: free it before validating and fitting
    sha256 = hashlib.sha256(raw).hexdigest()
    del raw  # and the bytes themselves: the frame holds everything from here on
    if frame is None:
        problems.raise_if_any()
    frame = _check_columns(frame, problems)
    if len(frame) == 0:
        problems.add("the file has a header but no customer rows")
        problems.raise_if_any()
    parsed = _parse_numbers(frame, problems)
    _check_ranges(parsed, problems)
    _check_ids(frame, problems)
    segments = _check_segments(frame, problems)
    _check_estimability(frame, parsed, segments, problems)
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
