"""Quantities derived from fitted results that figures, tables and sentences show.

Nothing here refits: every function reads a :class:`~analysis.model.results.ModelResults`
(its coefficients, covariance and per-customer columns) and returns plain numbers
or frames. The render modules draw or word these results and compute nothing of
their own, so a number a figure draws, a table prints and a sentence states
comes from one function here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..data import PREDICTORS
from .results import ModelResults


def engine_summary(r: ModelResults):
    """The in-engine aggregates of a warehouse build (:mod:`analysis.model.engine.summary`), else ``None``.

    A warehouse table's ``customers`` frame is a bounded sample: every function below
    that states a population number reads these aggregates instead when present.
    """
    return getattr(r, "engine", None)

# R's panel.smooth: lowess with f = 2/3 and 3 robustness iterations.
LOWESS_FRACTION = 2 / 3
LOWESS_ITERATIONS = 3
LOWESS_SAMPLE = 5_000        # lowess is O(n * window); a 5,000-customer sample traces the same curve
QQ_POINTS = 2_000            # order statistics shown in the Q-Q plot at large N
QQ_TAIL_POINTS = 50          # ...always including this many at each extreme
PARTIAL_GRID = 100
PARTIAL_COVERAGE = 0.99      # the partial-effect curves span the middle 99% of customers
SAMPLE_SEED = 20240601       # fixed so the same data always draws the same figure
DECILES = np.linspace(0.1, 0.9, 9)


# --- residuals and influence ------------------------------------------------------------------

def standardized_residuals(r: ModelResults) -> np.ndarray:
    """Internally studentized residuals, as R's ``rstandard``: e / (sigma * sqrt(1 - h))."""
    customers = r.customers
    leverage = np.clip(customers["leverage"].to_numpy(dtype=float), 0.0, 1.0 - 1e-12)
    return customers["residual"].to_numpy(dtype=float) / (r.full.sigma * np.sqrt(1.0 - leverage))


def root_abs_standardized_residuals(r: ModelResults) -> np.ndarray:
    """√|standardized residual|, the scale-location plot's y (R's plot.lm, panel 3)."""
    return np.sqrt(np.abs(standardized_residuals(r)))


def largest(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values, largest first (ties in file order)."""
    k = min(k, len(values))
    return np.argsort(-values, kind="stable")[:k]


def most_influential(r: ModelResults, k: int) -> list[str]:
    """CustomerIDs of the ``k`` customers with the largest Cook's distance, largest first."""
    if (e := engine_summary(r)) is not None:
        return [str(v) for v in e.labelled_cooks["CustomerID"].head(k)]
    cooks = r.customers["cooks_distance"].to_numpy(dtype=float)
    return [str(r.customers["CustomerID"].iloc[i]) for i in largest(cooks, k)]


def residual_spread_correlation(r: ModelResults) -> float:
    """Correlation of fitted value with |residual|: positive when the spread widens with value."""
    if (e := engine_summary(r)) is not None:
        return e.spread_correlation
    customers = r.customers
    return float(np.corrcoef(customers["fitted"].to_numpy(dtype=float),
                             np.abs(customers["residual"].to_numpy(dtype=float)))[0, 1])


def fitted_range(r: ModelResults) -> tuple[float, float]:
    if (e := engine_summary(r)) is not None:
        return e.ranges["fitted"]
    fitted = r.customers["fitted"].to_numpy(dtype=float)
    return float(fitted.min()), float(fitted.max())


# --- smoothers and Q-Q positions --------------------------------------------------------------

def _sample_index(n: int, size: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, size=size, replace=False))


def smoother(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Lowess curve (sorted by x) on at most :data:`LOWESS_SAMPLE` points, as ``(n, 2)`` array."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    keep = _sample_index(len(x), LOWESS_SAMPLE)
    xs, ys = x[keep], y[keep]
    span = float(np.ptp(xs)) or 1.0
    return lowess(ys, xs, frac=LOWESS_FRACTION, it=LOWESS_ITERATIONS, delta=0.01 * span, return_sorted=True)


def qq_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Theoretical normal quantiles and sorted values, thinned to :data:`QQ_POINTS` at large N.

    The plotting positions are R's ``ppoints``; thinning keeps exact order
    statistics (a subset of the full Q-Q plot's points), including the most
    extreme ones, so the tails look exactly as they would with every customer.
    """
    ordered = np.sort(values)
    n = len(ordered)
    a = 3 / 8 if n <= 10 else 1 / 2
    ranks = np.arange(1, n + 1)
    if n > QQ_POINTS:
        ranks = np.unique(np.concatenate([
            np.round(np.linspace(1, n, QQ_POINTS)).astype(int),
            np.arange(1, QQ_TAIL_POINTS + 1), np.arange(n - QQ_TAIL_POINTS + 1, n + 1)]))
    theoretical = stats.norm.ppf((ranks - a) / (n + 1 - 2 * a))
    return theoretical, ordered[ranks - 1]


def qq_reference_line(values: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of the line through the quartiles, as R's ``qqline``."""
    quartiles = np.quantile(values, [0.25, 0.75])
    normal_quartiles = stats.norm.ppf([0.25, 0.75])
    slope = (quartiles[1] - quartiles[0]) / (normal_quartiles[1] - normal_quartiles[0])
    return float(quartiles[0] - slope * normal_quartiles[0]), float(slope)


def cooks_contour(level: float, n_coefficients: int, leverage: np.ndarray) -> np.ndarray:
    """|Standardized residual| at which Cook's D equals ``level``: D = s² h / (p (1 - h))."""
    return np.sqrt(level * n_coefficients * (1 - leverage) / leverage)


# --- partial effects --------------------------------------------------------------------------

def partial_effect_range(r: ModelResults, predictor: str) -> tuple[float, float]:
    """Where the curve is drawn: the middle :data:`PARTIAL_COVERAGE` of customers.

    Not min to max: one customer with 400 orders would stretch the axis until
    every other customer sits in its first tenth.
    """
    if (e := engine_summary(r)) is not None:
        return e.predictor_ranges[predictor]
    tail = (1 - PARTIAL_COVERAGE) / 2
    low, high = np.quantile(r.customers[predictor].to_numpy(dtype=float), [tail, 1 - tail])
    return float(low), float(high)


def partial_effect_curve(r: ModelResults, predictor: str, points: int = PARTIAL_GRID):
    """Prediction and confidence band over :func:`partial_effect_range` of ``predictor``.

    Other predictors sit at their means and the segment at the reference; the band
    uses ``r.reported_covariance`` and the t quantile on the residual degrees of
    freedom. Returns ``(grid, prediction, low, high)``.
    """
    if predictor not in PREDICTORS:
        raise KeyError(f"{predictor!r} is not an RFM predictor; choose one of {', '.join(PREDICTORS)}")
    terms = list(r.reported_covariance.index)
    estimates = r.coefficients.set_index("term").loc[terms, "estimate"].to_numpy(dtype=float)
    grid = np.linspace(*partial_effect_range(r, predictor), points)
    design = np.zeros((points, len(terms)))
    design[:, terms.index("Intercept")] = 1.0
    for column in PREDICTORS:
        design[:, terms.index(column)] = grid if column == predictor else r.predictor_means[column]
    prediction = design @ estimates
    covariance = r.reported_covariance.loc[terms, terms].to_numpy(dtype=float)
    std_error = np.sqrt(np.einsum("ij,jk,ik->i", design, covariance, design))
    half_width = stats.t.ppf(1 - r.alpha / 2, r.full.df_resid) * std_error
    return grid, prediction, prediction - half_width, prediction + half_width


def predictor_deciles(r: ModelResults, predictor: str) -> np.ndarray:
    """Deciles of ``predictor`` across customers: where along a curve the customers are."""
    if (e := engine_summary(r)) is not None:
        return e.predictor_deciles[predictor]
    return np.quantile(r.customers[predictor].to_numpy(dtype=float), DECILES)


# --- segments ---------------------------------------------------------------------------------

def mean_customer_value(r: ModelResults) -> float:
    if (e := engine_summary(r)) is not None:
        return e.mean_value
    return float(np.mean(r.customers["CustomerValue"].to_numpy()))


def segment_medians(r: ModelResults, columns: tuple[str, ...]) -> pd.DataFrame:
    """Median of each of ``columns`` per segment (rows: segments in the data)."""
    if (e := engine_summary(r)) is not None:
        middle = e.box_probabilities.index(0.5)
        return pd.DataFrame({c: [e.box[(level, c)][middle] for level in r.levels] for c in columns},
                            index=pd.Index(list(r.levels), name="Segment"))
    return r.customers.groupby("Segment", observed=True)[list(columns)].median()


SEGMENT_PROFILE_TOTAL = "All customers"


def segment_profile(r: ModelResults) -> pd.DataFrame:
    """Size, RFM means and medians and value of each segment, then all customers together.

    Shares of customers and of total CustomerValue are of the whole cohort, so the
    segment rows sum to 1.
    """
    if (e := engine_summary(r)) is not None:
        return e.profile.copy()
    customers = r.customers
    total_value = float(customers["CustomerValue"].sum())
    groups = [(level, customers[customers["Segment"] == level]) for level in r.levels]
    rows = []
    for label, part in [*groups, (SEGMENT_PROFILE_TOTAL, customers)]:
        rows.append({
            "segment": label, "customers": len(part), "share": len(part) / len(customers),
            "recency_mean": part["Recency"].mean(), "recency_median": part["Recency"].median(),
            "frequency_mean": part["Frequency"].mean(), "frequency_median": part["Frequency"].median(),
            "monetary_mean": part["MonetaryValue"].mean(), "monetary_median": part["MonetaryValue"].median(),
            "value_mean": part["CustomerValue"].mean(),
            "value_share": float(part["CustomerValue"].sum()) / total_value,
        })
    return pd.DataFrame(rows)


def misaligned_by_extremity(r: ModelResults) -> pd.DataFrame:
    """Flagged customers, most extreme first: furthest RFM-predicted value from the median customer's."""
    if (e := engine_summary(r)) is not None:  # the first TOP_MISALIGNED, from the engine
        return e.misaligned_extremes.copy()
    customers = r.customers
    median = float(np.median(customers["rfm_prediction"].to_numpy()))
    flagged = customers[customers["misaligned"]].copy()
    flagged["distance"] = (flagged["rfm_prediction"] - median).abs()
    return flagged.sort_values(["distance", "CustomerID"], ascending=[False, True], kind="stable")


def median_abs_error(r: ModelResults, model: str = "full") -> float:
    """The typical error: median |actual - fitted| of the full (or ``"rfm_only"``) model.

    The residual SE is a root-mean-square, dominated by the largest misses; the median
    absolute error is what a typical customer's prediction misses by (issue 10).
    """
    if (e := engine_summary(r)) is not None:
        return e.median_abs_error[model]
    c = r.customers
    predicted = c["fitted"] if model == "full" else c["rfm_prediction"]
    return float((c["CustomerValue"] - predicted).abs().median())
