"""The build's parallel evidence (a forked child for the checks) gives exactly the serial numbers."""
from __future__ import annotations

import subprocess
import sys

import numpy as np

from analysis import config
from analysis.data import load_customers
from analysis.io.export import strict_json
from analysis.model.evidence import build_model_evidence
from analysis.model.fit import fit_model


def test_parallel_and_serial_evidence_are_identical(tmp_path):
    path = tmp_path / "customers.csv"
    subprocess.run([sys.executable, "-m", "analysis", "simulate", "--n", "1500", "--seed", "11", "--out", str(path)],
                   check=True, capture_output=True, cwd=config.ROOT)
    results = fit_model(load_customers(path))
    serial = build_model_evidence(results)
    parallel = build_model_evidence(results, parallel=True)
    assert strict_json(parallel.contract()) == strict_json(serial.contract())
    assert np.array_equal(parallel.best_predicted, serial.best_predicted)
    assert np.array_equal(parallel.best_oof, serial.best_oof)
    for ours, theirs in zip(parallel.targeting.lists, serial.targeting.lists):
        assert ours.members.equals(theirs.members)
    assert parallel.evidence.claims == serial.evidence.claims
