"""Caching skips unchanged documents, re-runs on any data change; a failing chunk never half-publishes."""
from __future__ import annotations

import subprocess
import sys

import pytest
from render_helpers import REPO, sha256_tree, write_project

from renderer import ChunkError, render_project

COUNTER = """---
title: "{title}"
---

```{{python}}
#| label: count-runs
import os
from pathlib import Path
runs = Path(os.environ["RUN_LOG"])
runs.write_text(runs.read_text() + "{title}\\n" if runs.exists() else "{title}\\n")
value = os.environ.get("DATA_VALUE", "none")
```

The data value is `{{python}} value`.
"""


@pytest.fixture
def counting_project(tmp_path):
    """Two documents that log every execution to a file the test can read."""
    project = write_project(tmp_path / "project", {"index.qmd": COUNTER.format(title="Home"),
                                                   "other.qmd": COUNTER.format(title="Other")})
    log = tmp_path / "runs.log"

    def build(fingerprint: str, value: str):
        return render_project(project, tmp_path / "site", env={"RUN_LOG": str(log), "DATA_VALUE": value},
                              fingerprint=fingerprint, cache_dir=tmp_path / "cache", progress=lambda _l: None)

    return project, log, build


def test_unchanged_rebuild_skips_execution_and_data_change_reruns(counting_project, tmp_path):
    project, log, build = counting_project
    first = build("data-A", "A")
    assert sorted(first.executed) == ["index.qmd", "other.qmd"]
    assert "The data value is A." in (tmp_path / "site/index.html").read_text()

    again = build("data-A", "A")
    assert again.executed == [] and sorted(again.cached) == ["index.qmd", "other.qmd"]
    assert sorted(log.read_text().split()) == ["Home", "Other"]  # nothing ran the second time

    changed = build("data-B", "B")  # a new data hash always re-executes, unlike Quarto's freeze
    assert sorted(changed.executed) == ["index.qmd", "other.qmd"]
    assert "The data value is B." in (tmp_path / "site/index.html").read_text()

    (project / "other.qmd").write_text(COUNTER.format(title="Other edited"))
    edited = build("data-B", "B")
    assert edited.executed == ["other.qmd"] and edited.cached == ["index.qmd"]


FAILING = """---
title: "Broken"
---

```{python}
x = 1
```

```{python}
#| label: compute-ratio
ratio = x / 0
```
"""

FAILING_UNLABELLED = """---
title: "Broken"
---

Text first.

```{python}
import definitely_not_a_module
```
"""


def test_failing_chunk_names_document_chunk_and_traceback_and_keeps_last_site(tmp_path):
    project = write_project(tmp_path / "project", {"index.qmd": "---\ntitle: Fine\n---\n\nAll good.\n"})
    site = tmp_path / "site"
    render_project(project, site, progress=lambda _l: None)
    before = sha256_tree(site)

    (project / "index.qmd").write_text(FAILING)
    with pytest.raises(ChunkError) as failure:
        render_project(project, site, progress=lambda _l: None)
    assert failure.value.document == "index.qmd"
    assert failure.value.chunk == "compute-ratio"
    assert "ZeroDivisionError" in failure.value.traceback and "ratio = x / 0" in failure.value.traceback
    assert "index.qmd: chunk compute-ratio failed" in str(failure.value)

    (project / "index.qmd").write_text(FAILING_UNLABELLED)
    with pytest.raises(ChunkError) as failure:
        render_project(project, site, progress=lambda _l: None)
    assert failure.value.chunk == "at line 7"  # the opening fence's line in the .qmd
    assert "ModuleNotFoundError" in str(failure.value)

    assert sha256_tree(site) == before  # byte-identical: the failed builds published nothing
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []  # no staging left over


def test_cli_reports_invalid_data_before_rendering(tmp_path):
    broken = tmp_path / "customers.csv"
    broken.write_text("not,a,customer,table\n1,2,3,4\n")
    out = tmp_path / "site"
    completed = subprocess.run([sys.executable, "-m", "analysis", "render", "--data", str(broken),
                                "--out", str(out), "--engine", "builtin"], cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 2
    assert "error:" in completed.stderr and "Traceback" not in completed.stderr
    assert "executing" not in completed.stderr  # validation stopped the build before any document ran
    assert not out.exists()


def test_engine_choice_follows_path_and_rejects_unknown_names(tmp_path, monkeypatch):
    from analysis.errors import AnalysisError
    from analysis.io.site import ReportBuildError, choose_engine

    assert issubclass(ReportBuildError, AnalysisError)
    assert choose_engine("builtin") == "builtin"
    with pytest.raises(ReportBuildError, match="unknown engine"):
        choose_engine("pandoc")
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no quarto
    assert choose_engine("auto") == "builtin"
    with pytest.raises(ReportBuildError, match="not on PATH"):
        choose_engine("quarto")
