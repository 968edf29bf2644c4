"""The one call every chapter's hidden setup chunk makes: ``b = report.setup()``.

It fits (or reuses the cached fit for) the configured data, builds the campaign
lists and the comparison with the previous build once, and makes sure the
downloads beside the site describe these exact results, so a page and its
downloads can never come from different data. Chapters then call render
functions only: ``tables.coefficients(b.results)``, ``briefing.actions_markdown(b.targeting)``,
``changes.what_changed(b.changes)``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from .. import config
from ..futures.cache import futures_cache_key
from ..futures.environment import futures_request
from ..io.downloads import downloads_current, write_downloads, write_target_lists
from ..io.pickle_cache import entry_lock
from ..io.previous_model import read_previous_model
from ..model.cache import load_evidence, load_results
from ..model.evidence import ModelEvidence
from ..model.changes import Comparison, compare_with_previous
from ..model.results import ModelResults
from ..model.targeting import Targeting

DOWNLOADS_DIR = config.DOWNLOADS_DIR
FUTURES_SECTION = "customer_futures"


@dataclass(frozen=True)
class ReportBundle:
    """Everything a chapter renders: the fitted model, the campaign lists, what changed."""

    results: ModelResults
    targeting: Targeting              # built from the best cross-validated model's predictions
    evidence: ModelEvidence | None = None   # issues 10 and 11, computed once, cached with the results
    previous: str | os.PathLike | None = None

    @cached_property
    def changes(self) -> Comparison:
        """This build against the previous one, read only when a page asks.

        Reading the previous ``model.json`` makes a page depend on it (the builtin
        renderer's per-page cache re-runs exactly the pages that read it).
        """
        return compare_with_previous(self.results, read_previous_model(self.previous))


def setup(data: str | Path | None = None, downloads: Path | None = None,
          previous: str | os.PathLike | None = None) -> ReportBundle:
    """The bundle for the configured data, with downloads in place for exactly these results.

    Parameters
    ----------
    data : path, optional
        The customer table; else ``$CUSTOMER_DATA``, else ``data/customers.csv``.
    downloads : Path, optional
        Where the downloads are written; default :func:`analysis.config.downloads_dir`
        (this build's own folder under ``python -m analysis render``).
    previous : path, optional
        The previous build's ``model.json``; default ``$REPORT_PREVIOUS_MODEL``.
    """
    pd.set_option("display.width", 120)
    downloads = Path(downloads) if downloads is not None else config.downloads_dir()
    location = config.data_path(data)
    extra: dict = {}
    if isinstance(location, str):  # a table URL: the in-engine build (analysis.model.engine.warehouse)
        from ..model.cache import load_warehouse

        build = load_warehouse(location)
        results, targeting = build.results, build.targeting
        evidence = load_evidence(build.sample_results)  # the refitting sections: the bounded sample
        extra = {"warehouse": warehouse_contract(results)}
    else:
        results = load_results(location)
        evidence = load_evidence(results)
        targeting = evidence.targeting
    request = futures_request()
    key = futures_cache_key(request) if request is not None else None
    stamps = {FUTURES_SECTION: key}
    if not downloads_current(results, downloads, stamps):
        # Two pages start together and both find no downloads: one writes them, the other waits.
        with entry_lock(_downloads_lock(downloads)):
            if not downloads_current(results, downloads, stamps):
                write_target_lists(targeting, downloads)
                futures = _futures_downloads(request, key)
                # model.json last: it marks the set as complete
                write_downloads(results, downloads,
                                extra_json={**evidence.contract(), **extra, **futures["extra_json"]},
                                extra_files=futures.get("extra_files"))
    return ReportBundle(results=results, targeting=targeting, evidence=evidence, previous=previous)


def _downloads_lock(downloads: Path) -> Path:
    """The lock's entry for a downloads folder: kept in the cache, never among the downloads."""
    import hashlib

    name = hashlib.sha256(str(Path(downloads).resolve()).encode()).hexdigest()[:24]
    return config.CACHE_DIR / "locks" / f"downloads-{name}"


def warehouse_contract(results) -> dict:
    """``model.json``'s ``warehouse`` section: where the rows stayed and what came back."""
    from ..model.engine.targeting import LIST_EXPORT
    from ..model.engine.warehouse import SCORES_EXPORT

    return {"source": results.source_url, "fitted_in": "engine", "customers": results.population,
            "misaligned_by_segment": dict(results.misaligned_by_segment or {}),
            "evidence_sample": results.sample_size, "scores_export": SCORES_EXPORT, "list_export": LIST_EXPORT}


def _futures_downloads(request, key) -> dict:
    """``customer_futures`` in model.json and ``customer_futures.csv``, from the one cached run."""
    if request is None:
        return {"extra_json": {FUTURES_SECTION: None}}
    from ..futures.cache import load_futures
    from ..futures.command import CUSTOMER_FUTURES_FILE
    from ..futures.outputs import model_json_section, write_customer_futures

    run = load_futures(request)
    return {"extra_json": {FUTURES_SECTION: {**model_json_section(run), "cache_key": key}},
            "extra_files": {CUSTOMER_FUTURES_FILE: lambda path: write_customer_futures(run, path)}}
