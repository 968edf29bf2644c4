"""``project: resources:`` — files copied into the site as they are.

As in Quarto, each entry is a path or glob relative to the project folder; a
folder is copied whole; entries starting with ``!`` exclude. Resources are
copied after every document has run, so files the report's code writes (e.g.
``downloads/model.json``) are published with the pages that link to them.
"""
from __future__ import annotations

import shutil
from pathlib import Path


def resource_files(project_dir: Path, patterns: tuple) -> list[str]:
    """Project-relative posix paths of every file the patterns select, sorted."""
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    selected: set[str] = set()
    for pattern in include:
        for match in project_dir.glob(pattern.rstrip("/")):
            files = [match] if match.is_file() else [f for f in match.rglob("*") if f.is_file()]
            for file in files:
                selected.add(file.relative_to(project_dir).as_posix())
    for pattern in exclude:
        for match in project_dir.glob(pattern.rstrip("/")):
            prefix = match.relative_to(project_dir).as_posix()
            selected = {s for s in selected if s != prefix and not s.startswith(prefix + "/")}
    return sorted(selected)


def snapshot(project_dir: Path, patterns: tuple) -> dict:
    """``{path: (size, mtime_ns)}`` for the resource files, to see what a document writes."""
    out = {}
    for rel in resource_files(project_dir, patterns):
        stat = (project_dir / rel).stat()
        out[rel] = (stat.st_size, stat.st_mtime_ns)
    return out


def changed_since(project_dir: Path, patterns: tuple, before: dict) -> list[str]:
    after = snapshot(project_dir, patterns)
    return sorted(rel for rel, sig in after.items() if before.get(rel) != sig)


def copy_resources(project_dir: Path, patterns: tuple, site_dir: Path) -> list[str]:
    """Copy the selected files into ``site_dir``; returns what was copied."""
    copied = resource_files(project_dir, patterns)
    for rel in copied:
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project_dir / rel, target)
    return copied
