"""renderer.preview serves on loopback, rebuilds on a change and stops on Ctrl-C.

Each test runs the real poll loop in a thread with a bound on its polls; the
rebuild callback ends it by raising KeyboardInterrupt, which is what Ctrl-C
raises in the main thread.
"""
from __future__ import annotations

import os
import threading
import urllib.request

import pytest

from renderer.preview import changed, preview, snapshot, start_server


def _site(tmp_path, text="first build"):
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text(f"<p>{text}</p>", encoding="utf-8")
    return site


def _touch(path, text):
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))  # a clearly newer mtime


def _run(site, watch, rebuild, lines, ready):
    def report(line):
        lines.append(line)
        if line.startswith("Preview at"):
            ready.set()
    thread = threading.Thread(target=preview, args=(site, watch, rebuild),
                              kwargs={"port": 0, "interval": 0.02, "max_polls": 2000, "report": report,
                                      "suffixes": (".qmd", ".csv", ".py")})
    thread.start()
    assert ready.wait(30), lines
    return thread


def test_server_listens_on_loopback_only_and_serves_the_site(tmp_path):
    server = start_server(_site(tmp_path), port=0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as reply:
            assert reply.read().decode() == "<p>first build</p>"
            assert reply.headers["Cache-Control"] == "no-store"
    finally:
        server.shutdown()
        server.server_close()


def test_a_changed_source_rebuilds_and_the_new_site_is_served_then_ctrl_c_stops(tmp_path):
    site = _site(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    chapter = project / "chapter.qmd"
    chapter.write_text("v1", encoding="utf-8")
    calls, served, lines, ready = [], [], [], threading.Event()

    def rebuild(paths):
        calls.append(paths)
        (site / "index.html").write_text("<p>second build</p>", encoding="utf-8")
        url = lines[0].split()[2]
        with urllib.request.urlopen(url + "index.html", timeout=10) as reply:
            served.append(reply.read().decode())
        raise KeyboardInterrupt  # as Ctrl-C would

    thread = _run(site, [project], rebuild, lines, ready)
    _touch(chapter, "v2")
    thread.join(60)
    assert not thread.is_alive(), "the preview loop did not stop"
    assert calls == [[str(chapter)]]
    assert served == ["<p>second build</p>"]
    assert lines[-1] == "preview stopped"


def test_a_failing_rebuild_is_reported_and_the_preview_goes_on(tmp_path):
    site = _site(tmp_path)
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    lines, ready, attempts = [], threading.Event(), []

    def rebuild(paths):
        attempts.append(paths)
        if len(attempts) == 1:
            _touch(data, "a\n3\n")  # the next change arrives while the first rebuild fails
            raise RuntimeError("chunk failed")
        raise KeyboardInterrupt

    thread = _run(site, [data], rebuild, lines, ready)
    _touch(data, "a\n2\n")
    thread.join(60)
    assert not thread.is_alive()
    assert any("rebuild failed, still serving the last good site: chunk failed" in line for line in lines), lines
    # The edit saved during the failed rebuild started the next one.
    assert attempts == [[str(data)], [str(data)]], attempts


def test_snapshot_watches_only_sources_and_skips_build_folders(tmp_path):
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "model.py").write_text("x = 1")
    (tmp_path / "notes.txt").write_text("not watched")
    for skipped in (".venv", "_site", "__pycache__", ".cache"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "module.py").write_text("y = 2")
    before = snapshot([tmp_path], (".py",))
    assert list(before) == [str(tmp_path / "analysis" / "model.py")]
    _touch(tmp_path / "analysis" / "model.py", "x = 2")
    (tmp_path / "analysis" / "new.py").write_text("z = 3")
    assert changed(before, snapshot([tmp_path], (".py",))) == sorted(
        [str(tmp_path / "analysis" / "model.py"), str(tmp_path / "analysis" / "new.py")])


@pytest.mark.parametrize("missing", ["gone.qmd"])
def test_a_deleted_file_counts_as_a_change(tmp_path, missing):
    path = tmp_path / missing
    path.write_text("x")
    before = snapshot([tmp_path])
    path.unlink()
    assert changed(before, snapshot([tmp_path])) == [str(path)]
