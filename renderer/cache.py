"""Skip re-executing a document whose inputs have not changed.

The key covers the document's source, ``_quarto.yml``, the resolved format
options, the renderer's own version, and a caller-supplied fingerprint (the
analysis code and data hash). Unlike Quarto's ``freeze``, a change of data
therefore always re-executes. Files the document's code wrote into the
project's resource globs (e.g. ``downloads/``) are stored with the outputs and
restored on a hit, so a cached build publishes the same downloads.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from .execute import ExecutedDocument

CACHE_FORMAT = "renderer-cache-1"
# Enough for every document of a report under several data files; older entries are pruned.
MAX_ENTRIES = 64


def cache_key(*parts: str) -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()


class ExecutionCache:
    """Stores one entry per key under ``root/<key>/``."""

    def __init__(self, root: Path | None):
        self.root = Path(root) if root is not None else None

    def load(self, key: str, project_dir: Path) -> ExecutedDocument | None:
        """The stored results, with generated files restored into ``project_dir``; None on a miss."""
        if self.root is None:
            return None
        entry = self.root / key
        results = entry / "results.json"
        if not results.is_file():
            return None
        files = entry / "files"
        manifest = json.loads((entry / "files.json").read_text()) if (entry / "files.json").is_file() else []
        os.utime(entry)  # recently used entries survive pruning
        for rel in manifest:
            target = project_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(files / rel, target)
        return ExecutedDocument.from_json(results.read_text(encoding="utf-8"))

    def store(self, key: str, executed: ExecutedDocument, project_dir: Path, generated: list[str]) -> None:
        if self.root is None:
            return
        entry = self.root / key
        tmp = self.root / f".{key}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "files").mkdir(parents=True)
        for rel in generated:
            (tmp / "files" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(project_dir / rel, tmp / "files" / rel)
        (tmp / "files.json").write_text(json.dumps(generated))
        (tmp / "results.json").write_text(executed.to_json(), encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        self._prune()

    def _prune(self) -> None:
        entries = sorted((p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[MAX_ENTRIES:]:
            shutil.rmtree(stale, ignore_errors=True)
