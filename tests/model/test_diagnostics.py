"""The diagnostics agree with independent implementations (statsmodels, scipy) on the report's data."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.diagnostic import het_breuschpagan

from analysis.model.fit import design_matrix
from analysis.model.inference import holm


def test_hand_written_breusch_pagan_equals_statsmodels(results):
    """Kept by hand for speed (benchmarks/bench_diagnostics.py); it must still give the library's answer."""
    X, _ = design_matrix(results.customers, results.levels, results.reference)
    statistic, p, _, _ = het_breuschpagan(results.customers["residual"].to_numpy(), X, robust=True)
    assert results.diagnostics.bp_stat == pytest.approx(statistic, rel=1e-9)
    assert results.diagnostics.bp_p == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert results.diagnostics.bp_df == X.shape[1] - 1


def test_jarque_bera_equals_scipy(results):
    residual = results.customers["residual"].to_numpy()
    expected = stats.jarque_bera(residual)
    assert results.diagnostics.normality_stat == pytest.approx(expected.statistic, rel=1e-10)
    assert results.diagnostics.normality_p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert results.diagnostics.skewness == pytest.approx(stats.skew(residual), rel=1e-10)
    assert results.diagnostics.excess_kurtosis == pytest.approx(stats.kurtosis(residual), rel=1e-10)


def test_holm_matches_the_step_down_definition():
    """Holm (1979): sort, multiply the i-th smallest by (m - i + 1), carry the running maximum, cap at 1."""
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5, 0.2])
    order = np.argsort(p)
    expected_sorted = np.minimum(np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1)), 1.0)
    expected = np.empty_like(p)
    expected[order] = expected_sorted
    assert holm(p) == pytest.approx(expected, abs=1e-15)
    assert holm(p)[3] == pytest.approx(0.03)  # 0.005 * 6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hand_written_holm_equals_statsmodels_multipletests(seed):
    """Written out because multipletests calls gc.collect (100 ms at 1M customers); same answer, ties included."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.2, 5), [0.03, 0.03, 1e-12, 0.9]])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-15, abs=0)
