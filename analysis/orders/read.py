"""Open an order log as an Ibis table: a CSV or Parquet file, or a warehouse table.

Files go to an in-process DuckDB (no server). CSV columns are read as text so
that the parse step can name the lines whose dates or numbers do not parse,
instead of DuckDB guessing a type and failing somewhere in the middle.

A warehouse is any backend :func:`ibis.connect` understands, written as the
connection URL with the table name after ``#``::

    postgres://user@host:5432/shop#order_lines
    duckdb:///data/warehouse.duckdb#order_lines
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import ibis

from ..errors import OrderLogError

PARQUET_SUFFIXES = {".parquet", ".pq"}
FILE_DATABASES = {"duckdb", "sqlite"}
# A scheme followed by ":/" – argparse hands URLs over as a Path, which folds "//" to "/".
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):/+(?P<rest>.*)$")
_CHUNK = 1 << 24


@dataclass(frozen=True)
class OrderSource:
    """An order log opened on a backend, before any parsing or cleaning.

    Attributes
    ----------
    table : ibis.Table
        The raw lines, every column as the source stores it.
    description : str
        For the log: what was read and how (``orders.csv (CSV, Latin-1)``).
    dialect : str
        Backend name (``duckdb``, ``pyspark``, ...); decides how text dates parse.
    is_text_file : bool
        True for CSV: problems are reported as file lines (the header is line 1).
    csv_options : dict or None
        How a CSV was opened on DuckDB, so :func:`with_native_types` can reopen it.
    """

    table: ibis.Table
    description: str
    dialect: str
    is_text_file: bool = False
    csv_options: dict | None = None


def is_url(location: str | Path) -> bool:
    """True for ``scheme://...`` locations (Windows drive letters are one letter, not a scheme)."""
    match = _URL.match(str(location))
    return bool(match) and len(match["scheme"]) > 1


def detect_text_encoding(path: Path) -> str:
    """``"utf-8"`` when the whole file decodes as UTF-8, else ``"latin-1"``.

    Spreadsheet exports of Online Retail are Latin-1 ("£", "é"). Latin-1 decodes any
    byte, so it is the safe fallback; the ASCII fast path keeps a 1 GB log under a second.
    """
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "latin-1"
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def open_order_log(location: str | Path, backend: ibis.BaseBackend | None = None) -> OrderSource:
    """Open ``location`` as a table of raw order lines.

    Parameters
    ----------
    location : str or Path
        A CSV or Parquet file (or a folder of Parquet files), or ``URL#table``.
    backend : ibis backend, optional
        Where to open a file; default a fresh in-memory DuckDB. Tests pass a
        PySpark backend here to run the identical pipeline on Spark.

    Raises
    ------
    OrderLogError
        The file does not exist, is empty, or the warehouse table cannot be found.
    """
    if is_url(location):
        return _open_warehouse_table(restore_url(location))
    path = Path(location).expanduser()
    if not path.exists():
        raise OrderLogError(f"{path}: no such file")
    con = backend if backend is not None else _fast_duckdb()
    if path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES:
        pattern = str(path / "*.parquet") if path.is_dir() else str(path)
        try:
            table = con.read_parquet(pattern)
        except Exception as error:  # backends raise their own types; the message is what helps
            raise OrderLogError(f"{path}: cannot be read as Parquet ({_first_line(error)})") from error
        return OrderSource(table, f"{path.name} (Parquet)", con.name)
    if path.stat().st_size == 0:
        raise OrderLogError(f"{path}: the order log is empty (0 bytes); expected a header and order lines")
    encoding = detect_text_encoding(path)
    # Header and delimiter are fixed from the first line: DuckDB's sniffer, left to guess,
    # can take a malformed line for the header and then blame the wrong columns.
    delimiter, names = _header(path, encoding)
    options = {"all_varchar": True, "header": True, "skip": 0, "delim": delimiter}
    if con.name == "duckdb":
        options["encoding"] = encoding
        if len(set(names)) == len(names) and all(names):
            # Header, delimiter and (all-text) types are known: DuckDB's sniffer would only
            # re-read a sample to guess them, twice per run (about 0.4 s CPU per 1M lines).
            del options["all_varchar"]
            options |= {"auto_detect": False, "columns": {name: "VARCHAR" for name in names}}
    try:
        table = con.read_csv(str(path), **options)
    except Exception as error:
        raise OrderLogError(describe_unreadable_csv(path, encoding, options["delim"], error)) from error
    label = "UTF-8" if encoding == "utf-8" else "Latin-1, transcoded"
    csv_options = {"path": str(path), **options} if con.name == "duckdb" else None
    return OrderSource(table, f"{path.name} (CSV, {label})", con.name, is_text_file=True,
                       csv_options=csv_options)


def with_native_types(source: OrderSource, types: dict[str, str], timestamp_format: str | None) -> OrderSource:
    """Reopen a DuckDB CSV with the given columns parsed by the CSV reader itself.

    Parsing numbers and dates while reading is much cheaper than reading text and
    casting it afterwards. The catch: one bad value fails the whole read, so the
    caller keeps the all-text ``source`` to fall back on for a full report of bad lines.
    """
    if source.csv_options is None:
        return source
    options = dict(source.csv_options)
    path = options.pop("path")
    options.pop("all_varchar", None)
    options["columns"] = {name: types.get(name, "VARCHAR") for name in source.table.columns}
    if timestamp_format is not None:
        options["timestampformat"] = timestamp_format
    con = source.table._find_backend()
    table = con.read_csv(path, **options)
    return OrderSource(table, source.description, source.dialect, source.is_text_file, source.csv_options)


def _fast_duckdb() -> ibis.BaseBackend:
    """An in-memory DuckDB that may reorder rows: every result is sorted explicitly, and
    dropping scan order lets the parse and de-duplication run fully in parallel (about a
    fifth faster on 10M lines). Numbering bad lines needs file order and turns it back on."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET preserve_insertion_order = false")
    return con


def restore_url(location: str | Path) -> str:
    """Undo what ``pathlib`` does to a URL passed on the command line as a ``Path``.

    ``Path("postgres://host/db")`` is ``postgres:/host/db``: the ``//`` is folded. Network
    URLs get their ``//`` back; file databases (duckdb, sqlite) are taken as absolute
    paths (``duckdb:///data/shop.duckdb``), which is what a folded single slash means there.
    A ``str`` is returned unchanged.
    """
    if isinstance(location, str):
        return location
    match = _URL.match(str(location))
    slashes = "///" if match["scheme"].lower() in FILE_DATABASES else "//"
    return f"{match['scheme']}:{slashes}{match['rest']}"


def _open_warehouse_table(location: str) -> OrderSource:
    match = _URL.match(location)
    url, _, table_name = location.partition("#")
    if not table_name:
        raise OrderLogError(f"{location}: name the table after '#', e.g. {url}#order_lines")
    database = _missing_file_database(url, match["scheme"])
    if database is not None:
        # ibis.connect would create an empty database file there: never write where we only read.
        raise OrderLogError(f"{url}: no such database file {database}")
    try:
        con = ibis.connect(url)
        table = con.table(table_name)
    except Exception as error:
        raise OrderLogError(f"{url}: cannot open table {table_name!r} ({_first_line(error)})") from error
    return OrderSource(table, f"{table_name} on {match['scheme']}", con.name)


def _missing_file_database(url: str, scheme: str) -> Path | None:
    """The database file a ``duckdb:``/``sqlite:`` URL names when it does not exist, else None."""
    if scheme.lower() not in FILE_DATABASES:
        return None
    location = url.split(":", 1)[1]
    location = location[2:] if location.startswith("//") else location
    location = location.split("?", 1)[0]
    if location in ("", ":memory:") or location.startswith(":memory:"):
        return None
    path = Path(location).expanduser()
    return None if path.exists() else path


def describe_unreadable_csv(path: Path, encoding: str, delimiter: str, error: Exception,
                            shown: int = 5) -> str:
    """Why a CSV cannot be read: the lines whose field count differs from the header, if any.

    Runs only on the error path; Python's csv module gives exact line numbers.
    """
    import csv

    ragged, total = [], 0
    with path.open("r", encoding=encoding, newline="") as handle:
        rows = csv.reader(handle, delimiter=delimiter)
        width = len(next(rows, []))
        for number, row in enumerate(rows, start=2):
            if row and len(row) != width:
                total += 1
                if len(ragged) < shown:
                    ragged.append(f"line {number} has {len(row)}")
    if total:
        more = ", ..." if total > len(ragged) else ""
        return (f"{path}: {total:,} line{'s' if total != 1 else ''} with the wrong number of fields "
                f"({', '.join(ragged)}{more}; the header has {width}, delimiter {delimiter!r}); "
                "fix or quote those lines")
    return f"{path}: cannot be read as CSV ({_first_line(error)})"


def sample_csv_column(source: OrderSource, column: str, rows: int) -> list[str] | None:
    """The first ``rows`` values of ``column`` of a DuckDB CSV, read with Python's csv module.

    None for other sources (or a header that does not name ``column``): the caller queries.
    Rows too short to hold the column are skipped; the full read reports them.
    """
    import csv
    import itertools

    if source.csv_options is None:
        return None
    options = source.csv_options
    with open(options["path"], "r", encoding=options["encoding"], newline="") as handle:
        reader = csv.reader(handle, delimiter=options["delim"])
        header = [name.lstrip("\ufeff") for name in next(reader, [])]
        if column not in header:
            return None
        index = header.index(column)
        return [row[index] for row in itertools.islice(reader, rows) if len(row) > index]


def _header(path: Path, encoding: str) -> tuple[str, list[str]]:
    """The delimiter (the most frequent of comma, semicolon, tab and pipe in the header line,
    comma on a tie) and the column names of the header."""
    import csv

    with path.open("r", encoding=encoding, newline="") as handle:
        header = handle.readline()
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    delimiter = best if counts[best] else ","
    names = next(csv.reader([header.rstrip("\r\n").lstrip("\ufeff")], delimiter=delimiter), [])
    return delimiter, names


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
