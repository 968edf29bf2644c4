"""The chapter's engine-side aggregates against independent pandas computations."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from chapter_fixtures import (AS_OF, AS_OF_DATE, concentration_reference, cohort_reference, customer_frame,
                              orders_frame, write_chapter_log)

from analysis.orders import derive_customers
from analysis.orders.aggregates import INACTIVITY_DAYS, MONETARY_EDGES_CENTS, RECENCY_BIN_DAYS
from analysis.orders.chapter_pass import chapter_aggregates, chapter_lines
from analysis.orders.chapter_results import last_complete_month
from analysis.orders.cohorts import month_index
from analysis.orders.synthetic import generate_order_log


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_chapter_log(tmp_path_factory.mktemp("chapter") / "orders.csv")


@pytest.fixture(scope="module")
def run(log):
    return derive_customers(log, AS_OF, with_activity=True)


@pytest.fixture(scope="module")
def agg(log, run):
    return chapter_aggregates(chapter_lines(log, run), run.params)


def test_fixture_customer_table_is_what_pandas_says(run):
    derived = run.customers.set_index("CustomerID").sort_index()
    expected = customer_frame().sort_index()
    assert list(derived.index) == list(expected.index)
    for column in ("Recency", "Frequency", "Revenue12m", "MonetaryValue"):
        np.testing.assert_allclose(derived[column], expected[column], atol=0.005, err_msg=column)


def test_rf_grid_matches_a_groupby_of_the_customer_table(run, agg):
    c = run.customers
    grid = agg.rf_grid.set_index(["R_score", "F_score"])
    assert len(grid) == 25 and grid["customers"].sum() == len(c)
    counts = c.groupby(["R_score", "F_score"]).size()
    for cell, n in counts.items():
        assert grid.loc[cell, "customers"] == n
    buyers = c[c["Frequency"] > 0]
    means = buyers.groupby(["R_score", "F_score"])["MonetaryValue"].mean()
    for cell, mean in means.items():
        assert grid.loc[cell, "monetary_mean"] == pytest.approx(mean, abs=1e-9)
    empty = grid[grid["buyers"] == 0]
    assert empty["monetary_mean"].isna().all()
    assert agg.mean_order_value == pytest.approx(buyers["MonetaryValue"].mean(), abs=1e-9)


def test_histogram_bins_match_pandas(run, agg):
    c = run.customers
    expected_r = (c["Recency"] // RECENCY_BIN_DAYS).value_counts()
    bins = agg.recency_bins.set_index("low")["customers"]
    assert bins.sum() == len(c)
    for b, n in expected_r.items():
        assert bins[b * RECENCY_BIN_DAYS] == n
    assert (agg.frequency_counts.set_index("Frequency")["customers"]
            == c["Frequency"].value_counts().sort_index()).all()
    buyers = c[c["Frequency"] > 0]
    edges = np.array(MONETARY_EDGES_CENTS) / 100
    index = np.searchsorted(edges, buyers["MonetaryValue"].to_numpy(), side="right")
    m = agg.monetary_bins
    assert m["customers"].sum() == len(buyers)
    for i, n in pd.Series(index).value_counts().items():
        low = 0 if i == 0 else edges[i - 1]
        assert m.loc[m["low"] == low, "customers"].item() == n


def test_lifetime_orders_and_capped_bars(agg):
    expected = customer_frame()["lifetime_orders"].value_counts().sort_index()
    got = agg.lifetime_orders.set_index("orders")["customers"]
    assert got.to_dict() == expected.to_dict()
    bars = agg.order_bars
    assert bars["customers"].sum() == expected.sum() and bars["label"].iloc[-1] == "10+"
    assert agg.one_order_share == pytest.approx((expected.get(1, 0)) / expected.sum(), abs=1e-12)


def test_concentration_matches_numpy_with_ties(agg):
    ref = concentration_reference()
    c = agg.concentration
    assert (c.buyers, c.top_buyers, c.half_buyers) == (ref["buyers"], ref["top_buyers"], ref["half_buyers"])
    assert c.revenue == pytest.approx(ref["revenue"], abs=1e-9)
    assert c.top_revenue_share == pytest.approx(ref["top_revenue_share"], abs=1e-12)
    assert c.gini == pytest.approx(ref["gini"], abs=1e-12)
    assert c.curve.iloc[0].tolist() == [0.0, 0.0] and c.curve.iloc[-1].tolist() == [1.0, 1.0]
    assert c.curve["revenue_share"].is_monotonic_increasing


def test_concentration_on_a_generated_log_with_many_ties(tmp_path):
    log = tmp_path / "generated.csv"
    generate_order_log(log, 20_000, seed=21)
    run = derive_customers(log, "2011-06-30", with_activity=True)
    c = chapter_aggregates(chapter_lines(log, run), run.params).concentration
    x = np.sort(run.customers.loc[run.customers["Revenue12m"] > 0, "Revenue12m"].to_numpy())[::-1]
    n, total = len(x), x.sum()
    cumulative = np.cumsum(x)
    assert c.buyers == n and c.top_buyers == math.ceil(n / 5)
    assert c.top_revenue_share == pytest.approx(cumulative[c.top_buyers - 1] / total, abs=1e-9)
    assert c.half_buyers == int(np.argmax(cumulative >= total / 2 - 1e-9)) + 1
    ascending = x[::-1]
    gini = 2 * np.sum(np.arange(1, n + 1) * ascending) / (n * total) - (n + 1) / n
    assert c.gini == pytest.approx(gini, abs=1e-9)
    # Every curve vertex lies on the exact cumulative curve.
    for share_b, share_r in zip(c.curve["buyer_share"].iloc[1:], c.curve["revenue_share"].iloc[1:]):
        k = round(share_b * n)
        assert share_r == pytest.approx(cumulative[k - 1] / total, abs=1e-9)


def test_inactivity_matches_pandas(run, agg):
    c = run.customers
    for days in INACTIVITY_DAYS:
        row = agg.inactivity.at(days)
        inactive = c["Recency"] >= days
        assert row["customers"] == inactive.sum()
        assert row["customer_share"] == pytest.approx(inactive.mean(), abs=1e-12)
        assert row["revenue"] == pytest.approx(c.loc[inactive, "Revenue12m"].sum(), abs=1e-9)
        assert row["revenue_share"] == pytest.approx(c.loc[inactive, "Revenue12m"].sum() / c["Revenue12m"].sum(),
                                                     abs=1e-12)


def test_cohorts_match_pandas(agg):
    ref = cohort_reference()
    table = agg.cohorts.table
    index = {(c, a): n for c, a, n in ref.itertuples(index=False)}
    for row in table.itertuples():
        key = (month_index(int(row.cohort[:4]), int(row.cohort[5:])), row.age)
        assert row.active == index.get(key, 0), key
        size = index[(key[0], 0)]
        assert row.size == size and row.retention == pytest.approx(row.active / size, abs=1e-12)
    assert len(table[table["age"] == 0]) == ref["cohort"].nunique()
    # As of a month end, that month is complete; as of the 15th it is not.
    assert table["complete"].all()
    assert last_complete_month(AS_OF_DATE) == month_index(2011, 6)
    assert last_complete_month(AS_OF_DATE.replace(day=15)) == month_index(2011, 5)


def test_latest_cohorts_pool_the_three_latest_followed_that_long(agg):
    table = agg.cohorts.table
    for age, (first, last, size, retention) in agg.cohorts.latest.items():
        followed = table[(table["age"] == age) & table["complete"]].sort_values("cohort").tail(3)
        assert (first, last) == (followed["cohort"].iloc[0], followed["cohort"].iloc[-1])
        assert size == followed["size"].sum()
        assert retention == pytest.approx(followed["active"].sum() / followed["size"].sum(), abs=1e-12)


def test_a_run_that_carries_its_lines_is_not_read_again(log, run):
    lines = chapter_lines(log, run)
    carrier = SimpleNamespace(lines=lines, roles=run.roles)
    assert chapter_lines("/nonexistent/never-read.csv", carrier) is lines


def test_parquet_and_csv_give_the_same_aggregates(tmp_path, log, run, agg):
    frame = pd.read_csv(log, dtype=str, keep_default_na=False)
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y %H:%M")
    frame["Quantity"] = frame["Quantity"].astype(int)
    frame["UnitPrice"] = frame["UnitPrice"].astype(float)
    frame["CustomerID"] = frame["CustomerID"].replace("", None)
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path, index=False)
    parquet_run = derive_customers(path, AS_OF, with_activity=True)
    other = chapter_aggregates(chapter_lines(path, parquet_run), parquet_run.params)
    pd.testing.assert_frame_equal(other.rf_grid, agg.rf_grid)
    pd.testing.assert_frame_equal(other.cohorts.table, agg.cohorts.table)
    assert other.concentration.gini == agg.concentration.gini


def test_orders_after_as_of_count_nowhere(agg):
    # 1010's 99.00 order of 2011-07-10 is after the as-of date.
    assert agg.concentration.revenue == pytest.approx(orders_frame().query("day > '2010-06-30'")["revenue"].sum())
    assert agg.cohorts.table["cohort"].max() <= "2011-06"


def _sorted(table) -> pd.DataFrame:
    frame = table.to_pyarrow().to_pandas()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_the_runs_own_lines_are_reused_and_equal_a_second_read(log, monkeypatch):
    import dataclasses

    from analysis.orders import chapter_pass

    def refuse(*args, **kwargs):
        raise AssertionError("the log was read a second time")

    monkeypatch.setattr(chapter_pass, "chapter_lines", refuse)
    run, lines = chapter_pass.derive_with_lines(log, AS_OF)
    monkeypatch.undo()
    assert run.monthly is not None and lines is run.lines
    # A run without its lines derives them again through the pipeline: same lines, same count.
    again = chapter_lines(log, dataclasses.replace(run, lines=None))
    pd.testing.assert_frame_equal(_sorted(lines), _sorted(again))
