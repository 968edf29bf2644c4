"""The in-engine contract's data identity: an order-independent row fingerprint and the code version."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from engine_cases import duckdb_file

from analysis.config import DEFAULT_DATA
from analysis.io.provenance import code_version
from analysis.model.engine import fit_in_engine, open_customer_table

ROOT = Path(__file__).resolve().parents[2]


def _fingerprint(frame: pd.DataFrame, folder: Path, name: str) -> str:
    csv = folder / f"{name}.csv"
    frame.to_csv(csv, index=False)
    return fit_in_engine(open_customer_table(duckdb_file(csv, folder / f"{name}.duckdb"))).data_fingerprint


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA)


@pytest.fixture(scope="module")
def original(frame, tmp_path_factory) -> str:
    return _fingerprint(frame, tmp_path_factory.mktemp("fingerprint"), "original")


def test_fingerprint_is_a_sha256(original):
    assert len(original) == 64 and int(original, 16) >= 0


def test_same_rows_in_another_order_give_the_same_fingerprint(frame, original, tmp_path):
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    assert not shuffled["CustomerID"].equals(frame["CustomerID"])
    assert _fingerprint(shuffled, tmp_path, "shuffled") == original


def test_one_changed_cell_gives_another_fingerprint(frame, original, tmp_path):
    changed = frame.copy()
    changed.loc[123, "MonetaryValue"] = changed.loc[123, "MonetaryValue"] + 0.01
    assert _fingerprint(changed, tmp_path, "changed") != original


def test_a_swapped_label_gives_another_fingerprint(frame, original, tmp_path):
    """Swapping two rows' labels keeps every column's multiset: only a per-row hash sees it."""
    swapped = frame.copy()
    first, other = 0, int((frame["Segment"] != frame.loc[0, "Segment"]).idxmax())
    swapped.loc[[first, other], "Segment"] = frame.loc[[other, first], "Segment"].to_numpy()
    assert _fingerprint(swapped, tmp_path, "swapped") != original


def test_engine_contract_names_its_data_and_code(tmp_path, original):
    url = duckdb_file(DEFAULT_DATA, tmp_path / "cli.duckdb")
    out = tmp_path / "engine.json"
    done = subprocess.run([sys.executable, "-m", "analysis", "fit", url, "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    contract = json.loads(out.read_text())
    assert contract["code_version"] == code_version() != ""
    assert contract["data_sha256"] is None  # no file: not pretending to be a file hash
    assert contract["data_fingerprint"] == original
