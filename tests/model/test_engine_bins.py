"""Engine bins and summary against numpy and the in-memory derived numbers, on DuckDB.

The references are independent: numpy's quantiles and 2-D histogram over the rows
fetched here for the check, and :mod:`analysis.model.derived` over the in-memory fit.
"""
from __future__ import annotations

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from analysis.config import DEFAULT_DATA
from analysis.data.public_url import public_url
from analysis.model import derived
from analysis.model.engine import fit_in_engine, open_customer_table
from analysis.model.engine.bins import histogram_2d, order_statistics, quantiles
from analysis.model.engine.summary import summarise


@pytest.fixture(scope="module")
def engine_fit(tmp_path_factory):
    path = tmp_path_factory.mktemp("bins") / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv_auto('{DEFAULT_DATA}')")
    con.close()
    return fit_in_engine(open_customer_table(f"duckdb:///{path}?read_only=true#customers"))


@pytest.fixture(scope="module")
def summary(engine_fit):
    return summarise(engine_fit)


def test_order_statistics_and_quantiles_equal_numpy_with_ties():
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(size=3000), np.repeat([0.25, 1.5], 400)])  # heavy ties
    table = ibis.memtable(pd.DataFrame({"v": values}))
    ranks = np.array([0, 1, 17, 1999, 2000, 3000, len(values) - 1])
    got = order_statistics(table, table["v"], len(values), values.min(), values.max(), ranks)
    np.testing.assert_array_equal(got, np.sort(values)[ranks])
    p = (0.01, 0.25, 0.5, 0.75, 0.99)
    np.testing.assert_allclose(quantiles(table, table["v"], len(values), values.min(), values.max(), p),
                               np.quantile(values, p), rtol=0, atol=1e-12)


def test_order_statistics_ranked_in_the_engine_equal_numpy(monkeypatch):
    """The path for bins too full to fetch (a Q-Q plot's ranks in bunched, heavy-tailed values)."""
    from analysis.model.engine import bins

    rng = np.random.default_rng(11)
    values = np.concatenate([rng.standard_t(3, size=20000), np.repeat([0.25, 1.5], 3000)])
    table = ibis.memtable(pd.DataFrame({"v": values}))
    ranks = np.unique(np.concatenate([np.round(np.linspace(0, len(values) - 1, 1500)).astype(int), [1, 2]]))
    monkeypatch.setattr(bins, "EXTRACT_ROWS", 0)
    got = order_statistics(table, table["v"], len(values), values.min(), values.max(), ranks)
    np.testing.assert_array_equal(got, np.sort(values)[ranks])


def test_histogram_counts_equal_numpy_histogram2d():
    rng = np.random.default_rng(3)
    x, y = rng.exponential(size=5000), rng.normal(size=5000)
    table = ibis.memtable(pd.DataFrame({"x": x, "y": y}))
    h = histogram_2d(table, "x", "y", (x.min(), x.max()), (y.min(), y.max()), grid=20)
    reference, _, _ = np.histogram2d(x, y, bins=[h.x_edges, h.y_edges])
    np.testing.assert_array_equal(h.counts, reference.astype(int))
    assert h.total == 5000


def test_summary_equals_the_in_memory_derived_numbers(summary, results):
    r = results
    assert summary.n == r.n
    pd.testing.assert_frame_equal(summary.profile.reset_index(drop=True),
                                  derived.segment_profile(r).reset_index(drop=True), rtol=1e-9, check_dtype=False)
    assert summary.median_abs_error["full"] == pytest.approx(derived.median_abs_error(r), rel=1e-9)
    assert summary.median_abs_error["rfm_only"] == pytest.approx(derived.median_abs_error(r, "rfm_only"), rel=1e-9)
    assert summary.mean_value == pytest.approx(derived.mean_customer_value(r), rel=1e-12)
    assert summary.spread_correlation == pytest.approx(derived.residual_spread_correlation(r), rel=1e-9)
    assert summary.fitted_q75 == pytest.approx(float(np.quantile(r.customers["fitted"], 0.75)), rel=1e-9)
    theoretical, ordered = derived.qq_points(derived.standardized_residuals(r))
    np.testing.assert_allclose(summary.qq_theoretical, theoretical, rtol=0, atol=1e-12)
    np.testing.assert_allclose(summary.qq_ordered, ordered, rtol=1e-9, atol=1e-9)
    assert list(summary.labelled_cooks["CustomerID"].astype(str)) == derived.most_influential(r, 3)
    for c in ("Recency", "Frequency", "MonetaryValue"):
        assert summary.predictor_ranges[c] == pytest.approx(derived.partial_effect_range(r, c), rel=1e-12)
        np.testing.assert_allclose(summary.predictor_deciles[c], derived.predictor_deciles(r, c), rtol=1e-12)
    extremes = derived.misaligned_by_extremity(r).head(len(summary.misaligned_extremes))
    assert list(summary.misaligned_extremes["CustomerID"].astype(str)) == list(extremes["CustomerID"].astype(str))


def test_density_lattice_counts_every_customer(summary, results):
    for h in (summary.residuals_vs_fitted, summary.scale_location, summary.residuals_vs_leverage):
        assert h.total == results.n
    assert int(summary.fitted_means["n"].sum()) == results.n


@pytest.mark.parametrize("url, shown", [
    ("postgres://analyst:s3cret@db.example.com:5432/shop#customers", "postgres://db.example.com:5432/shop#customers"),
    ("duckdb:///data/shop.db?password=s3cret&memory_limit=600MB#t", "duckdb:///data/shop.db?password=REDACTED&memory_limit=600MB#t"),
    ("snowflake://u:p@acct/db/schema?warehouse=wh&token=abc#t", "snowflake://acct/db/schema?warehouse=wh&token=REDACTED#t"),
    ("duckdb:///data/shop.db#customers", "duckdb:///data/shop.db#customers"),
])
def test_public_url_strips_credentials(url, shown):
    assert public_url(url) == shown
