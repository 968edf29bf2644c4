"""Cross-validation against independent implementations on the same folds (issue 11, section 1).

scikit-learn's ``cross_val_predict`` / ``cross_val_score`` refit each fold by QR, so they
check the fold-sufficient-statistics algebra; statsmodels' GLM and QuantReg check the
Gamma-log and median cross-fits fold by fold.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_predict, cross_val_score

from analysis.evidence import specs
from analysis.evidence.estimators import median_fit
from analysis.evidence.folds import (CV_FOLDS, CV_REPEATS, CV_SEED, fold_ids, gamma_log_cross_fit,
                                     linear_cross_fit, splits)
from analysis.evidence.selection import select_best
from analysis.evidence.validation import validate
from analysis.data.simulate import simulate_customers


@pytest.fixture(scope="module")
def linear_truth():
    return simulate_customers(2000, seed=3)


@pytest.fixture(scope="module")
def planted_fxm():
    """Positive values with a strong F x M structure, as every order-log table has."""
    rng = np.random.default_rng(5)
    n = 2000
    f = rng.poisson(4, n) + 1
    m = rng.lognormal(4, 0.6, n)
    r = rng.integers(0, 365, n)
    seg = np.where(f > 5, "High Value", np.where(r > 200, "At Risk", np.where(m > 60, "Medium Value", "Low Value")))
    value = 0.3 * f * m * np.exp(rng.normal(0, 0.3, n))
    return pd.DataFrame({"CustomerValue": value, "Recency": r, "Frequency": f, "MonetaryValue": m, "Segment": seg})


def test_folds_are_balanced_seeded_and_documented():
    ids = fold_ids(1003)
    assert ids.shape == (CV_REPEATS, 1003) and (CV_FOLDS, CV_REPEATS) == (10, 5)
    for row in ids:
        assert set(np.bincount(row).tolist()) == {100, 101}
    assert np.array_equal(ids, fold_ids(1003, seed=CV_SEED))
    assert not np.array_equal(ids[0], ids[1])


@pytest.mark.parametrize("name", ["linear", "fxm", "flexible"])
def test_linear_family_oof_equals_scikit_learn_refits(linear_truth, name):
    x, y, _ = specs.linear_design(specs.SPECS_BY_NAME[name], linear_truth, "Low Value")
    ids = fold_ids(len(y), repeats=2)
    cross_fit = linear_cross_fit(x, y, ids)
    for r in range(2):
        reference = cross_val_predict(LinearRegression(fit_intercept=False), x, y, cv=splits(ids[r]))
        assert np.max(np.abs(reference - cross_fit.oof[r])) <= 1e-9 * np.max(np.abs(reference))


def test_per_fold_r_squared_and_rmse_equal_cross_val_score(linear_truth):
    v = validate(linear_truth, "Low Value", repeats=2)
    x, y, _ = specs.linear_design(specs.SPECS_BY_NAME["linear"], linear_truth, "Low Value")
    mine = v.models["linear"].fold_scores
    for r in range(2):
        cv = splits(v.ids[r])
        r2 = cross_val_score(LinearRegression(fit_intercept=False), x, y, cv=cv, scoring="r2")
        rmse = -cross_val_score(LinearRegression(fit_intercept=False), x, y, cv=cv,
                                scoring="neg_root_mean_squared_error")
        assert np.allclose(mine[mine.repeat == r]["r_squared"], r2, rtol=0, atol=1e-9)
        assert np.allclose(mine[mine.repeat == r]["rmse"], rmse, rtol=1e-9)


def test_pooled_cv_r_squared_matches_an_independent_computation(linear_truth):
    v = validate(linear_truth, "Low Value", repeats=3)
    x, y, _ = specs.linear_design(specs.SPECS_BY_NAME["linear"], linear_truth, "Low Value")
    pooled = []
    for r in range(3):
        oof = cross_val_predict(LinearRegression(fit_intercept=False), x, y, cv=splits(v.ids[r]))
        pooled.append(1 - ((y - oof) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    assert abs(v.to_contract()["models"]["linear"]["cv_r_squared"] - np.mean(pooled)) < 1e-9


def test_loglinear_smearing_is_refitted_per_fold(planted_fxm):
    x, z, _ = specs.linear_design(specs.SPECS_BY_NAME["loglinear"], planted_fxm, "Low Value")
    y = planted_fxm["CustomerValue"].to_numpy()
    ids = fold_ids(len(y), repeats=1)
    cross_fit = linear_cross_fit(x, y, ids, log_outcome=True)
    for k, (train, test) in enumerate(splits(ids[0])):
        beta = np.linalg.lstsq(x[train], z[train], rcond=None)[0]
        smear = np.mean(np.exp(z[train] - x[train] @ beta))
        assert abs(cross_fit.smearing[0, k] - smear) < 1e-10
        assert np.allclose(cross_fit.oof[0, test], np.exp(x[test] @ beta) * smear, rtol=1e-9)


def test_gamma_cross_fit_equals_statsmodels_glm(planted_fxm):
    x, _, _ = specs.linear_design(specs.SPECS_BY_NAME["linear"], planted_fxm, "Low Value")
    y = planted_fxm["CustomerValue"].to_numpy()
    ids = fold_ids(len(y), repeats=1)
    cross_fit = gamma_log_cross_fit(x, y, ids)
    for train, test in splits(ids[0])[:3]:
        glm = sm.GLM(y[train], x[train], family=sm.families.Gamma(sm.families.links.Log())).fit(tol=1e-12)
        assert np.allclose(cross_fit.oof[0, test], np.exp(x[test] @ glm.params), rtol=1e-7)


def test_median_fit_reaches_the_optimum_statsmodels_approaches(linear_truth):
    x, y, _ = specs.linear_design(specs.SPECS_BY_NAME["linear"], linear_truth, "Low Value")
    mine = median_fit(x, y)
    theirs = sm.QuantReg(y, x).fit(q=0.5, max_iter=5000, p_tol=1e-10).params
    loss_mine, loss_theirs = np.abs(y - x @ mine).sum(), np.abs(y - x @ theirs).sum()
    assert loss_mine <= loss_theirs * (1 + 1e-9)
    assert np.allclose(mine, theirs, rtol=1e-3, atol=1e-3)


def test_best_model_is_linear_on_linear_truth_and_not_on_planted_fxm(linear_truth, planted_fxm):
    assert select_best(validate(linear_truth, "Low Value", repeats=2)).name == "linear"
    best = select_best(validate(planted_fxm, "Low Value", repeats=2))
    assert best.name != "linear" and not best.linear_within
    assert best.best_rmse <= best.threshold


def test_validation_contract_has_every_model_and_is_strict_json(planted_fxm):
    v = validate(planted_fxm, "Low Value", repeats=2)
    c = json.loads(json.dumps(v.to_contract(), allow_nan=False))
    assert (c["folds"], c["repeats"], c["seed"]) == (10, 2, CV_SEED)
    assert set(c["models"]) == {s.name for s in specs.applicable_specs(planted_fxm)}
    for entry in c["models"].values():
        assert {"cv_r_squared", "cv_rmse", "cv_mae", "cv_rmse_sd"} <= set(entry)
        assert entry["cv_rmse"] > 0 and entry["cv_r_squared"] <= 1
    assert "rfm_only" in c["baselines"]
