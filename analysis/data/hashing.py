"""Content hashes of data files: what caches and provenance key on."""
from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells the reader: its hash and whether it is UTF-8."""

    sha256: str
    is_utf8: bool


def _line_breaks(block: bytes) -> int:
    """``block.count(b"\\n") + block.count(b"\\r")``, vectorised.

    A third of the time of the two ``bytes.count`` calls (23 ms against 68 ms over a
    38 MB file, 2026-12-01), and numpy releases the GIL while it counts.
    """
    octets = np.frombuffer(block, dtype=np.uint8)
    return int(np.count_nonzero(octets == 10)) + int(np.count_nonzero(octets == 13))


def count_line_breaks(path: Path) -> int:
    """``\\n`` and ``\\r`` bytes in a file, read block by block (never whole).

    No CSV has more records than that plus one, so the reader can size its typed
    columns once instead of growing them.
    """
    breaks = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            breaks += _line_breaks(block)
    return breaks


def is_utf8_start(prefix: bytes) -> bool:
    """Whether the start of a file is UTF-8 as far as it goes (a character cut off at its end allowed)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=False)
    except UnicodeDecodeError:
        return False
    return True


def scan_file(path: Path) -> FileScan:
    """Hash and UTF-8 validity of a file, read block by block (never whole).

    hashlib releases the GIL while it hashes, so this runs on a second thread while
    Arrow reads the same file (:func:`analysis.data.read.load_customers`).
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
            if is_utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)  # a multi-byte character cut off by the end of the file
        except UnicodeDecodeError:
            is_utf8 = False
    return FileScan(sha256=digest.hexdigest(), is_utf8=is_utf8)
