"""`fit --evidence` writes the site's evidence keys, from the same code, equal on the same data."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.data.simulate import simulate_customers

ROOT = Path(__file__).resolve().parents[2]
ISSUE_11_KEYS = {"validation", "gains", "best_model", "prediction_intervals"}


def _fit(csv: Path, out: Path, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "analysis", "fit", str(csv), "--json", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fit-evidence") / "customers.csv"
    simulate_customers(1200, seed=4).to_csv(path, index=False)
    return path


def test_fit_evidence_keys_equal_the_sites(table, tmp_path, monkeypatch):
    from analysis import config
    from analysis.report.setup import setup

    monkeypatch.setattr(config, "RESULTS_CACHE_DIR", tmp_path / "cache")
    fitted = _fit(table, tmp_path / "fit.json", "--evidence")
    setup(data=table, downloads=tmp_path / "downloads")  # what every site build runs
    site = json.loads((tmp_path / "downloads" / "model.json").read_text(encoding="utf-8"))
    assert ISSUE_11_KEYS <= set(fitted)
    evidence_keys = set(site) - set(_fit(table, tmp_path / "plain.json"))
    evidence_keys.discard("customer_futures")  # the futures chapter's section, not the model's
    assert ISSUE_11_KEYS <= evidence_keys
    assert {k: fitted[k] for k in evidence_keys} == {k: site[k] for k in evidence_keys}


def test_plain_fit_has_no_evidence_keys(table, tmp_path):
    assert not ISSUE_11_KEYS & set(_fit(table, tmp_path / "plain.json"))


def test_evidence_needs_a_csv(tmp_path):
    done = subprocess.run([sys.executable, "-m", "analysis", "fit", "duckdb:///missing.db#customers", "--json",
                           str(tmp_path / "x.json"), "--evidence"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and "--evidence needs a customer CSV" in done.stderr
    assert not (tmp_path / "x.json").exists()
