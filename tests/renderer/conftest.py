"""Shared builds for the renderer tests: each site is rendered once per session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE_PROJECT = REPO / "tests" / "fixtures" / "quarto_site"
SCREENSHOTS = REPO / "tests" / "artifacts" / "screenshots"


def copy_fixture(target: Path) -> Path:
    """A private copy of the fixture project, so builds never write into the repository."""
    shutil.copytree(FIXTURE_PROJECT, target, ignore=shutil.ignore_patterns("_site", "downloads", ".quarto"))
    return target


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


def sha256_tree(folder: Path) -> dict:
    """Every file under ``folder`` with its content hash, to prove a site was left byte-identical."""
    import hashlib
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_project(root: Path, documents: dict, config: str | None = None) -> Path:
    """A tiny website project: ``documents`` maps file names to their source."""
    root.mkdir(parents=True, exist_ok=True)
    names = "\n".join(f"    - {name}" for name in documents)
    (root / "_quarto.yml").write_text(config or (
        "project:\n  type: website\n  render:\n" + names + "\n"
        "website:\n  title: Tiny\n  navbar:\n    left:\n" +
        "\n".join(f"      - {name}" for name in documents) + "\n"
        "format:\n  html:\n    toc: true\n"), encoding="utf-8")
    for name, text in documents.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root
