"""Every rule of the data contract, each with a small malformed file.

Row numbers in messages count the header as row 1 (spreadsheet rows), so data
row i (0-based in the frame) is reported as row i + 2.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.config import DEFAULT_DATA
from analysis.data import CANONICAL_SEGMENTS, load_customers, minimum_rows
from analysis.errors import DataValidationError


def problems_of(path) -> list[str]:
    with pytest.raises(DataValidationError) as caught:
        load_customers(path)
    return caught.value.problems


def only_problem_about(path, *fragments: str) -> str:
    """The single problem reported, checked to mention the file and every fragment."""
    problems = problems_of(path)
    assert len(problems) == 1, problems
    message = problems[0]
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_valid_table_loads_with_canonical_types(valid_frame, write_csv):
    table = load_customers(write_csv(valid_frame))
    assert table.n_rows == 200
    assert list(table.frame.columns) == ["CustomerID", "CustomerValue", "Recency", "Frequency",
                                         "MonetaryValue", "Segment"]
    assert set(table.frame["Segment"]) <= set(CANONICAL_SEGMENTS)
    assert table.frame["Recency"].dtype == np.float64
    assert len(table.sha256) == 64


def test_extra_columns_are_ignored(valid_frame, write_csv):
    frame = valid_frame.assign(Region="North", Notes="anything, even commas")
    table = load_customers(write_csv(frame))
    assert table.ignored_columns == ("Region", "Notes")
    assert "Region" not in table.frame.columns


def test_segment_labels_are_trimmed_and_case_insensitive(valid_frame, write_csv):
    frame = valid_frame.copy()
    frame.loc[0, "Segment"] = "  high VALUE "
    frame.loc[1, "Segment"] = "at   risk"
    table = load_customers(write_csv(frame))
    assert table.frame.loc[0, "Segment"] == "High Value"
    assert table.frame.loc[1, "Segment"] == "At Risk"


def test_latin1_file_is_read(valid_frame, write_csv, tmp_path):
    frame = valid_frame.copy()
    frame.loc[0, "CustomerID"] = "Zoë-Müller"
    path = tmp_path / "latin1.csv"
    frame.to_csv(path, index=False, encoding="latin-1")
    table = load_customers(path)
    assert table.encoding == "latin-1"
    assert table.frame.loc[0, "CustomerID"] == "Zoë-Müller"


def test_missing_column_is_named(valid_frame, write_csv):
    path = write_csv(valid_frame.drop(columns=["Frequency"]))
    only_problem_about(path, "column 'Frequency'", "missing required column")


def test_ragged_rows_are_listed(valid_frame, write_csv):
    path = write_csv(valid_frame)
    lines = path.read_text().splitlines()
    lines[3] += ",extra"         # spreadsheet row 4
    lines[6] = lines[6].rsplit(",", 1)[0]  # row 7 loses its last field
    path.write_text("\n".join(lines) + "\n")
    problems = problems_of(path)
    assert any("more fields" in p and "row 4" in p for p in problems), problems
    assert any("fewer fields" in p and "row 7" in p for p in problems), problems


def test_unparsable_number_names_column_and_rows(valid_frame, write_csv):
    frame = valid_frame.astype({"MonetaryValue": object})
    frame.loc[[4, 9], "MonetaryValue"] = "12,50 EUR"
    message = only_problem_about(write_csv(frame), "column 'MonetaryValue'", "not a number", "rows 6, 11")
    assert "12,50 EUR" in message


def test_negative_and_fractional_counts(valid_frame, write_csv):
    frame = valid_frame.astype({"Recency": float, "Frequency": float})
    frame.loc[0, "Recency"] = -3
    frame.loc[1, "Frequency"] = 2.5
    problems = problems_of(write_csv(frame))
    assert any("'Recency'" in p and "negative" in p and "row 2" in p for p in problems), problems
    assert any("'Frequency'" in p and "whole number" in p and "row 3" in p for p in problems), problems


def test_negative_basket_is_rejected_but_negative_value_is_allowed(valid_frame, write_csv):
    frame = valid_frame.copy()
    frame.loc[0, "CustomerValue"] = -250.0  # a loss-making customer is a real customer
    frame.loc[2, "MonetaryValue"] = -1.0
    only_problem_about(write_csv(frame), "column 'MonetaryValue'", "negative", "row 4")


def test_missing_and_non_finite_values(valid_frame, write_csv):
    frame = valid_frame.astype({"CustomerValue": object, "Recency": object})
    frame.loc[0, "CustomerValue"] = ""
    frame.loc[1, "CustomerValue"] = "inf"
    frame.loc[2, "Recency"] = "NaN"
    frame.loc[3, "Segment"] = ""
    problems = problems_of(write_csv(frame))
    assert any("'CustomerValue'" in p and "missing value" in p and "row 2" in p for p in problems)
    assert any("'CustomerValue'" in p and "not finite" in p and "row 3" in p for p in problems)
    assert any("'Recency'" in p and "not finite" in p and "row 4" in p for p in problems)
    assert any("'Segment'" in p and "missing value" in p and "row 5" in p for p in problems)


def test_duplicate_ids_name_the_id_and_rows(valid_frame, write_csv):
    frame = valid_frame.copy()
    frame.loc[10, "CustomerID"] = frame.loc[3, "CustomerID"]
    message = only_problem_about(write_csv(frame), "column 'CustomerID'", "duplicate", "rows 5, 12")
    assert frame.loc[3, "CustomerID"] in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    only_problem_about(path, "empty")


def test_header_only(valid_frame, write_csv):
    only_problem_about(write_csv(valid_frame.iloc[:0]), "header but no customer rows")


def test_binary_file_is_not_a_csv(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    only_problem_about(path, "not a CSV")


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_other_delimiter_is_named(valid_frame, write_csv, separator, name):
    only_problem_about(write_csv(valid_frame, sep=separator), name, "delimiter")


def test_too_few_rows_for_the_model(valid_frame, write_csv):
    needed = minimum_rows(4)
    frame = pd.concat([valid_frame[valid_frame.Segment == level].head(12) for level in CANONICAL_SEGMENTS])
    assert len(frame) < needed
    only_problem_about(write_csv(frame), "too few rows", f"at least {needed}")


def test_small_segment_level(valid_frame, write_csv):
    at_risk = valid_frame.index[valid_frame.Segment == "At Risk"]
    frame = valid_frame.drop(at_risk[3:])
    message = only_problem_about(write_csv(frame), "column 'Segment'", "'At Risk' has 3 customers")
    assert "rows" in message


def test_single_segment_level(valid_frame, write_csv):
    frame = valid_frame.assign(Segment="Medium Value")
    only_problem_about(write_csv(frame), "only one segment level")


def test_constant_predictor(valid_frame, write_csv):
    frame = valid_frame.assign(Frequency=4)
    only_problem_about(write_csv(frame), "column 'Frequency'", "constant predictor")


def test_unknown_segment_label_is_rejected_with_the_allowed_list(valid_frame, write_csv):
    frame = valid_frame.copy()
    frame.loc[5, "Segment"] = "<img src=x onerror=alert(1)>"
    message = only_problem_about(write_csv(frame), "column 'Segment'", "unknown segment label", "row 7")
    assert "High Value, Medium Value, Low Value, At Risk" in message


def test_every_problem_is_reported_at_once_and_rows_are_capped(valid_frame, write_csv):
    frame = valid_frame.astype({"MonetaryValue": object})
    frame.loc[0:9, "MonetaryValue"] = "n/a"
    frame.loc[20, "CustomerID"] = frame.loc[21, "CustomerID"]
    frame = frame.drop(columns=["Recency"])
    problems = problems_of(write_csv(frame))
    assert len(problems) == 3
    monetary = next(p for p in problems if "column 'MonetaryValue'" in p)
    assert "rows 2, 3, 4, 5, 6 and 5 more" in monetary


def test_cli_reports_problems_without_traceback_and_writes_nothing(valid_frame, write_csv, tmp_path, run_cli):
    frame = valid_frame.astype({"Recency": float})
    frame.loc[0, "Recency"] = -1
    path = write_csv(frame)
    out = tmp_path / "model.json"
    for args in (["validate", str(path)], ["fit", str(path), "--json", str(out)]):
        completed = run_cli(*args)
        assert completed.returncode != 0
        assert "Traceback" not in completed.stderr
        assert "customers.csv" in completed.stderr and "'Recency'" in completed.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["customers.csv"]


def test_cli_validate_accepts_the_default_data(run_cli):
    completed = run_cli("validate", "data/customers.csv")
    assert completed.returncode == 0, completed.stderr
    rows = len(DEFAULT_DATA.read_text().splitlines()) - 1
    assert f"valid, {rows:,} customers" in completed.stdout
