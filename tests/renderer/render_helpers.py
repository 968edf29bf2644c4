"""Helpers for the renderer tests, in a module of their own name (several test folders have a conftest)."""
from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE_PROJECT = REPO / "tests" / "fixtures" / "quarto_site"
SCREENSHOTS = REPO / "tests" / "artifacts" / "screenshots"


def copy_fixture(target: Path) -> Path:
    """A private copy of the fixture project, so builds never write into the repository."""
    shutil.copytree(FIXTURE_PROJECT, target, ignore=shutil.ignore_patterns("_site", "downloads", ".quarto"))
    return target


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
