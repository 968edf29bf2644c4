"""Per-customer outputs of an in-engine fit, as an Ibis expression that stays in the engine.

The same columns as ``ModelResults.customers`` (fitted value, residual, RFM-only
prediction and quartile, misalignment flag and reason, leverage, Cook's distance),
so the campaign lists can be written back as a table (:func:`write_scores`) or
exported top-N (:func:`top_misaligned`) without all rows passing through Python.
"""
from __future__ import annotations

import ibis
import pandas as pd

from ...errors import ModelSpecificationError
from ...data import ID_COLUMN, OUTCOME, PREDICTORS, SEGMENT_COLUMN
from .fit import K0, EngineFit, _linear, _segment_value, leverage_expression
from .sufficient import base_columns


def customer_scores(fit: EngineFit) -> ibis.Table:
    """One row per customer with the in-memory fit's per-customer columns, computed in the engine."""
    table, raw, results = fit.table, fit.raw_labels, fit.results
    others = [level for level in results.levels if level != results.reference]
    params = results.coefficients["estimate"].to_numpy()
    params0 = results.rfm_only_coefficients["estimate"].to_numpy()
    A = results.covariance.to_numpy() / results.full.sigma**2  # (X'X)^-1
    base = base_columns(table)
    y = table[OUTCOME].cast("float64")
    fitted = _linear(base, params[:K0]) + _segment_value(table, raw, dict(zip(others, params[K0:])))
    leverage = leverage_expression(table, base, raw, others, A)
    prediction0 = _linear(base, params0)
    cuts = fit.quartile_cuts
    quartile = ibis.cases((prediction0 <= cuts[0], 1), (prediction0 <= cuts[1], 2),
                          (prediction0 <= cuts[2], 3), else_=4)
    branches = [(table[SEGMENT_COLUMN].isin(list(raw[rule.segment])) & (quartile == rule.quartile), rule.reason)
                for rule in results.misalignment_rules if rule.segment in raw]
    reason = ibis.cases(*branches, else_="") if branches else ibis.literal("")
    resid = y - fitted
    k = len(params)
    return table.select(
        table[ID_COLUMN].cast("string").name(ID_COLUMN),  # text, as the data contract says
        table[SEGMENT_COLUMN], y.name(OUTCOME),
        *(table[c].cast("float64").name(c) for c in PREDICTORS),
        fitted=fitted, residual=resid, rfm_prediction=prediction0, rfm_quartile=quartile,
        misaligned=reason != "", misalignment=reason, leverage=leverage,
        cooks_distance=resid * resid * leverage / (k * results.full.sigma**2 * (1 - leverage) ** 2))


def write_scores(fit: EngineFit, backend: ibis.BaseBackend, name: str) -> ibis.Table:
    """Write the per-customer scores back to the engine as a new table ``name``.

    An existing table is never replaced: a campaign list someone else reads is not
    overwritten by a refit (and ibis 12's DROP ... IF EXISTS fails on this env's
    sqlglot/DuckDB pair anyway).
    """
    try:
        return backend.create_table(name, customer_scores(fit))
    except Exception as error:  # backends raise their own types; the message is what helps
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelSpecificationError(f"cannot write the scores table {name!r} ({first}); "
                                      "if it exists, drop it or choose another name") from error


def top_misaligned(fit: EngineFit, n: int = 100) -> pd.DataFrame:
    """The ``n`` misaligned customers with the highest RFM-predicted value: a campaign list."""
    scores = customer_scores(fit)
    return (scores.filter(scores.misaligned).order_by([ibis.desc("rfm_prediction"), ID_COLUMN])
            .limit(n).to_pandas())
