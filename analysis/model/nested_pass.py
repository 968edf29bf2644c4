"""Both customer models, full and RFM-only, in one blocked pass over the rows.

The RFM-only model's columns are the full design's first ``k0`` columns, so its X'X
is the leading block of the full X'X, and the Cholesky factor of a leading block is
the leading block of the factor. With M' the (lower-triangular) inverse factor of the
full model, z_i = M' x_i holds both models' orthonormal coordinates at once: the
first ``k0`` entries are the RFM-only model's. One product per block of rows
therefore gives both leverages (h0 = |z[:k0]|^2, h = h0 + |z[k0:]|^2), both HC3 meats
(sum w z z', HC3 = M meat M'), and, from the same residuals while they are in cache,
the full model's residual power sums (Jarque-Bera), X'e^2 (Breusch-Pagan) and
Cook's distance.

Why by hand, measured at 1M customers x 7 columns on the 2-core benchmark machine
(``benchmarks/bench_fit.py``, one BLAS thread): two :func:`least_squares` calls,
then Breusch-Pagan's second pass over X and the two-pass residual moments, took
0.44 s of ``fit_model``'s 0.6 s; this pass takes about 0.1 s. Blocks of 32,768 rows
keep every temporary (k x 32,768 doubles, 1.8 MB) in cache instead of streaming
n-by-k arrays through memory a dozen times.

Only for well-conditioned designs, where the normal equations lose at most about
eps / pivot^2 (1e-14): when the smallest equilibrated Cholesky pivot is below 0.1,
each model goes through :func:`least_squares` (refinement, CholeskyQR2, lm's QR rank
check) and the diagnostics' sums are taken from its residuals.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import ModelSpecificationError
from .least_squares import _WELL_CONDITIONED, GramSolution, LeastSquaresFit, fit_summary, least_squares, solve_gram

# Rows per block: k x BLOCK_ROWS float64 temporaries stay in the CPU cache.
BLOCK_ROWS = 1 << 14


@dataclass(frozen=True)
class NestedFits:
    """The two fits and the full model's row sums the diagnostics need.

    Attributes
    ----------
    power_sums : tuple
        sum e^p of the full model's residuals, p = 1..4.
    squared_residual_moments : ndarray
        X'e^2 (the Breusch-Pagan auxiliary regression's X'y).
    cooks : ndarray
        Cook's distance per row, as R's ``cooks.distance``.
    """

    full: LeastSquaresFit
    rfm_only: LeastSquaresFit
    power_sums: tuple[float, float, float, float]
    squared_residual_moments: np.ndarray
    cooks: np.ndarray
    breusch_pagan: float  # the studentized (Koenker) statistic


def nested_least_squares(XY: np.ndarray, k0: int, gram: np.ndarray) -> NestedFits:
    """OLS of the last column of ``XY`` on its other columns, and on their first ``k0``.

    Parameters
    ----------
    XY : ndarray
        n x (k + 1), column-major: the design (intercept first), then the outcome.
    k0 : int
        Columns of the nested model.
    gram : ndarray
        XY'XY: X'X, X'y and y'y in one matrix.

    Raises
    ------
    ModelSpecificationError
        When the design's columns are linearly dependent (lm's aliasing rule).
    """
    k = XY.shape[1] - 1
    try:
        full_solution = solve_gram(gram[:k, :k])
    except ModelSpecificationError:
        full_solution = None  # least_squares confirms with the rows' QR, then refuses
    if full_solution is None or full_solution.smallest_pivot < _WELL_CONDITIONED:
        return _separately(XY, k0, gram)
    return _one_pass(XY, k0, gram, full_solution, solve_gram(gram[:k0, :k0]))


def breusch_pagan_from_sums(n: int, squared_residual_moments: np.ndarray, sum_e2: float, sum_e4: float,
                            solution: GramSolution) -> float:
    """n R^2 of e^2 on X from X'e^2 alone: the regression's explained sum of squares in M' coordinates.

    With z = M'X'e^2 the auxiliary fit's explained (uncentred) sum of squares is |z|^2,
    and z_0 (the intercept's coordinate) is sum(e^2) / sqrt(n), the mean's share; so the
    centred explained sum is |z[1:]|^2 with no cancellation against the mean.
    """
    z = solution.whitener.T @ squared_residual_moments
    explained = float(z[1:] @ z[1:])
    return n * explained / (sum_e4 - sum_e2 * sum_e2 / n)


@dataclass
class _RowSums:
    """What one range of rows contributes; two ranges add up in a fixed order."""

    meat: np.ndarray
    meat_rfm: np.ndarray
    moments: np.ndarray
    power: np.ndarray
    ssr_rfm: float = 0.0
    tss: float = 0.0

    def __add__(self, other: "_RowSums") -> "_RowSums":
        return _RowSums(self.meat + other.meat, self.meat_rfm + other.meat_rfm, self.moments + other.moments,
                        self.power + other.power, self.ssr_rfm + other.ssr_rfm, self.tss + other.tss)


def _one_pass(XY: np.ndarray, k0: int, gram: np.ndarray, full_solution: GramSolution,
              rfm_solution: GramSolution) -> NestedFits:
    n, k = XY.shape[0], XY.shape[1] - 1
    xty = gram[:k, k]
    params = full_solution.inverse @ xty
    params_rfm = rfm_solution.inverse @ xty[:k0]
    coefficients = np.zeros((2, k))
    coefficients[0], coefficients[1, :k0] = params, params_rfm
    whiten = np.ascontiguousarray(full_solution.whitener.T)
    whiten[:k0, :k0] = rfm_solution.whitener.T  # the same block, as the RFM-only fit factors it
    out = _Outputs(n)
    y_mean = XY[:, k].mean()
    # Two fixed halves, whatever the machine: the sums are added in the same order on
    # one core or two, so the result does not depend on the core count.
    halves = [(0, n // 2), (n // 2, n)]  # as cross_products splits them
    work = [lambda lo=lo, hi=hi: _rows(XY, k0, coefficients, whiten, y_mean, out, lo, hi) for lo, hi in halves]
    sums = _run(work, n)
    M, M0 = whiten.T, whiten[:k0, :k0].T
    full = fit_summary(params, full_solution.inverse, M @ sums.meat @ M.T, float(sums.power[1]), sums.tss, n,
                       resid=out.resid, fitted=out.fitted[0], leverage=out.leverage)
    rfm_only = fit_summary(params_rfm, rfm_solution.inverse, M0 @ sums.meat_rfm @ M0.T, sums.ssr_rfm, sums.tss, n,
                           resid=out.resid_rfm, fitted=out.fitted[1], leverage=out.leverage_rfm)
    out.cooks *= 1 / (k * full.scale)
    power = tuple(float(s) for s in sums.power)
    return NestedFits(full=full, rfm_only=rfm_only, power_sums=power, squared_residual_moments=sums.moments,
                      cooks=out.cooks,
                      breusch_pagan=breusch_pagan_from_sums(n, sums.moments, power[1], power[3], full_solution))


class _Outputs:
    """The per-row results, written block by block."""

    def __init__(self, n: int):
        self.fitted = np.empty((2, n))  # full, RFM-only
        self.resid, self.resid_rfm = np.empty(n), np.empty(n)
        self.leverage, self.leverage_rfm, self.cooks = np.empty(n), np.empty(n), np.empty(n)


def _run(work: list, n: int):
    """The two halves' jobs on two threads when there is enough to share, BLAS held to one thread meanwhile.

    numpy releases the GIL in BLAS and in its loops, so two threads use both cores; BLAS's
    own threads are held back because, on a shared machine, OpenBLAS's spinning workers
    made the small per-block products up to 20 times slower (load average 7, 2 cores).
    Returns the first job's result plus the second's.
    """
    if n < 4 * BLOCK_ROWS:
        return work[0]() + work[1]()
    from concurrent.futures import ThreadPoolExecutor

    with _blas_controller().limit(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=len(work)) as pool:
        first, second = (future.result() for future in [pool.submit(job) for job in work])
    return first + second


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the loaded libraries, found once: each ``threadpool_limits``
    walks and resolves every shared library again (26 ms of CPU a call, two calls a fit).
    The products here run in numpy's BLAS, loaded with numpy, so before the first call."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def cross_products(XY: np.ndarray) -> np.ndarray:
    """XY'XY (X'X, X'y and y'y), the two fixed halves of the rows on two threads."""
    n = XY.shape[0]
    halves = [XY[:n // 2], XY[n // 2:]]
    return _run([lambda part=part: part.T @ part for part in halves], n)


def _rows(XY: np.ndarray, k0: int, coefficients: np.ndarray, whiten: np.ndarray, y_mean: float,
          out: _Outputs, lo: int, hi: int) -> _RowSums:
    k = XY.shape[1] - 1
    Xt, y = XY[:, :k].T, XY[:, k]
    sums = _RowSums(np.zeros((k, k)), np.zeros((k0, k0)), np.zeros(k), np.zeros(4))
    power = sums.power
    for start in range(lo, hi, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, hi))
        x, y_rows = Xt[:, rows], y[rows]
        block = coefficients @ x
        out.fitted[:, rows] = block
        e = np.subtract(y_rows, block[0], out=out.resid[rows])
        e0 = np.subtract(y_rows, block[1], out=out.resid_rfm[rows])
        z = whiten @ x
        squares = z * z
        h0 = np.add.reduce(squares[:k0], axis=0, out=out.leverage_rfm[rows])
        h = np.add(h0, np.add.reduce(squares[k0:], axis=0), out=out.leverage[rows])
        weight = e / (1 - h)
        weighted = z * weight
        sums.meat += weighted @ weighted.T
        weighted_rfm = z[:k0] * (e0 / (1 - h0))
        sums.meat_rfm += weighted_rfm @ weighted_rfm.T
        np.multiply(np.square(weight, out=weight), h, out=out.cooks[rows])  # Cook's D times k sigma^2
        e2 = e * e
        sums.moments += x @ e2
        power += (e.sum(), e2.sum(), e2 @ e, e2 @ e2)
        sums.ssr_rfm += float(e0 @ e0)
        centred = y_rows - y_mean
        sums.tss += float(centred @ centred)
    return sums


def _separately(XY: np.ndarray, k0: int, gram: np.ndarray) -> NestedFits:
    """Ill-conditioned designs: each model through :func:`least_squares`, sums from its residuals."""
    from .diagnostics import breusch_pagan, influence_measures

    k = XY.shape[1] - 1
    X, y = XY[:, :k], XY[:, k]
    full = least_squares(y, X, gram=gram[:k, :k])
    # Columns of X, checked above; the RFM-only X'X is the leading block of the full one.
    rfm_only = least_squares(y, X[:, :k0], check_aliasing=False, gram=gram[:k0, :k0])
    e = full.resid
    e2 = e * e
    _, cooks = influence_measures(full.leverage, e, k, full.scale)
    statistic, _, _ = breusch_pagan(e, X, full.normalized_cov_params)
    return NestedFits(full=full, rfm_only=rfm_only,
                      power_sums=(float(e.sum()), float(e2.sum()), float(e2 @ e), float(e2 @ e2)),
                      squared_residual_moments=X.T @ e2, cooks=cooks, breusch_pagan=float(statistic))
