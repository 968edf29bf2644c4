"""``python -m analysis futures``: files on success, exit 2 and nothing written on bad input."""
from __future__ import annotations

import json

from analysis.cli import main


def test_writes_both_files_and_a_log(simulated_log, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["futures", str(simulated_log), "--as-of", "2011-01-03", "--out-dir", str(out)]) == 0
    block = json.loads((out / "customer_futures.json").read_text())["customer_futures"]
    assert block["holdout"]["months"] == 6
    assert (out / "customer_futures.csv").read_text().startswith("CustomerID,")
    printed = capsys.readouterr().out
    assert "BG/NBD (weeks)" in printed and "holdout: predicted" in printed


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["futures", str(tmp_path / "missing.csv"), "--out-dir", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()
    assert main(["futures", str(tmp_path / "missing.csv"), "--out-dir", str(out),
                 "--monthly-discount", "1.5"]) == 2
