"""The derivation against hand-checked answers: definitions, cleaning, holdout, scores."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis.orders import ColumnRoles, derive_customers, parse_column_roles
from analysis.orders.pipeline import HOLDOUT_FULL, HOLDOUT_NONE, HOLDOUT_PARTIAL

from rfm_fixtures import (AS_OF, COLUMNS, HAND_CHECKED, HAND_CHECKED_CLEANING, HAND_CHECKED_SCORES, ROWS,
                       write_log)


def by_id(run) -> pd.DataFrame:
    return run.customers.set_index("CustomerID")


def test_hand_checked_customers(order_log):
    run = derive_customers(order_log, AS_OF)
    table = by_id(run)
    assert sorted(table.index) == sorted(HAND_CHECKED)  # 56789 starts after as-of: not a customer yet
    for customer, expected in HAND_CHECKED.items():
        for column, value in expected.items():
            assert table.loc[customer, column] == pytest.approx(value, abs=1e-9), (customer, column)


def test_cleaning_rules_are_counted_once_each(order_log):
    run = derive_customers(order_log, AS_OF)
    assert run.cleaning.__dict__ == HAND_CHECKED_CLEANING
    assert run.first_day == date(2010, 3, 1) and run.last_day == date(2012, 2, 1)


def test_scores_and_segments(order_log):
    table = by_id(derive_customers(order_log, AS_OF))
    for customer, (r, f, m, segment, label) in HAND_CHECKED_SCORES.items():
        row = table.loc[customer]
        assert (row.R_score, row.F_score, row.M_score, row.RFMSegment, row.Segment) == (r, f, m, segment, label)


def test_without_order_column_an_order_is_a_customer_day(order_log):
    run = derive_customers(order_log, AS_OF, roles=parse_column_roles(["order="]))
    row = by_id(run).loc["12345"]
    # The two invoices of 2011-06-01 are now one order, and without a line identity the
    # repeated line is a repeat purchase, kept: 20.30 + 10.00 + 15.30.
    assert (row.Frequency, row.MonetaryValue) == (1, 45.60)
    assert (run.cleaning.dedupe, run.cleaning.duplicates, run.cleaning.identical_kept) == (False, 0, 1)
    # Without invoice numbers the cancellation is caught by its negative quantity instead.
    assert (run.cleaning.cancellations, run.cleaning.non_positive) == (0, 2)
    assert any("calendar day" in note for note in run.notes())
    assert any("1 identical lines kept" in note for note in run.notes())


def test_default_order_column_absent_falls_back_to_days(tmp_path):
    rows = [row[1:] for row in ROWS]
    path = write_log(tmp_path / "no_invoice.csv", rows=rows, columns=COLUMNS[1:])
    run = derive_customers(path, AS_OF)
    assert run.roles.order is None
    assert by_id(run).loc["12345", "Frequency"] == 1


def test_holdout_status_and_past_profit_only(order_log):
    assert derive_customers(order_log, AS_OF).holdout == HOLDOUT_FULL
    assert derive_customers(order_log, "2011-12-01").holdout == HOLDOUT_PARTIAL
    last_day = derive_customers(order_log, "2012-02-01")
    assert last_day.holdout == HOLDOUT_NONE
    assert (last_day.customers["HoldoutRevenue"] == 0).all()
    # Past profit only: CustomerValue is exactly margin x 12-month revenue, to the cent.
    expected = (last_day.customers["Revenue12m"] * 100 * 0.30).round() / 100
    assert last_day.customers["CustomerValue"].tolist() == pytest.approx(expected.tolist(), abs=1e-9)
    assert any("past profit only" in note for note in last_day.notes())


def test_margin_and_holdout_months_change_value(order_log):
    run = derive_customers(order_log, AS_OF, margin=0.5, holdout_months=1)
    row = by_id(run).loc["12345"]
    # The 2011-08-15 order is outside a one-month holdout: 0.5 x 20.30.
    assert (row.HoldoutRevenue, row.CustomerValue) == (0.0, 10.15)
    assert by_id(run).loc["34567", "CustomerValue"] == 5.00  # 2011-07-01 is inside


def test_amount_role_and_renamed_columns(tmp_path):
    columns = ["order_no", "sku", "title", "qty", "ordered_at", "price", "cust", "country"]
    rows = []
    for row in ROWS:
        iso = pd.Timestamp(row[4]).strftime("%Y-%m-%d %H:%M:%S")
        amount = f"{float(row[3]) * float(row[5]):.2f}"
        rows.append([row[0], row[1], row[2], row[3], iso, amount, row[6], row[7]])
    path = write_log(tmp_path / "renamed.csv", rows=rows, columns=columns)
    roles = parse_column_roles(["customer=cust", "order=order_no", "date=ordered_at", "amount=price",
                                "product=sku"])
    table = by_id(derive_customers(path, AS_OF, roles=roles))
    for customer, expected in HAND_CHECKED.items():
        assert table.loc[customer, "CustomerValue"] == pytest.approx(expected["CustomerValue"], abs=1e-9)


def test_latin1_export_is_read_and_gives_the_same_answer(tmp_path, order_log):
    latin = write_log(tmp_path / "latin1.csv", encoding="latin-1")
    assert b"\xa3" in latin.read_bytes()  # the pound sign really is Latin-1 encoded
    run = derive_customers(latin, AS_OF)
    assert "Latin-1" in run.source
    pd.testing.assert_frame_equal(run.customers, derive_customers(order_log, AS_OF).customers)


def test_parquet_and_csv_agree(tmp_path, order_log):
    frame = pd.read_csv(order_log, dtype=str, keep_default_na=False)
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y %H:%M")
    frame["Quantity"] = frame["Quantity"].astype(int)
    frame["UnitPrice"] = frame["UnitPrice"].astype(float)
    frame.to_parquet(tmp_path / "orders.parquet", index=False)
    from_parquet = derive_customers(tmp_path / "orders.parquet", AS_OF)
    pd.testing.assert_frame_equal(from_parquet.customers, derive_customers(order_log, AS_OF).customers)
    assert from_parquet.cleaning == derive_customers(order_log, AS_OF).cleaning


def test_default_as_of_is_the_last_day(order_log):
    run = derive_customers(order_log)
    assert run.params.as_of == date(2012, 2, 1)


def test_roles_reject_mixed_revenue_styles():
    from analysis.errors import OrderLogError

    with pytest.raises(OrderLogError, match="either amount, or quantity and price"):
        parse_column_roles(["amount=total", "price=unit"])
    with pytest.raises(OrderLogError, match="unknown role 'client'"):
        parse_column_roles(["client=id"])
    assert ColumnRoles().mapped()["customer"] == "CustomerID"


def test_a_scan_that_fails_during_the_audit_is_an_order_log_error_naming_the_source(tmp_path, order_log):
    """The audit is the first full scan of the lines; an engine failure there must be reported, not crash.

    The failure is real: the audited table is a DuckDB view whose line counts raise
    when read (DuckDB's ``error()``), as a corrupt page would. Before the fix this
    raised NameError (``report_errors`` was undefined in ``_run_audit``).
    """
    from analysis.errors import OrderLogError
    from analysis.orders.clean import _COPIES, detect_date_format
    from analysis.orders.pipeline import _distinct_typed, _materialise, _run_audit
    from analysis.orders.read import open_order_log
    from analysis.orders.roles import resolve_roles

    frame = pd.read_csv(order_log, dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "orders.parquet", index=False)
    source = open_order_log(tmp_path / "orders.parquet")
    roles = resolve_roles(ColumnRoles(), source.table.columns, source.description)
    date_format = detect_date_format(source.table, roles.date)
    typed = _materialise(_distinct_typed(source, roles, date_format), source)
    backend = typed._find_backend()
    backend.raw_sql(f'CREATE TEMP VIEW broken_lines AS SELECT * REPLACE ('
                    f'CASE WHEN "{_COPIES}" >= 1 THEN error(\'page checksum mismatch\')::BIGINT '
                    f'ELSE "{_COPIES}" END AS "{_COPIES}") FROM {typed.get_name()}')
    with pytest.raises(OrderLogError) as raised:
        _run_audit(backend.table("broken_lines"), roles, source)
    message = str(raised.value)
    assert message.startswith("orders.parquet (Parquet): cannot be read (")
    assert "page checksum mismatch" in message


def _sorted_lines(lines) -> pd.DataFrame:
    frame = lines.to_pyarrow().to_pandas()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.parametrize("with_activity", [False, True])
def test_both_entry_points_give_the_same_clean_lines_the_customers_came_from(order_log, with_activity):
    from analysis.orders.pipeline import derive_customers_and_lines
    from analysis.orders.transform import customer_table_expr

    run = derive_customers(order_log, AS_OF, with_activity=with_activity)
    paired_run, paired_lines = derive_customers_and_lines(order_log, AS_OF, with_activity=with_activity)
    assert paired_lines is paired_run.lines
    pd.testing.assert_frame_equal(_sorted_lines(run.lines), _sorted_lines(paired_lines))
    pd.testing.assert_frame_equal(run.customers, paired_run.customers)
    # The lines are the ones the (hand-checked) customer table was built from.
    rebuilt = (customer_table_expr(paired_lines, paired_run.params).to_pyarrow().to_pandas()
               .sort_values("CustomerID", kind="stable").reset_index(drop=True))
    pd.testing.assert_frame_equal(rebuilt, paired_run.customers)
