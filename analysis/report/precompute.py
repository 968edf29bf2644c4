"""Compute, once and before any page runs, the frozen results the pages read.

Every page's setup reads cached results (:mod:`analysis.model.cache`, the futures and
order-log summary caches), and the first page to ask used to compute them while the
other kernel slot waited on the cache lock: at 1M customers that was 35 s with one of
the two cores idle. Here the build's own process computes the customer model and its
evidence from the table it has just validated (no second read), while a second process
computes the order-log side (the customer futures and the Segmentation summary). The
pages then only read.

Nothing here is required for correctness: a failure is reported in one line and the
page that needs the result computes it and reports the error itself, naming its chunk.
Downloads are left to the pages, so the renderer's cache still records them as the
pages' own files.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

from .. import config


def precompute(table, env: dict, progress: Callable[[str], None]) -> None:
    """Fill the result caches the pages read, for the customer ``table`` and the kernels' ``env``.

    ``table`` is the validated :class:`~analysis.data.read.CustomerTable`, or None for a
    warehouse table (fitted in the engine before the build). ``env`` holds the variables
    the kernels get on top of this process's environment (a value of None unsets one).
    """
    full_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    started = time.perf_counter()
    order_side = subprocess.Popen([sys.executable, "-m", __name__], env=full_env, cwd=config.ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        if table is not None:
            _customer_side(table, progress)
            progress(f"  precomputed the model and its evidence in {time.perf_counter() - started:.1f}s")
    finally:
        _, errors = order_side.communicate()
        if order_side.returncode != 0:
            last = (errors.strip().splitlines() or ["no message"])[-1]
            progress(f"  precompute of the order-log results failed ({last}); the pages will report it")
        else:
            progress(f"  precomputed the order-log results in {time.perf_counter() - started:.1f}s")


def _customer_side(table, progress: Callable[[str], None]) -> None:
    from ..model.cache import load_evidence, load_results

    try:
        load_evidence(load_results(table.path, customers=table), parallel=True)
    except Exception as error:  # the pages recompute and report it with their chunk's name
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        progress(f"  precompute of the model failed ({first}); the pages will report it")


def _order_side() -> int:
    """The customer futures and the Segmentation summary, as the pages' environment asks."""
    from ..futures.environment import futures_from_environment
    from ..orders.summary import summary_from_environment

    futures_from_environment()
    summary_from_environment()
    return 0


if __name__ == "__main__":
    sys.exit(_order_side())
