"""Compute the customer-futures run once per build; every later page reads it back.

The chapter and the executive brief run in separate Python processes (as Quarto
runs them), and one run fits two pymc-marketing models (tens of seconds). The key
is what the numbers depend on: the order log's content hash (its name for a
warehouse URL), the CRM label file's hash, the as-of date, the column roles, the
options and the code version (:func:`analysis.io.provenance.code_version`), so a
refreshed log or an edited module is never served stale numbers. Same scheme as
:mod:`analysis.model.cache` for the model results.

The fitted library models are dropped before pickling: they hold compiled pytensor
graphs, and nothing that renders reads them (every prediction is a column of
``run.customers`` already).
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from .. import config
from ..data import file_sha256
from ..io.pickle_cache import cached
from ..io.provenance import code_version
from .environment import FuturesRequest

FUTURES_CACHE_DIR = config.CACHE_DIR / "futures"


def _content(location: str | None) -> str:
    if location is None:
        return "none"
    path = Path(location)
    return file_sha256(path) if path.is_file() else location


def futures_cache_key(request: FuturesRequest) -> str:
    """A file name for this request's run under the current code."""
    parts = [_content(request.location), _content(request.labels), request.as_of or "log-end",
             repr(request.columns), repr(request.options), code_version()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def cacheable(run):
    """The run without the fitted library models (not picklable, and never rendered)."""
    changes = {name: dataclasses.replace(getattr(run, name), model=None)
               for name in ("bgnbd", "gamma_gamma") if getattr(run, name) is not None}
    if run.season_adjusted is not None:
        changes["season_adjusted"] = dataclasses.replace(
            run.season_adjusted, bgnbd=dataclasses.replace(run.season_adjusted.bgnbd, model=None))
    return dataclasses.replace(run, **changes)


def load_futures(request: FuturesRequest, cache_dir: Path | None = None):
    """The :class:`~analysis.futures.pipeline.FuturesRun` for ``request``: cached, else computed and cached."""
    cache_file = (cache_dir or FUTURES_CACHE_DIR) / f"{futures_cache_key(request)}.pkl"
    # Pages execute in parallel: the first to arrive computes, the others wait for its file
    # instead of fitting the same models at the same time on the same cores.
    return cached(cache_file, lambda: _compute(request))


def _compute(request: FuturesRequest):
    from ..orders.roles import parse_column_roles
    from .pipeline import compute_futures

    return cacheable(compute_futures(request.location, request.as_of, roles=parse_column_roles(list(request.columns)),
                                     options=request.options, labels=request.labels))
