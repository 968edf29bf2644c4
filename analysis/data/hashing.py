"""Content hashes of data files: what caches and provenance key on."""
from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells the reader before it parses anything.

    ``line_breaks`` counts ``\\n`` and ``\\r`` bytes: no CSV has more records than
    that plus one, so the reader can size its typed columns once instead of growing them.
    """

    sha256: str
    is_utf8: bool
    line_breaks: int


def scan_file(path: Path) -> FileScan:
    """Hash, UTF-8 validity and line breaks of a file, read block by block (never whole)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8, breaks = True, 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
            breaks += block.count(b"\n") + block.count(b"\r")
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
    return FileScan(sha256=digest.hexdigest(), is_utf8=is_utf8, line_breaks=breaks)
