"""Sandwich covariances for the competing models, written on numpy arrays.

Why not ``statsmodels``' ``cov_type``: the evidence layer refits the same designs many
times (six models, influence refits, the next issue's folds) and needs the leverages
anyway; one ``(X'X)^-1`` and one pass over the rows gives HC3 for OLS and for the Gamma
log-link GLM (whose IRLS weights are all 1, so its hat matrix is the OLS one), and the
Powell kernel sandwich that ``quantreg::summary.rq(se = "ker")`` reports. Each formula is
checked against R (``sandwich::vcovHC``, ``quantreg``) in ``tests/reference``.
"""
from __future__ import annotations

import numpy as np
from scipy import stats


def leverage(x: np.ndarray, xtx_inv: np.ndarray) -> np.ndarray:
    """Diagonal of the hat matrix ``X (X'X)^-1 X'`` without forming it."""
    xt = x.T  # a free view of the column-major designs of :mod:`.specs`
    return np.einsum("ij,ij->j", xt, xtx_inv @ xt)


def hc3(x: np.ndarray, scores: np.ndarray, xtx_inv: np.ndarray,
        hat: np.ndarray | None = None) -> np.ndarray:
    """HC3 sandwich ``B M B`` with ``M = sum (s_i / (1 - h_i))^2 x_i x_i'``.

    ``scores`` are raw residuals for OLS and Pearson-type residuals ``(y - mu) / mu`` for
    the Gamma log-link GLM; ``sandwich::vcovHC(type = "HC3")`` gives the same for both.
    Computed as ``P P'`` with the columns ``p_i = B x_i s_i / (1 - h_i)``: one k-by-n product
    (on the column-major design, a free transpose) gives both the hat values and the sum,
    as :func:`analysis.model.least_squares.least_squares` does. ``hat`` passes hat values
    already known (every spec fitted on the same design shares them).
    """
    xt = x.T
    pseudo = xtx_inv @ xt
    h = np.einsum("ij,ij->j", xt, pseudo) if hat is None else hat
    pseudo *= scores / (1.0 - np.minimum(h, 1.0 - 1e-12))
    return pseudo @ pseudo.T


def quantreg_kernel(x: np.ndarray, residuals: np.ndarray, tau: float = 0.5) -> np.ndarray:
    """Powell kernel sandwich of a quantile regression, as ``summary.rq(se = "ker")``.

    Bandwidth: Hall-Sheather (``quantreg::bandwidth.rq(hs = TRUE)``), rescaled by
    ``min(sd, IQR / 1.34)`` of the residuals, with a Gaussian kernel.
    """
    n = len(residuals)
    z = stats.norm.ppf(1 - 0.05 / 2)  # bandwidth.rq default alpha = 0.05
    q = stats.norm.ppf(tau)
    f = stats.norm.pdf(q)
    h = n ** (-1 / 3) * z ** (2 / 3) * ((1.5 * f ** 2) / (2 * q ** 2 + 1)) ** (1 / 3)
    if tau + h > 1 or tau - h < 0:
        raise ValueError("tau +- h out of (0, 1): too few rows for the kernel sandwich")
    uhat = residuals
    q75, q25 = np.quantile(uhat, [0.75, 0.25])
    scale = min(float(np.std(uhat, ddof=1)), float(q75 - q25) / 1.34)
    h = (stats.norm.ppf(tau + h) - stats.norm.ppf(tau - h)) * scale
    density = stats.norm.pdf(uhat / h) / h
    fxx_inv = np.linalg.inv((x * density[:, None]).T @ x)
    return tau * (1 - tau) * fxx_inv @ (x.T @ x) @ fxx_inv


def wald(params: np.ndarray, cov: np.ndarray, index: np.ndarray, df_resid: float | None):
    """Wald test that ``params[index] == 0``: ``(F, p)`` with ``F = W / q``.

    With ``df_resid`` the p-value is from ``F(q, df_resid)``, as ``lmtest::waldtest(test =
    "F")``; without it, from ``chi2(q) / q`` (GLM and quantile models).
    """
    b = params[index]
    v = cov[np.ix_(index, index)]
    q = len(index)
    stat = float(b @ np.linalg.solve(v, b)) / q
    if df_resid is None:
        return stat, float(stats.chi2.sf(stat * q, q))
    return stat, float(stats.f.sf(stat, q, df_resid))
