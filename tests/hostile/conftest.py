"""Fixtures for the hostile-input tests (helpers live in hostile_cli.py, a unique module name)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def user_folder(tmp_path) -> Path:
    """A folder a user owns, with files that must survive every command."""
    folder = tmp_path / "my documents"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "plan.txt").write_text("quarterly plan\n")
    (folder / "photo.jpg").write_bytes(os.urandom(256))
    return folder
