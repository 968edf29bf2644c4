"""The site's downloadable files, written together or not at all.

``write_downloads`` writes ``coefficients.csv``, ``model.json`` and
``customer_scores.csv`` (and, from the report's setup, ``customer_futures.csv``). Every text cell that a spreadsheet would read as a
formula is neutralised (OWASP "CSV injection"); numeric columns are written as
plain numbers, so a negative residual stays the number ``-12.5``.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .atomic import atomic_output
from ..errors import AnalysisError
from .export import write_model_json
from ..model.results import PREDICTOR_UNITS, ModelResults, segment_level_of
from ..model.targeting import Targeting

COEFFICIENTS_FILE = "coefficients.csv"
MODEL_FILE = "model.json"
CUSTOMER_SCORES_FILE = "customer_scores.csv"
DOWNLOAD_FILES = (COEFFICIENTS_FILE, MODEL_FILE, CUSTOMER_SCORES_FILE)

# A cell starting with one of these is executed as a formula by Excel, LibreOffice or
# Google Sheets; tab and carriage return are OWASP's additions for some importers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CUSTOMER_SCORE_COLUMNS = ("CustomerID", "Segment", "fitted", "rfm_prediction", "residual",
                          "misaligned", "misalignment")


def neutralise_formula(cell: object) -> object:
    """Prefix a text cell a spreadsheet would run as a formula with ``'``; leave anything else alone.

    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula(-12.5)
    -12.5
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def neutralise_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every non-numeric, non-boolean column neutralised cell by cell.

    A column of text only (nulls allowed) is checked by one vectorised Arrow match and
    rewritten only where a cell starts with a trigger; any other column (mixed types) cell by
    cell with :func:`neutralise_formula`. Same cells either way; the cell-by-cell map of a
    million customer IDs took seconds of a 1M-customer build.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):  # its few categories, cell by cell
            safe[column] = values.map(neutralise_formula)
            continue
        triggered = _text_triggers(values)
        if triggered is None:
            safe[column] = values.map(neutralise_formula)
        elif triggered.any():
            safe[column] = values.mask(triggered, "'" + values.astype(str))
    return safe


_TRIGGER_PATTERN = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in FORMULA_TRIGGERS) + "]"


def _text_triggers(values: pd.Series):
    """Boolean mask of cells starting with a formula trigger, or None if the column is not all text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:  # an Arrow-backed text column converts without a Python object per cell
        array = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # numbers, bytes or other objects among the text: cell by cell
    return pc.fill_null(pc.match_substring_regex(array, _TRIGGER_PATTERN), False).to_numpy(zero_copy_only=False)


def coefficients_frame(results: ModelResults) -> pd.DataFrame:
    """Every coefficient with the inference the report uses, plus both standard errors for audit."""
    reported = results.reported.reset_index(drop=True)
    classical = results.coefficients.set_index("term")
    frame = reported[["term"]].copy()
    frame["unit"] = [PREDICTOR_UNITS.get(term, "USD vs reference" if segment_level_of(term) else "USD")
                     for term in frame["term"]]
    for column in ("estimate", "std_error", "ci_low", "ci_high", "t", "p"):
        frame[column] = reported[column].to_numpy()
    frame["se_type"] = results.se_type
    frame["reference"] = results.reference
    frame["std_error_classical"] = classical.loc[frame["term"], "std_error"].to_numpy()
    frame["std_error_hc3"] = classical.loc[frame["term"], "std_error_hc3"].to_numpy()
    return frame


def customer_scores_frame(results: ModelResults) -> pd.DataFrame:
    """One row per customer: ID, segment, fitted value, RFM-only prediction, residual, misalignment.

    For a warehouse table (``results.scores_export``): the engine's top-N misaligned
    customers by RFM-predicted value (analysis.model.engine.warehouse.SCORES_EXPORT), never all rows.
    """
    export = getattr(results, "scores_export", None)
    if export is not None:
        return export[list(CUSTOMER_SCORE_COLUMNS)].copy()
    missing = [column for column in CUSTOMER_SCORE_COLUMNS if column not in results.customers.columns]
    if missing:
        raise AnalysisError(
            f"the results' customer frame lacks {', '.join(missing)}; refit with analysis.model.fit_model "
            "(a results cache from an older code version may need deleting)")
    return results.customers[list(CUSTOMER_SCORE_COLUMNS)].copy()


def write_csv(frame: pd.DataFrame, path: str | Path, decimals: int | None = None) -> None:
    """``frame`` as a spreadsheet-safe UTF-8 CSV: text neutralised, NaN as an empty cell.

    Written by Arrow's CSV writer: pandas' ``to_csv`` formats every float through Python
    (12 s for the 1M-customer scores file; Arrow: 1.1 s, same values read back). Arrow quotes every text
    cell and writes the shortest round-trip digits (``26`` for 26.0); readers (pandas, R,
    spreadsheets) parse the same values. ``decimals`` rounds the float columns first (the
    campaign lists' cents). A frame Arrow cannot represent (mixed objects) goes through pandas.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    safe = neutralise_text_columns(frame)
    try:
        table = pa.Table.from_pandas(safe, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        safe.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", na_rep="",
                    float_format=None if decimals is None else f"%.{decimals}f")
        return
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        elif pa.types.is_floating(column.type):
            column = pc.if_else(pc.is_nan(column), None, column)
            if decimals is not None:
                column = pc.round(column, decimals)
        columns.append(column)
    pa_csv.write_csv(pa.table(columns, names=table.column_names), str(path),
                     pa_csv.WriteOptions(quoting_style="needed"))


def write_downloads(results: ModelResults, folder: str | Path, extra_json: dict | None = None,
                    extra_files: dict[str, Callable[[Path], object]] | None = None) -> dict[str, Path]:
    """Write all the downloads into ``folder``; on any failure no existing file changes.

    ``extra_json`` adds top-level sections to ``model.json`` (``customer_futures``);
    ``extra_files`` maps a file name to a function writing it at the path it is given
    (``customer_futures.csv``). They join the same all-or-nothing set.

    Each file is first written to a temporary name beside its target; only when all
    three are complete are they renamed into place, ``model.json`` last, so a
    ``model.json`` that matches the results (what :mod:`analysis.report` checks)
    always means the CSVs beside it match too.

    Returns
    -------
    dict
        File name to written path.
    """
    folder = Path(folder)
    # ExitStack renames in reverse order of entry: entering model.json first renames it last.
    extra_files = extra_files or {}
    names = (MODEL_FILE, COEFFICIENTS_FILE, CUSTOMER_SCORES_FILE, *extra_files)
    targets = {name: folder / name for name in names}
    with contextlib.ExitStack() as stack:
        temporary = {name: stack.enter_context(atomic_output(path)) for name, path in targets.items()}
        write_csv(coefficients_frame(results), temporary[COEFFICIENTS_FILE])
        write_model_json(results, temporary[MODEL_FILE], extra_json)
        write_csv(customer_scores_frame(results), temporary[CUSTOMER_SCORES_FILE])
        for name, write in extra_files.items():
            write(temporary[name])
    return targets


def downloads_current(results: ModelResults, folder: Path, stamps: dict | None = None) -> bool:
    """Whether ``folder`` already holds the downloads of exactly these results (same data, code, reference).

    ``stamps`` maps an extra ``model.json`` section to the ``cache_key`` it must carry
    (``None``: the section must be null), so a new order log rewrites the downloads too.
    """
    try:
        published = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for section, key in (stamps or {}).items():
        if (published.get(section) or {}).get("cache_key") != key:
            return False
    return (published.get("data_sha256") == results.data.sha256
            and published.get("code_version") == results.code_version
            and published.get("reference") == results.reference)


def write_target_lists(targeting: Targeting, folder: str | Path) -> dict[str, Path]:
    """One CSV per campaign list, safe to open in a spreadsheet."""
    written = {}
    for target in targeting.lists:
        path = Path(folder) / f"{target.key}_list.csv"
        with atomic_output(path) as temporary:
            write_csv(target.members, temporary, decimals=2)
        written[target.key] = path
    return written
