"""The warehouse build's cache key: the same table always gives the same key, a changed row another.

Each chapter of a site runs in its own process and finds the in-engine build by this key,
so a key that varied from run to run (float sums added in a different order by a parallel
engine) made every chapter refit the table, and a key that missed a change would publish
stale numbers.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from analysis.errors import AnalysisError
from analysis.model import cache
from analysis.model.engine import warehouse

ROWS = 300_000  # enough for DuckDB to aggregate on several threads
SAMPLE = "300"


def _create(path: Path) -> str:
    """A customer table made in DuckDB (values are functions of the row number), as an Ibis URL."""
    with duckdb.connect(str(path)) as con:
        con.execute("SET threads = 4")
        con.execute(f"""
            CREATE TABLE customers AS
            SELECT 'C' || i::VARCHAR AS CustomerID,
                   (hash(i, 1) % 300)::INTEGER AS Recency,
                   (hash(i, 2) % 20)::INTEGER AS Frequency,
                   round(10 + (hash(i, 3) % 10000) / 97.0, 2) AS MonetaryValue,
                   ['High Value', 'Medium Value', 'Low Value', 'At Risk'][(hash(i, 4) % 4)::INTEGER + 1] AS Segment,
                   round(50 + (hash(i, 5) % 100000) / 91.0, 2) AS CustomerValue
            FROM range({ROWS}) t(i)""")
    return f"duckdb://{path}#customers"


def _change_one_row(url: str) -> None:
    path = url.removeprefix("duckdb://").partition("#")[0]
    with duckdb.connect(path) as con:
        con.execute("UPDATE customers SET CustomerValue = CustomerValue + 100 WHERE CustomerID = 'C12345'")


@pytest.fixture()
def url(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv(warehouse.SAMPLE_ENV, SAMPLE)
    monkeypatch.delenv(warehouse.WAREHOUSE_KEY_ENV_VAR, raising=False)
    return _create(tmp_path / "shop.duckdb")


def _key(url: str) -> str:
    table = warehouse.open_table(url)
    try:
        return warehouse.fingerprint(table, url)
    finally:
        warehouse.close(table)


def test_the_same_table_gives_the_same_key_every_time(url):
    assert len({_key(url) for _ in range(6)}) == 1


def test_one_changed_value_gives_another_key(url):
    before = _key(url)
    _change_one_row(url)
    assert _key(url) != before


def test_the_key_equals_the_one_from_the_fits_own_scan(url):
    """The fit files its results under the key of the rows it fitted: the two must agree."""
    from analysis.model.engine import fit_in_engine

    table = warehouse.open_table(url)
    try:
        assert warehouse.cache_key(url, fit_in_engine(table).data_fingerprint) == warehouse.fingerprint(table, url)
    finally:
        warehouse.close(table)


def test_a_changed_table_is_never_served_the_previous_build(url, tmp_path):
    first = cache.load_warehouse(url, cache_dir=tmp_path / "cache", trust_build_key=False)
    _change_one_row(url)
    second = cache.load_warehouse(url, cache_dir=tmp_path / "cache", trust_build_key=False)
    assert second.results.data.sha256 != first.results.data.sha256
    assert second.results.population == first.results.population == ROWS
    shift = second.results.coefficients["estimate"].to_numpy() - first.results.coefficients["estimate"].to_numpy()
    assert np.abs(shift).max() > 1e-9  # refitted: $100 more for one customer moves the estimates


def test_a_kernel_given_the_builds_key_reads_the_cache_without_opening_the_table(url, tmp_path, monkeypatch):
    built = cache.load_warehouse(url, cache_dir=tmp_path / "cache", trust_build_key=False)
    monkeypatch.setenv(warehouse.WAREHOUSE_KEY_ENV_VAR, warehouse.build_token(url, built.results.data.sha256))

    def refuse(location):
        raise AssertionError(f"opened {location}")

    monkeypatch.setattr(warehouse, "open_table", refuse)
    again = cache.load_warehouse(url, cache_dir=tmp_path / "cache")
    assert again.results.data.sha256 == built.results.data.sha256
    assert again.results.coefficients.equals(built.results.coefficients)


def test_a_key_passed_for_another_url_is_ignored(url, tmp_path, monkeypatch):
    other = url.replace("shop.duckdb", "other.duckdb")
    monkeypatch.setenv(warehouse.WAREHOUSE_KEY_ENV_VAR, warehouse.build_token(other, "0" * 64))
    assert warehouse.trusted_key(url) is None and warehouse.trusted_key(other) == "0" * 64
    built = cache.load_warehouse(url, cache_dir=tmp_path / "cache")
    assert built.results.data.sha256 == _key(url)


def test_the_build_itself_never_trusts_an_inherited_key(url, tmp_path, monkeypatch):
    monkeypatch.setenv(warehouse.WAREHOUSE_KEY_ENV_VAR, warehouse.build_token(url, "0" * 64))
    built = cache.load_warehouse(url, cache_dir=tmp_path / "cache", trust_build_key=False)
    assert built.results.data.sha256 == _key(url) != "0" * 64


def test_results_are_never_filed_under_another_contents_key(url):
    with pytest.raises(AnalysisError, match="changed while the report was being built"):
        warehouse.load_warehouse_results(url, size=100, key="0" * 64)
