"""Finding 3 on the Quarto path: a site publishes its own build's downloads, never the project's.

``quarto render`` copies the project's ``downloads/`` (``resources: downloads/``) into the
staging site; ``analysis.io.site._replace_downloads`` then puts this build's own folder in
its place. Quarto is not installed here, so the function is tested on real folders: a
staged site holding stale project files, a symlink or a file named ``downloads``, and
links inside. Everything outside the staging folder is hashed before and after. The
wiring (``REPORT_DOWNLOADS_DIR`` in the kernels' environment) is tested by running the
chapters' own setup call with the environment the Quarto branch passes to ``quarto``.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config
from analysis.data.simulate import simulate_customers
from analysis.io.site import _kernel_env, _replace_downloads

from hostile_cli import REPO

BUILD_FILES = {"model.json": b'{"n": 900}\n', "customer_scores.csv": b"CustomerID,score\nB1,2\n"}
STALE_FILES = {"model.json": b'{"n": 600}\n', "customer_scores.csv": b"CustomerID,score\nA1,1\n",
               "old_only.csv": b"stale\n"}


def _tree(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (links as links, never followed): path -> content hash or link target."""
    entries = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            entries[key] = "link->" + os.readlink(path)
        elif path.is_file():
            entries[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            entries[key] = "folder"
    return entries


def _files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.fixture
def world(tmp_path):
    """A project with stale downloads, a folder elsewhere, this build's own downloads, a staged site."""
    project = _files(tmp_path / "project" / "downloads", STALE_FILES).parent
    elsewhere = _files(tmp_path / "elsewhere", {"keep.txt": b"a user's file\n"})
    own = _files(tmp_path / "build" / "downloads", BUILD_FILES)
    staging = _files(tmp_path / "staging", {"index.html": b"<p>site</p>\n"})
    return {"root": tmp_path, "project": project, "elsewhere": elsewhere, "own": own, "staging": staging}


def _assert_published_own(world, before_outside: dict[str, str]):
    target = world["staging"] / "downloads"
    assert target.is_dir() and not target.is_symlink()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == BUILD_FILES
    assert (world["staging"] / "index.html").read_bytes() == b"<p>site</p>\n"
    after_outside = {k: v for k, v in _tree(world["root"]).items() if not k.startswith("staging")}
    assert after_outside == before_outside


def _outside(world) -> dict[str, str]:
    return {k: v for k, v in _tree(world["root"]).items() if not k.startswith("staging")}


def test_stale_project_downloads_are_replaced_by_the_builds_own(world):
    # What Quarto leaves: a copy of the project's downloads/ in the staged site.
    _files(world["staging"] / "downloads", STALE_FILES)
    before = _outside(world)
    _replace_downloads(world["staging"], world["own"])
    _assert_published_own(world, before)
    assert not (world["staging"] / "downloads" / "old_only.csv").exists()


def test_a_symlink_named_downloads_is_unlinked_not_followed(world):
    (world["staging"] / "downloads").symlink_to(world["elsewhere"], target_is_directory=True)
    before = _outside(world)
    _replace_downloads(world["staging"], world["own"])
    _assert_published_own(world, before)
    assert (world["elsewhere"] / "keep.txt").read_bytes() == b"a user's file\n"


def test_a_file_named_downloads_is_replaced_by_the_folder(world):
    (world["staging"] / "downloads").write_bytes(b"not a folder\n")
    before = _outside(world)
    _replace_downloads(world["staging"], world["own"])
    _assert_published_own(world, before)


def test_links_inside_the_stale_folder_are_removed_without_following_them(world):
    stale = _files(world["staging"] / "downloads", STALE_FILES)
    (stale / "to_folder").symlink_to(world["elsewhere"], target_is_directory=True)
    (stale / "to_file").symlink_to(world["elsewhere"] / "keep.txt")
    (stale / "to_project").symlink_to(world["project"] / "downloads", target_is_directory=True)
    before = _outside(world)
    _replace_downloads(world["staging"], world["own"])
    _assert_published_own(world, before)


def test_no_downloads_in_the_staged_site_gets_the_builds_own(world):
    before = _outside(world)
    _replace_downloads(world["staging"], world["own"])
    _assert_published_own(world, before)


def test_the_quarto_kernels_environment_sends_the_chapters_downloads_to_the_builds_folder(tmp_path):
    """The chapters' setup (``report.setup()``, index.qmd's first chunk) under the environment
    ``_render_with_quarto`` hands to ``quarto render``: the downloads land in the build's folder,
    and the project's own ``downloads/`` is left exactly as it was."""
    data = tmp_path / "quarto_env_data.csv"
    simulate_customers(400, seed=21).to_csv(data, index=False)
    own = tmp_path / "build-resources" / "downloads"
    own.mkdir(parents=True)
    project_downloads = config.DOWNLOADS_DIR
    before = _tree(project_downloads) if project_downloads.exists() else None
    env = {k: v for k, v in {**os.environ, **_kernel_env(data.resolve(), None, own)}.items() if v is not None}
    env.pop("ORDER_LOG", None)
    completed = subprocess.run([sys.executable, "-c", "from analysis import report; report.setup()"],
                               cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
                               stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr[-3000:]
    import json

    contract = json.loads((own / "model.json").read_text())
    assert contract["n"] == 400
    from analysis.data import file_sha256

    assert contract["data_sha256"] == file_sha256(data)
    assert (_tree(project_downloads) if project_downloads.exists() else None) == before
