"""Builds shared across test folders: the real report is rendered once per session."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _render(out: Path, *extra: str) -> subprocess.CompletedProcess:
    """The report's main command, as the README's `make report` runs it."""
    return subprocess.run([sys.executable, "-m", "analysis", "render", "--out", str(out), "--engine", "builtin",
                           *extra], cwd=REPO, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="session")
def render_report():
    """Run the main command into a given folder, with extra arguments."""
    return _render


@pytest.fixture(scope="session")
def report_build(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The real report on the default data: (site folder, the completed command)."""
    out = tmp_path_factory.mktemp("report") / "site"
    completed = _render(out)
    assert completed.returncode == 0, f"report build failed:\n{completed.stderr[-5000:]}"
    return out, completed


@pytest.fixture(scope="session")
def report_site(report_build) -> Path:
    return report_build[0]
