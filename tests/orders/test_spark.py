"""The same Ibis pipeline on PySpark (local mode) gives exactly DuckDB's customer table.

The input is a typed Parquet log, as a warehouse table would be: string ids,
timestamp dates, numeric quantity and price. It holds the hand-checked log plus a
few thousand generated lines, so ties, cancellations, guests and duplicates occur
in numbers. One Spark session serves the module (startup is the slow part).
"""
from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rfm_fixtures import AS_OF, COLUMNS, HAND_CHECKED, ROWS

from analysis.orders import derive_customers
from analysis.orders.simulate_log import generate_order_log

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark_backend(java_home, tmp_path_factory):
    import ibis
    from pyspark.sql import SparkSession

    os.environ["JAVA_HOME"] = java_home
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (SparkSession.builder.master("local[2]").appName("rfm-portability")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


@pytest.fixture(scope="module")
def typed_parquet(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("typed")
    generated = folder / "generated.csv"
    generate_order_log(generated, 10_000, seed=11)
    frame = pd.concat([
        pd.DataFrame(ROWS, columns=COLUMNS),
        pd.read_csv(generated, dtype=str, keep_default_na=False),
    ], ignore_index=True)
    table = pa.table({
        "InvoiceNo": frame["InvoiceNo"],
        "StockCode": frame["StockCode"],
        "Description": frame["Description"],
        "Quantity": frame["Quantity"].astype("int64"),
        "InvoiceDate": pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y %H:%M").astype("datetime64[us]"),
        "UnitPrice": frame["UnitPrice"].astype("float64"),
        "CustomerID": frame["CustomerID"].replace("", None),
        "Country": frame["Country"],
    })
    path = folder / "orders.parquet"
    pq.write_table(table, path)
    return str(path)


def test_pyspark_matches_duckdb_exactly(spark_backend, typed_parquet):
    on_duckdb = derive_customers(typed_parquet, AS_OF)
    on_spark = derive_customers(typed_parquet, AS_OF, backend=spark_backend)

    assert on_spark.cleaning == on_duckdb.cleaning
    assert (on_spark.first_day, on_spark.last_day) == (on_duckdb.first_day, on_duckdb.last_day)
    duck = on_duckdb.customers
    spark = on_spark.customers
    assert len(duck) > 50
    # Identical, not close: every column, every row, after sorting by CustomerID.
    pd.testing.assert_frame_equal(spark.astype(duck.dtypes.to_dict()), duck, check_exact=True)
    # And both still carry the hand-checked answers.
    spark_rows = spark.set_index("CustomerID")
    for customer, expected in HAND_CHECKED.items():
        assert spark_rows.loc[customer, "CustomerValue"] == expected["CustomerValue"]


def _assert_same_aggregates(spark, duck) -> None:
    """Identical, not close: the aggregates sum integers in the engine and divide in Python."""
    for name in ("rf_grid", "recency_bins", "frequency_counts", "monetary_bins", "lifetime_orders"):
        pd.testing.assert_frame_equal(getattr(spark, name), getattr(duck, name), check_exact=True,
                                      check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(spark.cohorts.table, duck.cohorts.table, check_exact=True, check_dtype=False)
    assert spark.cohorts.latest == duck.cohorts.latest
    pd.testing.assert_frame_equal(spark.inactivity.rows, duck.inactivity.rows, check_exact=True, check_dtype=False)
    s, d = spark.concentration, duck.concentration
    assert (s.buyers, s.revenue, s.top_buyers, s.top_revenue_share, s.half_buyers, s.gini) == \
        (d.buyers, d.revenue, d.top_buyers, d.top_revenue_share, d.half_buyers, d.gini)
    pd.testing.assert_frame_equal(s.curve, d.curve, check_exact=True)


def test_pyspark_gives_the_chapter_aggregates_of_duckdb(spark_backend, typed_parquet):
    from analysis.orders.chapter_pass import chapter_aggregates, chapter_lines

    on_duckdb = derive_customers(typed_parquet, AS_OF)
    on_spark = derive_customers(typed_parquet, AS_OF, backend=spark_backend)
    duck = chapter_aggregates(chapter_lines(typed_parquet, on_duckdb), on_duckdb.params)
    spark = chapter_aggregates(chapter_lines(typed_parquet, on_spark, spark_backend), on_spark.params)
    assert duck.concentration.buyers > 30 and len(duck.cohorts.table) > 100
    _assert_same_aggregates(spark, duck)
