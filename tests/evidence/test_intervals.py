"""Prediction intervals, misalignment, circularity and list totals (issue 11, section 3).

Coverage of the 80% intervals must be 0.78-0.82 out of fold on a linear-truth table
(``python -m analysis simulate --n 5000 --seed 3``), on the default synthetic data, and on a
table derived from an order log through the project's own RFM pipeline.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.evidence import specs
from analysis.evidence.fit_specs import fit_spec
from analysis.evidence.folds import fold_ids
from analysis.evidence.intervals import ResidualBands, held_out_inside, prediction_intervals
from analysis.evidence.lists import label_recovery, list_totals, misalignment
from analysis.evidence.predictive import assess_prediction
from analysis.evidence.validation import validate
from analysis.evidence.validation_notes import (circularity_sentence, coverage_sentence,
                                                list_total_sentence, misalignment_sentence)
from analysis.orders.pipeline import derive_customers
from analysis.orders.synthetic import generate_order_log
from analysis.data.simulate import simulate_customers

COLUMNS = ["CustomerValue", "Recency", "Frequency", "MonetaryValue", "Segment"]


@pytest.fixture(scope="module")
def order_log_table(tmp_path_factory):
    """Customers derived from a synthetic order log, as ``python -m analysis rfm`` derives them."""
    log = tmp_path_factory.mktemp("orders") / "orders.csv"
    generate_order_log(log, 300_000, seed=11)
    run = derive_customers(log, "2011-07-01", holdout_months=6)
    return run.customers[COLUMNS].reset_index(drop=True)


@pytest.fixture(scope="module")
def simulate_table():
    return simulate_customers(5000, seed=3)


@pytest.fixture(scope="module")
def default_table():
    return simulate_customers(5000)


@pytest.mark.parametrize("which", ["simulate_table", "default_table", "order_log_table"])
def test_out_of_fold_coverage_of_80_percent_intervals_is_on_target(request, which):
    evidence = assess_prediction(request.getfixturevalue(which), "Low Value")
    coverage = evidence.to_contract()["prediction_intervals"]["coverage_out_of_fold"]
    assert 0.78 <= coverage <= 0.82
    # Each fold, too, within sampling error of 0.80 (500 customers: SD about 0.018).
    assert evidence.intervals.coverage_by_fold["coverage"].between(0.72, 0.88).all()
    assert coverage_sentence(evidence.intervals).endswith("That is on target.")


def test_bands_follow_unequal_variance_where_a_pooled_band_fails(order_log_table):
    v = validate(order_log_table, "Low Value", repeats=1)
    y = order_log_table["CustomerValue"].to_numpy(float)
    oof, ids = v.oof("linear"), v.ids[0]
    inside = held_out_inside(y, oof, ids)
    decile = ResidualBands.fit(oof, y - oof).group(oof)
    by_decile = pd.Series(inside).groupby(decile).mean()
    assert by_decile.between(0.70, 0.90).all()
    # A constant-width band (the pooled-sigma idea) with the same overall coverage misses by decile.
    half = np.quantile(np.abs(y - oof), 0.80)
    pooled = pd.Series(np.abs(y - oof) <= half).groupby(decile).mean()
    assert pooled.max() - pooled.min() > 0.15


def test_exceedance_and_bounds_by_hand():
    predicted = np.array([0.0] * 5 + [100.0] * 5)
    residual = np.array([-2, -1, 0, 1, 2, -20, -10, 0, 10, 20.0])
    bands = ResidualBands.fit(predicted, residual, bins=2)
    # P(value > 5): low band never (max 0 + 2); high band residuals > -95: all five.
    assert bands.exceedance(np.array([0.0, 100.0]), 5.0).tolist() == [0.0, 1.0]
    # P(value > 105) in the high band: residuals > 5, two of five.
    assert bands.exceedance(np.array([100.0]), 105.0).tolist() == [0.4]
    low, high = bands.bounds(np.array([0.0, 100.0]), 0.8)
    assert np.allclose(low, [np.quantile([-2, -1, 0, 1, 2], 0.1), 100 + np.quantile([-20, -10, 0, 10, 20], 0.1)])
    assert high[1] - low[1] > 5 * (high[0] - low[0])


def test_misalignment_uses_probabilities_next_to_point_counts():
    frame = pd.DataFrame({"Segment": ["At Risk", "At Risk", "At Risk", "High Value", "High Value"]})
    predicted = np.array([120.0, 130.0, 50.0, 90.0, 200.0])
    p_top = np.array([0.95, 0.60, 0.01, 0.10, 0.99])
    table = misalignment(frame, predicted, p_top, cutoff=100.0).set_index("segment")
    assert table.loc["At Risk", ["point_count", "interval_count"]].tolist() == [2, 1]
    assert table.loc["High Value", ["point_count", "interval_count"]].tolist() == [1, 1]
    assert misalignment_sentence("At Risk", 118, 45) == (
        "118 At Risk customers model in the top quartile by their point prediction; allowing for "
        "prediction uncertainty (P(top quartile) above 0.8), 45 clearly do.")


def test_circularity_flags_labels_made_from_rfm_and_not_simulated_ones(order_log_table, default_table):
    derived = label_recovery(order_log_table, fold_ids(len(order_log_table), repeats=1)[0])
    simulated = label_recovery(default_table, fold_ids(len(default_table), repeats=1)[0])
    assert derived >= 0.9 > simulated
    assert "circular" in circularity_sentence(derived)
    assert circularity_sentence(simulated) is None


def test_list_totals_by_hand(default_table):
    frame = default_table
    v = validate(frame, "Low Value", repeats=1)
    fit = fit_spec(specs.SPECS_BY_NAME["linear"], frame, "Low Value")
    y = frame["CustomerValue"].to_numpy(float)
    mask = (frame["Recency"] > 30).to_numpy()
    total = list_totals(frame, {"retention": mask}, fit.fitted, v.oof("linear"),
                        v.models["linear"].fold_predict)[0]
    resid = (y - v.oof("linear"))[mask]
    x = specs.linear_design(specs.SPECS_BY_NAME["linear"], frame, "Low Value")[0]
    fold_totals = []
    for k in range(10):
        train = v.ids[0] != k
        beta = np.linalg.lstsq(x[train], y[train], rcond=None)[0]
        fold_totals.append((x[mask] @ beta).sum())
    fold_totals = np.array(fold_totals)
    jack = 0.9 * ((fold_totals - fold_totals.mean()) ** 2).sum()
    assert total.residual_sd == pytest.approx(np.sqrt(mask.sum() * resid.var(ddof=1)), rel=1e-9)
    assert total.parameter_sd == pytest.approx(np.sqrt(jack), rel=1e-6)
    assert total.actual == pytest.approx(y[mask].sum())
    assert total.high - total.low == pytest.approx(2 * 1.6448536269514722 * np.sqrt(
        total.residual_sd ** 2 + total.parameter_sd ** 2), rel=1e-9)
    # Row positions work as well as a boolean mask.
    again = list_totals(frame, {"retention": np.flatnonzero(mask)}, fit.fitted, v.oof("linear"),
                        v.models["linear"].fold_predict)[0]
    assert again.modelled == total.modelled


def test_list_total_wording_both_ways(default_table):
    from analysis.evidence.lists import ListTotal
    inside = ListTotal("retention", 3000, 1.0e6, 1.01e6, 1.02e6, 0.95e6, 1.07e6, 0.96e6, 1.08e6, 2e4, 1e4, 0.9)
    assert list_total_sentence(inside).endswith("The actual total lies inside it.")
    outside = ListTotal("upsell", 500, 1.0e5, 2.3e5, 2.2e5, 2.0e5, 2.6e5, 1.9e5, 2.5e5, 1e4, 1e4, 0.9)
    text = list_total_sentence(outside)
    assert "57% below the model" in text and "not a planning figure" in text
    assert "lean on" not in text + list_total_sentence(inside)


def test_prediction_contract_keys_are_exact_and_strict_json(order_log_table):
    lists = {"retention": (order_log_table["Recency"] > 30).to_numpy()}
    evidence = assess_prediction(order_log_table, "Low Value", lists=lists, repeats=2)
    c = json.loads(json.dumps(evidence.to_contract(), allow_nan=False))
    assert {"folds", "repeats", "seed", "models"} <= set(c["validation"])
    assert c["best_model"] in c["validation"]["models"]
    keys = {"linear", "best", "rfm_only", "rfm_score", "labels", "random", "oracle"}
    assert set(c["gains"]["captured_share"]) == keys == set(c["gains"]["top_decile_share"])
    assert c["gains"]["list_size"] == int((order_log_table["Segment"] == "High Value").sum())
    assert {"level", "method", "coverage_out_of_fold"} <= set(c["prediction_intervals"])
    assert c["prediction_intervals"]["level"] == 0.8
    assert c["circularity"]["circular"] is True
    assert c["list_totals"][0]["name"] == "retention" and c["list_totals"][0]["level"] == 0.9
