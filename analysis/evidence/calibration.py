"""Calibration by decile and the predicted-against-observed distribution check (issue 11, section 1).

Both read out-of-fold predictions, so a model that fits its own sample too closely cannot
look calibrated. The distribution check is the posterior-predictive panel of R's
``performance::check_model``: replicate data sets drawn from the model are laid over the
observed distribution. For the brief's linear model the replicates are ``yhat + N(0, s^2)``
(constant variance, as ``check_model`` simulates an ``lm``); for any model they can also be
drawn from the unequal-variance bands of :mod:`.intervals`, resampling each decile's
out-of-fold residuals. Both are tabulated on one set of bins so the figure only draws.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .intervals import ResidualBands

CALIBRATION_BINS = 10
CALIBRATION_LEVEL = 0.95
REPLICATES = 50
DENSITY_BINS = 60
REPLICATE_SEED = 20261117
#: Replicates are drawn for a seeded sample of at most this many customers: a density on
#: 60 bins is as well determined by 20,000 draws as by a million, at 1/50 of the cost.
REPLICATE_ROWS_MAX = 20_000


def calibration_by_decile(y: np.ndarray, predicted: np.ndarray, model: str,
                          bins: int = CALIBRATION_BINS, level: float = CALIBRATION_LEVEL) -> pd.DataFrame:
    """Mean predicted and mean actual per decile of the prediction, with a t interval for the mean.

    Returns a tidy frame ``model, decile, n, mean_predicted, mean_actual, ci_low, ci_high``.
    """
    y, predicted = np.asarray(y, float), np.asarray(predicted, float)
    ranks = pd.Series(predicted).rank(method="first").to_numpy()
    decile = np.minimum((bins * (ranks - 1) / len(y)).astype(int), bins - 1) + 1
    frame = pd.DataFrame({"decile": decile, "y": y, "p": predicted})
    out = frame.groupby("decile").agg(n=("y", "size"), mean_predicted=("p", "mean"),
                                      mean_actual=("y", "mean"), sd=("y", "std")).reset_index()
    half = stats.t.ppf(0.5 + level / 2, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean_actual"] - half
    out["ci_high"] = out["mean_actual"] + half
    out.insert(0, "model", model)
    return out.drop(columns="sd")


def calibration_summary(table: pd.DataFrame) -> dict:
    """How many deciles' intervals miss the mean prediction, and the worst gap in dollars."""
    miss = (table["mean_predicted"] < table["ci_low"]) | (table["mean_predicted"] > table["ci_high"])
    gap = (table["mean_actual"] - table["mean_predicted"]).abs()
    worst = int(gap.idxmax())
    return {"deciles": int(len(table)), "deciles_missed": int(miss.sum()),
            "worst_decile": int(table.loc[worst, "decile"]), "worst_gap": float(gap.max())}


def _normal_replicates(predicted: np.ndarray, sigma: float, rng: np.random.Generator, count: int):
    for _ in range(count):
        yield predicted + rng.normal(0.0, sigma, len(predicted))


def _band_replicates(predicted: np.ndarray, bands: ResidualBands, rng: np.random.Generator, count: int):
    group = bands.group(predicted)
    for _ in range(count):
        draw = np.empty(len(predicted))
        for g, residuals in enumerate(bands.residuals):
            rows = group == g
            draw[rows] = predicted[rows] + rng.choice(residuals, rows.sum())
        yield draw


def predictive_check(y: np.ndarray, predicted: np.ndarray, model: str, sigma: float | None = None,
                     bands: ResidualBands | None = None, replicates: int = REPLICATES,
                     seed: int = REPLICATE_SEED) -> tuple[pd.DataFrame, dict]:
    """Densities of the observed values and of ``replicates`` simulated data sets on shared bins.

    Give ``sigma`` for constant-variance normal replicates (``check_model`` for ``lm``) or
    ``bands`` for residual-resampling replicates. Returns a tidy frame ``model, series
    ("observed" or "replicate"), replicate, bin_mid, density`` and a summary dict with the
    share of values below zero, observed and replicated (a linear model's replicates of a
    non-negative outcome go below zero; the observed values do not).
    """
    if (sigma is None) == (bands is None):
        raise ValueError("give exactly one of sigma (normal replicates) or bands (residual resampling)")
    y, predicted = np.asarray(y, float), np.asarray(predicted, float)
    rng = np.random.default_rng(seed)
    if len(y) > REPLICATE_ROWS_MAX:
        rows = np.sort(rng.choice(len(y), REPLICATE_ROWS_MAX, replace=False))
        y, predicted = y[rows], predicted[rows]
    draws = list(_normal_replicates(predicted, sigma, rng, replicates) if sigma is not None
                 else _band_replicates(predicted, bands, rng, replicates))
    low = min(float(np.quantile(y, 0.001)), float(np.min([np.quantile(d, 0.001) for d in draws])))
    high = float(np.quantile(y, 0.995))
    edges = np.linspace(low, high, DENSITY_BINS + 1)
    mids = (edges[:-1] + edges[1:]) / 2
    rows = []
    for series, index, values in [("observed", 0, y)] + [("replicate", i, d) for i, d in enumerate(draws)]:
        density, _ = np.histogram(values, edges, density=True)
        rows.append(pd.DataFrame({"model": model, "series": series, "replicate": index,
                                  "bin_mid": mids, "density": density}))
    summary = {"model": model, "observed_below_zero": float((y < 0).mean()),
               "replicated_below_zero": float(np.mean([(d < 0).mean() for d in draws])),
               "replicates": replicates, "seed": seed, "rows": int(len(y))}
    return pd.concat(rows, ignore_index=True), summary
