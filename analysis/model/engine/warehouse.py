"""The report's results for a warehouse table: the in-engine fit, its aggregates, a bounded sample.

``python -m analysis render --data 'duckdb:///shop.db#customers'`` builds the site
from :func:`load_warehouse_results`, never pulling the table into Python:

- the model (coefficients, both SEs, tests, diagnostics, misaligned counts) is
  :func:`~.fit.fit_in_engine`, over every row;
- what figures and sentences read from the rows (densities, Q-Q, quantiles, box
  statistics, the segment profile, labelled customers) is :func:`~.summary.summarise`;
- the campaign lists are counted in the engine and exported top-N (:mod:`.targeting`);
  the scores download is the :data:`SCORES_EXPORT` misaligned customers with the
  highest RFM-predicted value (:func:`~.scores.top_misaligned`);
- the sections that refit on rows (competing models, cross-validation, gains,
  calibration, prediction intervals, influence refits) run on a random sample of
  :data:`SAMPLE_SIZE` customers drawn in the engine with a fixed hash, and say so.

The results are a :class:`WarehouseResults`, a :class:`~analysis.model.results.ModelResults`
whose ``customers`` frame is that sample and whose population numbers come from the
engine (:mod:`analysis.model.derived` reads ``engine`` when present).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import ibis
import pandas as pd

from ...config import WAREHOUSE_KEY_ENV_VAR
from ...data import ID_COLUMN, OUTCOME, PREDICTORS, SEGMENT_COLUMN, canonical_segment
from ...data.public_url import public_url
from ...data.schema import CustomerTable
from ..results import DataSnapshot, ModelResults
from ..targeting import Targeting
from .fit import EngineFit, data_fingerprint, fit_in_engine, open_customer_table
from .scores import top_misaligned
from .sufficient import fingerprint_sums
from .summary import EngineSummary, opaque, summarise
from .targeting import LIST_EXPORT, engine_targeting

SAMPLE_SIZE = 20_000          # rows the refitting sections use: CV of five models on it takes seconds
SAMPLE_ENV = "REPORT_WAREHOUSE_SAMPLE"   # override (tests use a sample smaller than their table)
SAMPLE_SALT = "customer-value-sample-v1"  # the fixed "seed" of the hash sample
SCORES_EXPORT = 10_000        # rows of customer_scores.csv for a warehouse table


@dataclass(frozen=True)
class WarehouseResults(ModelResults):
    """In-engine results: population numbers from the engine, ``customers`` a bounded sample."""

    engine: EngineSummary | None = None
    misaligned_by_segment: dict | None = None
    source_url: str = ""            # credentials stripped (analysis.data.public_url)
    population: int = 0
    scores_export: pd.DataFrame | None = None

    @property
    def sample_size(self) -> int:
        return len(self.customers)

    def misaligned_count(self, segment: str | None = None) -> int:
        counts = self.misaligned_by_segment or {}
        return int(sum(counts.values()) if segment is None else counts.get(segment, 0))


@dataclass(frozen=True)
class WarehouseBuild:
    """What :func:`analysis.report.setup` needs: results, engine-built lists and the sample's own fit."""

    results: WarehouseResults
    targeting: Targeting
    sample_results: ModelResults    # the in-memory fit of the sample: what the evidence sections refit


def engine_url(url: str) -> str:
    """``url`` as the build opens it: a DuckDB file read-only, so the chapters' processes can share it.

    DuckDB lets one process write a file or many read it; the build never writes (its one
    temporary view lives in the connection's in-memory catalog).
    """
    base, hash_, table = url.partition("#")
    if not base.lower().startswith("duckdb://") or ":memory:" in base or base.rstrip("/").lower() == "duckdb:":
        return url
    if "read_only" in base.lower():
        return url
    return f"{base}{'&' if '?' in base else '?'}read_only=true{hash_}{table}"


def open_table(url: str) -> ibis.Table:
    """The customer table at ``url`` (read-only where the engine allows); errors name the public URL only."""
    from ...errors import AnalysisError

    opened = engine_url(url)
    try:
        return open_customer_table(opened)
    except AnalysisError as error:
        message = str(error)
        for secret in (opened, url):
            for form in (secret, secret.partition("#")[0]):
                message = message.replace(form, public_url(form))
        raise AnalysisError(message) from None


def close(table: ibis.Table) -> None:
    """Release the engine connection (a DuckDB file lock) once the build has what it needs."""
    try:
        table._find_backend().disconnect()
    except Exception:  # noqa: BLE001 - a backend without disconnect, or already closed
        pass


def sample_size() -> int:
    text = os.environ.get(SAMPLE_ENV, "").strip()
    return int(text) if text else SAMPLE_SIZE


def fingerprint(table: ibis.Table, url: str) -> str:
    """The cache key of ``url``'s content: :func:`cache_key` of one count-and-row-hash query.

    Integer sums only: the same table gives the same key on every run. (A key made of
    float sums was not: a parallel engine adds them in a different order each time, so
    at 1M rows no two chapters' keys agreed and every chapter refitted the table.)
    """
    row = table.aggregate(n=table.count(), **fingerprint_sums(table)).to_pandas().iloc[0]
    content = data_fingerprint(table._find_backend().name, int(row["n"]),
                               int(row["fingerprint_low"] or 0), int(row["fingerprint_high"] or 0))
    return cache_key(url, content)


def cache_key(url: str, content: str) -> str:
    """The public URL (it names the pages' provenance) and the content's row fingerprint, hashed."""
    return hashlib.sha256(f"warehouse-v2|{public_url(url)}|{content}".encode()).hexdigest()


def build_token(url: str, key: str) -> str:
    """The value of ``$REPORT_WAREHOUSE_BUILD_KEY`` that lets a chapter's kernel trust ``key`` for ``url``."""
    return f"{_url_digest(url)}:{key}"


def trusted_key(url: str) -> str | None:
    """The key ``python -m analysis render`` computed for ``url`` in this build, if it passed one.

    Only a token naming this very URL counts; a kernel started any other way (``quarto
    render`` on its own, a notebook) finds none, or one for another URL, and computes the key.
    """
    digest, _, key = os.environ.get(WAREHOUSE_KEY_ENV_VAR, "").partition(":")
    return key if key and digest == _url_digest(url) else None


def _url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def draw_sample(fit: EngineFit, size: int) -> pd.DataFrame:
    """``size`` customers chosen by a salted engine hash of CustomerID: the same rows on every build.

    ``ORDER BY hash LIMIT size`` is a bounded top-N in the engine (one scan); only
    the sample's contract columns come back, segment labels made canonical here.
    """
    table = fit.table
    key = (table[ID_COLUMN].cast("string") + ibis.literal(SAMPLE_SALT)).hash()
    frame = (table.mutate(_key=key).order_by(["_key", ID_COLUMN]).limit(size)
             .select(table[ID_COLUMN].cast("string").name(ID_COLUMN),
                     *(table[c].cast("float64").name(c) for c in (OUTCOME, *PREDICTORS)), table[SEGMENT_COLUMN])
             .to_pandas())
    frame[SEGMENT_COLUMN] = frame[SEGMENT_COLUMN].map(lambda label: canonical_segment(str(label)))
    frame = frame.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)
    return frame[[ID_COLUMN, OUTCOME, *PREDICTORS, SEGMENT_COLUMN]]


def load_warehouse_results(url: str, reference: str | None = None, size: int | None = None,
                           table: ibis.Table | None = None, key: str | None = None,
                           list_export: int = LIST_EXPORT, scores_export: int = SCORES_EXPORT) -> WarehouseBuild:
    """Fit, summarise, target and sample a warehouse table (see the module docstring).

    ``key``, when given, is the :func:`fingerprint` the caller files the build under: the
    fit's own row fingerprint must give the same key, else the table changed in between.

    The only customer rows that come back are the sample (``size``), each list's first
    ``list_export``, the ``scores_export`` scores rows and a few labelled customers;
    everything else is aggregates (at most :data:`~.bins.HISTOGRAM_BINS` rows a query).
    """
    from ..fit import fit_model
    from ...errors import AnalysisError
    from ...io.provenance import code_version

    shown = public_url(url)
    table = open_table(url) if table is None else table
    fit = fit_in_engine(table, reference=reference, source=shown)
    fitted_key = cache_key(url, fit.data_fingerprint)  # the rows actually fitted, from the fit's first scan
    if key is not None and key != fitted_key:  # never file these results under another content's key
        raise AnalysisError(f"{shown}: the table changed while the report was being built; build it again")
    key = fitted_key
    summary = summarise(fit)
    scores = opaque(_customer_scores(fit))
    targeting = engine_targeting(fit, scores, summary.fitted_q75, export=list_export)
    sample = draw_sample(fit, size or sample_size())
    # fit_model dates its table's file; the sample has none, so it borrows this module's and is renamed after.
    sample_table = CustomerTable(path=Path(__file__), frame=sample, sha256=key, encoding="engine",
                                 ignored_columns=())
    read = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    snapshot = DataSnapshot(path=Path(shown.split("#")[-1] or "table"), sha256=key, n_rows=fit.results.n,
                            encoding="engine", modified_utc=read)
    sample_results = fit_model(sample_table, reference=fit.results.reference)
    sample_results = replace(sample_results, data=replace(snapshot, n_rows=len(sample)))
    base = fit.results
    fields = {name: getattr(base, name) for name in base.__dataclass_fields__}
    fields.update(data=snapshot,
                  code_version=code_version(), customers=sample_results.customers)
    results = WarehouseResults(**fields, engine=summary, misaligned_by_segment=fit.misaligned_by_segment,
                               source_url=shown, population=base.n,
                               scores_export=top_misaligned(fit, scores_export))
    return WarehouseBuild(results=results, targeting=targeting, sample_results=sample_results)


def _customer_scores(fit: EngineFit) -> ibis.Table:
    from .scores import customer_scores

    return customer_scores(fit)
