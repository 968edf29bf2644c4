"""Holdout comparison: sums, errors, bins and deciles."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.futures.holdout import validate_holdout


def test_sums_errors_and_groups():
    frequency = np.array([0, 0, 1, 9, 12])
    predicted = np.array([0.5, 0.5, 1.0, 3.0, 5.0])
    actual = np.array([0, 1, 1, 2, 6])
    result = validate_holdout(frequency, predicted, actual, predicted_clv=np.arange(5.0),
                              predicted_revenue=predicted * 10, actual_revenue=actual * 10.0, weeks=26)
    assert (result.predicted_purchases, result.actual_purchases) == (10.0, 10.0)
    assert result.purchases_error == 0.0
    assert result.purchases_mae == pytest.approx((0.5 + 0.5 + 0 + 1 + 1) / 5)
    by = result.by_frequency.set_index("repeat_purchases")
    assert list(by.index) == ["0", "1", "7+"]
    assert by.loc["7+", "customers"] == 2 and by.loc["7+", "actual_mean"] == 4.0


def test_over_prediction_is_positive_and_deciles_are_equal_sized():
    n = 1000
    rng = np.random.default_rng(0)
    predicted = rng.gamma(1.0, 1.0, n)
    result = validate_holdout(np.zeros(n, int), predicted * 1.2, predicted, predicted_clv=np.zeros(n),
                              predicted_revenue=predicted, actual_revenue=predicted, weeks=26)
    assert result.purchases_error == pytest.approx(0.2)
    assert list(result.by_decile["customers"]) == [100] * 10
