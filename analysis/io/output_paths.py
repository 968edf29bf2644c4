"""Where a command may write: never onto one of its own inputs, never onto a folder.

``fit x.csv --json x.csv`` or ``rfm log.csv --out log.csv`` would replace the
very file the user asked to read; refusing costs nothing and loses nothing.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import AnalysisError


class UnsafeOutputError(AnalysisError):
    """An output path that would destroy an input or is not a file name."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def checked_output_file(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None], option: str) -> Path:
    """``out`` as a path, or :class:`UnsafeOutputError` if it is a folder or one of ``inputs``.

    Inputs that are not local paths (an Ibis URL such as ``duckdb:///x.db#t``) are
    compared by the file they name when they have one.
    """
    target = Path(out).expanduser()
    if target.is_dir():
        raise UnsafeOutputError(f"{option} {target}: is a folder; give a file name inside it")
    for given in inputs:
        if given is None:
            continue
        candidate = _local_path(str(given))
        if candidate is not None and candidate.exists() and _same_file(candidate, target):
            raise UnsafeOutputError(f"{option} {target}: is the input file {candidate}; writing it would "
                                    "destroy the input, so choose another output name")
    return target


def _local_path(location: str) -> Path | None:
    if "://" in location:  # an Ibis URL: duckdb:///path.db#table names a file, a server URL does not
        scheme, rest = location.split("://", 1)
        path = rest.split("#", 1)[0]
        return Path(path) if scheme in {"duckdb", "sqlite"} and path.startswith("/") else None
    return Path(location).expanduser()
