"""``render --out`` replaces only a site it published: never a user's folder, a file, the project or home."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hostile_cli import REPO, assert_clean_refusal, run_cli, tree_hashes, user_folder  # noqa: F401 (user_folder is a fixture)

from renderer import SITE_MARKER, PublishError, check_output_folder, staged_output
from renderer.publish import clean_orphans


def test_a_users_folder_is_refused_and_untouched(user_folder):
    before = tree_hashes(user_folder)
    completed = run_cli("render", "--engine", "builtin", "--out", str(user_folder))
    assert_clean_refusal(completed, "refusing to replace", str(user_folder), SITE_MARKER)
    assert tree_hashes(user_folder) == before


def test_a_file_is_refused_and_kept(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    completed = run_cli("render", "--engine", "builtin", "--out", str(notes))
    assert_clean_refusal(completed, "it is a file")
    assert notes.read_text() == "keep me\n"


@pytest.mark.parametrize("target", [".", "..", "analysis/..", "/"])
def test_the_project_root_its_ancestors_and_the_filesystem_root_are_refused(target):
    before = sorted(p.name for p in REPO.iterdir())
    completed = run_cli("render", "--engine", "builtin", "--out", target)
    assert_clean_refusal(completed, "refusing to publish into")
    assert sorted(p.name for p in REPO.iterdir()) == before
    for kept in ("analysis", "data", "renderer", "_quarto.yml"):
        assert (REPO / kept).exists()


def test_the_home_folder_is_refused(tmp_path):
    home = tmp_path / "home"
    home.mkdir()  # empty, so only the home rule can refuse it
    completed = run_cli("render", "--engine", "builtin", "--out", str(home), env={"HOME": str(home)})
    assert_clean_refusal(completed, "refusing to publish into", str(home))
    assert home.is_dir() and list(home.iterdir()) == []


def test_a_mount_point_is_refused_before_any_work():
    with pytest.raises(PublishError, match="mount point"):
        check_output_folder(Path("/proc"))


def test_missing_empty_and_marked_folders_are_accepted(tmp_path):
    assert check_output_folder(tmp_path / "new") == (tmp_path / "new").resolve()
    (tmp_path / "empty").mkdir()
    check_output_folder(tmp_path / "empty")
    with staged_output(tmp_path / "site") as staging:
        (staging / "index.html").write_text("<p>one</p>")
    assert (tmp_path / "site" / SITE_MARKER).is_file()
    check_output_folder(tmp_path / "site")  # a site we published may be replaced
    with staged_output(tmp_path / "site") as staging:
        (staging / "index.html").write_text("<p>two</p>")
    assert (tmp_path / "site" / "index.html").read_text() == "<p>two</p>"


def test_a_marker_inside_a_subfolder_does_not_make_a_site(tmp_path):
    folder = tmp_path / "work"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / SITE_MARKER).write_text("")
    (folder / "thesis.tex").write_text("\\section{}")
    with pytest.raises(PublishError, match="not a site"):
        check_output_folder(folder)


def test_published_site_is_readable_by_others_under_umask_022(tmp_path):
    old = os.umask(0o022)
    try:
        with staged_output(tmp_path / "site") as staging:
            (staging / "index.html").write_text("<p>hi</p>")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "site").stat().st_mode)
    assert mode == 0o755, oct(mode)


def test_orphaned_staging_of_a_killed_build_is_removed_but_live_and_foreign_ones_stay(tmp_path):
    dead_pid = _a_dead_pid()
    orphan = tmp_path / f".site.building-{dead_pid}-abc"
    orphan.mkdir()
    (orphan / SITE_MARKER).write_text("")
    live = tmp_path / f".site.building-{os.getppid()}-def"  # the test runner's parent is alive
    live.mkdir()
    (live / SITE_MARKER).write_text("")
    foreign = tmp_path / f".site.building-{dead_pid}-user"  # matches the name but has no marker
    foreign.mkdir()
    (foreign / "mine.txt").write_text("x")
    with staged_output(tmp_path / "site") as staging:
        (staging / "index.html").write_text("ok")
    assert not orphan.exists()
    assert live.is_dir() and foreign.is_dir() and (foreign / "mine.txt").read_text() == "x"
    assert clean_orphans(tmp_path, ".site.building-") == []


def test_os_errors_become_one_line_messages(tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits; a read-only bind is not available here, so use a path under a file
        blocker = tmp_path / "plain-file"
        blocker.write_text("")
        with pytest.raises(PublishError) as caught:
            with staged_output(blocker / "site"):
                pass
        assert "cannot write" in str(caught.value) and str(blocker) in str(caught.value)
        assert "\n" not in str(caught.value)
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        with pytest.raises(PublishError, match="permission denied"):
            with staged_output(locked / "site"):
                pass


def test_a_failed_build_leaves_the_previous_site_byte_identical(tmp_path):
    with staged_output(tmp_path / "site") as staging:
        (staging / "index.html").write_text("good")
    before = tree_hashes(tmp_path / "site")
    with pytest.raises(RuntimeError):
        with staged_output(tmp_path / "site") as staging:
            (staging / "index.html").write_text("half")
            raise RuntimeError("chunk failed")
    assert tree_hashes(tmp_path / "site") == before
    assert [p.name for p in tmp_path.iterdir() if ".building-" in p.name] == []


def _a_dead_pid() -> int:
    import subprocess
    import sys
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)
