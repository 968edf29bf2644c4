"""Shared builds for the renderer tests: each site is rendered once per session."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import copy_fixture


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory):
    """The fixture project rendered by the builtin renderer: (project dir, BuildResult, progress lines)."""
    from renderer import render_project

    root = tmp_path_factory.mktemp("fixture")
    project = copy_fixture(root / "project")
    lines: list[str] = []
    result = render_project(project, root / "site", cache_dir=root / "cache", fingerprint="data-v1",
                            progress=lines.append)
    return project, result, lines


@pytest.fixture(scope="session")
def fixture_site(fixture_build) -> Path:
    return fixture_build[1].out_dir
