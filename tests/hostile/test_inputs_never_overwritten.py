"""No command writes onto its own input or onto a folder; every refusal is a message, exit 2."""
from __future__ import annotations

import hashlib
import shutil

import pytest
from hostile_cli import REPO, assert_clean_refusal, run_cli, tree_hashes, user_folder  # noqa: F401 (user_folder is a fixture)

CUSTOMERS = REPO / "data" / "customers.csv"


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def customer_copy(tmp_path):
    path = tmp_path / "x.csv"
    shutil.copyfile(CUSTOMERS, path)
    return path


def test_fit_refuses_to_write_its_json_onto_the_customer_table(customer_copy):
    before = _digest(customer_copy)
    completed = run_cli("fit", str(customer_copy), "--json", str(customer_copy))
    assert_clean_refusal(completed, "--json", "is the input file")
    assert _digest(customer_copy) == before


def test_fit_refuses_the_same_file_through_another_spelling(customer_copy):
    before = _digest(customer_copy)
    other = customer_copy.parent / "sub" / ".." / customer_copy.name
    (customer_copy.parent / "sub").mkdir()
    completed = run_cli("fit", str(customer_copy), "--json", str(other))
    assert_clean_refusal(completed, "is the input file")
    assert _digest(customer_copy) == before


def test_fit_refuses_a_folder_as_json_output(customer_copy, user_folder):
    before = tree_hashes(user_folder)
    completed = run_cli("fit", str(customer_copy), "--json", str(user_folder))
    assert_clean_refusal(completed, "is a folder")
    assert tree_hashes(user_folder) == before


def test_rfm_refuses_to_overwrite_the_order_log(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                   "1,A,x,1,2011-01-05 10:00,2.50,17850,UK\n")
    before = _digest(log)
    completed = run_cli("rfm", str(log), "--as-of", "2011-06-01", "--out", str(log))
    assert_clean_refusal(completed, "is the input file")
    assert _digest(log) == before


def test_simulate_refuses_a_folder(user_folder):
    before = tree_hashes(user_folder)
    completed = run_cli("simulate", "--n", "200", "--out", str(user_folder))
    assert_clean_refusal(completed, "is a folder")
    assert tree_hashes(user_folder) == before


def test_a_folder_given_as_input_is_a_message_not_a_traceback(tmp_path, user_folder):
    completed = run_cli("fit", str(user_folder), "--json", str(tmp_path / "model.json"))
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert str(user_folder) in completed.stderr
    assert not (tmp_path / "model.json").exists()
