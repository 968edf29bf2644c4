"""Read and write one cache entry: a pickle that is either whole or absent.

Shared by the model-results cache (:mod:`analysis.model.cache`) and the
customer-futures cache (:mod:`analysis.futures.cache`), which differ only in
their keys.
"""
from __future__ import annotations

import pickle
from pathlib import Path

from .atomic import atomic_output


def read_entry(path: Path):
    """The cached object, or ``None`` when absent, corrupt or pickled by code that no longer exists."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # the caller recomputes and overwrites it


def write_entry(path: Path, value) -> None:
    """Pickle ``value`` to ``path`` atomically (a reader never sees half an entry)."""
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
