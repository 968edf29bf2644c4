"""Ordinary least squares from the Gram matrix X'X, with the aliasing check R's ``lm`` makes.

Why not statsmodels' ``OLS`` here: its generic path forms the SVD pseudo-inverse of
X (twice: once for the fit, once for ``normalized_cov_params``) and the leverage
and HC3 were then a third pass through it. Measured at 1M customers x 7 columns on
the 2-core benchmark machine, that was 0.95-1.9 s of ``fit_model``'s time; the route
below, one BLAS pass for X'X and X'y, a 7 x 7 Cholesky, then one blocked pass for
residuals, leverage and the HC3 meat, takes tens of milliseconds
(``benchmarks/bench_fit.py``). The same small-matrix algebra
(:func:`solve_gram`) is what the in-engine fit (:mod:`analysis.model.engine`)
applies to the sums a database returns, so both paths share one numerical core.

Accuracy: the Gram matrix is equilibrated (columns scaled to unit length) before
the Cholesky, and the coefficients get one step of iterative refinement against
the residuals of the rows themselves (semi-normal equations), which restores
QR-level accuracy on the ill-conditioned designs of tests/reference.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ..errors import ModelSpecificationError


@dataclass(frozen=True)
class LeastSquaresFit:
    """An OLS fit with an intercept column: only the quantities the report uses.

    Attribute names follow statsmodels' results, which the rest of the package was
    written against. ``resid``, ``fittedvalues`` and ``leverage`` are ``None`` for
    a fit computed inside a database (the rows never leave it).
    """

    params: np.ndarray
    bse: np.ndarray
    resid: np.ndarray | None
    fittedvalues: np.ndarray | None
    normalized_cov_params: np.ndarray  # (X'X)^-1
    cov_HC3: np.ndarray
    leverage: np.ndarray | None
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


# Rows per block when forming hat values and HC3: bounds the temporary n-by-k
# arrays to about 60 MB instead of one the size of X at 10M customers.
_BLOCK_ROWS = 1 << 20
# lm's default tolerance for declaring a column aliased (linearly dependent).
_ALIASED_TOLERANCE = 1e-7
# Below this scaled Cholesky pivot the Gram matrix's rounding (about sqrt(eps) = 1.5e-8
# in pivot terms) could blur lm's 1e-7 line, so the rows' own QR decides, as lm does.
_CONFIRM_WITH_QR = 1e-5
# Below this pivot X M is orthonormal only to about eps / pivot^2: one more pass
# re-orthogonalises it (CholeskyQR2, Fukaya et al. 2014), so leverage and HC3 keep
# QR's accuracy on ill-conditioned designs. The customer designs never need it.
_REORTHOGONALISE = 1e-2
# At or above this pivot the normal equations already lose at most ~eps / pivot^2 (1e-14):
# the refinement pass (30 ms at 1M x 7) and the two-step leverage route are skipped.
# The customer designs sit here (smallest pivot 0.56 on the 1M benchmark file).
_WELL_CONDITIONED = 0.1


COLLINEAR_MESSAGE = (
    "the predictors are perfectly collinear (one column is a linear combination of the "
    "others), so their separate effects cannot be estimated; check for duplicated or "
    "derived columns")


@dataclass(frozen=True)
class GramSolution:
    """(X'X)^-1 and its factor, from an equilibrated Cholesky of X'X.

    Attributes
    ----------
    inverse : ndarray
        (X'X)^-1, k by k.
    whitener : ndarray
        M = D^-1 L^-T, so that Z = X M has orthonormal columns: h_i = |z_i|^2 and
        (X'X)^-1 = M M'.
    smallest_pivot : float
        The smallest diagonal entry of the scaled Cholesky factor, lm's |R_jj| / |x_j|.
    """

    inverse: np.ndarray
    whitener: np.ndarray
    smallest_pivot: float


def lower_inverse(factor: np.ndarray) -> np.ndarray:
    """L⁻¹ of a k x k lower-triangular L, by forward substitution row by row.

    What ``scipy.linalg.solve_triangular(L, I, lower=True)`` returns (to rounding), written
    out because numpy has no triangular solve and importing ``scipy.linalg`` cost 70-180 ms
    of CPU in the 1M-customer ``fit`` command (``-X importtime``, 2026-12-01) for a 7 x 7
    matrix. tests/reference/test_least_squares.py compares the two.
    """
    k = len(factor)
    inverse = np.zeros((k, k))
    for i in range(k):
        inverse[i, i] = 1.0 / factor[i, i]
        inverse[i, :i] = -(factor[i, :i] @ inverse[:i, :i]) / factor[i, i]
    return inverse


def solve_gram(gram: np.ndarray) -> GramSolution:
    """Factor X'X with lm's aliasing rule, refusing an unidentified design.

    The Cholesky factor of the column-scaled X'X is, up to signs, the R of X's QR with
    scaled columns, so its diagonal is lm's |R_jj| / |x_j|; a pivot within 1e-7 (lm's
    ``tol``) means the column is aliased and lm would drop it, so no coefficient could
    be reported for it.

    Raises
    ------
    ModelSpecificationError
        When a column is zero or linearly dependent on the columns before it.
    """
    gram = np.asarray(gram, dtype=np.float64)
    diagonal = np.diag(gram)
    if not np.all(diagonal > 0):
        raise ModelSpecificationError(COLLINEAR_MESSAGE)
    norms = np.sqrt(diagonal)
    scaled = gram / np.outer(norms, norms)
    try:
        factor = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        raise ModelSpecificationError(COLLINEAR_MESSAGE) from None
    pivots = np.diag(factor)
    if not np.all(np.isfinite(pivots)) or pivots.min() <= _ALIASED_TOLERANCE:
        raise ModelSpecificationError(COLLINEAR_MESSAGE)
    inverse_factor = lower_inverse(factor)
    whitener = inverse_factor.T / norms[:, None]
    return GramSolution(inverse=whitener @ whitener.T, whitener=whitener, smallest_pivot=float(pivots.min()))


def fit_summary(params: np.ndarray, inverse: np.ndarray, cov_hc3: np.ndarray, ssr: float, centred_tss: float,
                n: int, resid=None, fitted=None, leverage=None) -> LeastSquaresFit:
    """The fit statistics statsmodels' OLS reports, from the few sums they depend on."""
    k = len(params)
    df_resid, df_model = n - k, k - 1
    scale = ssr / df_resid
    rsquared = 1 - ssr / centred_tss
    fvalue = ((centred_tss - ssr) / df_model) / scale
    return LeastSquaresFit(
        params=params, bse=np.sqrt(np.diag(inverse) * scale), resid=resid, fittedvalues=fitted,
        normalized_cov_params=inverse, cov_HC3=cov_hc3, leverage=leverage, scale=float(scale),
        ssr=float(ssr), df_model=df_model, df_resid=df_resid, rsquared=float(rsquared),
        rsquared_adj=float(1 - (1 - rsquared) * (n - 1) / df_resid), fvalue=float(fvalue),
        f_pvalue=float(special.fdtrc(df_model, df_resid, fvalue)))


def _confirm_rank_with_qr(X: np.ndarray) -> None:
    """lm's own check on the rows: Householder QR of X, |R_jj| against 1e-7 of the column length."""
    column_norms = np.sqrt(np.einsum("ij,ij->j", X, X))
    diagonal = np.abs(np.diag(np.linalg.qr(X, mode="r")))
    if np.any(diagonal <= _ALIASED_TOLERANCE * column_norms):
        raise ModelSpecificationError(COLLINEAR_MESSAGE)


def _reorthogonalise(X: np.ndarray, whitener: np.ndarray) -> np.ndarray:
    """Second CholeskyQR step: M <- M L2^-T where L2 L2' = (X M)'(X M)."""
    k = X.shape[1]
    gram = np.zeros((k, k))
    for start in range(0, X.shape[0], _BLOCK_ROWS):
        z = whitener.T @ X[start:start + _BLOCK_ROWS].T
        gram += z @ z.T
    try:
        factor = np.linalg.cholesky(gram)
    except np.linalg.LinAlgError:
        raise ModelSpecificationError(COLLINEAR_MESSAGE) from None
    return whitener @ lower_inverse(factor).T


def least_squares(y: np.ndarray, X: np.ndarray, check_aliasing: bool = True,
                  gram: np.ndarray | None = None) -> LeastSquaresFit:
    """OLS of ``y`` on ``X`` (first column the intercept), with leverage and HC3.

    HC3 is MacKinnon & White (1985), as ``sandwich::vcovHC(type = "HC3")``. No n-by-n
    matrix is formed: with Z = X M (orthonormal columns), h_i = |z_i|^2 and
    HC3 = M (sum_i w_i z_i z_i') M' with w_i = e_i^2 / (1 - h_i)^2.

    ``gram``, when given, is X'X already computed (the RFM-only model's is the leading
    block of the full model's).

    Raises
    ------
    ModelSpecificationError
        When the columns are linearly dependent, so the coefficients are not identified.
    """
    n, k = X.shape
    try:
        solution = solve_gram(X.T @ X if gram is None else gram)
    except ModelSpecificationError:
        if not check_aliasing:
            raise
        _confirm_rank_with_qr(X)  # the Gram matrix's rounding may have refused a column lm keeps
        raise  # pragma: no cover - QR agrees whenever the Gram matrix is this singular
    if check_aliasing and solution.smallest_pivot < _CONFIRM_WITH_QR:
        _confirm_rank_with_qr(X)
    inverse, whitener = solution.inverse, solution.whitener
    if solution.smallest_pivot < _REORTHOGONALISE:
        whitener = _reorthogonalise(X, whitener)
        inverse = whitener @ whitener.T
        # As QR does: project y on the orthonormal columns Z = X M, so the residuals are
        # accurate to eps * cond(X) instead of eps * cond(X)^2.
        orthonormal = whitener.T @ X.T
        coordinates = orthonormal @ y
        params, fitted = whitener @ coordinates, orthonormal.T @ coordinates
        del orthonormal
    else:
        params = inverse @ (X.T @ y)
        if solution.smallest_pivot < _WELL_CONDITIONED:
            params = params + inverse @ (X.T @ (y - X @ params))  # one refinement step
        fitted = X @ params
    resid = y - fitted
    # Everything below works on X' (k by n): for the column-major X of design_matrix it is
    # a free view, and OpenBLAS runs (k x k) @ (k x n) in 47 ms at 1M x 7 where
    # (n x k) @ (k x k) takes 370 ms on the 2-core benchmark machine.
    Xt = X.T
    leverage = np.empty(n)
    cov_hc3 = np.zeros((k, k))
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        if solution.smallest_pivot >= _WELL_CONDITIONED:
            # One product instead of two (47 ms each at 1M x 7): p_i = (X'X)^-1 x_i, h_i = x_i' p_i.
            pseudo = inverse @ Xt[:, rows]
            leverage[rows] = np.einsum("ij,ij->j", Xt[:, rows], pseudo)
            pseudo *= resid[rows] / (1 - leverage[rows])
            cov_hc3 += pseudo @ pseudo.T
            continue
        z = whitener.T @ Xt[:, rows]  # orthonormal coordinates z_i = M' x_i
        leverage[rows] = np.einsum("ij,ij->j", z, z)
        # Columns of the pseudo-inverse, (X'X)^-1 x_i = M z_i, weighted: summing their outer
        # products directly keeps small covariances accurate on ill-conditioned designs,
        # where M (sum w z z') M' loses them to cancellation (5.8e-6 relative against 6e-9
        # in tests/reference/test_least_squares.py).
        pseudo = whitener @ z
        pseudo *= resid[rows] / (1 - leverage[rows])
        cov_hc3 += pseudo @ pseudo.T
    centred = y - y.mean()
    return fit_summary(params, inverse, cov_hc3, float(resid @ resid),
                       float(centred @ centred), n, resid=resid, fitted=fitted, leverage=leverage)
