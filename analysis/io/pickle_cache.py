"""Read and write one cache entry: a pickle that is either whole or absent.

Shared by the model-results cache (:mod:`analysis.model.cache`), the
customer-futures cache (:mod:`analysis.futures.cache`) and the Segmentation
summary cache (:mod:`analysis.orders.summary_cache`), which differ only in their
keys: :func:`cached` is the whole protocol.
"""
from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def entry_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s entry across processes (a ``.lock`` file beside it).

    A site build runs two chapter kernels at once and both ask for the same entry first: without
    the lock both computed it (two 1M-customer fits and evidence layers racing for two cores);
    with it the second waits and reads the first one's pickle. Where ``fcntl`` is missing
    (Windows) the lock is a no-op: both compute, as before, and the atomic write keeps the entry whole.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached(path: Path, compute: Callable[[], object]):
    """The pickled value at ``path``, else ``compute()`` written there atomically.

    One process computes a missing entry; another asking meanwhile waits on the lock and
    reads it. A failing ``compute`` raises and writes nothing.
    """
    value = read_entry(path)
    if value is None:  # absent, corrupt or outdated: recomputed
        with entry_lock(path):
            value = read_entry(path)  # written while this process waited?
            if value is None:
                value = compute()
                write_entry(path, value)
    return value
