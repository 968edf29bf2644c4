"""The calendar seasonal index: recovers a known season, is ~1 without one, never sees the holdout."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from analysis.futures.history import read_history
from analysis.futures.seasonality import (SeasonalIndex, complete_months, estimate_seasonal_index,
                                          in_operational_time)
from analysis.futures.simulate import write_bgnbd_log
from analysis.orders.simulate_log import BusinessParameters, simulate_order_log

SEASON = np.array([0.95, 0.85, 0.95, 0.95, 1.0, 0.9, 0.85, 0.85, 1.0, 1.05, 1.35, 1.5])


def _monthly(per_day: np.ndarray, start: str = "2020-01") -> pd.DataFrame:
    """Repeat purchases per month for a given rate per day (so the index sees whole days)."""
    periods = pd.period_range(start, periods=len(per_day), freq="M")
    return pd.DataFrame({"year": periods.year, "month": periods.month,
                         "purchases": per_day * periods.days_in_month.to_numpy()})


def test_a_known_season_on_a_flat_level_is_recovered_exactly():
    index = estimate_seasonal_index(_monthly(1000 * np.tile(SEASON, 2)), dt.date(2020, 1, 1), dt.date(2021, 12, 31))
    np.testing.assert_allclose(index.by_month, SEASON / SEASON.mean(), rtol=1e-12)
    assert (index.first_month, index.last_month, index.months) == ("2020-01", "2021-12", 24)


def test_a_known_season_under_a_growing_base_is_recovered_within_three_percent():
    trend = 500 * 1.02 ** np.arange(36)   # 2% more customers every month: the growth the MA removes
    index = estimate_seasonal_index(_monthly(trend * np.tile(SEASON, 3)), dt.date(2020, 1, 1), dt.date(2022, 12, 31))
    np.testing.assert_allclose(index.by_month, SEASON / SEASON.mean(), atol=0.03)


def test_a_season_starting_mid_year_is_put_on_the_right_calendar_months():
    shifted = np.roll(np.tile(SEASON, 2), -6)   # the series starts in July
    index = estimate_seasonal_index(_monthly(1000 * shifted, "2020-07"), dt.date(2020, 7, 1), dt.date(2022, 6, 30))
    np.testing.assert_allclose(index.by_month, SEASON / SEASON.mean(), rtol=1e-12)


def test_partial_months_are_left_out_and_under_two_years_is_refused_with_the_count():
    monthly = _monthly(np.full(26, 100.0))
    kept = complete_months(monthly, dt.date(2020, 1, 15), dt.date(2022, 2, 14))
    assert (str(kept["period"].iloc[0]), str(kept["period"].iloc[-1])) == ("2020-02", "2022-01")
    with pytest.raises(ValueError, match="two complete years.*22 complete months up to 2021-12-30"):
        estimate_seasonal_index(monthly, dt.date(2020, 1, 15), dt.date(2021, 12, 30))


def test_rows_after_as_of_never_reach_the_index():
    calibration = _monthly(1000 * np.tile(SEASON, 2))
    with_holdout = _monthly(np.concatenate([1000 * np.tile(SEASON, 2), np.full(6, 5000.0)]))
    as_of = dt.date(2021, 12, 31)
    assert (estimate_seasonal_index(with_holdout, dt.date(2020, 1, 1), as_of)
            == estimate_seasonal_index(calibration, dt.date(2020, 1, 1), as_of))


def test_a_month_without_repeat_purchases_is_refused_by_name():
    per_day = np.full(24, 100.0)
    per_day[5] = 0
    with pytest.raises(ValueError, match="2020-06 has none"):
        estimate_seasonal_index(_monthly(per_day), dt.date(2020, 1, 1), dt.date(2021, 12, 31))


def test_a_flat_index_leaves_recency_and_t_in_calendar_weeks():
    flat = SeasonalIndex(by_month=(1.0,) * 12, first_month="2020-01", last_month="2021-12", months=24)
    customers = pd.DataFrame({"tenure_days": [0, 10, 400], "recency": [0.0, 1.0, 300 / 7], "T": [0.0, 10 / 7, 400 / 7]})
    shifted = in_operational_time(customers, dt.date(2021, 12, 31), flat)
    np.testing.assert_allclose(shifted["T"], customers["T"], atol=1e-12)
    np.testing.assert_allclose(shifted["recency"], customers["recency"], atol=1e-12)
    assert flat.mean_over(dt.date(2021, 12, 31), dt.date(2022, 6, 30)) == 1.0


def test_season_weighted_weeks_count_each_day_by_its_month_factor():
    factors = tuple(2.0 if month == 12 else 1.0 for month in range(1, 13))
    index = SeasonalIndex(by_month=factors, first_month="2020-01", last_month="2021-12", months=24)
    # First purchase 1 December, last 31 December, as-of 10 January: 31 December days count twice.
    customers = pd.DataFrame({"tenure_days": [40], "recency": [30 / 7], "T": [40 / 7]})
    shifted = in_operational_time(customers, dt.date(2022, 1, 10), index)
    assert shifted["recency"].iloc[0] == pytest.approx(60 / 7)      # 30 December days after the 1st
    assert shifted["T"].iloc[0] == pytest.approx((30 * 2 + 10) / 7)  # + 10 January days
    assert index.mean_over(dt.date(2021, 11, 30), dt.date(2022, 1, 30)) == pytest.approx((31 * 2 + 30) / 61)


@pytest.mark.parametrize("seed", [1, 2])
def test_on_a_log_without_season_every_factor_is_near_one(tmp_path, seed):
    """BG/NBD purchases (no calendar in them), customers arriving over all three years."""
    log = write_bgnbd_log(tmp_path / "flat.parquet", 20000, start=dt.date(2010, 1, 1), weeks=156,
                          acquisition_weeks=156, seed=seed)
    history = read_history(log, "2011-12-31")
    index = estimate_seasonal_index(history.monthly_repeat_purchases, history.rfm.first_day, dt.date(2011, 12, 31))
    # Measured: largest deviation 0.082 (seed 1) and 0.080 (seed 2); one year of noise per month.
    assert np.max(np.abs(np.asarray(index.by_month) - 1)) < 0.12
    assert index.mean_over(dt.date(2011, 12, 31), history.holdout_end) == pytest.approx(1.0, abs=0.02)


@pytest.fixture(scope="module")
def seasonal_business(tmp_path_factory):
    """The default business (Q4 peak, summer dip) at a third of its size."""
    path = tmp_path_factory.mktemp("season") / "orders.parquet"
    pq.write_table(simulate_order_log(BusinessParameters(new_customers_per_month=100), seed=7), path)
    return path


def test_on_the_seasonal_business_the_index_finds_the_december_peak(seasonal_business):
    history = read_history(seasonal_business, "2024-12-31")
    index = estimate_seasonal_index(history.monthly_repeat_purchases, history.rfm.first_day, dt.date(2024, 12, 31))
    factors = np.asarray(index.by_month)
    assert int(np.argmax(factors)) == 11 and factors[11] > 1.15 and factors[10] > 1.08
    assert factors[6:9].mean() < 0.97   # the summer dip


def test_more_holdout_orders_leave_the_index_unchanged(seasonal_business, tmp_path):
    table = pq.read_table(seasonal_business)
    after = pc.greater(table["InvoiceDate"], pa.scalar(dt.datetime(2024, 12, 31, 23, 59, 59), pa.timestamp("s")))
    extra = table.filter(pc.and_(after, pc.invert(pc.starts_with(table["InvoiceNo"], "C"))))
    extra = extra.set_column(0, "InvoiceNo", pc.binary_join_element_wise("9", extra["InvoiceNo"], ""))
    busier = tmp_path / "busier.parquet"
    pq.write_table(pa.concat_tables([table, extra]), busier)
    plain, more = read_history(seasonal_business, "2024-12-31"), read_history(busier, "2024-12-31")
    assert more.customers["holdout_revenue"].sum() > 1.9 * plain.customers["holdout_revenue"].sum()
    pd.testing.assert_frame_equal(plain.monthly_repeat_purchases, more.monthly_repeat_purchases)
