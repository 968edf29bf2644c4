"""Ordinary least squares with the aliasing check R's ``lm`` makes, plus hat values and HC3.

statsmodels' ``OLS`` fits; leverage and HC3 are then computed in blocks from its
pseudo-inverse, because statsmodels' influence object would build far more than
the report needs at a million customers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelSpecificationError


@dataclass(frozen=True)
class LeastSquaresFit:
    """An OLS fit with an intercept column: only the quantities the report uses.

    Attribute names follow statsmodels' results, which the rest of the package was
    written against.
    """

    params: np.ndarray
    bse: np.ndarray
    resid: np.ndarray
    fittedvalues: np.ndarray
    normalized_cov_params: np.ndarray  # (X'X)^-1
    cov_HC3: np.ndarray
    leverage: np.ndarray
    scale: float  # residual variance, RSS / df_resid
    ssr: float
    df_model: int
    df_resid: int
    rsquared: float
    rsquared_adj: float
    fvalue: float
    f_pvalue: float

    def cov_params(self) -> np.ndarray:
        return self.normalized_cov_params * self.scale


# Rows per block when forming hat values and HC3: bounds the temporary k-by-n
# arrays to about 60 MB instead of one the size of X at 10M customers.
_BLOCK_ROWS = 1 << 20
# lm's default tolerance for declaring a column aliased (linearly dependent).
_ALIASED_TOLERANCE = 1e-7


_COLLINEAR_MESSAGE = (
    "the predictors are perfectly collinear (one column is a linear combination of the "
    "others), so their separate effects cannot be estimated; check for duplicated or "
    "derived columns")


def least_squares(y: np.ndarray, X: np.ndarray, check_aliasing: bool = True) -> LeastSquaresFit:
    """OLS of ``y`` on ``X`` (first column the intercept) with statsmodels, HC3 included.

    First, as R's ``lm`` does, a Householder QR of X finds aliased columns: a column
    whose |R_jj| is within lm's tolerance (1e-7 of its length) of the columns before it
    would be dropped by lm; here the fit is refused, since no coefficient could be
    reported for it. statsmodels' ``OLS`` then fits (its default pseudo-inverse route;
    its "qr" route computes the pseudo-inverse as well). Leverage and HC3
    (MacKinnon & White 1985, as ``sandwich::vcovHC(type = "HC3")``) are then computed
    block by block from the fit's pseudo-inverse, so no n-by-n matrix is ever formed.

    Raises
    ------
    ModelSpecificationError
        When the columns are linearly dependent, so the coefficients are not identified.
    """
    from statsmodels.regression.linear_model import OLS

    n, k = X.shape
    column_norms = np.sqrt(np.einsum("ij,ij->j", X, X))
    if check_aliasing:  # False only for a subset of columns already checked
        diagonal = np.abs(np.diag(np.linalg.qr(X, mode="r")))
        if np.any(column_norms == 0) or np.any(diagonal <= _ALIASED_TOLERANCE * column_norms):
            raise ModelSpecificationError(_COLLINEAR_MESSAGE)
    fit = OLS(y, X).fit()
    normalized_cov = np.asarray(fit.normalized_cov_params)
    resid = np.asarray(fit.resid)
    # The fit's pseudo-inverse P = (X'X)^-1 X' (k by n) gives hat values h_i = x_i . P_i and
    # HC3 = P diag(e^2 / (1 - h)^2) P' without squaring X's condition number.
    pinv = fit.model.pinv_wexog

    leverage = np.empty(n)
    cov_hc3 = np.zeros((k, k))
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        block = pinv[:, rows]
        leverage[rows] = np.einsum("ij,ji->i", X[rows], block)
        weighted = block * (resid[rows] / (1 - leverage[rows]))
        cov_hc3 += weighted @ weighted.T
    return LeastSquaresFit(
        params=np.asarray(fit.params), bse=np.asarray(fit.bse), resid=resid,
        fittedvalues=np.asarray(fit.fittedvalues), normalized_cov_params=normalized_cov, cov_HC3=cov_hc3,
        leverage=leverage, scale=float(fit.scale), ssr=float(fit.ssr), df_model=int(fit.df_model),
        df_resid=int(fit.df_resid), rsquared=float(fit.rsquared), rsquared_adj=float(fit.rsquared_adj),
        fvalue=float(fit.fvalue), f_pvalue=float(fit.f_pvalue))

