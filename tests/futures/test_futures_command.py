"""``python -m analysis futures``: files on success, exit 2 and nothing written on bad input."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from analysis.cli import main


def _label_file(log, path, skip: int = 0):
    """Every customer of ``log`` labelled High Value (after the first ``skip``), plus one ID with no order."""
    ids = sorted(set(pq.read_table(log, columns=["CustomerID"])["CustomerID"].to_pylist()))
    rows = [f"{customer},High Value" for customer in ids[skip:]] + ["999,Low Value"]
    path.write_text("CustomerID,Segment\n" + "\n".join(rows) + "\n")
    return path, len(ids)


def test_writes_both_files_and_a_log_with_the_crm_labels_as_segment(simulated_log, tmp_path, capsys):
    out = tmp_path / "out"
    labels, customers = _label_file(simulated_log, tmp_path / "crm_labels.csv")
    assert main(["futures", str(simulated_log), "--as-of", "2011-01-03", "--out-dir", str(out),
                 "--labels", str(labels)]) == 0
    block = json.loads((out / "customer_futures.json").read_text())["customer_futures"]
    assert block["holdout"]["months"] == 6
    table = pd.read_csv(out / "customer_futures.csv", dtype={"CustomerID": str})
    assert len(table) == customers and set(table["Segment"]) == {"High Value"}
    printed = capsys.readouterr().out
    assert "BG/NBD (weeks)" in printed and "holdout, BG/NBD (used): predicted" in printed
    # The same line as `rfm --labels` prints (analysis.orders.labels.segment_source_line).
    assert (f"Segment: CRM labels from crm_labels.csv for all {customers:,} customers "
            "(1 labelled IDs without an order by 2011-01-03 ignored)") in printed


def test_a_customer_without_a_label_exits_2_with_rfm_s_message_and_writes_nothing(simulated_log, tmp_path, capsys):
    out = tmp_path / "out"
    labels, _ = _label_file(simulated_log, tmp_path / "crm_labels.csv", skip=1)
    assert main(["futures", str(simulated_log), "--as-of", "2011-01-03", "--out-dir", str(out),
                 "--labels", str(labels)]) == 2
    assert "1 customers of the order log have no label" in capsys.readouterr().err
    assert main(["futures", str(simulated_log), "--out-dir", str(out), "--labels", str(tmp_path / "none.csv")]) == 2
    assert "--labels" in capsys.readouterr().err and not out.exists()


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["futures", str(tmp_path / "missing.csv"), "--out-dir", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()
    assert main(["futures", str(tmp_path / "missing.csv"), "--out-dir", str(out),
                 "--monthly-discount", "1.5"]) == 2
