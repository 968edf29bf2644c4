"""Calibration summaries from the hand-checked order log of tests/orders (same engine as rfm)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "orders"))
from rfm_fixtures import AS_OF, write_log  # noqa: E402

from analysis.futures.history import read_history  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return read_history(write_log(tmp_path_factory.mktemp("log") / "orders.csv"), AS_OF)


def test_cancelled_order_is_netted_away_before_the_purchase_summaries(history):
    # 12345: 2010-03-01 (15.00); 2011-06-01 two invoices (20.30 + 10.00), the 10.00 one cancelled by
    # C100003 on 2011-06-05 (same customer, product, quantity: rfm's netting rule 2), so that day is one
    # purchase of 20.30; holdout 2011-08-15 (15.00); 2012-02-01 after the holdout end 2011-12-30 is ignored.
    row = history.customers.set_index("CustomerID").loc["12345"]
    assert row["frequency"] == 1
    assert row["recency"] == pytest.approx(457 / 7)
    assert row["T"] == pytest.approx(486 / 7)
    assert row["monetary_value"] == pytest.approx(20.30)
    assert row["orders"] == 2
    assert row["largest_order"] == pytest.approx(20.30)
    assert row["most_orders_in_a_day"] == 1
    assert row["calibration_revenue"] == pytest.approx(35.30)
    assert (row["holdout_purchases"], row["holdout_revenue"]) == (1, pytest.approx(15.00))
    assert row["tenure_days"] == 486


def test_one_time_buyer_has_zero_frequency_recency_and_spend(history):
    row = history.customers.set_index("CustomerID").loc["23456"]
    assert (row["frequency"], row["recency"], row["monetary_value"]) == (0, 0.0, 0.0)
    assert row["T"] == pytest.approx(187 / 7)


def test_lapsed_customer_is_kept_and_later_customers_are_not(history):
    ids = set(history.customers["CustomerID"])
    assert "34567" in ids and "56789" not in ids
    assert history.customers.set_index("CustomerID").loc["34567", "holdout_purchases"] == 1


def test_holdout_length_is_what_the_log_covers(history):
    # The log runs to 2012-02-01, past the holdout end 2011-12-30: 183 days.
    assert history.holdout_status == "full"
    assert history.holdout_weeks == pytest.approx(183 / 7)
