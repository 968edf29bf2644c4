"""Fit once per data snapshot and code version; every chapter reuses the same results.

Quarto runs each chapter in its own Python process, so without this each chapter
would refit. The key is the data file's content hash plus the code version, so a
data refresh or a code change can never be served stale numbers.
"""
from __future__ import annotations

import os
from pathlib import Path

from .. import config
from ..io.pickle_cache import read_entry, write_entry
from ..data import file_sha256, load_customers
from .fit import fit_model
from ..io.provenance import code_version
from .results import ModelResults


def results_cache_key(data_sha256: str, reference: str | None) -> str:
    return f"{data_sha256[:24]}-{code_version()}-{(reference or 'default').replace(' ', '_')}"


def load_results(data: str | Path | None = None, reference: str | None = None,
                 cache_dir: Path | None = None) -> ModelResults:
    """The fitted model for ``data`` (default: :func:`analysis.config.data_path`).

    Parameters
    ----------
    data : path, optional
        The customer table; else ``$CUSTOMER_DATA``, else ``data/customers.csv``.
    reference : str, optional
        Reference segment; else ``$CUSTOMER_REFERENCE``, else the model's default.
    """
    path = config.data_path(data)
    reference = reference or os.environ.get(config.REFERENCE_ENV_VAR) or None
    cache_dir = cache_dir or config.RESULTS_CACHE_DIR
    cache_file = cache_dir / f"{results_cache_key(file_sha256(path), reference)}.pkl"
    cached = read_entry(cache_file)
    if cached is not None:
        return cached
    results = fit_model(load_customers(path), reference=reference)
    write_entry(cache_file, results)
    return results
