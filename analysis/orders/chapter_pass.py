"""One engine pass for the chapter's aggregates: clean lines in, small frozen results out.

The customer table is built once in the engine (a temporary table on DuckDB) and every
aggregate reads it there; the cohorts read
the clean lines. Nothing bigger than a few hundred rows is fetched.

The clean lines come from the pipeline's own run (:attr:`RFMRun.lines`, kept in the
engine): cancellations netted and duplicates removed exactly as for the customer table.
Reading the log a second time cost 47 s of a 106 s chapter on 10M lines
(``benchmarks/bench_segmentation.py``); carrying the lines avoids it.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import ibis

from . import chapter_results as results
from .aggregates import (concentration_expr, frequency_counts_expr, inactivity_expr, lorenz_points_expr,
                         monetary_bins_expr, recency_bins_expr, rf_grid_expr)
from .cohorts import cohort_activity_expr, lifetime_orders_expr
from .pipeline import derive_customers
from .read import is_url
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
    run = derive_customers(location, as_of, roles=roles, backend=backend, with_activity=True)
    return run, run.lines


def chapter_lines(location: str | Path, run, backend: ibis.BaseBackend | None = None) -> ibis.Table:
    """The run's clean lines, kept in the engine.

    ``run.lines`` when the run carries them; otherwise the log is derived again with the
    run's roles and as-of date, so the lines are cleaned (cancellations netted, duplicates
    removed) by the pipeline itself and the chapter cannot disagree with the customer table.
    """
    if run.lines is not None:
        return run.lines
    again = derive_customers(location, run.params.as_of, roles=run.roles, backend=backend, with_activity=True)
    return again.lines


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
