"""Churn metrics against independent computations; the win-back list by its rule."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from analysis.futures.churn import DEFINITION, FOLDS, SEED, overlap, rfm_features, win_back_list


def test_auc_and_brier_match_independent_computations(simulated_run):
    churn = simulated_run.churn
    churned = churn.churned
    for row in churn.metrics.itertuples():
        score = np.clip(churn.scores[row.predictor].to_numpy(), 0, 1)
        # AUC is the Mann-Whitney U of churners' scores against the others, scaled to [0, 1].
        u = mannwhitneyu(score[churned], score[~churned]).statistic
        assert row.auc == pytest.approx(u / (churned.sum() * (~churned).sum()), abs=1e-9)
        assert row.auc == pytest.approx(roc_auc_score(churned, score), abs=1e-12)
        assert row.brier == pytest.approx(np.mean((score - churned) ** 2), abs=1e-12)


def test_logistic_scores_are_out_of_fold_by_an_independent_refit(simulated_run):
    customers, churned = simulated_run.customers, simulated_run.churn.churned
    features = rfm_features(customers)
    expected = np.empty(len(customers))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(features, churned):
        scaler = StandardScaler().fit(features[train])
        model = LogisticRegression(max_iter=1000).fit(scaler.transform(features[train]), churned[train])
        expected[test] = model.predict_proba(scaler.transform(features[test]))[:, 1]
    assert np.allclose(simulated_run.churn.scores["logistic_rfm"], expected, atol=1e-8)


def test_churn_block_names_the_definition_and_every_predictor(simulated_run):
    block = simulated_run.churn.as_dict()
    assert block["definition"] == DEFINITION
    assert set(block) >= {"bgnbd_p_no_purchase", "bgnbd_not_alive", "logistic_rfm"}
    # On a log drawn from BG/NBD, its own P(no purchase) must rank churners well.
    assert block["bgnbd_p_no_purchase"]["auc"] > 0.7


def test_win_back_list_is_high_value_and_likely_to_churn():
    customers = pd.DataFrame({"CustomerID": list("abcdefghij"), "Revenue12m": np.arange(10.0, 0, -1),
                              "Segment": "x", "RFMSegment": "y"})
    churn = np.array([0.9, 0.2, 0.6, 0.95, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99])
    listed = win_back_list(customers, churn, top_value_share=0.4, threshold=0.5)
    # Top 40% by revenue: a, b, c, d; of those churn >= 0.5: d (0.95), a (0.9), c (0.6).
    assert list(listed["CustomerID"]) == ["d", "a", "c"]
    both = overlap(listed, ["a", "z"])
    assert (both.win_back, both.other, both.both) == (3, 2, 1)
