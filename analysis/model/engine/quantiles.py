"""Exact quantiles of an engine expression in bounded memory: a histogram, then the few values needed.

Why not the engine's own exact quantile: DuckDB's ``quantile_cont`` keeps every value
in one aggregate state, 0.8 GB at 100M customers, and failed with an out-of-memory
error under a 600 MB cap (benchmarks/bench_scale.py); approximate quantiles would
break the equality with numpy. Two ``GROUP BY`` queries instead: counts over 65,536
equal-width bins between known bounds, then the distinct values (with counts) of
only the bins that hold the order statistics. The result is numpy's default
(linear interpolation) quantile, exactly.
"""
from __future__ import annotations

import ibis
import numpy as np

BINS = 1 << 16


def exact_quantiles(table: ibis.Table, value: ibis.Value, n: int, low: float, high: float,
                    probabilities: tuple[float, ...]) -> tuple[float, ...]:
    """Quantiles of ``value`` over ``table``'s ``n`` rows, given bounds ``low <= value <= high``."""
    if not high > low:
        return tuple(float(low) for _ in probabilities)
    width = (high - low) / BINS
    with_value = table.mutate(_value=value)
    binned = with_value.mutate(
        _bin=ibis.greatest(ibis.least(((with_value["_value"] - low) / width).floor(), BINS - 1), 0).cast("int64"))
    counts = binned.group_by("_bin").aggregate(_n=ibis._.count()).to_pandas().sort_values("_bin")
    bins, cumulative = counts["_bin"].to_numpy(), np.cumsum(counts["_n"].to_numpy())
    ranks = sorted({r for p in probabilities for r in (int(np.floor((n - 1) * p)), min(int(np.floor((n - 1) * p)) + 1, n - 1))})
    needed = sorted({int(bins[np.searchsorted(cumulative, r, side="right")]) for r in ranks})
    values = (binned.filter(binned["_bin"].isin(needed)).group_by(["_bin", "_value"])
              .aggregate(_n=ibis._.count()).to_pandas().sort_values(["_bin", "_value"]))
    before = {int(b): int(c - k) for b, c, k in zip(bins, cumulative, counts["_n"].to_numpy())}

    def order_statistic(rank: int) -> float:
        b = int(bins[np.searchsorted(cumulative, rank, side="right")])
        rows = values[values["_bin"] == b]
        within = np.cumsum(rows["_n"].to_numpy())
        return float(rows["_value"].to_numpy()[np.searchsorted(within, rank - before[b], side="right")])

    result = []
    for p in probabilities:
        position = (n - 1) * p
        lower = int(np.floor(position))
        a, b = order_statistic(lower), order_statistic(min(lower + 1, n - 1))
        result.append(float(a + (position - lower) * (b - a)))  # numpy's "linear" method
    return tuple(result)
