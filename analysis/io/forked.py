"""Run one computation in a forked child while this process does another.

The build's precompute (:mod:`analysis.io.precompute`) has two cores and two
independent halves of the evidence layer; threads would share one interpreter lock
through the Python-level loops (the median regression's IRLS). A forked child sees the
parent's arrays without copying them (copy-on-write), so nothing large is pickled on the
way in; its result comes back as one pickle in a private temporary folder.

If the child fails in any way (an exception, a signal, no result), the function is run
again here, so the caller gets the real result or the real exception with its real type.
Where ``fork`` does not exist, the function simply runs here when asked for.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .pickle_cache import read_entry, write_entry


def _run_and_store(function: Callable, args: tuple, out: Path) -> None:
    write_entry(out, (function(*args),))  # a 1-tuple: a result of None is still a result


@contextlib.contextmanager
def forked(function: Callable, *args) -> Iterator[Callable[[], object]]:
    """Start ``function(*args)`` in a child; the block gets a callable that returns its result.

    >>> with forked(sum, [1, 2, 3]) as result:
    ...     other = 10
    >>> result()
    6
    """
    if not hasattr(os, "fork"):  # pragma: no cover - not POSIX
        yield lambda: function(*args)
        return
    with tempfile.TemporaryDirectory(prefix="analysis-forked-") as folder:
        out = Path(folder) / "result.pkl"
        process = multiprocessing.get_context("fork").Process(target=_run_and_store, args=(function, args, out),
                                                             daemon=True)
        process.start()
        value: list = []

        def result():
            if not value:
                process.join()
                stored = read_entry(out) if process.exitcode == 0 else None
                value.append(stored[0] if stored is not None else function(*args))
            return value[0]

        try:
            yield result
            result()  # read before the folder goes, even if the block never asked
        finally:
            if process.is_alive():  # the block raised: the child's work is not wanted
                process.kill()
            process.join()
