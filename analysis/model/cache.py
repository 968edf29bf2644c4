"""Fit once per data snapshot and code version; every chapter reuses the same results.

Quarto runs each chapter in its own Python process, so without this each chapter
would refit. The key is the data file's content hash plus the code version, so a
data refresh or a code change can never be served stale numbers. The numbers
depend on the content only, but the provenance a page prints (file name, path,
date) does not: it is filled in from the file actually read, after the cache, so
identical content under two names never names the other file.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from .. import config
from ..io.pickle_cache import cached
from ..data import file_sha256, load_customers
from .fit import fit_model
from ..io.provenance import code_version, data_date
from .results import ModelResults


def results_cache_key(data_sha256: str, reference: str | None) -> str:
    return f"{data_sha256[:24]}-{code_version()}-{(reference or 'default').replace(' ', '_')}"


def load_results(data: str | Path | None = None, reference: str | None = None,
                 cache_dir: Path | None = None, customers=None) -> ModelResults:
    """The fitted model for ``data`` (default: :func:`analysis.config.data_path`).

    Parameters
    ----------
    data : path, optional
        The customer table; else ``$CUSTOMER_DATA``, else ``data/customers.csv``.
    reference : str, optional
        Reference segment; else ``$CUSTOMER_REFERENCE``, else the model's default.
    customers : CustomerTable, optional
        ``data`` already loaded and validated (the build has just done it): fitted, not read again.
    """
    path = config.data_path(data)
    reference = reference or os.environ.get(config.REFERENCE_ENV_VAR) or None
    cache_dir = cache_dir or config.RESULTS_CACHE_DIR
    if customers is not None and Path(customers.path) != Path(path).resolve():
        raise ValueError(f"load_results: the loaded table {customers.path} is not {path}")
    sha256 = customers.sha256 if customers is not None else file_sha256(path)
    cache_file = cache_dir / f"{results_cache_key(sha256, reference)}.pkl"
    results = cached(cache_file, lambda: fit_model(customers if customers is not None else load_customers(path),
                                                    reference=reference))
    return with_provenance_of(results, path)


def with_provenance_of(results: ModelResults, path: Path) -> ModelResults:
    """``results`` naming ``path`` (its location and date), whichever same-content file was fitted."""
    snapshot = replace(results.data, path=Path(path).resolve(), modified_utc=data_date(Path(path)))
    return results if snapshot == results.data else replace(results, data=snapshot)


def load_evidence(results: ModelResults, cache_dir: Path | None = None, parallel: bool = False):
    """The evidence of issues 10 and 11 for ``results``, computed once per results and cached beside them.

    Keyed exactly like the results (data hash, code version, reference), so it is as fresh
    as they are; every chapter's process then reads the pickle. ``parallel``: see
    :func:`analysis.model.evidence.build_model_evidence` (the build's precompute sets it).
    """
    from .evidence import build_model_evidence  # the evidence layer loads only when a page needs it
    return cached(evidence_file(results, cache_dir), lambda: build_model_evidence(results, parallel=parallel))


def evidence_file(results: ModelResults, cache_dir: Path | None = None) -> Path:
    """Where :func:`load_evidence` keeps the evidence of ``results`` (it may not exist yet)."""
    key = results_cache_key(results.data.sha256, results.reference)
    return (cache_dir or config.RESULTS_CACHE_DIR) / f"{key}-evidence.pkl"


def load_warehouse(url: str, reference: str | None = None, cache_dir: Path | None = None,
                   trust_build_key: bool = True):
    """The in-engine build (:class:`~analysis.model.engine.warehouse.WarehouseBuild`) for a table URL.

    Cached like :func:`load_results`, keyed by the table's content fingerprint (row count
    and row-hash sums, one aggregate query), so every chapter's process reads one pickle
    instead of refitting in the engine. Under ``python -m analysis render`` the build has
    computed that key already and passes it to its kernels
    (:func:`~analysis.model.engine.warehouse.trusted_key`): they then read the pickle
    without opening the table at all. The build itself passes ``trust_build_key=False``:
    it always scans, so a key inherited from its own environment is never used.
    """
    from .engine.warehouse import close, fingerprint, load_warehouse_results, open_table, sample_size, trusted_key

    reference = reference or os.environ.get(config.REFERENCE_ENV_VAR) or None
    cache_dir = cache_dir or config.RESULTS_CACHE_DIR
    key = trusted_key(url) if trust_build_key else None
    table = None
    try:
        if key is None:
            table = open_table(url)
            key = fingerprint(table, url)
        size = sample_size()
        cache_file = cache_dir / f"{results_cache_key(key, reference)}-warehouse-{size}.pkl"
        return cached(cache_file, lambda: load_warehouse_results(url, reference, size, table=table, key=key))
    finally:
        if table is not None:
            close(table)
