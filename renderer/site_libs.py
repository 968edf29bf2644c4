"""Third-party JavaScript for the site, installed by npm from ``renderer/js/package-lock.json``.

The packages are pinned by the lock file and installed with ``npm ci --prefix
renderer/js`` (the Makefile's setup and the workflow do this). A build copies
each script with its licence into ``site_libs/<package>/``, so a page loads
nothing from the network.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from .errors import RenderError

JS_DIR = Path(__file__).parent / "js"
# package name -> (file inside the package, where it goes under site_libs/)
_SCRIPTS = {"fuse.js": ("dist/fuse.min.js", "fuse/fuse.min.js")}


def _installed(package: str) -> Path:
    folder = JS_DIR / "node_modules" / package
    wanted = json.loads((JS_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"][package]
    manifest = folder / "package.json"
    if not manifest.is_file():
        raise RenderError(f"{package} is not installed in {JS_DIR / 'node_modules'}: "
                          f"run `npm ci --prefix {JS_DIR}` (make setup does this)")
    found = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if found != wanted:
        raise RenderError(f"{package} {found} is installed but package.json pins {wanted}: "
                          f"run `npm ci --prefix {JS_DIR}`")
    return folder


def copy_site_libs(site_dir: Path) -> list[str]:
    """Copy every pinned script and its licence into ``site_dir/site_libs``; returns site paths."""
    written = []
    for package, (source, target) in _SCRIPTS.items():
        folder = _installed(package)
        destination = site_dir / "site_libs" / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / source, destination)
        shutil.copyfile(folder / "LICENSE", destination.parent / "LICENSE")
        written.append(f"site_libs/{target}")
    return written
