"""Skip re-executing a document whose inputs have not changed.

A document's key covers its source, ``_quarto.yml``, the resolved format
options, the renderer's own version and the caller's *required* inputs (the
analysis code, the data). Unlike Quarto's ``freeze``, a change of data
therefore always re-executes. *Optional* inputs (the previous build's model)
count only for the documents that recorded reading them
(:mod:`renderer.dependencies`): each key holds variants, one per set of
optional fingerprints seen, and a variant is valid while every optional input
it recorded still has the fingerprint it had.

Files the document's code wrote into the project's resource globs (e.g.
``downloads/``) are stored with the outputs and restored on a hit, so a cached
build publishes the same downloads.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .execute import ExecutedDocument

CACHE_FORMAT = "renderer-cache-2"
# Enough for every document of a report under several data files; older variants are pruned.
MAX_ENTRIES = 64


def cache_key(*parts: str) -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheHit:
    """A stored execution, the optional inputs it depended on, and the files it restored."""

    executed: ExecutedDocument
    optional: dict
    files: list


class ExecutionCache:
    """Stores variants under ``root/<key>/<variant>/``."""

    def __init__(self, root: Path | None):
        self.root = Path(root) if root is not None else None

    def find(self, key: str, optional_inputs: dict) -> Path | None:
        """The variant of ``key`` whose recorded optional inputs all match ``optional_inputs``."""
        if self.root is None or not (self.root / key).is_dir():
            return None
        for variant in sorted((self.root / key).iterdir()):
            recorded = variant / "optional.json"
            if not variant.is_dir() or variant.name.startswith(".") or not (variant / "results.json").is_file():
                continue
            wanted = json.loads(recorded.read_text()) if recorded.is_file() else {}
            if all(optional_inputs.get(name) == value for name, value in wanted.items()):
                return variant
        return None

    def load(self, key: str, optional_inputs: dict, project_dir: Path) -> CacheHit | None:
        """The stored results, with generated files restored into ``project_dir``; None on a miss."""
        variant = self.find(key, optional_inputs)
        if variant is None:
            return None
        files = json.loads((variant / "files.json").read_text()) if (variant / "files.json").is_file() else []
        os.utime(variant)  # recently used variants survive pruning
        for rel in files:
            target = project_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(variant / "files" / rel, target)
        return CacheHit(ExecutedDocument.from_json((variant / "results.json").read_text(encoding="utf-8")),
                        json.loads((variant / "optional.json").read_text()), files)

    def store(self, key: str, executed: ExecutedDocument, optional: dict, project_dir: Path,
              generated: list[str]) -> None:
        """Keep ``executed`` as the variant of ``key`` for the optional fingerprints in ``optional``."""
        if self.root is None:
            return
        variant_name = cache_key(json.dumps(optional, sort_keys=True))[:16]
        entry = self.root / key / variant_name
        tmp = self.root / key / f".{variant_name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "files").mkdir(parents=True)
        for rel in generated:
            (tmp / "files" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(project_dir / rel, tmp / "files" / rel)
        (tmp / "files.json").write_text(json.dumps(generated))
        (tmp / "optional.json").write_text(json.dumps(optional, sort_keys=True))
        (tmp / "results.json").write_text(executed.to_json(), encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        self._prune()

    def _prune(self) -> None:
        variants = [v for k in self.root.iterdir() if k.is_dir() and not k.name.startswith(".")
                    for v in k.iterdir() if v.is_dir() and not v.name.startswith(".")]
        variants.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in variants[MAX_ENTRIES:]:
            shutil.rmtree(stale, ignore_errors=True)
            if not any(stale.parent.iterdir()):
                stale.parent.rmdir()
