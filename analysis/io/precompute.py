"""Compute, once and before any page runs, the frozen results the pages read.

Every page's setup reads cached results (:mod:`analysis.model.cache`, the futures and
order-log summary caches), and the first page to ask used to compute them while the
other kernel slot waited on the cache lock: at 1M customers that was 35 s with one of
the two cores idle. Here the build's own process computes the customer model and its
evidence from the table it has just validated (no second read; the checks in a forked
child while this process cross-validates), and a second process computes the order-log
side (the customer futures and the Segmentation summary). The pages then only read.

Nothing here is required for correctness: a failure is reported in one line and the
page that needs the result computes it and reports the error itself, naming its chunk.
Downloads are left to the pages, so the renderer's cache still records them as the
pages' own files.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

from .. import config


@contextlib.contextmanager
def precomputing(table, env: dict, progress: Callable[[str], None]) -> Iterator[Callable[..., None]]:
    """A ``prepare`` callable for the build; leaving the block waits for the order-log side.

    ``table`` is the validated :class:`~analysis.data.read.CustomerTable`, or None for a
    warehouse table (fitted in the engine before the build). ``env`` holds the variables
    the kernels get on top of this process's environment (a value of None unsets one).
    Calling the callable starts the order-log side in its own process and computes the
    customer side here (skipped when its cache entries exist). The order-log side is not
    waited for: a page that needs it first waits on its cache lock, never computes it twice.
    """
    running: list = []

    def prepare(_pending=None) -> None:
        if running:
            return
        full_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
        running.append((time.perf_counter(), subprocess.Popen(
            [sys.executable, "-m", __name__], env=full_env, cwd=config.ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
        if table is not None:
            _customer_side(table, progress)

    try:
        yield prepare
    except BaseException:  # the build failed or was interrupted: the order-log side is not wanted
        for _, order_side in running:
            order_side.kill()
        raise
    finally:
        for started, order_side in running:
            _, errors = order_side.communicate()
            if order_side.returncode < 0:  # killed above
                continue
            if order_side.returncode != 0:
                from ..data.public_url import scrub_urls

                last = scrub_urls((errors.strip().splitlines() or ["no message"])[-1])  # never a password
                progress(f"  precompute of the order-log results failed ({last}); "
                         "a page that needs them reports the error itself")
            else:
                progress(f"  precomputed the order-log results in {time.perf_counter() - started:.1f}s (or less)")


def _customer_side(table, progress: Callable[[str], None]) -> None:
    from ..model.cache import evidence_file, load_evidence, load_results

    started = time.perf_counter()
    try:
        results = load_results(table.path, customers=table)
        if evidence_file(results).is_file():
            return  # computed by an earlier build: the pages read it (reading it here would cost its imports)
        load_evidence(results, parallel=True)
        progress(f"  precomputed the model and its evidence in {time.perf_counter() - started:.1f}s")
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
