"""Findings 3 and 4: builds share no mutable state, and a cache never reports another file.

Two builds of different data to two ``--out`` folders run at the same time, three
times (the first cold, the others served from one shared render cache, whose
restored downloads must land in each build's own folder). Each site's downloads must
describe the data its pages describe. Then the same content under another name is
built with the same caches: its provenance must name its own file.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from hostile_cli import REPO

TRIALS = 3


def _render(data, out, cache):
    env = {**os.environ, "REPORT_RENDER_CACHE": str(cache)}
    env.pop("ORDER_LOG", None)
    return subprocess.Popen([sys.executable, "-m", "analysis", "render", "--engine", "builtin",
                             "--data", str(data), "--out", str(out)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def _wait(process):
    stdout, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr[-4000:]


def _assert_site_describes(site, data):
    from analysis.data import file_sha256

    sha = file_sha256(data)
    model = json.loads((site / "downloads" / "model.json").read_text())
    assert model["data_sha256"] == sha, f"{site}: downloads come from other data"
    rows = len(pd.read_csv(data))
    assert model["n"] == rows
    assert len(pd.read_csv(site / "downloads" / "customer_scores.csv")) == rows
    for page in ("index.html", "chapters/data.html", "chapters/methods.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert data.name in text, f"{site}/{page} does not name its own data file"
        if page != "chapters/data.html":  # the colophon pages print the hash
            assert sha[:16] in text, f"{site}/{page} does not show its own data's hash"


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    from analysis.data.simulate import simulate_customers

    folder = tmp_path_factory.mktemp("concurrent")
    a, b = folder / "cohort_a.csv", folder / "cohort_b.csv"
    simulate_customers(600, seed=101).to_csv(a, index=False)
    simulate_customers(900, seed=202).to_csv(b, index=False)
    return folder, a, b


def test_two_builds_at_once_publish_their_own_downloads(two_datasets):
    folder, a, b = two_datasets
    cache = folder / "render-cache"
    for trial in range(TRIALS):
        site_a, site_b = folder / f"site_a_{trial}", folder / f"site_b_{trial}"
        first, second = _render(a, site_a, cache), _render(b, site_b, cache)
        _wait(first)
        _wait(second)
        _assert_site_describes(site_a, a)
        _assert_site_describes(site_b, b)
    from analysis.data import file_sha256

    project_model = REPO / "downloads" / "model.json"  # plain Quarto's default: never written by these builds
    if project_model.is_file():
        written = json.loads(project_model.read_text())["data_sha256"]
        assert written not in (file_sha256(a), file_sha256(b))


def test_identical_content_under_another_name_names_its_own_file(two_datasets):
    folder, a, _ = two_datasets
    renamed = folder / "renamed_copy.csv"
    renamed.write_bytes(a.read_bytes())
    os.utime(renamed, (1_700_000_000, 1_700_000_000))  # 2023-11-14: a date the first file does not have
    site = folder / "site_renamed"
    _wait(_render(renamed, site, folder / "render-cache"))  # the cache is warm with a's pages
    for page in ("index.html", "chapters/data.html", "chapters/methods.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "renamed_copy.csv" in text, page
        assert "cohort_a.csv" not in text, f"{page} names the other file of the same content"
        assert "2023-11-14" in text, f"{page} should print this file's own date"


def test_results_cache_fills_in_provenance_of_the_file_read(two_datasets, tmp_path):
    from analysis.model.cache import load_results

    _, a, _ = two_datasets
    copy = tmp_path / "same_content.csv"
    copy.write_bytes(a.read_bytes())
    first = load_results(a, cache_dir=tmp_path / "results")
    second = load_results(copy, cache_dir=tmp_path / "results")  # a cache hit on content
    assert first.data.sha256 == second.data.sha256
    assert first.data.path.name == "cohort_a.csv" and second.data.path.name == "same_content.csv"
