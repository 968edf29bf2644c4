"""The section's downloads: ``customer_futures.csv`` and the ``customer_futures`` block of model.json.

Text cells that a spreadsheet would run as a formula are neutralised exactly as
the site's other downloads do (:func:`analysis.io.downloads.neutralise_text_columns`).
The JSON block is strict: ``json.dumps(..., allow_nan=False)`` must accept it, so
a value that does not exist is ``null``, never ``NaN``.

``customer_futures`` keys (all sums are over customers):

* ``as_of, source, customers, repeat_customers, fitted_customers, options``
  (``horizon_months, monthly_discount, margin, exclude_anomalies``);
* ``bgnbd``: ``r, alpha, a, b`` (time unit: weeks), the plain fit;
* ``gamma_gamma``: ``p, q, gamma, frequency_spend_correlation``;
* ``holdout``: ``months, weeks, predicted_purchases, actual_purchases, predicted_revenue,
  actual_revenue, purchases_mae, revenue_mae`` of the model the report uses, named by ``model``
  (``"season-adjusted"`` when the seasonal index exists, else ``"plain"``);
  ``plain_predicted_purchases, plain_predicted_revenue`` (the plain BG/NBD's, kept beside it; equal
  to ``predicted_*`` when plain is the model used); ``season_adjusted_purchases`` (null without an index);
* ``season_adjustment``: ``by_month`` (12 factors, January first), ``first_month, last_month, months``
  (the calibration months it came from), ``holdout_index``, ``calibration_end_index`` (mean factor of the
  two months up to as-of), ``holdout_weeks`` (season-weighted) and
  ``bgnbd`` (``r, alpha, a, b`` refitted in season-weighted weeks: the model behind P(alive), expected
  purchases, CLV, churn scores and the win-back list whenever this block is not null); null when skipped;
* ``churn``: ``definition, churn_rate`` and, per predictor, ``{auc, brier}``;
* ``clusters``: ``k, silhouette, names, stability_ari_min``;
* ``anomalies``: ``share_flagged, flagged, rule, by_reason``;
* ``value``: ``expected_value`` (profit over the horizon), ``value_at_stake``, ``win_back_customers``;
* ``skipped``: section -> reason, for every section the data could not support.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from ..io.atomic import atomic_output
from ..io.downloads import write_csv
from .command import CUSTOMER_FUTURES_FILE
from .pipeline import FuturesRun

CSV_COLUMNS = ("CustomerID", "Segment", "RFMSegment", "p_alive", "expected_purchases", "expected_spend",
               "clv", "churn_probability", "cluster", "anomaly", "anomaly_reasons",
               "frequency", "recency", "T", "holdout_purchases", "holdout_revenue")


def customer_futures_frame(run: FuturesRun) -> pd.DataFrame:
    """One row per customer with the columns of :data:`CSV_COLUMNS` that this run computed."""
    columns = [c for c in CSV_COLUMNS if c in run.customers.columns]
    return run.customers.loc[:, columns].reset_index(drop=True)


def write_customer_futures(run: FuturesRun, path: Path) -> Path:
    """Write ``customer_futures.csv`` atomically, formula-neutralised."""
    with atomic_output(Path(path)) as temporary:
        write_csv(customer_futures_frame(run), temporary)
    return Path(path)


def _finite(value):
    """JSON-safe: non-finite floats become None, containers recursively."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _finite(value.item())
    return value


def model_json_section(run: FuturesRun) -> dict:
    """The ``customer_futures`` dict for model.json (see the module docstring for the keys)."""
    options = run.options
    section = {
        "as_of": run.as_of.isoformat(), "source": run.source, "customers": len(run.customers),
        "repeat_customers": run.repeat_customers, "fitted_customers": run.fitted_customers,
        "time_unit": "weeks",
        "options": {"horizon_months": options.horizon_months, "monthly_discount": options.monthly_discount,
                    "margin": run.margin, "exclude_anomalies": options.exclude_anomalies},
        "bgnbd": run.bgnbd.as_dict() if run.bgnbd else None,
        "gamma_gamma": run.gamma_gamma.as_dict() if run.gamma_gamma else None,
        "holdout": run.holdout.as_dict(run.holdout_months) if run.holdout else None,
        "season_adjustment": (run.season_adjusted.index.as_dict()
                              | {"holdout_index": run.season_adjusted.holdout_index,
                                 "calibration_end_index": run.season_adjusted.calibration_end_index,
                                 "holdout_weeks": run.season_adjusted.holdout_weeks,
                                 "bgnbd": run.season_adjusted.bgnbd.as_dict()} if run.season_adjusted else None),
        "churn": run.churn.as_dict() if run.churn else None,
        "clusters": run.clusters.as_dict() if run.clusters else None,
        "anomalies": run.anomalies.as_dict(),
        "value": ({"expected_value": run.expected_value, "value_at_stake": run.value_at_stake,
                   "win_back_customers": len(run.win_back)} if run.win_back is not None else None),
        "skipped": dict(run.skipped),
    }
    safe = _finite(section)
    json.dumps(safe, allow_nan=False)  # raises here, not in a reader's parser
    return safe
