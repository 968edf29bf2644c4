"""De-duplication and cancellation netting on small hand-made logs, answers worked out by hand.

As of 2011-06-30 (window 2010-07-01 .. 2011-06-30):

* 20001 – invoice 200001 on 2011-03-01: 5 x A at 2.00 and 1 x B at 4.00 (14.00); credit
  note C200001 takes back 2 x A: netted by invoice, the order is worth 10.00.
* 20002 – invoices 200002 (2011-04-01) and 200003 (2011-05-01), each 3 x C at 5.00; credit
  note C300000 (a fresh number) for 3 x C on 2011-05-10 matches no invoice and nets, by
  customer, product and quantity, against the latest earlier line, 200003, which nets to 0
  and is no order: Frequency 1, revenue 15.00, Recency 90 (from 2011-04-01).
* 20003 – invoice 200004 on 2011-02-01: 2 x D at 3.00, scanned twice; credit note C300001
  for 5 x D matches neither rule (quantity differs): unmatched. Revenue 6.00 (6.00 x 2
  with --dedupe never).
* 20004 – credit note C300002 for 1 x E on 2011-01-15, before the purchase 200005 of
  1 x E at 9.00 on 2011-02-01: rule 2 only looks back, so it is unmatched; revenue 9.00.
* 20005 – one plain order on the as-of day.
"""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import OrderLogError
from analysis.orders import derive_customers, parse_column_roles

from rfm_fixtures import COLUMNS, write_log

AS_OF = "2011-06-30"


def line(invoice, product, quantity, day, price, customer):
    return [invoice, product, f"ITEM {product}", str(quantity), day, price, customer, "United Kingdom"]


NETTING_ROWS = [
    line("200001", "A", 5, "3/1/2011 10:00", "2.00", "20001"),
    line("200001", "B", 1, "3/1/2011 10:00", "4.00", "20001"),
    line("C200001", "A", -2, "3/3/2011 09:00", "2.00", "20001"),
    line("200002", "C", 3, "4/1/2011 10:00", "5.00", "20002"),
    line("200003", "C", 3, "5/1/2011 10:00", "5.00", "20002"),
    line("C300000", "C", -3, "5/10/2011 10:00", "5.00", "20002"),
    line("200004", "D", 2, "2/1/2011 10:00", "3.00", "20003"),
    line("200004", "D", 2, "2/1/2011 10:00", "3.00", "20003"),
    line("C300001", "D", -5, "2/2/2011 10:00", "3.00", "20003"),
    line("C300002", "E", -1, "1/15/2011 10:00", "9.00", "20004"),
    line("200005", "E", 1, "2/1/2011 10:00", "9.00", "20004"),
    line("200006", "F", 1, "6/30/2011 10:00", "1.00", "20005"),
]


@pytest.fixture
def netting_log(tmp_path):
    return write_log(tmp_path / "netting.csv", rows=NETTING_ROWS)


def table(run) -> pd.DataFrame:
    return run.customers.set_index("CustomerID")


def test_cancellations_are_netted_by_invoice_then_by_customer_product_quantity(netting_log):
    run = derive_customers(netting_log, AS_OF)
    t = table(run)
    assert t.loc["20001", "Revenue12m"] == 10.00 and t.loc["20001", "Frequency"] == 1
    assert (t.loc["20002", "Frequency"], t.loc["20002", "Revenue12m"], t.loc["20002", "Recency"]) == (1, 15.00, 90)
    assert t.loc["20003", "Revenue12m"] == 6.00
    assert t.loc["20004", "Revenue12m"] == 9.00
    c = run.cleaning
    assert (c.cancellations, c.duplicates, c.kept) == (4, 1, 7)
    assert (c.netting.by_invoice, c.netting.by_match, c.netting.unmatched) == (1, 1, 2)
    assert any("2 cancellation lines match no purchase" in note for note in run.notes())


def test_dedupe_never_keeps_a_double_scan_and_always_is_the_default_with_invoices(netting_log):
    never = derive_customers(netting_log, AS_OF, dedupe="never")
    assert table(never).loc["20003", "Revenue12m"] == 12.00
    assert (never.cleaning.dedupe, never.cleaning.duplicates, never.cleaning.identical_kept) == (False, 0, 1)
    assert never.cleaning.kept == 8
    always = derive_customers(netting_log, AS_OF, dedupe="always")
    pd.testing.assert_frame_equal(always.customers, derive_customers(netting_log, AS_OF).customers)


def test_without_an_order_column_identical_lines_are_repeat_purchases(tmp_path):
    columns = ["CustomerID", "InvoiceDate", "Quantity", "UnitPrice"]
    rows = [["30001", "6/1/2011 10:00", "1", "25.00"],
            ["30001", "6/1/2011 10:00", "1", "25.00"],   # a second, identical purchase that day
            ["30002", "5/1/2011 10:00", "2", "4.00"]]
    path = write_log(tmp_path / "no_invoice.csv", rows=rows, columns=columns)
    auto = derive_customers(path, "2011-06-01")
    assert table(auto).loc["30001", "Revenue12m"] == 50.00
    assert (auto.cleaning.dedupe, auto.cleaning.identical_kept, auto.cleaning.kept) == (False, 1, 3)
    assert any("1 identical lines kept as repeat purchases (no order column" in n for n in auto.notes())
    always = derive_customers(path, "2011-06-01", dedupe="always")
    assert table(always).loc["30001", "Revenue12m"] == 25.00
    assert (always.cleaning.duplicates, always.cleaning.kept) == (1, 2)


def test_without_a_product_column_only_the_invoice_rule_nets(tmp_path):
    rows = [[r[0], *r[2:]] for r in NETTING_ROWS]
    path = write_log(tmp_path / "no_product.csv", rows=rows, columns=[c for c in COLUMNS if c != "StockCode"])
    run = derive_customers(path, AS_OF)
    assert run.roles.product is None
    # C200001 still nets against invoice 200001 (by number alone); C300000 cannot be matched now.
    assert table(run).loc["20001", "Revenue12m"] == 10.00
    assert table(run).loc["20002", "Frequency"] == 2
    assert (run.cleaning.netting.by_invoice, run.cleaning.netting.by_match, run.cleaning.netting.unmatched) == (1, 0, 3)


def test_mapped_product_column(tmp_path):
    columns = ["InvoiceNo", "sku", *COLUMNS[2:]]
    path = write_log(tmp_path / "sku.csv", rows=NETTING_ROWS, columns=columns)
    run = derive_customers(path, AS_OF, roles=parse_column_roles(["product=sku"]))
    assert run.cleaning.netting.by_match == 1


def test_command_logs_the_netting_and_the_dedupe_choice(netting_log, tmp_path, capsys):
    out = tmp_path / "customers.csv"
    assert main(["rfm", str(netting_log), "--as-of", AS_OF, "--out", str(out), "--dedupe", "never"]) == 0
    log = capsys.readouterr().out
    assert "identical lines kept (not de-duplicated): 1" in log
    assert "netted against the same invoice" in log and "unmatched (nothing netted)" in log
    with pytest.raises(SystemExit):
        main(["rfm", str(netting_log), "--as-of", AS_OF, "--out", str(out), "--dedupe", "sometimes"])
    with pytest.raises(OrderLogError, match="--dedupe 'sometimes'"):
        derive_customers(netting_log, AS_OF, dedupe="sometimes")
