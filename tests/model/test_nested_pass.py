"""The one-pass fit of both models equals the per-model reference path and independent libraries.

``least_squares`` (tests/reference/test_least_squares.py checks it against a textbook
QR fit, and tests/reference checks the whole contract against R) is the reference
here; statsmodels' ``OLS``, ``het_breuschpagan`` and ``OLSInfluence`` are the
independent checks. 100,000 rows so that the two-thread path (from 65,536 rows) and
several blocks per half run.
"""
from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.stats.outliers_influence import OLSInfluence

from analysis.errors import ModelSpecificationError
from analysis.model.least_squares import least_squares, solve_gram
from analysis.model.nested_pass import BLOCK_ROWS, cross_products, nested_least_squares

REL = 1e-10


def _design(n: int, seed: int = 3) -> np.ndarray:
    """Intercept, three skewed predictors, three dummies of a four-level factor, then y (heteroskedastic)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, n)
    XY = np.empty((n, 8), order="F")
    XY[:, 0] = 1.0
    XY[:, 1] = rng.exponential(60, n).round()
    XY[:, 2] = rng.geometric(0.2, n) - 1.0
    XY[:, 3] = rng.lognormal(4, 0.5, n).round(2)
    for j in range(3):
        XY[:, 4 + j] = codes == j + 1
    mean = 50 - 0.8 * XY[:, 1] + 30 * XY[:, 2] + 1.5 * XY[:, 3] + XY[:, 4:7] @ np.array([200.0, 80.0, -40.0])
    XY[:, 7] = mean + (20 + 0.2 * np.abs(mean)) * rng.standard_normal(n)
    return XY


@pytest.fixture(scope="module")
def case():
    XY = _design(100_000)
    return XY, nested_least_squares(XY, 4, cross_products(XY))


def test_the_two_thread_path_runs_on_this_case(case):
    XY, _ = case
    assert len(XY) >= 4 * BLOCK_ROWS


def test_cross_products_equal_one_product(case):
    XY, _ = case
    assert cross_products(XY) == pytest.approx(XY.T @ XY, rel=1e-12)


@pytest.mark.parametrize("model, columns", [("full", 7), ("rfm_only", 4)])
def test_each_model_equals_its_own_least_squares(case, model, columns):
    XY, nested = case
    ours, reference = getattr(nested, model), least_squares(XY[:, 7], XY[:, :columns])
    assert ours.params == pytest.approx(reference.params, rel=REL)
    assert ours.cov_HC3 == pytest.approx(reference.cov_HC3, rel=REL)
    assert ours.normalized_cov_params == pytest.approx(reference.normalized_cov_params, rel=REL)
    assert ours.ssr == pytest.approx(reference.ssr, rel=REL)
    assert ours.rsquared == pytest.approx(reference.rsquared, rel=REL)
    assert ours.leverage == pytest.approx(reference.leverage, rel=REL)
    # Values that cross zero are compared on the scale of the outcome.
    scale = np.abs(XY[:, 7]).max()
    assert ours.fittedvalues == pytest.approx(reference.fittedvalues, rel=REL, abs=REL * scale)
    assert ours.resid == pytest.approx(reference.resid, rel=REL, abs=REL * scale)


def test_full_model_matches_statsmodels(case):
    XY, nested = case
    fit = sm.OLS(XY[:, 7], XY[:, :7]).fit()
    assert nested.full.params == pytest.approx(fit.params, rel=1e-9)
    assert nested.full.cov_HC3 == pytest.approx(fit.cov_HC3, rel=1e-9)
    influence = OLSInfluence(fit)
    assert nested.full.leverage == pytest.approx(influence.hat_matrix_diag, rel=1e-9)
    assert nested.cooks == pytest.approx(influence.cooks_distance[0], rel=1e-9)
    statistic, _, _, _ = het_breuschpagan(fit.resid, XY[:, :7], robust=True)
    assert nested.breusch_pagan == pytest.approx(statistic, rel=1e-9)


def test_residual_power_sums(case):
    _, nested = case
    e = nested.full.resid
    assert nested.power_sums == pytest.approx((e.sum(), (e**2).sum(), (e**3).sum(), (e**4).sum()), rel=1e-9,
                                              abs=1e-6 * np.abs(e).sum())


def test_threads_do_not_change_the_numbers(case):
    """The two fixed halves are summed in one order: the same bits as on one thread."""
    XY, nested = case
    again = nested_least_squares(XY, 4, cross_products(XY))
    assert np.array_equal(again.full.cov_HC3, nested.full.cov_HC3)
    assert np.array_equal(again.full.leverage, nested.full.leverage)


def test_ill_conditioned_design_takes_the_careful_path_and_agrees():
    XY = _design(5_000, seed=4)
    XY[:, 3] = XY[:, 1] * 10 + XY[:, 2] + np.random.default_rng(5).normal(0, 0.5, len(XY))
    assert solve_gram((XY.T @ XY)[:7, :7]).smallest_pivot < 1e-3  # far below the one-pass path's 0.1
    nested = nested_least_squares(XY, 4, XY.T @ XY)
    reference = least_squares(XY[:, 7], XY[:, :7])
    assert nested.full.params == pytest.approx(reference.params, rel=1e-9)
    statistic, _, _, _ = het_breuschpagan(reference.resid, XY[:, :7], robust=True)
    assert nested.breusch_pagan == pytest.approx(statistic, rel=1e-7)


def test_collinear_design_is_refused():
    XY = _design(5_000, seed=6)
    XY[:, 3] = 2 * XY[:, 1] - XY[:, 2]
    with pytest.raises(ModelSpecificationError, match="perfectly collinear"):
        nested_least_squares(XY, 4, XY.T @ XY)
