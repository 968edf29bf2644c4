"""One engine pass for the chapter's aggregates: clean lines in, small frozen results out.

The customer table is built once in the engine (a temporary table on DuckDB) and every
aggregate reads it there; the cohorts read
the clean lines. Nothing bigger than a few hundred rows is fetched.

Where the clean lines come from (:func:`derive_with_lines`), cheapest first:

1. an :class:`~analysis.orders.pipeline.RFMRun` that carries them (attribute ``lines``);
2. on DuckDB, the typed, de-duplicated lines the pipeline kept in the engine for its own
   queries (the one table the run added), accepted only when cleaning them gives exactly
   the run's count of kept lines;
3. otherwise the log is opened again with the run's column roles and cleaned by the same
   public functions the pipeline uses, so the answers cannot differ.

``benchmarks/bench_segmentation.py`` measured route 3 at 47 s of a 106 s chapter on 10M lines
(the aggregates themselves: 9 s); route 2 avoids it.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import ibis

from . import chapter_results as results
from .aggregates import (concentration_expr, frequency_counts_expr, inactivity_expr, lorenz_points_expr,
                         monetary_bins_expr, recency_bins_expr, rf_grid_expr)
from .clean import ISO_FORMAT, clean_lines, detect_date_format, distinct_lines, typed_lines
from .cohorts import cohort_activity_expr, lifetime_orders_expr
from .pipeline import derive_customers
from .read import OrderSource, is_url, open_order_log, with_native_types
from .roles import ColumnRoles
from .transform import RFMParameters, customer_table_expr


def _fetch(expr: ibis.Table):
    return expr.to_pyarrow().to_pandas()


def chapter_aggregates(lines: ibis.Table, params: RFMParameters) -> results.ChapterAggregates:
    """Run every chapter aggregate on the engine that holds ``lines``.

    Parameters
    ----------
    lines : ibis.Table
        Clean lines (``customer, order_key, day, cents``), as :func:`chapter_lines` returns.
    params : RFMParameters
        The run's as-of date, margin and holdout, so the customer table is the run's own.
    """
    customers = _kept_in_engine(customer_table_expr(lines, params))
    concentration_row = customers.pipe(concentration_expr).to_pyarrow().to_pylist()[0]
    return results.ChapterAggregates(
        rf_grid=results.rf_grid(_fetch(rf_grid_expr(customers))),
        recency_bins=results.recency_bins(_fetch(recency_bins_expr(customers))),
        frequency_counts=results.frequency_counts(_fetch(frequency_counts_expr(customers))),
        monetary_bins=results.monetary_bins(_fetch(monetary_bins_expr(customers))),
        lifetime_orders=results.lifetime_orders(_fetch(lifetime_orders_expr(lines, params.as_of))),
        concentration=results.concentration(concentration_row, _fetch(lorenz_points_expr(customers))),
        inactivity=results.inactivity(inactivity_expr(customers).to_pyarrow().to_pylist()[0]),
        cohorts=results.cohorts(_fetch(cohort_activity_expr(lines, params.as_of)), params.as_of),
    )


def derive_with_lines(location: str | Path, as_of=None, *, roles: ColumnRoles = ColumnRoles(),
                      backend: ibis.BaseBackend | None = None):
    """:func:`~analysis.orders.pipeline.derive_customers` (with monthly activity) and the run's clean lines.

    Returns
    -------
    (RFMRun, ibis.Table)
    """
    if backend is None and not is_url(location):
        # The pipeline's own default engine: in-memory DuckDB that may reorder rows.
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET preserve_insertion_order = false")
    before = _duckdb_tables(backend)
    run = derive_customers(location, as_of, roles=roles, backend=backend, with_activity=True)
    if getattr(run, "lines", None) is None:
        left = _lines_left_by_run(run, backend, before)
        if left is not None:
            return run, left
    return run, chapter_lines(location, run, backend)


def _duckdb_tables(backend) -> set[str]:
    if backend is None or backend.name != "duckdb":
        return set()
    return {row[0] for row in backend.raw_sql("SELECT table_name FROM duckdb_tables()").fetchall()}


def _lines_left_by_run(run, backend, before: set[str]) -> ibis.Table | None:
    """The typed lines table the run created in DuckDB, cleaned; None unless it is unambiguous."""
    added = _duckdb_tables(backend) - before
    if len(added) != 1:
        return None
    try:
        lines = clean_lines(backend.table(added.pop()), run.roles)
        if lines.count().to_pyarrow().as_py() != run.cleaning.kept:
            return None
    except Exception:  # not the table we took it for (another layout): read the log again instead
        return None
    return _kept_in_engine(lines)


def chapter_lines(location: str | Path, run, backend: ibis.BaseBackend | None = None) -> ibis.Table:
    """The run's clean lines, kept in the engine.

    ``run.lines`` when the run carries them; otherwise the log is read again with
    ``run.roles`` (the mapping the run resolved), parsed, de-duplicated and cleaned.
    """
    carried = getattr(run, "lines", None)
    if carried is not None:
        return carried
    source = open_order_log(location, backend)
    roles: ColumnRoles = run.roles
    date_format = detect_date_format(source.table, roles.date)
    if source.csv_options is not None:
        # The run already refused any unparsable value, so the CSV reader may parse types itself
        # (several times faster than casting text); a failure falls back to the text route.
        try:
            return _cleaned(with_native_types(source, _reader_types(roles),
                                              None if date_format == ISO_FORMAT else date_format),
                            roles, date_format)
        except Exception as error:
            if not type(error).__module__.startswith(("duckdb", "_duckdb")):
                raise
    return _cleaned(source, roles, date_format)


def _reader_types(roles: ColumnRoles) -> dict[str, str]:
    numbers = [getattr(roles, role) for role in ("quantity", "price", "amount") if getattr(roles, role)]
    return {roles.date: "TIMESTAMP", **{name: "DOUBLE" for name in numbers}}


def _cleaned(source: OrderSource, roles: ColumnRoles, date_format: str) -> ibis.Table:
    typed = typed_lines(source.table, roles, source.dialect, date_format, keep_other_columns=True)
    return _kept_in_engine(clean_lines(distinct_lines(typed), roles))


def _kept_in_engine(expr: ibis.Table) -> ibis.Table:
    """Computed once and kept, so later queries read it instead of recomputing it.

    DuckDB: a temporary table (``Table.cache()`` would do the same, but its clean-up at
    interpreter exit fails on DuckDB 2). Other engines get the expression, as in the
    pipeline: their optimiser decides. (Spark's ``cache()`` was tried: the Spark test took
    as long with it, 237 s against 214 s, so the simpler route stays.)
    """
    con = expr._find_backend()
    if con.name == "duckdb":
        return con.create_table(f"chapter_{uuid.uuid4().hex}", expr, temp=True)
    return expr
