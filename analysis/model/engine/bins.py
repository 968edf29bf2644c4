"""Binned aggregates of an in-engine fit: what the row-needing figures and numbers draw from.

A million-row figure never shows a million marks: the diagnostic panels become
densities, the Q-Q plot a few thousand order statistics, the partial-effect rugs
deciles, the box plots five quantiles per segment. All of these are small
aggregates, so each is one ``GROUP BY`` (or the two-query exact order statistics
below) over :func:`~.scores.customer_scores`; only the bins come back.

- :func:`histogram_2d`: counts over a ``GRID x GRID`` lattice between the extremes
  (the density the in-memory hexbin shows, on square cells);
- :func:`binned_means`: mean of y per x-bin (the smoother of a binned panel);
- :func:`order_statistics`: exact order statistics (hence numpy's linear quantiles) in
  bounded memory, vectorised for the thousands of ranks a Q-Q plot needs;
- :func:`top_rows`: the few customers a panel labels (largest |residual|, Cook's D).
"""
from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

GRID = 50                # cells per axis of a density panel (the in-memory hexbin's gridsize)
HISTOGRAM_BINS = 1 << 16  # first pass of the exact order statistics (as .quantiles)
EXTRACT_ROWS = 200_000    # at most this many rows' distinct values fetched; beyond, the engine ranks them


@dataclass(frozen=True)
class Histogram2D:
    """Counts on a regular lattice: ``counts[i, j]`` customers with x in bin i and y in bin j."""

    x_edges: np.ndarray
    y_edges: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def _bin_of(value: ibis.Value, low: float, high: float, bins: int) -> ibis.Value:
    width = (high - low) / bins if high > low else 1.0
    return ibis.greatest(ibis.least(((value - low) / width).floor(), bins - 1), 0).cast("int64")


def histogram_2d(table: ibis.Table, x: str, y: str, x_range: tuple[float, float],
                 y_range: tuple[float, float], grid: int = GRID) -> Histogram2D:
    """Counts of ``table`` over a ``grid x grid`` lattice of columns ``x`` and ``y`` (one GROUP BY)."""
    binned = table.select(_x=_bin_of(table[x], *x_range, grid), _y=_bin_of(table[y], *y_range, grid))
    cells = binned.group_by(["_x", "_y"]).aggregate(_n=ibis._.count()).to_pandas()
    counts = np.zeros((grid, grid), dtype=np.int64)
    counts[cells["_x"].to_numpy(), cells["_y"].to_numpy()] = cells["_n"].to_numpy()
    return Histogram2D(np.linspace(*x_range, grid + 1), np.linspace(*y_range, grid + 1), counts)


def binned_means(table: ibis.Table, x: str, ys: tuple[str, ...], x_range: tuple[float, float],
                 grid: int = GRID) -> pd.DataFrame:
    """Per x-bin: centre, count and the mean of each of ``ys`` (bins without customers left out)."""
    binned = table.select(_x=_bin_of(table[x], *x_range, grid), **{c: table[c] for c in ys})
    frame = (binned.group_by("_x").aggregate(n=ibis._.count(), **{c: binned[c].mean() for c in ys})
             .to_pandas().sort_values("_x"))
    width = (x_range[1] - x_range[0]) / grid
    frame.insert(0, "x", x_range[0] + (frame.pop("_x").to_numpy() + 0.5) * width)
    return frame.reset_index(drop=True)


def order_statistics(table: ibis.Table, value: ibis.Value, n: int, low: float, high: float,
                     ranks: np.ndarray) -> np.ndarray:
    """The values at 0-based ``ranks`` of ``value`` sorted ascending over ``n`` rows, exactly.

    Two queries, as :func:`.quantiles.exact_quantiles`: a histogram over
    :data:`HISTOGRAM_BINS` bins between ``low <= value <= high``, then the distinct values
    (with counts) of only the bins holding a wanted rank. Vectorised over the ranks: that
    function's per-rank loop costs seconds for the 2,000 ranks of a Q-Q plot at 10M rows.
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    if not high > low:
        return np.full(len(ranks), float(low))
    with_value = table.select(_value=value)
    binned = with_value.mutate(_bin=_bin_of(with_value["_value"], low, high, HISTOGRAM_BINS))
    counts = binned.group_by("_bin").aggregate(_n=ibis._.count()).to_pandas().sort_values("_bin")
    bins, cumulative = counts["_bin"].to_numpy(), np.cumsum(counts["_n"].to_numpy())
    holding = bins[np.searchsorted(cumulative, ranks, side="right")]
    needed = [int(b) for b in np.unique(holding)]
    before = dict(zip(bins.tolist(), (cumulative - counts["_n"].to_numpy()).tolist()))
    inside = binned.filter(binned["_bin"].isin(needed))
    if int(counts.loc[counts["_bin"].isin(needed), "_n"].sum()) > EXTRACT_ROWS:
        return _ranked_values(inside, holding, ranks, before)
    values = inside.group_by(["_bin", "_value"]).aggregate(_n=ibis._.count()).to_pandas().sort_values(["_bin", "_value"])
    # Sorted by (bin, value), each distinct value's last rank + 1 rises monotonically.
    ends = (values["_bin"].map(before).to_numpy() + values.groupby("_bin")["_n"].cumsum().to_numpy())
    return values["_value"].to_numpy(dtype=float)[np.searchsorted(ends, ranks, side="right")]


def _ranked_values(inside: ibis.Table, holding: np.ndarray, ranks: np.ndarray, before: dict) -> np.ndarray:
    """The values at ``ranks`` when the bins holding them hold too many rows to fetch.

    A Q-Q plot's thousands of ranks, spread over the whole order, land in bins that hold
    most rows when the values bunch (standardized residuals with heavy tails: 60 % of 3M
    rows, 1.2 GB of client memory at 10M). The engine numbers the rows within each of
    those bins instead (a window, which it may spill) and returns only the wanted ones.
    """
    wanted = pd.DataFrame({"_bin": holding.astype(np.int64),
                           "_pos": ranks - np.array([before[int(b)] for b in holding], dtype=np.int64)})
    numbered = inside.mutate(_pos=ibis.row_number().over(group_by="_bin", order_by="_value"))  # 0-based
    pairs = ibis.memtable(wanted.drop_duplicates())
    found = numbered.join(pairs, ["_bin", "_pos"]).select("_bin", "_pos", "_value").to_pandas()
    lookup = {(int(b), int(q)): float(v) for b, q, v in found.itertuples(index=False)}
    return np.array([lookup[(int(b), int(q))] for b, q in zip(wanted["_bin"], wanted["_pos"])])


def quantile_ranks(n: int, probabilities) -> np.ndarray:
    """The order statistics numpy's linear quantiles at ``probabilities`` interpolate between."""
    positions = (n - 1) * np.asarray(probabilities, dtype=float)
    lower = np.floor(positions).astype(np.int64)
    return np.unique(np.concatenate([lower, np.minimum(lower + 1, n - 1)]))


def linear_quantiles(n: int, probabilities, ranks: np.ndarray, values: np.ndarray) -> np.ndarray:
    """numpy's default quantiles from the order statistics at ``ranks`` (from :func:`quantile_ranks`)."""
    lookup = dict(zip(np.asarray(ranks).tolist(), np.asarray(values, dtype=float).tolist()))
    result = []
    for p in np.atleast_1d(probabilities):
        position = (n - 1) * float(p)
        lower = int(np.floor(position))
        a, b = lookup[lower], lookup[min(lower + 1, n - 1)]
        result.append(a + (position - lower) * (b - a))
    return np.array(result)


def quantiles(table: ibis.Table, value: ibis.Value, n: int, low: float, high: float,
              probabilities) -> np.ndarray:
    """numpy's default (linear) quantiles of ``value`` over ``table``, exactly, in two queries."""
    if n == 0:
        return np.full(len(np.atleast_1d(probabilities)), np.nan)
    ranks = quantile_ranks(n, probabilities)
    return linear_quantiles(n, probabilities, ranks, order_statistics(table, value, n, low, high, ranks))


def top_rows(table: ibis.Table, key: ibis.Value, columns: list[str], k: int) -> pd.DataFrame:
    """The ``k`` rows with the largest ``key`` (ties by CustomerID), only ``columns`` fetched."""
    ranked = table.mutate(_key=key)
    return (ranked.order_by([ibis.desc("_key"), "CustomerID"]).limit(k).select(*columns)
            .to_pandas().reset_index(drop=True))
