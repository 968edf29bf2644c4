"""Gains against a hand computation, and the gains wording in both directions (issue 11, section 2)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis.evidence.gains import compute_gains, quintile_score, ranking_order, rfm_score
from analysis.evidence.validation_notes import (gains_sentence, gains_winner, holdout_sentence,
                                                holdout_test_design, uplift_caveat)

# Twenty customers; three are High Value, so the label's list has three names and the top
# decile two. Values sum to 1,000.
VALUES = [300, 150, 100, 90, 80, 60, 50, 40, 30, 25, 20, 15, 10, 10, 8, 6, 4, 2, 0, 0]
SEGMENTS = (["Medium Value", "High Value", "High Value"] + ["Low Value"] * 3 + ["High Value"]
            + ["At Risk"] * 6 + ["Medium Value"] * 7)


@pytest.fixture()
def table():
    n = len(VALUES)
    return pd.DataFrame({"CustomerValue": np.array(VALUES, float), "Recency": np.arange(n),
                         "Frequency": np.arange(n)[::-1], "MonetaryValue": np.linspace(50, 10, n),
                         "Segment": SEGMENTS})


def test_captured_shares_match_a_hand_computation(table):
    y = table["CustomerValue"].to_numpy()
    # best: ranks as the oracle; rfm_only: customers in row order 0, 1, 2, ...;
    # linear: customers 3, 4, 5 first (90 + 80 + 60), then the rest in reverse.
    linear = np.concatenate([[0.0, 1.0, 2.0], [30.0, 29.0, 28.0], np.arange(14, dtype=float)[::-1] + 3])
    g = compute_gains(table, {"linear": linear, "best": y + 1.0, "rfm_only": -np.arange(20.0)}, "fxm")
    assert (g.list_size, g.top_decile_size) == (3, 2)
    assert g.captured_share["oracle"] == pytest.approx((300 + 150 + 100) / 1000)
    assert g.captured_share["best"] == pytest.approx(0.55)
    assert g.captured_share["rfm_only"] == pytest.approx(0.55)
    assert g.captured_share["linear"] == pytest.approx((90 + 80 + 60) / 1000)
    assert g.top_decile_share["linear"] == pytest.approx((90 + 80) / 1000)
    assert g.captured_share["random"] == pytest.approx(3 / 20)
    # Labels: the three High Value customers hold 150 + 100 + 50, whatever the tie order.
    assert g.captured_share["labels"] == pytest.approx(0.30)
    assert g.top_decile_share["oracle"] == pytest.approx(0.45)
    assert g.top_decile_share["random"] == pytest.approx(0.10)
    assert g.to_contract()["captured_share"].keys() == {"linear", "best", "rfm_only", "rfm_score",
                                                        "labels", "random", "oracle"}


def test_backwards_model_captures_its_hand_computed_share(table):
    y = np.array(VALUES, float)
    # Scores: customer 0 highest, then the customers from the end of the table forwards.
    score = np.concatenate([[100.0], np.arange(19, dtype=float)])
    g = compute_gains(table, {"linear": score, "best": score, "rfm_only": score}, "linear")
    # Top three: customer 0 (300), customer 19 (0), customer 18 (0).
    assert g.captured_share["linear"] == pytest.approx(300 / 1000)
    assert g.top_decile_share["linear"] == pytest.approx(300 / 1000)
    curve = g.curve[g.curve.ranking == "linear"]
    assert curve["share_captured"].iloc[0] == 0 and curve["share_captured"].iloc[-1] == pytest.approx(1)


def test_quintile_and_rfm_scores_by_hand():
    assert quintile_score(np.array([10, 20, 30, 40, 50.0])).tolist() == [1, 2, 3, 4, 5]
    assert quintile_score(np.array([1, 1, 1, 2, 3.0])).tolist() == [1, 1, 1, 4, 5]
    f = pd.DataFrame({"Recency": [1, 2, 3, 4, 5], "Frequency": [5, 4, 3, 2, 1],
                      "MonetaryValue": [9.0, 1, 2, 3, 4]})
    # Most recent scores 5 on R; F descending; M: 9 is the top quintile.
    assert rfm_score(f).tolist() == [5 + 5 + 5, 4 + 4 + 1, 3 + 3 + 2, 2 + 2 + 3, 1 + 1 + 4]


def test_ties_are_broken_at_random_with_the_fixed_seed():
    score = np.array([1.0, 2, 2, 2, 3])
    order = ranking_order(score, seed=1)
    assert order[0] == 4 and order[-1] == 0 and sorted(order[1:4].tolist()) == [1, 2, 3]
    assert np.array_equal(order, ranking_order(score, seed=1))
    assert any(not np.array_equal(order, ranking_order(score, seed=s)) for s in range(2, 12))


def _with(g, **shares):
    return dataclasses.replace(g, captured_share={**g.captured_share, **shares})


def test_wording_says_the_model_wins_or_the_labels_win(table):
    base = compute_gains(table, {k: table["CustomerValue"].to_numpy() for k in ("linear", "best", "rfm_only")},
                         "fxm")
    model_wins = _with(base, best=0.678, labels=0.645, linear=0.66, rfm_only=0.65, rfm_score=0.6, oracle=0.756)
    text = gains_sentence(model_wins)
    assert "67.8%" in text and "64.5%" in text and "75.6%" in text
    assert "model's list captures 3.3 percentage points more value than the label's" in text
    assert gains_winner(model_wins) == "best"

    labels_win = _with(base, best=0.40, labels=0.43, linear=0.39, rfm_only=0.38, rfm_score=0.41)
    text = gains_sentence(labels_win)
    assert "label's list captures 3.0 percentage points more value than the model's" in text
    assert "the CRM label captures the most (43.0%)" in text
    assert gains_winner(labels_win) == "labels"

    tie = _with(base, best=0.432, labels=0.428)
    assert "about the same share" in gains_sentence(tie)


def test_uplift_caveat_and_holdout_design():
    assert "randomised holdout" in uplift_caveat() and "uplift" in uplift_caveat()
    values = np.random.default_rng(1).gamma(2.0, 100.0, 10_000)
    design = holdout_test_design(values, list_size=20_000, effect_share=0.05)
    z = 1.959963984540054 + 0.8416212335729143
    sd, mean = values.std(ddof=1), values.mean()
    assert design["per_arm"] == int(np.ceil(2 * z ** 2 * sd ** 2 / (0.05 * mean) ** 2))
    assert design["feasible"] == (2 * design["per_arm"] <= 20_000)
    small = holdout_test_design(values, list_size=100)
    assert not small["feasible"] and "more than a list of 100 holds" in holdout_sentence(small)
    assert "which a list of" in holdout_sentence(design) or not design["feasible"]


def test_band_matches_a_seeded_customer_bootstrap():
    """The delta-method band of a captured share against a real bootstrap over customers.

    4,000 customers with skewed values; a noisy score ranks them. 1,000 multinomial
    resamples (fixed seed), each ranking its resample by the same per-customer score and
    taking the same list size: the bootstrap SD of the share must agree with the analytic
    one within 10% (the bootstrap's own SD-of-SD at 1,000 draws is about 2%), and the
    interval is centred on the point share.
    """
    from analysis.evidence.gains import BAND_LEVEL, cumulative_share, share_band
    from scipy import stats

    rng = np.random.default_rng(5)
    n, k = 4000, 600
    y = rng.gamma(0.8, 200.0, n)
    score = np.log(y) + rng.normal(0, 1.0, n)
    order = np.argsort(-score, kind="stable")
    shares = cumulative_share(y, order)
    low, high = share_band(y, order, shares)
    z = stats.norm.ppf(0.5 + BAND_LEVEL / 2)
    analytic_sd = (high[k] - low[k]) / (2 * z)
    assert low[k] < shares[k] < high[k]
    assert (high[k] + low[k]) / 2 == pytest.approx(shares[k], rel=1e-12)
    boot = np.random.default_rng(11)
    draws = []
    for _ in range(1000):
        pick = boot.integers(0, n, n)
        yb, sb = y[pick], score[pick]
        top = np.argsort(-sb, kind="stable")[:k]
        draws.append(yb[top].sum() / yb.sum())
    assert analytic_sd == pytest.approx(float(np.std(draws, ddof=1)), rel=0.10)
    # Ends: nothing listed and everyone listed have no uncertainty.
    assert high[0] - low[0] == pytest.approx(0.0, abs=1e-15)
    assert high[-1] - low[-1] == pytest.approx(0.0, abs=1e-12)


def test_contract_carries_the_headline_intervals(table):
    y = table["CustomerValue"].to_numpy()
    g = compute_gains(table, {"linear": y, "best": y, "rfm_only": y}, "linear")
    out = g.to_contract()
    assert set(out["captured_share_interval"]) == {"linear", "best", "rfm_only", "rfm_score", "labels"}
    for name, (low, high) in out["captured_share_interval"].items():
        assert low <= out["captured_share"][name] <= high
    assert out["interval_level"] == 0.95 and "bootstrap" in out["interval_method"]
    banded = g.curve[g.curve.ranking == "labels"]
    assert (banded.share_low <= banded.share_captured + 1e-12).all()
    assert g.curve[g.curve.ranking == "oracle"].share_low.isna().all()
