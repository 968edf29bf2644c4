"""Shared helpers for the in-engine fit tests: build a DuckDB file, compare with the in-memory fit."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.model.results import ModelResults

REL = 1e-9


def duckdb_file(csv: Path, db: Path, table: str = "customers") -> str:
    """A DuckDB database holding the CSV as ``table``; returns its Ibis URL."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{csv}', header = true)")
    return f"duckdb://{db}#{table}"


def assert_same_fit(engine: ModelResults, memory: ModelResults) -> None:
    """Every number the report reads from a fit, equal to 1e-9 relative."""
    def close(a, b, what):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert np.allclose(a, b, rtol=REL, atol=0), what

    for frame in ("coefficients", "rfm_only_coefficients"):
        ours, theirs = getattr(engine, frame), getattr(memory, frame)
        assert list(ours["term"]) == list(theirs["term"])
        close(ours.drop(columns="term").to_numpy(), theirs.drop(columns="term").to_numpy(), frame)
    close(engine.covariance.to_numpy(), memory.covariance.to_numpy(), "covariance")
    close(engine.covariance_hc3.to_numpy(), memory.covariance_hc3.to_numpy(), "HC3")
    for stats in ("full", "rfm_only"):
        a, b = getattr(engine, stats), getattr(memory, stats)
        for name in ("r_squared", "adj_r_squared", "sigma", "f", "rss", "log_likelihood", "aic", "bic"):
            close(getattr(a, name), getattr(b, name), f"{stats}.{name}")
    for name in ("f", "p", "delta_r_squared"):
        close(getattr(engine.nested, name), getattr(memory.nested, name), f"nested.{name}")
    d, m = engine.diagnostics, memory.diagnostics
    for name in ("bp_stat", "bp_p", "normality_stat", "skewness", "excess_kurtosis", "max_cooks_distance",
                 "condition_number"):
        close(getattr(d, name), getattr(m, name), name)
    for name in ("n_influential", "n_high_leverage"):
        assert getattr(d, name) == getattr(m, name), name
    for term in m.vif:
        close(d.vif[term], m.vif[term], f"GVIF {term}")
    close(engine.contrasts[["difference", "std_error", "p", "p_holm"]].to_numpy(),
          memory.contrasts[["difference", "std_error", "p", "p_holm"]].to_numpy(), "contrasts")
    assert engine.segment_counts == memory.segment_counts
    assert engine.se_type == memory.se_type
