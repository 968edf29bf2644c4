"""Reuse the output of a Pandoc or Typst run whose complete input was seen before.

In a rebuild where no document re-executed, the same markdown goes through the
same Pandoc and Typst again. Each Pandoc start costs 50-250 ms; a cached site
makes about twenty. Both tools are pure functions of what they read, so their
output is stored under a hash of everything they read: the pinned binary's
path, the arguments, standard input, the content of every file an argument
names, and, for Typst, every file under its root that the source names.
System fonts are not part of the key: a font change needs a cold build
(``REPORT_RENDER_CACHE`` pointed elsewhere, or the cache folder removed).

The cache is on only while :func:`active` is entered (``render_project`` does
it for its ``cache_dir``); elsewhere the tools always run.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

FORMAT = "conversion-cache-1"
# Two builds' worth of conversions for a report of a dozen pages; older ones are pruned.
MAX_ENTRIES = 400
_folder: Path | None = None
_PATH_ARG = re.compile(r"^--[a-z-]+=(.+)$")


@contextmanager
def active(folder: Path | None):
    """Cache conversions in ``folder`` for the duration (None: no caching)."""
    global _folder
    previous, _folder = _folder, (Path(folder) if folder is not None else None)
    try:
        yield
    finally:
        if _folder is not None and _folder.is_dir():
            _prune(_folder)
        _folder = previous


def key(*parts: str | bytes) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for part in parts:
        digest.update(b"\0" + (part.encode("utf-8") if isinstance(part, str) else part))
    return digest.hexdigest()


def pandoc_key(binary: str, args: list[str], text: str) -> str | None:
    """The key of one Pandoc run, or None when caching is off."""
    if _folder is None:
        return None
    parts = []
    for arg in args:
        match = _PATH_ARG.match(arg)
        if match and Path(match.group(1)).is_file():
            # The file's content, not its path: a build's scratch folder has a new name each time.
            parts.extend([arg.split("=", 1)[0], Path(match.group(1)).read_bytes()])
        else:
            parts.append(arg)
    return key(binary, *parts, text)


def typst_key(source: str, root: Path) -> str | None:
    """The key of one Typst compilation: its source and every file under ``root`` it names."""
    if _folder is None:
        return None
    named = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and p.suffix != ".typ"):
        rel = path.relative_to(root).as_posix()
        if path.name in source:
            named.extend([rel, path.read_bytes()])
    return key("typst", source, *named)


def load(entry_key: str | None) -> Path | None:
    if entry_key is None or _folder is None:
        return None
    path = _folder / entry_key[:2] / entry_key
    if path.is_file():
        os.utime(path)  # recently used entries survive pruning
        return path
    return None


def store_text(entry_key: str | None, text: str) -> None:
    if entry_key is not None and _folder is not None:
        _write(entry_key, lambda target: target.write_text(text, encoding="utf-8"))


def store_file(entry_key: str | None, source: Path) -> None:
    if entry_key is not None and _folder is not None:
        _write(entry_key, lambda target: shutil.copyfile(source, target))


def _write(entry_key: str, write) -> None:
    target = _folder / entry_key[:2] / entry_key
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{entry_key}.{os.getpid()}.{threading.get_ident()}")
    write(temporary)
    temporary.replace(target)  # readers see a whole entry or none


def _prune(folder: Path) -> None:
    entries = sorted((p for p in folder.glob("*/*") if p.is_file() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[MAX_ENTRIES:]:
        stale.unlink(missing_ok=True)
