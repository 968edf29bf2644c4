"""The whole computation on logs drawn from the models, including the bad-input paths."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.futures.options import FuturesOptions
from analysis.futures.outputs import customer_futures_frame, model_json_section, write_customer_futures
from analysis.futures.pipeline import brief_line, compute_futures
from analysis.futures.simulate import CDNOW_BGNBD, write_bgnbd_log


def test_aggregate_holdout_purchases_within_ten_percent(simulated_run):
    holdout = simulated_run.holdout
    assert simulated_run.holdout_status == "full"
    assert abs(holdout.purchases_error) <= 0.10
    assert holdout.actual_purchases == simulated_run.customers["holdout_purchases"].sum()


def test_fit_recovers_the_simulated_parameters(simulated_run):
    fitted = simulated_run.bgnbd.as_dict()
    for name, true in CDNOW_BGNBD.items():
        assert fitted[name] == pytest.approx(true, rel=0.25), name


def test_higher_predicted_clv_deciles_bring_more_holdout_revenue(simulated_run):
    revenue = simulated_run.holdout.by_decile["actual_revenue"].to_numpy()
    assert revenue[-1] > revenue[4] > revenue[0]


def test_every_customer_is_scored_with_probabilities_in_range(simulated_run):
    frame = customer_futures_frame(simulated_run)
    for column in ("p_alive", "churn_probability"):
        assert frame[column].between(0, 1).all()
    assert (frame["clv"] >= 0).all() and frame["cluster"].notna().all()
    assert simulated_run.expected_value == pytest.approx(frame["clv"].sum())


def test_model_json_block_is_strict_and_has_the_documented_keys(simulated_run):
    block = model_json_section(simulated_run)
    text = json.dumps(block, allow_nan=False)
    assert set(block["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(block["gamma_gamma"]) >= {"p", "q", "gamma", "frequency_spend_correlation"}
    assert set(block["holdout"]) >= {"months", "predicted_purchases", "actual_purchases",
                                     "predicted_revenue", "actual_revenue"}
    assert {"auc", "brier"} <= set(block["churn"]["logistic_rfm"])
    assert set(block["clusters"]) >= {"k", "silhouette"} and "share_flagged" in block["anomalies"]
    assert "NaN" not in text


def test_csv_neutralises_formula_text(simulated_run, tmp_path):
    customers = simulated_run.customers.copy()
    customers.loc[customers.index[0], "CustomerID"] = "=HYPERLINK(\"http://x\")"
    customers.loc[customers.index[1], "CustomerID"] = "-2+3"
    run = type(simulated_run)(**{**simulated_run.__dict__, "customers": customers})
    written = pd.read_csv(write_customer_futures(run, tmp_path / "customer_futures.csv"), dtype=str)
    assert written.loc[0, "CustomerID"] == "'=HYPERLINK(\"http://x\")"
    assert written.loc[1, "CustomerID"] == "'-2+3"
    assert float(written.loc[0, "p_alive"]) == pytest.approx(customers["p_alive"].iloc[0])


def test_brief_line_states_the_numbers_it_reads(simulated_run):
    line = brief_line(simulated_run)
    assert f"\\${simulated_run.expected_value:,.0f}" in line
    assert f"\\${simulated_run.value_at_stake:,.0f}" in line
    assert f"{len(simulated_run.win_back):,} high-value customers" in line


def test_too_few_repeat_customers_skips_the_models_without_failing(tmp_path):
    log = write_bgnbd_log(tmp_path / "small.parquet", 120, seed=5)
    run = compute_futures(log, "2011-01-03")
    assert run.bgnbd is None and run.holdout is None
    assert "BG/NBD needs at least 100" in run.skipped["bgnbd"]
    assert "were skipped" in run.skipped["holdout"]
    assert "clv" not in run.customers and run.anomalies is not None
    assert brief_line(run).startswith("Customer futures were not modelled")
    json.dumps(model_json_section(run), allow_nan=False)


def test_no_holdout_is_stated_and_anomalies_can_be_left_out_of_the_fit(simulated_log):
    last_day = pd.read_parquet(simulated_log)["InvoiceDate"].max().date()
    run = compute_futures(simulated_log, last_day, options=FuturesOptions(exclude_anomalies=True))
    assert run.holdout is None and run.churn is None
    assert "no holdout" in run.skipped["holdout"] and "cannot be checked" in run.skipped["churn"]
    assert run.fitted_customers == int((~run.customers["anomaly"]).sum()) < len(run.customers)
    assert np.isfinite(run.expected_value)


def test_partial_holdout_is_validated_over_the_weeks_it_covers_and_stated(simulated_log):
    from analysis.futures.report import introduction

    last_day = pd.read_parquet(simulated_log)["InvoiceDate"].max().date()
    run = compute_futures(simulated_log, "2011-09-30")
    assert run.holdout_status == "partial"
    assert run.holdout_weeks == pytest.approx((last_day - pd.Timestamp("2011-09-30").date()).days / 7)
    assert run.holdout.weeks == run.holdout_weeks < 26
    assert "validation covers" in introduction(run)


def test_under_two_years_of_calibration_the_season_adjustment_is_skipped_with_the_reason(simulated_run):
    assert simulated_run.season_adjusted is None
    assert simulated_run.holdout.season_adjusted_purchases is None
    assert "two complete years of calibration months" in simulated_run.skipped["season_adjustment"]
    assert model_json_section(simulated_run)["season_adjustment"] is None
