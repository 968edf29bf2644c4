"""The customer table's CSV: money to the cent, and the bytes pandas' minimal quoting would write."""
from __future__ import annotations

import pandas as pd

from analysis.orders import derive_customers
from analysis.orders.command import money_text, write_customer_table
from analysis.orders.transform import MONEY_COLUMNS, OUTPUT_COLUMNS

from rfm_fixtures import AS_OF, ROWS, write_log


def pandas_bytes(run, path):
    frame = run.customers.loc[:, list(OUTPUT_COLUMNS)].copy()
    for column in MONEY_COLUMNS:
        frame[column] = frame[column].map("{:.2f}".format)
    frame.to_csv(path, index=False)
    return path.read_bytes()


def test_money_text_is_python_formatting():
    values = [0.0, 0.01, 1.5, 21.09, 99.99, 1234.5, -3.07, -0.5, 8925.93, 10_000_000.07]
    assert money_text(pd.Series(values)).to_pylist() == [f"{v:.2f}" for v in values]


def test_written_bytes_equal_pandas_minimal_quoting(order_log, tmp_path):
    run = derive_customers(order_log, AS_OF)
    write_customer_table(run, tmp_path / "arrow.csv")
    assert (tmp_path / "arrow.csv").read_bytes() == pandas_bytes(run, tmp_path / "pandas.csv")


def test_ids_that_need_quotes_are_quoted(tmp_path):
    rows = [list(r) for r in ROWS]
    for row in rows:
        if row[6] == "12345":
            row[6] = 'AB,"12345"'
    run = derive_customers(write_log(tmp_path / "orders.csv", rows=rows), AS_OF)
    write_customer_table(run, tmp_path / "arrow.csv")
    assert (tmp_path / "arrow.csv").read_bytes() == pandas_bytes(run, tmp_path / "pandas.csv")
    assert 'AB,"12345"' in set(pd.read_csv(tmp_path / "arrow.csv", dtype=str)["CustomerID"])
