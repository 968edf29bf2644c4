"""The ``rfm`` command end to end: output file, log, and every bad input refused cleanly."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from analysis.cli import main

from rfm_fixtures import AS_OF, COLUMNS, HAND_CHECKED, ROWS, write_log

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> int:
    return main(["rfm", *args])


def test_command_writes_the_contract_table_and_logs_the_rules(order_log, tmp_path, capsys):
    out = tmp_path / "customers.csv"
    assert run_cli(str(order_log), "--as-of", AS_OF, "--out", str(out)) == 0
    log = capsys.readouterr().out
    for expected in ("missing customer", "cancellation invoice", "non-positive", "exact duplicate",
                     "kept", "wrote 5 customers"):
        assert expected in log
    table = pd.read_csv(out, dtype={"CustomerID": str})
    assert list(table.columns[:6]) == ["CustomerID", "CustomerValue", "Recency", "Frequency",
                                      "MonetaryValue", "Segment"]
    assert table.set_index("CustomerID").loc["12345", "CustomerValue"] == HAND_CHECKED["12345"]["CustomerValue"]
    # Money is written to the cent, as text: no 21.090000000000003.
    assert "21.09," in out.read_text()


def test_output_of_a_generated_log_passes_the_core_validator(tmp_path, capsys):
    from analysis.data import load_customers
    from analysis.orders.simulate_log import generate_order_log

    log = tmp_path / "orders.csv"
    generate_order_log(log, 40_000, seed=7)
    out = tmp_path / "customers.csv"
    assert run_cli(str(log), "--as-of", "2011-06-30", "--out", str(out)) == 0
    table = load_customers(out)  # raises DataValidationError listing every broken rule
    written = pd.read_csv(out, dtype={"CustomerID": str})
    assert len(table.frame) == len(written) > 100
    assert set(written["Segment"]) == {"High Value", "Medium Value", "Low Value", "At Risk"}
    assert (written["Frequency"] == 0).any()  # lapsed customers are kept


def refuse(capsys, out: Path, *args: str) -> str:
    """Run the command, expect exit 2, nothing written, and return the error message."""
    assert run_cli(*args, "--out", str(out)) == 2
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.*"))  # no temporary left behind either
    message = capsys.readouterr().err
    assert message.startswith("error: ")
    return message


def test_missing_columns_are_named_with_their_roles(tmp_path, capsys):
    columns = [c if c != "UnitPrice" else "Price" for c in COLUMNS]
    path = write_log(tmp_path / "orders.csv", columns=columns)
    message = refuse(capsys, tmp_path / "out.csv", str(path), "--as-of", AS_OF)
    assert "'UnitPrice'" in message and "'price'" in message
    assert "--column price=Price" in message  # the close match is suggested


def test_unparsable_dates_name_the_column_and_lines(tmp_path, capsys):
    rows = [list(r) for r in ROWS]
    rows[2][4] = "31/31/2011"
    rows[5][4] = "yesterday"
    path = write_log(tmp_path / "orders.csv", rows=rows)
    message = refuse(capsys, tmp_path / "out.csv", str(path), "--as-of", AS_OF)
    # Rows 2 and 5 (0-based) are file lines 4 and 7: the header is line 1.
    assert "'InvoiceDate'" in message and "2 unparsable dates" in message
    assert "line 4: '31/31/2011'" in message and "line 7: 'yesterday'" in message


def test_unparsable_numbers_are_refused(tmp_path, capsys):
    rows = [list(r) for r in ROWS]
    rows[0][5] = "2,55"
    path = write_log(tmp_path / "orders.csv", rows=rows)
    message = refuse(capsys, tmp_path / "out.csv", str(path), "--as-of", AS_OF)
    assert "'UnitPrice'" in message and "line 2: '2,55'" in message


def test_empty_logs_are_refused(tmp_path, capsys):
    header_only = write_log(tmp_path / "header.csv", rows=[])
    assert "empty" in refuse(capsys, tmp_path / "out.csv", str(header_only), "--as-of", AS_OF)
    zero_bytes = tmp_path / "zero.csv"
    zero_bytes.write_bytes(b"")
    assert "empty" in refuse(capsys, tmp_path / "out.csv", str(zero_bytes), "--as-of", AS_OF)


def test_as_of_outside_the_log_is_refused(order_log, tmp_path, capsys):
    message = refuse(capsys, tmp_path / "out.csv", str(order_log), "--as-of", "2015-01-01")
    assert "outside the order log" in message and "2010-03-01" in message and "2012-02-01" in message
    assert "outside" in refuse(capsys, tmp_path / "out.csv", str(order_log), "--as-of", "2009-12-31")
    assert "YYYY-MM-DD" in refuse(capsys, tmp_path / "out.csv", str(order_log), "--as-of", "30/06/2011")


def test_latin1_is_read_not_refused(tmp_path, capsys):
    path = write_log(tmp_path / "latin1.csv", encoding="latin-1")
    out = tmp_path / "customers.csv"
    assert run_cli(str(path), "--as-of", AS_OF, "--out", str(out)) == 0
    assert "Latin-1" in capsys.readouterr().out
    assert out.exists()


def test_failed_run_keeps_a_previous_output(order_log, tmp_path, capsys):
    out = tmp_path / "customers.csv"
    out.write_text("previous\n")
    assert run_cli(str(order_log), "--as-of", "2015-01-01", "--out", str(out)) == 2
    assert out.read_text() == "previous\n"


def test_missing_file_and_bad_mapping(tmp_path, capsys):
    assert "no such file" in refuse(capsys, tmp_path / "out.csv", str(tmp_path / "nope.csv"), "--as-of", AS_OF)
    message = refuse(capsys, tmp_path / "out.csv", str(tmp_path / "nope.csv"), "--as-of", AS_OF,
                     "--column", "customer")
    assert "ROLE=NAME" in message


def test_real_command_line_exit_status(order_log, tmp_path):
    out = tmp_path / "customers.csv"
    bad = subprocess.run([sys.executable, "-m", "analysis", "rfm", str(order_log), "--as-of", "2030-01-01",
                          "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "error: --as-of 2030-01-01 is outside" in bad.stderr
    assert "Traceback" not in bad.stderr and not out.exists()


def test_a_warehouse_table_by_url(order_log, tmp_path, capsys):
    import duckdb

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"""CREATE TABLE order_lines AS SELECT * REPLACE (
                          strptime(InvoiceDate, '%m/%d/%Y %H:%M') AS InvoiceDate,
                          CAST(Quantity AS INTEGER) AS Quantity, CAST(UnitPrice AS DOUBLE) AS UnitPrice)
                        FROM read_csv('{order_log}', all_varchar = true)""")
    out = tmp_path / "customers.csv"
    # As typed on a command line; argparse hands it over as a Path, which folds the slashes.
    assert run_cli(f"duckdb:///{database}#order_lines", "--as-of", AS_OF, "--out", str(out)) == 0
    assert "order_lines on duckdb" in capsys.readouterr().out
    from_file = tmp_path / "from_file.csv"
    assert run_cli(str(order_log), "--as-of", AS_OF, "--out", str(from_file)) == 0
    assert out.read_text() == from_file.read_text()
    message = refuse(capsys, tmp_path / "x.csv", f"duckdb:///{database}", "--as-of", AS_OF)
    assert "name the table after '#'" in message


def test_lines_with_the_wrong_number_of_fields_are_named(tmp_path, capsys):
    rows = [list(r) for r in ROWS]
    rows[1] = rows[1] + ["stray", "fields"]
    path = write_log(tmp_path / "orders.csv", rows=rows)
    message = refuse(capsys, tmp_path / "out.csv", str(path), "--as-of", AS_OF)
    assert "line 3 has 10" in message and "the header has 8" in message


def test_semicolon_logs_are_read(tmp_path):
    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(";".join(COLUMNS) + "\n")
        handle.writelines(";".join(row) + "\n" for row in ROWS)
    out = tmp_path / "customers.csv"
    assert run_cli(str(path), "--as-of", AS_OF, "--out", str(out)) == 0
    table = pd.read_csv(out, dtype={"CustomerID": str}).set_index("CustomerID")
    assert table.loc["12345", "CustomerValue"] == HAND_CHECKED["12345"]["CustomerValue"]


def test_bad_options_are_refused_before_reading(order_log, tmp_path, capsys):
    assert "--margin 1.5" in refuse(capsys, tmp_path / "out.csv", str(order_log), "--as-of", AS_OF,
                                    "--margin", "1.5")
    assert "--holdout-months -1" in refuse(capsys, tmp_path / "out.csv", str(order_log), "--as-of", AS_OF,
                                           "--holdout-months", "-1")


def test_error_hints_keep_their_case(tmp_path, capsys):
    rows = [list(r) for r in ROWS]
    rows[0][4] = "soon"
    path = write_log(tmp_path / "orders.csv", rows=rows)
    message = refuse(capsys, tmp_path / "out.csv", str(path), "--as-of", AS_OF)
    assert "%m/%d/%Y %H:%M" in message and "ISO 8601" in message and "Online Retail" in message
