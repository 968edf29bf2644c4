"""Cumulative gains: does ranking by the model beat ranking by the CRM label? (issue 11, section 2)

Each ranking orders customers from most to least promising; the gains curve is the share of
all CustomerValue held by the first x% of that order. The model rankings use *cross-fitted*
(out-of-fold, first repeat) predictions, so no customer is ranked by a fit that saw their
own value. Rankings:

=============  ============================================================================
``linear``     the brief's model, out of fold
``best``       the one-SE choice of :mod:`.selection`, out of fold
``rfm_only``   least squares on R + F + M without Segment, out of fold
``rfm_score``  the classic R + F + M quintile score (each 1-5, recency reversed, summed)
``labels``     High Value > Medium Value > Low Value = At Risk
``random``     the expectation of a random list: it captures its own share of customers
``oracle``     customers ordered by their actual value: the most any list of that size holds
=============  ============================================================================

Ties (the score and the label have many) are broken at random with :data:`TIE_SEED`, so the
label ranking is not flattered or penalised by the file's row order. The quintile scores and
the labels use no outcome, so they need no cross-fitting.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .specs import OUTCOME, SEGMENT

TIE_SEED = 20261113
MODEL_RANKINGS = ("linear", "best", "rfm_only", "rfm_score", "labels")
RANKINGS = (*MODEL_RANKINGS, "random", "oracle")
LABEL_RANK = {"High Value": 3, "Medium Value": 2, "Low Value": 1, "At Risk": 1}
HIGH_VALUE = "High Value"
#: Points at which the curve is tabulated for the figure (0%, 1%, ..., 100% contacted).
CURVE_POINTS = 101


def quintile_score(values: np.ndarray) -> np.ndarray:
    """1-5 by quintile of rank; tied values share the lower score (``1 + floor(5 (rank_min - 1) / n)``).

    ``rank_min - 1`` is the number of strictly smaller values, read off one stable argsort
    (the start of each run of equal values); pandas' ``rank`` took 0.7 s at a million rows.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    smaller_sorted = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    smaller = np.empty(n, dtype=np.int64)
    smaller[order] = smaller_sorted
    return (1 + (5 * smaller) // n).astype(int)


def rfm_quintiles(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, F and M quintile scores, 1-5 each; recency reversed (the most recent quintile is 5)."""
    return (quintile_score(-frame["Recency"].to_numpy(float)),
            quintile_score(frame["Frequency"].to_numpy(float)),
            quintile_score(frame["MonetaryValue"].to_numpy(float)))


def rfm_score(frame: pd.DataFrame, quintiles=None) -> np.ndarray:
    """Classic RFM score, 3-15: the sum of :func:`rfm_quintiles`."""
    r, f, m = rfm_quintiles(frame) if quintiles is None else quintiles
    return r + f + m


def label_score(frame: pd.DataFrame) -> np.ndarray:
    """3 for High Value, 2 for Medium Value, 1 for Low Value and At Risk (0 for anything else)."""
    codes, labels = pd.factorize(frame[SEGMENT])  # map the few labels, not n strings
    rank = np.array([float(LABEL_RANK.get(str(label), 0)) for label in labels] + [0.0])
    return rank[codes]  # code -1 (missing) picks the trailing 0


def ranking_order(score: np.ndarray, seed: int = TIE_SEED, shuffled: np.ndarray | None = None) -> np.ndarray:
    """Row indices from highest to lowest score, ties in a seeded random order.

    ``shuffled`` may pass ``tie_shuffle(len(score), seed)`` (the same for every ranking).
    """
    # A seeded shuffle followed by a stable sort: tied rows keep their shuffled order. One
    # float argsort; numpy's lexsort on (tie breaker, score) took 1.4 s at a million rows.
    shuffled = tie_shuffle(len(score), seed) if shuffled is None else shuffled
    key = -np.asarray(score, dtype=float)[shuffled]
    # A score of a few small whole numbers (the labels, the RFM score) sorts as int8, which
    # numpy's stable sort does by radix in one pass: the same order, several times faster.
    if len(key) and np.all(np.abs(key) <= 127) and np.array_equal(key, np.round(key)):
        key = key.astype(np.int8)
    return shuffled[np.argsort(key, kind="stable")]


def tie_shuffle(n: int, seed: int = TIE_SEED) -> np.ndarray:
    """The seeded random order in which tied customers are ranked."""
    return np.random.default_rng(seed).permutation(n)


def cumulative_share(y: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Share of total value held by the first 0, 1, ..., n customers of ``order`` (length n + 1)."""
    return np.concatenate([[0.0], np.cumsum(y[order])]) / y.sum()


#: Level of the gains band and of the headline shares' intervals.
BAND_LEVEL = 0.95
BAND_METHOD = ("resampling customers (delta-method, i.e. linearised, bootstrap of the share of total "
               "value held by the top share of customers of each ranking, the ranking rule and the share "
               "contacted held fixed); it leaves out the variation from refitting the models")
#: Rankings without a band: random is an expectation and the oracle ranks by the outcome itself.
UNBANDED = ("random", "oracle")


def share_band(y: np.ndarray, order: np.ndarray, shares: np.ndarray,
               level: float = BAND_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` around ``shares = cumulative_share(y, order)`` at every list size.

    The captured share of a list of the top ``q = j / n`` of customers is ``A / T`` (listed
    value over total). Resampling customers with replacement, the ranking rule and ``q``
    fixed, moves it to first order by ``sum_i (w_i - 1) psi_i`` (bootstrap weights of mean
    and variance 1) with the influence of customer ``i``

        psi_i = [(y_i - m) a_i - s y_i + m q] / T,

    ``a_i`` = 1 when listed, ``s`` the share and ``m`` the mean value of customers at the
    list's cut-off (who move in or out when the resample shifts it): a local mean over
    ``sqrt(n)`` customers either side of position ``j``. Its variance ``sum psi_i^2`` needs
    only cumulative sums of ``y`` and ``y^2`` along the ranking, where a bootstrap needs
    hundreds of sorts at a million customers. A seeded bootstrap agrees (tests/evidence).
    """
    from scipy import stats
    n = len(y)
    ranked = y[order]
    s1 = np.concatenate([[0.0], np.cumsum(ranked)])
    s2 = np.concatenate([[0.0], np.cumsum(ranked ** 2)])
    total, q_all = s1[-1], s2[-1]
    j = np.arange(n + 1)
    w = max(1, int(round(np.sqrt(n))))
    lo, hi = np.clip(j - w, 0, n), np.clip(j + w, 0, n)
    m = (s1[hi] - s1[lo]) / np.maximum(hi - lo, 1)
    q = j / n
    listed = (1 - shares) ** 2 * s2 - 2 * (1 - shares) * m * (1 - q) * s1 + j * (m * (1 - q)) ** 2
    unlisted = shares ** 2 * (q_all - s2) - 2 * shares * m * q * (total - s1) + (n - j) * (m * q) ** 2
    variance = (listed + unlisted) / total ** 2
    half = float(stats.norm.ppf(0.5 + level / 2)) * np.sqrt(np.maximum(variance, 0.0))
    return shares - half, shares + half


@dataclass(frozen=True)
class Gains:
    """Captured shares at the two headline list sizes and the curves for the figure.

    Attributes
    ----------
    list_size : customers in the High Value segment (the list the label would give).
    top_decile_size : ``ceil(n / 10)``.
    captured_share, top_decile_share : {ranking: share of total CustomerValue}.
    captured_interval, top_decile_interval : {ranking: (low, high)}, the :data:`BAND_LEVEL`
        interval of :func:`share_band` (no entry for :data:`UNBANDED` rankings).
    curve : tidy frame ``ranking, share_contacted, share_captured, share_low, share_high``
        (the band; NaN for the unbanded rankings).
    best_model : which model the ``best`` ranking used.
    """

    n: int
    list_size: int
    top_decile_size: int
    total_value: float
    captured_share: dict[str, float]
    top_decile_share: dict[str, float]
    curve: pd.DataFrame = field(repr=False)
    best_model: str
    tie_seed: int
    captured_interval: dict[str, tuple[float, float]] = field(default_factory=dict)
    top_decile_interval: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_contract(self) -> dict:
        """The ``gains`` key of model.json (issue 11, section 5), strict JSON."""
        return {"list_size": self.list_size, "top_decile_size": self.top_decile_size, "n": self.n,
                "best_model": self.best_model, "tie_seed": self.tie_seed,
                "predictions": "out of fold (first repeat)",
                "captured_share": dict(self.captured_share),
                "top_decile_share": dict(self.top_decile_share),
                "captured_share_interval": {k: list(v) for k, v in self.captured_interval.items()},
                "top_decile_share_interval": {k: list(v) for k, v in self.top_decile_interval.items()},
                "interval_level": BAND_LEVEL, "interval_method": BAND_METHOD}


def compute_gains(frame: pd.DataFrame, oof: dict[str, np.ndarray], best_model: str,
                  seed: int = TIE_SEED, quintiles=None) -> Gains:
    """Gains of every ranking; ``oof`` holds out-of-fold predictions for linear, best, rfm_only.

    Examples
    --------
    >>> f = pd.DataFrame({"CustomerValue": [10., 0., 5., 1.], "Recency": [1, 9, 2, 5],
    ...                   "Frequency": [5, 1, 3, 1], "MonetaryValue": [2., 1., 2., 1.],
    ...                   "Segment": ["High Value", "Low Value", "Medium Value", "At Risk"]})
    >>> g = compute_gains(f, {k: f["CustomerValue"].to_numpy() for k in ("linear", "best", "rfm_only")}, "linear")
    >>> g.list_size, round(g.captured_share["labels"], 3), g.captured_share["random"]
    (1, 0.625, 0.25)
    """
    y = frame[OUTCOME].to_numpy(float)
    n = len(y)
    if y.sum() <= 0:
        raise ValueError(f"column {OUTCOME!r} sums to {y.sum():.2f}: shares of total value are undefined")
    list_size = int((frame[SEGMENT] == HIGH_VALUE).sum())
    top_decile = int(np.ceil(n / 10))
    scores = {"linear": oof["linear"], "best": oof["best"], "rfm_only": oof["rfm_only"],
              "rfm_score": rfm_score(frame, quintiles), "labels": label_score(frame), "oracle": y}
    grid = np.round(np.linspace(0, n, CURVE_POINTS)).astype(int)
    captured, decile, curves = {}, {}, []
    captured_interval, decile_interval = {}, {}
    shuffled = tie_shuffle(n, seed)
    for name in RANKINGS:
        low = high = np.full(n + 1, np.nan)
        if name == "random":
            shares = np.arange(n + 1) / n  # the expected share of a random list
        else:
            order = ranking_order(scores[name], seed, shuffled)
            shares = cumulative_share(y, order)
            if name not in UNBANDED:
                low, high = share_band(y, order, shares)
                captured_interval[name] = (float(low[list_size]), float(high[list_size]))
                decile_interval[name] = (float(low[top_decile]), float(high[top_decile]))
        captured[name] = float(shares[list_size])
        decile[name] = float(shares[top_decile])
        curves.append(pd.DataFrame({"ranking": name, "share_contacted": grid / n,
                                    "share_captured": shares[grid], "share_low": low[grid],
                                    "share_high": high[grid]}))
    return Gains(n, list_size, top_decile, float(y.sum()), captured, decile,
                 pd.concat(curves, ignore_index=True), best_model, seed, captured_interval, decile_interval)
