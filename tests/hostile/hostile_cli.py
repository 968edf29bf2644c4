"""Hostile and careless inputs: helpers to run the real commands and prove nothing was lost."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def tree_hashes(folder: Path) -> dict:
    """Every file under ``folder`` (hidden ones included) with its content hash."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def run_cli(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """``python -m analysis ARGS`` as a user runs it (stdin closed, output captured)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_clean_refusal(completed: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit status 2, a message naming the problem, and no traceback."""
    assert completed.returncode == 2, (completed.returncode, completed.stderr[-2000:])
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    for needle in needles:
        assert needle in completed.stderr, (needle, completed.stderr[-2000:])


@pytest.fixture
def user_folder(tmp_path) -> Path:
    """A folder a user owns, with files that must survive every command."""
    folder = tmp_path / "my documents"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "plan.txt").write_text("quarterly plan\n")
    (folder / "photo.jpg").write_bytes(os.urandom(256))
    return folder
