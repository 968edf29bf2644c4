"""Regression diagnostics as data, each computed the way the R function named beside it does."""
from __future__ import annotations

import numpy as np
# scipy.special's chdtrc is what scipy.stats.chi2.sf calls.
from scipy import special

from ..data import PREDICTORS
from .results import Diagnostics, segment_level_of


def influence_measures(leverage: np.ndarray, residual: np.ndarray, n_coefficients: int,
                       scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Leverage (hat values) and Cook's distance, as R's ``hatvalues`` and ``cooks.distance``.

    The hat values come from the fit's QR decomposition; statsmodels' influence object
    would build far more than the report needs at a million customers.
    """
    cooks = residual**2 / (n_coefficients * scale) * leverage / (1 - leverage) ** 2
    return leverage, cooks


def generalised_vif(normalized_cov: np.ndarray, names: list[str]) -> tuple[dict, dict, dict]:
    """GVIF per term (Fox & Monette 1992), exactly as ``car::vif``.

    car works on the correlation matrix of the coefficient covariance without the
    intercept; a factor's dummies form one term, so the segment gets one GVIF with
    Df = levels - 1.
    """
    keep = [i for i, name in enumerate(names) if name != "Intercept"]
    cov = normalized_cov[np.ix_(keep, keep)]
    scale = np.sqrt(np.diag(cov))
    correlation = cov / np.outer(scale, scale)
    kept_names = [names[i] for i in keep]
    terms = {column: [kept_names.index(column)] for column in PREDICTORS}
    segment_columns = [i for i, name in enumerate(kept_names) if segment_level_of(name) is not None]
    if segment_columns:
        terms["Segment"] = segment_columns
    det_all = np.linalg.det(correlation)
    gvif, df, adjusted = {}, {}, {}
    for term, columns in terms.items():
        rest = [i for i in range(len(kept_names)) if i not in columns]
        value = (np.linalg.det(correlation[np.ix_(columns, columns)])
                 * np.linalg.det(correlation[np.ix_(rest, rest)]) / det_all)
        gvif[term] = float(value)
        df[term] = len(columns)
        adjusted[term] = float(value ** (1 / (2 * len(columns))))
    return gvif, df, adjusted


def scaled_condition_number(X: np.ndarray) -> float:
    """Belsley–Kuh–Welsch condition number: columns scaled to unit length, intercept kept.

    The raw condition number mostly reflects units (days vs dollars); after scaling,
    values above 30 signal collinearity that inflates standard errors.
    """
    return condition_number_from_gram(X.T @ X)


def condition_number_from_gram(gram: np.ndarray) -> float:
    """:func:`scaled_condition_number` from X'X alone (all the in-engine fit has)."""
    norms = np.sqrt(np.diag(gram))
    eigenvalues = np.linalg.eigvalsh(gram / np.outer(norms, norms))
    return float(np.sqrt(eigenvalues.max() / eigenvalues.min()))


def breusch_pagan(residual: np.ndarray, X: np.ndarray, normalized_cov: np.ndarray) -> tuple[float, int, float]:
    """Studentized (Koenker) Breusch-Pagan test on the model's own regressors.

    As ``lmtest::bptest(m)`` (studentize = TRUE) and statsmodels'
    ``het_breuschpagan(robust=True)``: n times the R-squared of the squared residuals
    regressed on X, chi-squared with k - 1 degrees of freedom. ``normalized_cov`` is
    the fit's (X'X)^-1, so the auxiliary regression needs no second decomposition.

    Written by hand because the library is the bottleneck here: at 1M customers
    ``het_breuschpagan`` takes 1.61 s and 175 MB against 0.14 s and 23 MB for this
    (``benchmarks/bench_diagnostics.py``; same statistic to the last bit), when the
    whole fit's budget is 1 s. It refits the auxiliary OLS from scratch.

    Returns
    -------
    statistic, degrees of freedom, p-value
    """
    squared = residual**2
    unexplained = squared - X @ (normalized_cov @ (X.T @ squared))
    centred = squared - squared.mean()
    r_squared = 1 - float(unexplained @ unexplained) / float(centred @ centred)
    statistic = len(residual) * r_squared
    df = X.shape[1] - 1
    return statistic, df, float(special.chdtrc(df, statistic))


def central_moments(residual: np.ndarray) -> tuple[int, float, float, float]:
    """n and the biased second, third and fourth central moments of the residuals."""
    centred = residual - residual.mean()
    squared = centred * centred
    n = len(residual)
    return n, float(squared.sum() / n), float((squared * centred).sum() / n), float((squared @ squared) / n)


def jarque_bera_moments(n: int, m2: float, m3: float, m4: float) -> tuple[float, float, float, float]:
    """Jarque-Bera from central moments, as statsmodels' ``jarque_bera`` (biased moments).

    statsmodels' function goes through ``scipy.stats.skew``/``kurtosis``, 147 ms at 1M
    residuals of the 0.3 s ``fit_model`` budget against about 15 ms here; taking the
    moments also lets the in-engine fit, which only has sums of powers, use the same
    formula. tests/model/test_diagnostics.py checks it against statsmodels.

    Returns
    -------
    statistic, p-value, skewness, kurtosis (not excess)
    """
    skewness = m3 / m2**1.5
    kurtosis = m4 / m2**2
    statistic = n / 6 * (skewness**2 + (kurtosis - 3) ** 2 / 4)
    return float(statistic), float(special.chdtrc(2, statistic)), float(skewness), float(kurtosis)


def central_moments_from_power_sums(n: int, s1: float, s2: float, s3: float, s4: float
                                   ) -> tuple[int, float, float, float]:
    """:func:`central_moments` from sum e^p, p = 1..4 (all a one-pass fit or an engine has).

    The residuals of a model with an intercept have mean ~1e-13 sigma, so the mean terms
    are corrections far below the moments themselves.
    """
    mean = s1 / n
    m2 = s2 / n - mean**2
    m3 = s3 / n - 3 * mean * s2 / n + 2 * mean**3
    m4 = s4 / n - 4 * mean * s3 / n + 6 * mean**2 * s2 / n - 3 * mean**4
    return n, m2, m3, m4


def compute_diagnostics(fit, names: list[str], n: int, bp_stat: float, power_sums: tuple[float, float, float, float],
                        leverage: np.ndarray, cooks: np.ndarray, gram: np.ndarray) -> Diagnostics:
    """Every diagnostic of the full model from its fit, its row sums and X'X.

    ``bp_stat`` is the studentized Breusch-Pagan statistic and ``power_sums`` the sums
    of e, e^2, e^3, e^4 (:mod:`analysis.model.nested_pass` takes both in its one pass).
    """
    n_coefficients = len(names)
    normalized_cov = np.asarray(fit.normalized_cov_params)
    gvif, gvif_df, gvif_adjusted = generalised_vif(normalized_cov, names)
    jb_stat, jb_p, skewness, kurtosis = jarque_bera_moments(*central_moments_from_power_sums(n, *power_sums))
    cooks_threshold = 4 / n
    leverage_threshold = 2 * n_coefficients / n
    return Diagnostics(
        vif=gvif, vif_df=gvif_df, vif_adjusted=gvif_adjusted,
        bp_stat=float(bp_stat), bp_df=n_coefficients - 1,
        bp_p=float(special.chdtrc(n_coefficients - 1, bp_stat)),
        normality_test="Jarque-Bera", normality_stat=float(jb_stat), normality_p=float(jb_p),
        skewness=float(skewness), excess_kurtosis=float(kurtosis - 3),
        cooks_threshold=cooks_threshold, n_influential=int(np.count_nonzero(cooks > cooks_threshold)),
        max_cooks_distance=float(cooks.max()),
        leverage_threshold=leverage_threshold,
        n_high_leverage=int(np.count_nonzero(leverage > leverage_threshold)),
        # From X'X: a second pass over X was 0.03-0.1 s at 1M customers.
        condition_number=condition_number_from_gram(gram),
    )
