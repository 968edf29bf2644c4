"""A rebuild whose documents come from the cache runs neither Pandoc nor Typst, and publishes the same bytes."""
from __future__ import annotations

import subprocess
from pathlib import Path

from renderer import render_project
from renderer import pandoc as pandoc_module

_CONFIG = """\
project:
  type: website
  render:
    - page.qmd
    - brief.qmd
website:
  title: "Conversions"
"""
_PAGE = "---\ntitle: Page\n---\n\nSome *text*.\n\n```{python}\nprint(6 * 7)\n```\n"
_BRIEF = "---\ntitle: Brief\nformat: typst\n---\n\nA brief with a table.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cached_rebuild_skips_pandoc_and_typst(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "_quarto.yml").write_text(_CONFIG)
    (project / "page.qmd").write_text(_PAGE)
    (project / "brief.qmd").write_text(_BRIEF)
    build = dict(out_dir=tmp_path / "site", cache_dir=tmp_path / "cache", progress=lambda _line: None)
    render_project(project, **build)
    first = _tree(tmp_path / "site")
    assert "brief.pdf" in first and "page.html" in first

    calls = []
    real_run = subprocess.run
    monkeypatch.setattr(pandoc_module.subprocess, "run", lambda *a, **k: calls.append(a) or real_run(*a, **k))
    import typst

    compiled = []
    real_compile = typst.compile
    monkeypatch.setattr(typst, "compile", lambda *a, **k: compiled.append(a) or real_compile(*a, **k))
    render_project(project, **build)
    assert calls == [] and compiled == []
    assert _tree(tmp_path / "site") == first

    # An edit reaches the output: the changed document converts again, the other does not.
    (project / "page.qmd").write_text(_PAGE.replace("Some *text*.", "Other *text*."))
    render_project(project, **build)
    assert len(calls) == 2 and compiled == []  # markdown to AST, AST to HTML; the PDF's input is unchanged
    assert b"Other" in (tmp_path / "site" / "page.html").read_bytes()
