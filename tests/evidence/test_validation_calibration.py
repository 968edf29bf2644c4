"""Calibration by decile and the predicted-against-observed check, against hand computations."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.evidence.calibration import calibration_by_decile, calibration_summary, predictive_check
from analysis.evidence.intervals import ResidualBands


def test_calibration_by_decile_by_hand():
    rng = np.random.default_rng(2)
    predicted = np.arange(100.0)
    y = predicted + rng.normal(0, 5, 100)
    table = calibration_by_decile(y, predicted, "linear")
    assert table["n"].tolist() == [10] * 10
    first = y[:10]
    half = stats.t.ppf(0.975, 9) * first.std(ddof=1) / np.sqrt(10)
    row = table.iloc[0]
    assert row["mean_predicted"] == pytest.approx(4.5)
    assert row["mean_actual"] == pytest.approx(first.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((first.mean() - half, first.mean() + half))
    assert calibration_summary(table)["deciles_missed"] <= 2
    biased = calibration_by_decile(y + 50, predicted, "linear")
    assert calibration_summary(biased)["deciles_missed"] == 10
    assert calibration_summary(biased)["worst_gap"] > 45


def test_predictive_check_shows_a_linear_model_going_below_zero():
    rng = np.random.default_rng(3)
    predicted = rng.uniform(5, 50, 4000)
    y = rng.gamma(2.0, predicted / 2.0)  # positive outcome, spread growing with the mean
    density, summary = predictive_check(y, predicted, "linear", sigma=float(np.std(y - predicted)))
    assert summary["observed_below_zero"] == 0
    assert summary["replicated_below_zero"] > 0.05
    bands = ResidualBands.fit(predicted, y - predicted)
    _, banded = predictive_check(y, predicted, "best", bands=bands)
    assert banded["replicated_below_zero"] < summary["replicated_below_zero"]
    observed = density[density.series == "observed"]
    width = np.diff(observed["bin_mid"]).mean()
    # Densities integrate to one over the shared bins (values beyond the 99.5th percentile aside).
    assert (observed["density"] * width).sum() == pytest.approx(1.0, abs=1e-9)
    assert density[density.series == "replicate"]["replicate"].nunique() == 50
    with pytest.raises(ValueError, match="exactly one"):
        predictive_check(y, predicted, "x")
