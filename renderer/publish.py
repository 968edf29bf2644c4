"""Build into a temporary folder and swap it in only on success.

The staging folder sits next to the output folder, so the final step is a
rename on one filesystem. On Linux the swap is a single ``renameat2(
RENAME_EXCHANGE)``; elsewhere the old folder is renamed away and the new one
renamed in. A failed build removes its staging folder and never touches the
published site.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False when the platform cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def publish(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with ``staging``."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now holds the previous site
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old)


@contextmanager
def staged_output(out_dir: Path):
    """Yield an empty staging folder; publish it to ``out_dir`` if the block succeeds.

    Any exception deletes the staging folder and leaves ``out_dir`` exactly as it was.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
