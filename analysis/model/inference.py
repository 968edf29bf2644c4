"""t-based inference for coefficients and linear contrasts, and Holm's adjustment.

One function, :func:`t_inference`, turns estimates and standard errors into t,
p and confidence limits; the coefficient table, the segment contrasts and the
previous build's rebuilt inference (:mod:`analysis.model.changes`) all use it,
so the three can never disagree.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
# scipy.special holds the same distribution functions scipy.stats calls (stdtr,
# stdtrit) without the second or so scipy.stats takes to import.
from scipy import special

from .results import ALPHA, segment_term


def t_inference(estimate: np.ndarray, std_error: np.ndarray, df_resid: int, alpha: float) -> dict:
    """t, two-sided p and the (1 - alpha) confidence limits on ``df_resid`` degrees of freedom.

    Returns
    -------
    dict
        ``std_error``, ``t``, ``p``, ``ci_low``, ``ci_high``, each an array like ``estimate``.
    """
    t = estimate / std_error
    p = 2 * special.stdtr(df_resid, -np.abs(t))  # = 2 * scipy.stats.t.sf(|t|, df)
    half_width = special.stdtrit(df_resid, 1 - alpha / 2) * std_error  # = t.ppf
    return {"std_error": std_error, "t": t, "p": p, "ci_low": estimate - half_width,
            "ci_high": estimate + half_width}


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (as R's ``p.adjust(method = "holm")``).

    Written out (four lines) rather than statsmodels' ``multipletests``: that calls
    ``gc.collect()``, which took 100 ms of a 1M-customer ``fit_model`` (the frames of a
    million rows are alive), a third of the fit's 0.3 s budget, for six p-values.
    tests/model checks it against ``multipletests``.
    """
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def coefficient_table(fit, names: list[str], cov_hc3: np.ndarray, alpha: float) -> pd.DataFrame:
    estimate = np.asarray(fit.params)
    classical = t_inference(estimate, np.asarray(fit.bse), int(fit.df_resid), alpha)
    robust = t_inference(estimate, np.sqrt(np.diag(cov_hc3)), int(fit.df_resid), alpha)
    frame = pd.DataFrame({"term": names, "estimate": estimate, **classical})
    for key, values in robust.items():
        frame[f"{key}_hc3"] = values
    return frame


def segment_contrasts(params: pd.Series, covariance: pd.DataFrame, levels: tuple[str, ...],
                      reference: str, df_resid: int, alpha: float = ALPHA) -> pd.DataFrame:
    """Every pair of segments in dollars beyond RFM, with Holm-adjusted p-values.

    ``difference`` is the expected value of a ``segment`` customer minus a ``versus``
    customer with the same R, F and M.
    """
    terms = list(params.index)
    rows = []
    for first, second in itertools.combinations(levels, 2):
        weights = np.zeros(len(terms))
        if first != reference:
            weights[terms.index(segment_term(first))] += 1
        if second != reference:
            weights[terms.index(segment_term(second))] -= 1
        difference = float(weights @ params.to_numpy())
        std_error = float(np.sqrt(weights @ covariance.to_numpy() @ weights))
        rows.append({"segment": first, "versus": second, "difference": difference, "std_error": std_error})
    frame = pd.DataFrame(rows)
    inference = t_inference(frame["difference"].to_numpy(), frame["std_error"].to_numpy(), df_resid, alpha)
    for key in ("t", "p", "ci_low", "ci_high"):
        frame[key] = inference[key]
    frame["p_holm"] = holm(frame["p"].to_numpy())
    return frame

