"""Serve a built site on loopback and rebuild it when its inputs change, like ``quarto preview``.

Generic: the caller says which folder to serve, which paths to watch and how
to rebuild. Changes are found by polling modification times (no extra
dependency, works the same on every filesystem); a rebuild that fails is
reported and the last good site stays served. The server binds to
127.0.0.1 only, never to every interface, so the preview is not reachable
from the network.
"""
from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

LOOPBACK = "127.0.0.1"
# Never walked when watching: caches, environments and build outputs change on every build.
_SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".cache", ".pytest_cache", "node_modules", "_site",
              ".quarto", "downloads"}


def snapshot(roots: Iterable[Path], suffixes: tuple = ()) -> dict:
    """``{path: mtime_ns}`` for every file under ``roots`` (files or folders).

    ``suffixes`` limits which files count (e.g. ``(".qmd", ".py", ".csv")``);
    empty means every file.
    """
    found = {}
    for root in roots:
        root = Path(root)
        if root.is_file():
            found[str(root)] = root.stat().st_mtime_ns
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
            for name in files:
                if suffixes and not name.endswith(suffixes):
                    continue
                path = os.path.join(folder, name)
                try:
                    found[path] = os.stat(path).st_mtime_ns
                except FileNotFoundError:  # deleted between listing and stat
                    continue
    return found


def changed(before: dict, after: dict) -> list[str]:
    """Paths added, removed or modified between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per request would drown the rebuild messages
        pass

    def end_headers(self):
        # A preview must show the latest build, never a cached page.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def start_server(site_dir: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``site_dir`` on 127.0.0.1, serving from a background thread.

    ``port=0`` picks a free port; read it from ``server.server_address[1]``.
    """
    handler = functools.partial(_Handler, directory=os.fspath(site_dir))
    server = http.server.ThreadingHTTPServer((LOOPBACK, port), handler)
    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    return server


def preview(site_dir: Path, watch: Iterable[Path], rebuild: Callable[[list], None], *, port: int = 4321,
            interval: float = 0.5, suffixes: tuple = (), max_polls: int | None = None,
            report: Callable[[str], None] = print) -> None:
    """Serve ``site_dir`` on http://127.0.0.1:``port``/ and call ``rebuild(changed_paths)`` on changes.

    Parameters
    ----------
    site_dir : Path
        The built site. It must exist; the rebuild may replace it (the handler
        resolves the folder on every request, so a replaced folder is served).
    watch : iterable of Path
        Files or folders whose changes trigger a rebuild. The rebuild's own
        outputs must not be among them (``_site``, ``downloads``, caches and
        environments are skipped inside a watched folder).
    rebuild : callable
        Receives the changed paths. An exception is reported and the preview
        goes on serving the last good site.
    port : int
        0 picks a free port.
    interval : float
        Seconds between two polls.
    suffixes : tuple of str
        Only files with these endings are watched; empty watches all.
    max_polls : int, optional
        Stop after this many polls (for tests); None runs until Ctrl-C.
    report : callable
        Receives one line per event.

    Ctrl-C (KeyboardInterrupt) stops the server and returns normally.
    """
    watch = [Path(p) for p in watch]
    seen = snapshot(watch, suffixes)  # before announcing, so no edit falls between the two
    server = start_server(Path(site_dir), port)
    report(f"Preview at http://{LOOPBACK}:{server.server_address[1]}/ (Ctrl-C to stop)")
    polls = 0
    try:
        while max_polls is None or polls < max_polls:
            time.sleep(interval)
            polls += 1
            now = snapshot(watch, suffixes)
            paths = changed(seen, now)
            if not paths:
                continue
            # Compare the next poll with the state before this rebuild: an edit saved while
            # it runs then starts another rebuild instead of being lost.
            seen = now
            report(f"changed: {', '.join(paths[:5])}{' ...' if len(paths) > 5 else ''}; rebuilding")
            try:
                rebuild(paths)
                report("rebuilt")
            except Exception as error:  # a broken chunk must not end the preview
                report(f"rebuild failed, still serving the last good site: {error}")
    except KeyboardInterrupt:
        report("preview stopped")
    finally:
        server.shutdown()
        server.server_close()
