"""Exact quantiles without a full partition: bit for bit what np.quantile gives."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.model.order_statistics import SMALL, linear_quantiles, order_statistics

PROBABILITIES = (0.25, 0.5, 0.75)


def _cases():
    rng = np.random.default_rng(11)
    yield "continuous", rng.normal(size=300_001)
    yield "ties", rng.integers(0, 50, 250_000).astype(float)
    yield "sorted", np.sort(rng.lognormal(size=200_000))
    yield "constant", np.full(100_000, 3.25)
    yield "small", rng.normal(size=1_001)
    # The strided sample sees only the zeros; every bracket misses and the full partition decides.
    sample_blind = rng.normal(size=SMALL * 4)
    sample_blind[:: len(sample_blind) // 4096] = 0.0
    yield "sample-blind", sample_blind


@pytest.mark.parametrize("name, values", list(_cases()), ids=[name for name, _ in _cases()])
def test_equal_to_numpy_bit_for_bit(name, values):
    before = values.copy()
    assert np.array_equal(linear_quantiles(values, PROBABILITIES), np.quantile(values, PROBABILITIES))
    assert np.array_equal(values, before)  # the input is not reordered


def test_order_statistics_in_any_order():
    values = np.random.default_rng(12).normal(size=150_000)
    ranks = [149_999, 0, 75_000, 75_001, 37_499]
    assert np.array_equal(order_statistics(values, ranks), np.sort(values)[ranks])


def test_a_wrong_rank_would_be_caught():
    values = np.random.default_rng(13).normal(size=150_000)
    assert order_statistics(values, [75_000])[0] != np.sort(values)[75_001]
