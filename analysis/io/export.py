"""The JSON contract of ``python -m analysis fit --json`` and the site's ``model.json``.

The site's ``model.json`` is :func:`model_contract` plus sections of other chapters,
passed as ``extra`` (strict JSON: no NaN). Today one: ``customer_futures``, the Customer
futures chapter's fitted parameters and checks (:mod:`analysis.futures.outputs` documents
every key; the headline ones: ``bgnbd {r, alpha, a, b}``, ``gamma_gamma {p, q, gamma,
frequency_spend_correlation}``, ``holdout {months, model, predicted_purchases, actual_purchases,
predicted_revenue, actual_revenue, plain_predicted_purchases, plain_predicted_revenue}`` (``predicted_*``
are the model the report uses, named by ``model``: the season-adjusted BG/NBD when its seasonal index exists,
else the plain one; ``plain_*`` the plain BG/NBD's, kept beside it), ``churn {definition, <predictor>: {auc, brier}}``,
``clusters {k, silhouette}``, ``anomalies {share_flagged}``, ``value``, ``skipped`` and
``cache_key``, which says which order log, as-of and options the numbers come from).
``customer_futures`` is ``null`` when there is no order log.

Data identity: ``data_sha256`` is the SHA-256 of the customer CSV's bytes (the file the
fit read) and ``code_version`` a hash of the ``analysis`` package's sources. A fit run
inside an engine (``fit URL``, :mod:`analysis.model.engine.contract`) has no file:
its ``data_sha256`` is ``null`` and it carries ``data_fingerprint`` instead, an
order-independent SHA-256 of the rows' content computed in the engine, comparable only
with another in-engine fit on the same backend, never with a file's ``data_sha256``.
"""
from __future__ import annotations

import json
from pathlib import Path

from .atomic import atomic_output
from ..errors import AnalysisError
from ..data import PREDICTORS
from ..model.results import ModelResults

CONTRACT_COEFFICIENT_FIELDS = ("term", "estimate", "std_error", "t", "p", "ci_low", "ci_high", "std_error_hc3")
REPORTED_COEFFICIENT_FIELDS = ("term", "estimate", "std_error", "t", "p", "ci_low", "ci_high")


def model_contract(results: ModelResults) -> dict:
    """Plain numbers only, named as the data contract names them."""
    coefficients = [
        {field: (row[field] if field == "term" else float(row[field])) for field in CONTRACT_COEFFICIENT_FIELDS}
        for row in results.coefficients.to_dict("records")
    ]
    vif_terms = [*PREDICTORS, "Segment"]
    return {
        "n": results.n,
        "reference": results.reference,
        "coefficients": coefficients,
        "r_squared": results.full.r_squared,
        "adj_r_squared": results.full.adj_r_squared,
        "sigma": results.full.sigma,
        "f": results.full.f,
        "f_p": results.full.f_p,
        "aic": results.full.aic,
        "bic": results.full.bic,
        "rfm_only_r_squared": results.rfm_only.r_squared,
        "segment_f": results.nested.f,
        "segment_f_p": results.nested.p,
        "vif": {term: results.diagnostics.vif[term] for term in vif_terms if term in results.diagnostics.vif},
        "bp_stat": results.diagnostics.bp_stat,
        "bp_p": results.diagnostics.bp_p,
        # Beyond the contract: what "what changed" compares between refreshes.
        "se_type": results.se_type,
        "segment_counts": results.segment_counts,
        "misaligned_count": results.misaligned_count(),
        "misaligned_by_segment": {level: results.misaligned_count(level) for level in results.levels},
        "data_sha256": results.data.sha256,
        "code_version": results.code_version,
        # The inference the report printed (HC3 or classical, per se_type), so the next
        # build's "what changed" compares against exactly what readers saw.
        "alpha": results.alpha,
        "reported_coefficients": [
            {field: (row[field] if field == "term" else float(row[field])) for field in REPORTED_COEFFICIENT_FIELDS}
            for row in results.reported.to_dict("records")
        ],
    }


def strict_json(value, **options) -> str:
    """``value`` as strict JSON: a non-finite number raises instead of becoming ``NaN``/``Infinity``.

    Python's default writes ``NaN`` and ``Infinity``, which are not JSON (RFC 8259) and which
    browsers' ``JSON.parse``, ``jq`` and most other readers refuse. Validation bounds every
    input magnitude, so a non-finite statistic here is a bug to report, not data to publish.
    """
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError as error:
        raise AnalysisError(f"refusing to write non-strict JSON ({error}); "
                            "a statistic is NaN or infinite") from None


def write_model_json(results: ModelResults, out: str | Path, extra: dict | None = None) -> Path:
    """Write the contract, plus ``extra`` top-level sections (the model evidence of issues 10 and
    11 and ``customer_futures``; see the module docstring and data/README.md). Strict JSON."""
    out = Path(out)
    contract = {**model_contract(results), **(extra or {})}
    with atomic_output(out) as temporary:
        temporary.write_text(strict_json(contract, indent=2) + "\n", encoding="utf-8")
    return out
