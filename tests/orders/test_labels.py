"""``rfm --labels``: the CRM's own labels become Segment; bad label files are refused by line."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import OrderLogError
from analysis.orders import derive_customers

from rfm_fixtures import AS_OF, HAND_CHECKED

CUSTOMERS = sorted(HAND_CHECKED)


def write_labels(path, rows, header="CustomerID,Segment,LabelledOn"):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_labels_replace_the_rule_based_segment(order_log, tmp_path, capsys):
    rows = [f"{c},{label},2011-01-31" for c, label in zip(CUSTOMERS, ["At Risk", " high value", "Low Value",
                                                                      "Medium Value", "At Risk"])]
    labels = write_labels(tmp_path / "crm.csv", [*rows, "99999,Low Value,2011-01-31"])
    out = tmp_path / "customers.csv"
    assert main(["rfm", str(order_log), "--as-of", AS_OF, "--out", str(out), "--labels", str(labels)]) == 0
    log = capsys.readouterr().out
    assert "CRM labels from crm.csv for all 5 customers (1 labelled IDs without an order" in log
    written = pd.read_csv(out, dtype={"CustomerID": str}).set_index("CustomerID")
    assert written.loc[CUSTOMERS, "Segment"].tolist() == ["At Risk", "High Value", "Low Value", "Medium Value",
                                                          "At Risk"]
    # Everything else is the derivation's own.
    plain = derive_customers(order_log, AS_OF).customers.set_index("CustomerID")
    assert written["RFMSegment"].to_dict() == plain["RFMSegment"].to_dict()


def test_a_customer_without_a_label_is_refused(order_log, tmp_path):
    labels = write_labels(tmp_path / "crm.csv", [f"{c},Low Value" for c in CUSTOMERS[1:]], "CustomerID,Segment")
    with pytest.raises(OrderLogError, match=rf"1 customers of the order log have no label \('{CUSTOMERS[0]}'\)"):
        derive_customers(order_log, AS_OF, labels=labels)


@pytest.mark.parametrize("rows, message", [
    (["12345,Gold"], r"column 'Segment' is not one of .* on 1 rows \(lines 2\)"),
    (["12345,Low Value", "23456,Low Value", "12345,At Risk"], r"labels a customer twice on 2 rows \(lines 2, 4\)"),
    ([",Low Value"], r"column 'CustomerID' is empty on 1 rows \(lines 2\)"),
])
def test_bad_label_files_name_the_column_and_lines(order_log, tmp_path, rows, message):
    labels = write_labels(tmp_path / "crm.csv", rows, "CustomerID,Segment")
    with pytest.raises(OrderLogError, match=message):
        derive_customers(order_log, AS_OF, labels=labels)


def test_missing_label_file_or_column(order_log, tmp_path):
    with pytest.raises(OrderLogError, match="no such file"):
        derive_customers(order_log, AS_OF, labels=tmp_path / "none.csv")
    labels = write_labels(tmp_path / "crm.csv", ["12345,Low Value"], "CustomerID,Label")
    with pytest.raises(OrderLogError, match="column 'Segment' is missing"):
        derive_customers(order_log, AS_OF, labels=labels)
