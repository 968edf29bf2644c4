"""The build computes what every page reads before the pages run; a failure there never stops it.

Real processes throughout: the order-log side runs in its own Python process with the
kernels' environment, the customer side in this one.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from analysis import config
from analysis.data import load_customers
from analysis.model.cache import results_cache_key
from analysis.io.precompute import precomputing


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "customers.csv"
    subprocess.run([sys.executable, "-m", "analysis", "simulate", "--n", "1500", "--seed", "7", "--out", str(path)],
                   check=True, capture_output=True, cwd=config.ROOT)
    return load_customers(path)


def test_the_model_and_its_evidence_are_cached_before_any_page_asks(table, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "RESULTS_CACHE_DIR", tmp_path / "results")
    lines: list[str] = []
    with precomputing(table, {config.DATA_ENV_VAR: str(table.path)}, lines.append) as prepare:
        prepare(["index.qmd"])
    key = results_cache_key(table.sha256, os.environ.get(config.REFERENCE_ENV_VAR) or None)
    assert (tmp_path / "results" / f"{key}.pkl").is_file()
    assert len(list((tmp_path / "results").glob(f"{table.sha256[:24]}-*-evidence.pkl"))) == 1
    assert [line.split(" in ")[0].strip() for line in lines] == [
        "precomputed the model and its evidence", "precomputed the order-log results"]  # nothing failed
    # A page's setup now reads both entries: same numbers as a fit from scratch.
    from analysis.model.cache import load_results
    from analysis.model.fit import fit_model

    # A second build finds both entries: the model side says nothing and computes nothing.
    again: list[str] = []
    with precomputing(table, {config.DATA_ENV_VAR: str(table.path)}, again.append) as prepare:
        prepare()
    assert [line.split(" in ")[0].strip() for line in again] == ["precomputed the order-log results"]
    cached = load_results(table.path)
    fresh = fit_model(load_customers(table.path))
    assert cached.reported["estimate"].tolist() == pytest.approx(fresh.reported["estimate"].tolist(), rel=1e-12)


def test_a_failing_order_log_side_is_reported_in_one_line_and_the_build_goes_on(table, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "RESULTS_CACHE_DIR", tmp_path / "results")
    missing = tmp_path / "no-such-orders.csv"
    lines: list[str] = []
    with precomputing(None, {config.ORDER_LOG_ENV: str(missing), config.DATA_ENV_VAR: str(table.path)},
                      lines.append) as prepare:
        prepare()
    assert len(lines) == 1 and "order-log results failed" in lines[0] and "reports the error itself" in lines[0]
    # (no customer table: no line about the model)
    assert "no-such-orders.csv" in lines[0]  # the order log's own error names the file
    assert not (tmp_path / "results").exists()  # no customer table given: nothing fitted


def test_the_loaded_table_must_be_the_one_named(table, tmp_path):
    from analysis.model.cache import load_results

    with pytest.raises(ValueError, match="is not"):
        load_results(tmp_path / "other.csv", customers=table, cache_dir=tmp_path / "results")


def test_a_failed_build_stops_the_order_log_side(table, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "RESULTS_CACHE_DIR", tmp_path / "results")
    lines: list[str] = []
    with pytest.raises(RuntimeError, match="a page failed"):
        with precomputing(None, {config.DATA_ENV_VAR: str(table.path)}, lines.append) as prepare:
            prepare()
            raise RuntimeError("a page failed")
    assert lines == []  # killed, not reported as a failure of its own
