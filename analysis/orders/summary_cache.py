"""Compute the Segmentation chapter's summary once per input; every later page reads it back.

The chapter and the executive brief run in separate Python processes and both need the
summary; computing it reads the whole order log and the CRM label file (the customer
table: at 1M customers that read alone is over a second, and the chapter's setup took
12 s under a loaded build). The key is what the numbers depend on, as for
:mod:`analysis.futures.cache`: the log's and the label file's content hashes, the as-of
date, the column roles, whether ``$ORDER_LOG`` chose the log, and the code version. A log
given as a warehouse URL has no cheap content hash, so it is always recomputed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from .. import config
from ..data import file_sha256
from ..io.pickle_cache import cached
from ..io.provenance import code_version
from .read import is_url

SUMMARY_CACHE_DIR = config.CACHE_DIR / "orders"


def summary_cache_key(location: str, as_of, specs: list[str], labels_path: Path, configured: bool) -> str | None:
    """A file name for this summary under the current code; None for a log that is not a local file."""
    log = Path(location)
    if is_url(location) or not log.is_file():
        return None
    labels = file_sha256(labels_path) if labels_path.is_file() else f"missing:{labels_path}"
    parts = [file_sha256(log), labels, str(as_of or "log-end"), repr(sorted(specs)), repr(configured), code_version()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def cached_summary(key: str | None, compute: Callable[[], object], cache_dir: Path | None = None):
    """``compute()``'s summary, read from the cache entry ``key`` when present (None: no cache).

    A failing ``compute`` raises as before and caches nothing, so a broken log is reported
    by every page that reads it.
    """
    if key is None:
        return compute()
    return cached((cache_dir or SUMMARY_CACHE_DIR) / f"{key}.pkl", compute)  # two pages at once: one computes
