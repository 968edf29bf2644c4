"""Where the numbers came from: code version, git commit, package versions."""
from __future__ import annotations

import functools
import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

from ..config import ROOT

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the whole analysis package
REPORTED_PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "great-tables")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of every source file in the ``analysis`` package.

    Caches key on it, so editing any module invalidates every cached result.
    """
    digest = hashlib.sha256()
    for source in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(source.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def git_commit() -> str:
    """The checked-out commit (with ``-dirty`` for local edits), or "unknown" outside git."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def package_versions() -> dict[str, str]:
    versions = {}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def data_date(path: Path) -> str:
    """When this data snapshot was made: its last commit if git holds it unchanged, else its mtime.

    A fresh clone gives every file the clone's time as mtime, so the commit date is
    the honest date for committed data; a refreshed, uncommitted file has its own.
    """
    path = Path(path).resolve()
    try:
        # Tracked first: an untracked file (any user's own export) then costs one git call, not two.
        tracked = subprocess.run(["git", "-C", str(path.parent), "ls-files", "--error-unmatch", path.name],
                                 capture_output=True, timeout=10).returncode == 0
        unchanged = tracked and subprocess.run(
            ["git", "-C", str(path.parent), "diff", "--quiet", "HEAD", "--", path.name],
            capture_output=True, timeout=10).returncode == 0
        if unchanged and tracked:
            stamp = subprocess.run(["git", "-C", str(path.parent), "log", "-1", "--format=%ct", "--", path.name],
                                   capture_output=True, text=True, timeout=10).stdout.strip()
            if stamp:
                return _utc(float(stamp))
    except (OSError, subprocess.SubprocessError):
        pass
    return _utc(path.stat().st_mtime)


def _utc(timestamp: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
