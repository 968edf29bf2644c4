"""Helpers to write small customer tables, valid or broken on purpose."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.config import ROOT
from analysis.simulate import simulate_customers


@pytest.fixture
def valid_frame() -> pd.DataFrame:
    """200 simulated customers: comfortably above every size rule."""
    return simulate_customers(200, seed=3)


@pytest.fixture
def write_csv(tmp_path):
    def write(frame: pd.DataFrame, name: str = "customers.csv", **kwargs) -> Path:
        path = tmp_path / name
        frame.to_csv(path, index=False, **kwargs)
        return path

    return write


@pytest.fixture
def run_cli():
    """The real command line, as a user runs it."""
    def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=cwd,
                              capture_output=True, text=True, timeout=300)

    return run
