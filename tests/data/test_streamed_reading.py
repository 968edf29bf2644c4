"""The streaming reader: a file read in many small chunks says exactly what it says read in one.

``analysis.data.stream`` reads Arrow blocks of ``BLOCK_BYTES`` (the csv module, for
ragged files, ``CSV_RECORDS`` records at a time). Shrinking both to a few rows puts a
file's problems in different chunks; messages, row numbers, examples and the clean
frame must not change.
"""
from __future__ import annotations

import pandas as pd
import pytest

import analysis.data.stream as stream
import analysis.data.validate as validate
from analysis.data import load_customers
from analysis.data.simulate import simulate_customers
from analysis.errors import DataValidationError

ROWS = 3000
TINY_BLOCK = 4096  # bytes: some 100 rows, so a 3,000-row file is read in dozens of blocks


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return simulate_customers(ROWS, seed=11).to_csv(index=False).splitlines()


def _set(lines: list[str], row: int, column: int, value: str) -> None:
    """Cell ``column`` of spreadsheet row ``row`` (the header is row 1)."""
    fields = lines[row - 1].split(",")
    fields[column] = value
    lines[row - 1] = ",".join(fields)


def _write(tmp_path, lines: list[str], name: str = "customers.csv", newline: str = "\n"):
    path = tmp_path / name
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def _outcome(path) -> tuple:
    try:
        table = load_customers(path)
    except DataValidationError as error:
        return ("problems", tuple(error.problems))
    return ("valid", table.frame, table.ignored_columns, table.encoding)


def _in_tiny_chunks(path, monkeypatch) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(stream, "BLOCK_BYTES", TINY_BLOCK)
        patch.setattr(stream, "CSV_RECORDS", 97)
        patch.setattr(validate, "_ONE_SORT_ROWS", 10)  # IDs checked bucket by bucket, as past 2M rows
        return _outcome(path)


def _bad_cells(lines):
    for row, value in [(5, "oops"), (900, ""), (1700, " 12 "), (2400, "inf"), (ROWS + 1, "n/a")]:
        _set(lines, row, 2, value)


def _labels_and_ids(lines):
    _set(lines, 3, 5, "  high VALUE ")
    _set(lines, 1200, 5, "Gold")
    _set(lines, ROWS, 5, "")
    _set(lines, 2500, 0, lines[10].split(",")[0])  # a repeat of row 11's ID, far away
    _set(lines, 40, 0, "  C-padded ")


def _ragged(lines):
    lines[5] += ",extra"
    lines[2800] = lines[2800].rsplit(",", 1)[0]
    lines.insert(1000, "   ")  # counted as a short row once some row is ragged, as before


EDITS = {"bad cells": _bad_cells, "labels and IDs": _labels_and_ids, "ragged": _ragged,
         "whitespace-only lines": lambda lines: (lines.insert(700, "  "), lines.insert(2900, "\t")),
         "clean": lambda lines: None}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_outcome_does_not_depend_on_the_chunk_size(tmp_path, lines, monkeypatch, edit, newline):
    edited = list(lines)
    EDITS[edit](edited)
    path = _write(tmp_path, edited, newline=newline)
    assert path.stat().st_size > 20 * TINY_BLOCK
    whole, chunked = _outcome(path), _in_tiny_chunks(path, monkeypatch)
    assert whole[0] == chunked[0]
    if whole[0] == "problems":
        assert whole[1] == chunked[1]
    else:
        pd.testing.assert_frame_equal(whole[1], chunked[1], check_exact=True)
        assert whole[2:] == chunked[2:]
    expected = {"bad cells": "problems", "labels and IDs": "problems", "ragged": "problems",
                "whitespace-only lines": "valid", "clean": "valid"}[edit]
    assert whole[0] == expected, whole


def test_bad_numbers_in_many_chunks_are_named_in_file_order(tmp_path, lines, monkeypatch):
    edited = list(lines)
    for row, value in [(100, "x"), (1500, "y"), (2000, "x"), (2500, "z"), (2900, "w"), (2950, "v")]:
        _set(edited, row, 4, value)
    kind, problems = _in_tiny_chunks(_write(tmp_path, edited), monkeypatch)
    assert problems == ("customers.csv: column 'MonetaryValue': not a number (e.g. 'x', 'y', 'z') "
                        "(rows 100, 1500, 2000, 2500, 2900 and 1 more)",)


def test_a_repeated_id_in_distant_chunks_is_found(tmp_path, lines, monkeypatch):
    edited = list(lines)
    first = edited[4].split(",")[0]  # row 5
    _set(edited, ROWS, 0, first)
    kind, problems = _in_tiny_chunks(_write(tmp_path, edited), monkeypatch)
    assert problems == (f"customers.csv: column 'CustomerID': duplicate IDs (e.g. {first!r}) (rows 5, {ROWS})",)


def test_whitespace_only_lines_are_skipped_when_no_row_is_ragged(tmp_path, lines):
    edited = list(lines)
    edited.insert(500, "   ")
    table = load_customers(_write(tmp_path, edited))
    assert table.n_rows == ROWS


def test_ragged_rows_count_whitespace_lines_so_row_numbers_match_the_file(tmp_path, lines, monkeypatch):
    edited = list(lines)
    edited.insert(500, "   ")      # line 501
    edited[2000] += ",extra"       # line 2001
    _, problems = _in_tiny_chunks(_write(tmp_path, edited), monkeypatch)
    assert "customers.csv: ragged rows: fewer fields than the header's 6 (row 501)" in problems
    assert "customers.csv: ragged rows: more fields than the header's 6 (row 2001)" in problems


def test_a_latin1_byte_in_an_ignored_column_at_the_end_makes_the_file_latin1(tmp_path, lines, monkeypatch):
    edited = [lines[0] + ",Notes"] + [line + ",n" for line in lines[1:]]
    path = tmp_path / "latin.csv"
    path.write_bytes(("\n".join(edited) + "\n").encode("ascii")[:-2] + "é\n".encode("latin-1"))
    whole, chunked = _outcome(path), _in_tiny_chunks(path, monkeypatch)
    assert whole[0] == "valid" and whole[3] == "latin-1" and whole[2] == ("Notes",)
    pd.testing.assert_frame_equal(whole[1], chunked[1], check_exact=True)


def test_a_short_row_alone_is_named_ragged_besides_its_missing_cells(tmp_path, lines):
    """pandas padded a short row with empty strings, so the reader before this one only said
    "missing value"; the contract's rule (every row has the header's fields) now names it too."""
    edited = list(lines)
    edited[50] = edited[50].rsplit(",", 1)[0]  # line 51 loses its Segment
    edited.insert(10, '"   "')                 # line 11: one quoted field of spaces, not a blank line
    _, problems = _outcome(_write(tmp_path, edited))
    assert problems[0] == "customers.csv: ragged rows: fewer fields than the header's 6 (rows 11, 52)"
    assert "customers.csv: column 'Segment': missing value (rows 11, 52)" in problems


def test_a_header_longer_than_the_probe_block_is_read(tmp_path, lines):
    """The header's names are probed from a small first block, again from a full one if it does not fit."""
    long_name = "N" * (stream.PROBE_BYTES + 5000)
    edited = [lines[0] + "," + long_name] + [line + ",x" for line in lines[1:]]
    table = load_customers(_write(tmp_path, edited))
    assert table.n_rows == ROWS and table.ignored_columns == (long_name,) and table.encoding == "utf-8"


def test_importing_the_reader_does_not_import_pandas():
    """The fit command imports pandas on a second thread while Arrow reads (cli.py): that
    overlap holds only while the data layer imports pandas where it uses it."""
    import subprocess
    import sys

    code = "import sys, analysis.data; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_late_latin1_byte_in_a_ragged_file_names_each_ragged_row_once(tmp_path, lines):
    """The file is read as UTF-8 while its hash and encoding are checked on another thread;
    a byte that is not UTF-8 past the sniffed start means reading it again as Latin-1, and
    the first read's problems must not stay behind."""
    edited = [lines[0] + ",Notes"] + [line + ",n" for line in lines[1:]]
    edited[9] += ",extra"  # line 10
    path = tmp_path / "latin.csv"
    path.write_bytes(("\n".join(edited) + "\n").encode("ascii")[:-2] + "é\n".encode("latin-1"))
    assert path.stat().st_size > 65536  # past the sniffed start
    kind, problems = _outcome(path)
    assert kind == "problems"
    assert problems == ("latin.csv: ragged rows: more fields than the header's 7 (row 10)",)
