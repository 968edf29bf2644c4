"""The default data is exactly what the documented process makes, and the business behaves as documented.

``data/orders.parquet``, ``data/crm_labels.csv`` and ``data/customers.csv`` are regenerated
and compared byte for byte; ``customers.csv`` is also rebuilt by the real ``rfm`` command.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.orders.default_data import AS_OF, CRM_SNAPSHOT, CUSTOMERS, LABELS, ORDERS, write_default_data
from analysis.orders.segments import CRM_LABEL_OF_SEGMENT

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return pd.read_csv(DATA / CUSTOMERS, dtype={"CustomerID": str})


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return pq.read_table(DATA / ORDERS).to_pandas()


def test_regenerating_gives_the_committed_bytes(tmp_path):
    write_default_data(tmp_path)
    for name in (ORDERS, LABELS, CUSTOMERS):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), f"data/{name} is not reproducible"


def test_customers_csv_is_what_the_rfm_command_writes(tmp_path):
    out = tmp_path / "customers.csv"
    completed = subprocess.run(
        [sys.executable, "-m", "analysis", "rfm", str(DATA / ORDERS), "--as-of", AS_OF.isoformat(),
         "--labels", str(DATA / LABELS), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    assert out.read_bytes() == (DATA / CUSTOMERS).read_bytes()


def test_the_customer_table_passes_the_data_contract():
    from analysis.data import load_customers

    assert len(load_customers(DATA / CUSTOMERS).frame) > 5000


def test_the_log_is_small_long_and_messy(lines):
    assert (DATA / ORDERS).stat().st_size < 5_000_000
    months = lines["InvoiceDate"].dt.to_period("M")
    assert months.nunique() >= 18
    first = lines.dropna(subset=["CustomerID"]).groupby("CustomerID")["InvoiceDate"].min().dt.to_period("M")
    assert set(first) == set(months)  # new customers in every month
    assert lines["CustomerID"].isna().mean() > 0.05  # guest checkouts
    credit = lines["InvoiceNo"].str.startswith("C")
    assert credit.mean() > 0.01 and (lines.loc[credit, "Quantity"] < 0).all()
    assert lines.duplicated().sum() > 100  # duplicate scans


def test_spend_has_a_long_right_tail(customers):
    revenue = customers.loc[customers["Revenue12m"] > 0, "Revenue12m"]
    assert revenue.mean() > 1.3 * revenue.median()
    assert revenue.max() > 10 * revenue.median()


def test_crm_labels_lag_behaviour_and_are_not_a_function_of_r_f_m(customers):
    # Labelled half a year before the as-of day: some At Risk have come back, some High Value lapsed.
    assert (AS_OF - CRM_SNAPSHOT).days > 150
    at_risk, high = customers[customers["Segment"] == "At Risk"], customers[customers["Segment"] == "High Value"]
    assert (at_risk["Recency"] <= 30).sum() >= 20
    assert (high["Recency"] >= 180).sum() >= 10
    # The CRM's label disagrees with the rule-based label of the R x F segment for many customers ...
    rule_based = customers["RFMSegment"].map(CRM_LABEL_OF_SEGMENT)
    assert (rule_based != customers["Segment"]).mean() > 0.2
    # ... and customers with identical Recency, Frequency and MonetaryValue carry different labels.
    labels_per_rfm = customers.groupby(["Recency", "Frequency", "MonetaryValue"])["Segment"].nunique()
    assert (labels_per_rfm > 1).any()
