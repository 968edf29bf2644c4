"""Per-document cache: required inputs count for every page, optional ones only for pages that read them.

Each assertion counts the documents the renderer executed (``BuildResult.executed``),
never the time a build took.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from renderer import render_project

REPO = Path(__file__).resolve().parents[2]

_CONFIG = """\
project:
  type: website
  render:
    - reads.qmd
    - plain.qmd
website:
  title: "Inputs"
"""
# Reads the optional input "previous" (through an environment variable, as the report
# reads its previous model) and says so with renderer.dependencies.record_input.
_READS = """\
---
title: Reads
---

```{python}
import os
from renderer.dependencies import record_input
record_input("previous")
print("previous is", os.environ.get("TEST_PREVIOUS", "none"))
```
"""
_PLAIN = """\
---
title: Plain
---

```{python}
print("plain page", 1 + 1)
```
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "_quarto.yml").write_text(_CONFIG)
    (root / "reads.qmd").write_text(_READS)
    (root / "plain.qmd").write_text(_PLAIN)
    return root


def _build(project: Path, *, data: str = "d1", previous: str | None = None, speculate=None):
    env = {"PYTHONPATH": str(REPO), "TEST_PREVIOUS": previous}
    return render_project(project, project.parent / "site", env=env, inputs={"data": data},
                          optional_inputs={"previous": previous}, speculate=speculate,
                          cache_dir=project.parent / "cache", jobs=2, progress=lambda _line: None)


def _page(project: Path, name: str) -> str:
    return (project.parent / "site" / f"{name}.html").read_text(encoding="utf-8")


def test_optional_input_reexecutes_only_the_page_that_read_it(project):
    assert sorted(_build(project).executed) == ["plain.qmd", "reads.qmd"]
    unchanged = _build(project)
    assert unchanged.executed == [] and sorted(unchanged.cached) == ["plain.qmd", "reads.qmd"]
    changed = _build(project, previous="model-v1")
    assert changed.executed == ["reads.qmd"]
    assert "previous is model-v1" in _page(project, "reads")
    # Back to a value seen before: that variant is still cached.
    assert _build(project).executed == []
    assert "previous is none" in _page(project, "reads")


def test_required_input_and_source_edits(project):
    _build(project)
    assert sorted(_build(project, data="d2").executed) == ["plain.qmd", "reads.qmd"]
    (project / "plain.qmd").write_text(_PLAIN.replace("1 + 1", "2 + 2"))
    edited = _build(project, data="d2")
    assert edited.executed == ["plain.qmd"]
    assert "plain page 4" in _page(project, "plain")


def test_speculation_caches_the_next_build(project):
    """A fresh site's first rebuild sees a new previous value; speculation ran it already."""
    cold = _build(project, speculate=lambda: ({"TEST_PREVIOUS": "model-v1"}, {"previous": "model-v1"}))
    assert sorted(cold.executed) == ["plain.qmd", "reads.qmd"]
    assert "previous is none" in _page(project, "reads")  # this build's page is unaffected
    first_rebuild = _build(project, previous="model-v1")
    assert first_rebuild.executed == []
    assert "previous is model-v1" in _page(project, "reads")  # made by the speculative run


def test_a_failing_speculation_does_not_fail_the_build(project):
    def broken():
        raise RuntimeError("no next model")

    assert sorted(_build(project, speculate=broken).executed) == ["plain.qmd", "reads.qmd"]
    assert "previous is none" in _page(project, "reads")


def test_record_input_outside_the_renderer_is_a_no_op(monkeypatch, tmp_path):
    from renderer.dependencies import INPUTS_FILE_ENV_VAR, record_input, recorded_inputs

    monkeypatch.delenv(INPUTS_FILE_ENV_VAR, raising=False)
    record_input("previous")  # nothing to write to: must not raise
    target = tmp_path / "inputs.txt"
    monkeypatch.setenv(INPUTS_FILE_ENV_VAR, str(target))
    record_input("previous")
    record_input("previous")
    record_input("order-log")
    assert recorded_inputs(target) == ["order-log", "previous"]
    with pytest.raises(ValueError):
        record_input("two\nlines")
