"""Build into a temporary folder and swap it in only on success, never replacing what is not a site.

The staging folder sits next to the output folder, so the final step is a
rename on one filesystem. On Linux the swap is a single ``renameat2(
RENAME_EXCHANGE)``; elsewhere the old folder is renamed away and the new one
renamed in. A failed build removes its staging folder and never touches the
published site.

Publishing is destructive (the old folder goes), so the target is checked
first: only a missing path, an empty folder, or a folder that carries the
marker file a previous build wrote (:data:`SITE_MARKER`) may be replaced.
A user's folder, a file, the project itself or the home folder are refused
before any work starts.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import RenderError

# Written into every site this renderer publishes; its presence is what allows a later build to replace it.
SITE_MARKER = ".rendered-site"
_MARKER_TEXT = "This folder was published by the report's renderer; a later build may replace it whole.\n"
# Staging and scratch folders carry the builder's pid, so a later build can tell orphans from live builds.
_STAGING_INFIX = ".building-"
_OLD_INFIX = ".old-"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class PublishError(RenderError):
    """The output folder cannot be used or written; the message names the path and the cause."""


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False when the platform cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def os_error_message(error: OSError, action: str) -> str:
    """One line naming the path and the cause, for errors a user can fix (read-only, full disk, ...)."""
    path = error.filename or "?"
    cause = error.strerror or str(error)
    hints = {errno.EROFS: "the filesystem is read-only", errno.ENOSPC: "no space left on the device",
             errno.EBUSY: "the path is busy (a mount point?)", errno.EACCES: "permission denied",
             errno.EPERM: "operation not permitted", errno.EISDIR: "it is a folder",
             errno.ENOTDIR: "a parent is not a folder", errno.EDQUOT: "disk quota exceeded"}
    return f"cannot {action} {path}: {hints.get(error.errno, cause)}"


def _protected_folders(extra: tuple[Path, ...]) -> list[Path]:
    folders = [Path("/"), Path.home().resolve()]
    folders.extend(Path(p).resolve() for p in extra)
    return folders


def check_output_folder(out_dir: Path, protect: tuple[Path, ...] = ()) -> Path:
    """The resolved output folder, or :class:`PublishError` if replacing it could lose someone's files.

    Parameters
    ----------
    out_dir : Path
        Where the site is to be published.
    protect : tuple of Path
        Folders that must never be replaced, nor any folder that contains them
        (the project root, typically).
    """
    target = Path(out_dir).expanduser().resolve()
    for folder in _protected_folders(protect):
        if target == folder or folder.is_relative_to(target):
            raise PublishError(f"refusing to publish into {target}: it is or contains {folder}; "
                               "choose a new folder such as _site")
    if target.exists() and not target.is_dir():
        raise PublishError(f"refusing to publish into {target}: it is a file, not a folder")
    if target.is_dir():
        if os.path.ismount(target):
            raise PublishError(f"refusing to publish into {target}: it is a mount point and cannot be "
                               "swapped; publish into a folder inside it")
        try:
            entries = [entry.name for entry in os.scandir(target)]
        except OSError as error:
            raise PublishError(os_error_message(error, "read")) from None
        if entries and SITE_MARKER not in entries:
            raise PublishError(f"refusing to replace {target}: it holds {len(entries)} item(s) and no "
                               f"{SITE_MARKER} marker, so it is not a site this renderer published; "
                               "empty it or choose another folder")
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _pid_of(name: str, prefix: str) -> int | None:
    rest = name[len(prefix):]
    digits = rest.split("-", 1)[0]
    return int(digits) if digits.isdigit() else None


def clean_orphans(parent: Path, prefix: str) -> list[Path]:
    """Remove ``prefix<pid>-*`` folders left by killed builds; only marked ones whose pid is gone."""
    removed = []
    try:
        candidates = [entry for entry in os.scandir(parent) if entry.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in candidates:
        pid = _pid_of(entry.name, prefix)
        folder = Path(entry.path)
        if (pid is None or pid == os.getpid() or _alive(pid) or not entry.is_dir(follow_symlinks=False)
                or not (folder / SITE_MARKER).is_file()):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _make_marked_folder(parent: Path, prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    (folder / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    return folder


@contextmanager
def scratch_folder(label: str):
    """A private scratch folder in the system temp dir, removed afterwards; orphans of killed builds go too."""
    parent = Path(tempfile.gettempdir())
    prefix = f"{label}-"
    clean_orphans(parent, prefix)
    folder = _make_marked_folder(parent, prefix)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with ``staging`` (both already checked)."""
    # mkdtemp makes 0700; a web server running as another user must be able to read the site.
    os.chmod(staging, 0o777 & ~_current_umask())
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now holds the previous site
        return
    old = out_dir.with_name(f".{out_dir.name}{_OLD_INFIX}{os.getpid()}-0")
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old)


@contextmanager
def staged_output(out_dir: Path, protect: tuple[Path, ...] = ()):
    """Yield an empty (marked) staging folder; publish it to ``out_dir`` if the block succeeds.

    The target is checked first (:func:`check_output_folder`). Any exception
    deletes the staging folder and leaves ``out_dir`` exactly as it was; an
    ``OSError`` (read-only, full disk, busy, permission) becomes a one-line
    :class:`PublishError` naming the path.
    """
    out_dir = check_output_folder(out_dir, protect)
    staging = None
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        for infix in (_STAGING_INFIX, _OLD_INFIX):
            clean_orphans(out_dir.parent, f".{out_dir.name}{infix}")
        staging = _make_marked_folder(out_dir.parent, f".{out_dir.name}{_STAGING_INFIX}")
    except OSError as error:
        raise PublishError(os_error_message(error, "write")) from None
    try:
        yield staging
        publish(staging, out_dir)
    except OSError as error:
        raise PublishError(os_error_message(error, "write")) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
