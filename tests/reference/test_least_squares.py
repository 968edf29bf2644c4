"""The least-squares routine behind ``fit_model``, on designs the default data never hits.

test_against_r.py checks it against R on the committed data; these tests cover
ill-conditioned designs, the refusal of perfectly collinear ones, and leverage and
the block-wise HC3 against their textbook formulas.
"""
from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import ModelSpecificationError
from analysis.model import least_squares


def design(n: int, seed: int, near_duplicate: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    recency = rng.gamma(1.5, 60, n)
    frequency = rng.poisson(6, n).astype(float)
    basket = rng.lognormal(4, 0.5, n)
    segment = rng.integers(0, 3, n)
    columns = [np.ones(n), recency, frequency, basket, segment == 1, segment == 2]
    if near_duplicate is not None:
        # A second basket column that differs from the first by a hair: condition number ~1e6+.
        columns.append(basket + near_duplicate * rng.normal(size=n))
    X = np.column_stack(columns).astype(float)
    beta = np.arange(1.0, X.shape[1] + 1)
    heteroskedastic_noise = rng.normal(size=n) * (20 + 0.5 * np.abs(X @ beta))
    return X @ beta + heteroskedastic_noise, X


def textbook(y: np.ndarray, X: np.ndarray) -> dict[str, np.ndarray]:
    """Plain formulas, with numpy's SVD-based lstsq for the coefficients."""
    params = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ params
    pinv = np.linalg.pinv(X)
    leverage = np.einsum("ij,ji->i", X, pinv)
    weights = (resid / (1 - leverage)) ** 2
    return {"params": params, "leverage": leverage, "cov_hc3": (pinv * weights) @ pinv.T,
            "ssr": resid @ resid}


@pytest.mark.parametrize("near_duplicate", [None, 1e-2, 1e-4],
                         ids=["well-conditioned", "near-duplicate-column", "ill-conditioned"])
def test_matches_textbook_formulas(near_duplicate):
    y, X = design(3000, seed=7, near_duplicate=near_duplicate)
    fit, expected = least_squares(y, X), textbook(y, X)
    assert fit.params == pytest.approx(expected["params"], rel=1e-7)
    assert fit.leverage == pytest.approx(expected["leverage"], rel=1e-7)
    assert fit.cov_HC3 == pytest.approx(expected["cov_hc3"], rel=1e-6)
    assert fit.ssr == pytest.approx(expected["ssr"], rel=1e-10)
    assert fit.df_resid == X.shape[0] - X.shape[1]


def test_ill_conditioned_design_is_fitted_as_accurately_as_qr():
    y, X = design(3000, seed=8, near_duplicate=1e-4)
    scaled = X / np.linalg.norm(X, axis=0)
    assert np.linalg.cond(scaled) ** 2 > 1e8  # normal equations would lose most digits here
    fit = least_squares(y, X)
    q, r = np.linalg.qr(X)
    assert fit.params == pytest.approx(np.linalg.solve(r, q.T @ y), rel=1e-6)


def test_a_column_within_lm_tolerance_of_another_is_refused_as_lm_aliases_it():
    # The copy differs from the basket column by about 1e-8 of its length: lm's
    # tolerance (1e-7) would drop it as aliased, so no coefficient can be reported.
    y, X = design(3000, seed=8, near_duplicate=1e-6)
    with pytest.raises(ModelSpecificationError, match="perfectly collinear"):
        least_squares(y, X)


def test_perfectly_collinear_predictors_are_refused_with_a_reason():
    y, X = design(500, seed=9)
    collinear = np.column_stack([X, 2 * X[:, 1] + X[:, 2]])
    with pytest.raises(ModelSpecificationError, match="perfectly collinear"):
        least_squares(y, collinear)


@pytest.mark.parametrize("near_duplicate", [None, 1e-3])
def test_lower_inverse_matches_scipys_triangular_solve(near_duplicate):
    """least_squares inverts its Cholesky factors without scipy.linalg (an import the fit command
    skips); the written-out forward substitution must return what solve_triangular does."""
    from scipy.linalg import solve_triangular

    from analysis.model.least_squares import lower_inverse

    _, X = design(2000, seed=5, near_duplicate=near_duplicate)
    gram = X.T @ X
    norms = np.sqrt(np.diag(gram))
    factor = np.linalg.cholesky(gram / np.outer(norms, norms))
    ours = lower_inverse(factor)
    reference = solve_triangular(factor, np.eye(len(factor)), lower=True)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12 * np.abs(reference).max())
    assert np.all(np.triu(ours, 1) == 0)
