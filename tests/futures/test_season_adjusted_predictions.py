"""The season-adjusted BG/NBD as THE model of every per-customer prediction, and the fallback.

* On a log without a season the adjusted and plain predictions agree closely.
* On the default data, the per-customer holdout forecast summed over customers is model.json's
  ``holdout.predicted_purchases``, recomputed here from the refitted parameters with the closed
  form of Fader, Hardie & Lee (2005, eq. 10) in season-weighted weeks (scipy's 2F1, not the library).
* With fewer than 24 calibration months the plain BG/NBD makes every number exactly as before.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from scipy.special import hyp2f1

from analysis.futures.environment import futures_from_environment
from analysis.futures.history import read_history
from analysis.futures.models import WEEKS_PER_MONTH, fit_bgnbd, fit_gamma_gamma
from analysis.futures.outputs import model_json_section
from analysis.futures.pipeline import brief_line, futures_from_history
from analysis.futures.report import model_sentence, validation_sentence
from analysis.futures.seasonality import SeasonalIndex, in_operational_time
from analysis.futures.simulate import write_bgnbd_log


def closed_form_purchases(params: dict, frame, t: float) -> np.ndarray:
    """E[X(t) | x, t_x, T], Fader, Hardie & Lee (2005) eq. 10, vectorised."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T = (frame[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                             * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return numerator / denominator


def test_calendar_month_ends_of_a_flat_index_are_calendar_weeks():
    flat = SeasonalIndex(by_month=(1.0,) * 12, first_month="2023-01", last_month="2024-12", months=24)
    assert flat.month_ends(dt.date(2024, 12, 31), 3) == pytest.approx(np.array([31, 59, 90]) / 7)
    peak = SeasonalIndex(by_month=(2.0,) + (1.0,) * 11, first_month="2023-01", last_month="2024-12", months=24)
    assert peak.month_ends(dt.date(2024, 12, 31), 2) == pytest.approx(np.array([62, 90]) / 7)


def test_clv_on_the_library_clock_equals_pymc_marketings_clv(cdnow):
    bgnbd, gamma_gamma = fit_bgnbd(cdnow), fit_gamma_gamma(cdnow)
    sample = cdnow.head(200)
    library = gamma_gamma.lifetime_value(bgnbd, sample, 6, 0.01)
    ours = gamma_gamma.lifetime_value_on_clock(bgnbd, sample, WEEKS_PER_MONTH * np.arange(1, 7), 0.01)
    assert ours == pytest.approx(library, rel=1e-9)


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory):
    """BG/NBD purchases with no calendar in them, 20,000 customers over three years, as of year two's end."""
    log = write_bgnbd_log(tmp_path_factory.mktemp("flat") / "flat.parquet", 20000, start=dt.date(2010, 1, 1),
                          weeks=156, acquisition_weeks=156, seed=1)
    return futures_from_history(read_history(log, "2011-12-31"))


def test_without_a_season_the_adjusted_and_plain_predictions_agree(flat_run):
    run, customers = flat_run, flat_run.customers
    assert run.season_adjusted is not None and run.holdout.model == "season-adjusted"
    horizon = 6 * WEEKS_PER_MONTH
    plain_purchases = run.bgnbd.expected_purchases(customers, horizon)
    plain_alive = run.bgnbd.p_alive(customers)
    plain_clv = run.margin * run.gamma_gamma.lifetime_value(run.bgnbd, customers, 6, run.options.monthly_discount)
    # Measured (seed 1): 6-month purchases +1.8%, CLV +1.8%, holdout forecast +2.0% (calendar months of 28-31
    # days against 4.345-week months, and index noise), P(alive) 0.0017 apart on average.
    assert customers["expected_purchases"].sum() == pytest.approx(plain_purchases.sum(), rel=0.04)
    assert customers["clv"].sum() == pytest.approx(plain_clv.sum(), rel=0.04)
    assert np.mean(np.abs(customers["p_alive"].to_numpy() - plain_alive)) < 0.01
    assert run.holdout.predicted_purchases == pytest.approx(run.holdout.plain_predicted_purchases, rel=0.04)


@pytest.fixture(scope="module")
def default_run():
    return futures_from_environment({})


def test_default_data_per_customer_forecast_sums_to_model_json_and_the_closed_form(default_run):
    run = default_run
    block = json.loads(json.dumps(model_json_section(run)))
    holdout = block["holdout"]
    assert holdout["model"] == "season-adjusted"
    clocked = in_operational_time(run.customers, run.as_of, run.season_adjusted.index)
    adjusted = closed_form_purchases(block["season_adjustment"]["bgnbd"], clocked,
                                     block["season_adjustment"]["holdout_weeks"])
    assert adjusted.sum() == pytest.approx(holdout["predicted_purchases"], rel=1e-6)
    assert run.customers["predicted_holdout_purchases"].sum() == pytest.approx(holdout["predicted_purchases"],
                                                                              rel=1e-9)
    plain = closed_form_purchases(block["bgnbd"], run.customers, holdout["weeks"])
    assert plain.sum() == pytest.approx(holdout["plain_predicted_purchases"], rel=1e-6)
    assert holdout["predicted_purchases"] == holdout["season_adjusted_purchases"]
    # The next six calendar months, in season-weighted weeks, make the per-customer expected purchases.
    ahead = run.season_adjusted.index.month_ends(run.as_of, run.options.horizon_months)[-1]
    expected = closed_form_purchases(block["season_adjustment"]["bgnbd"], clocked, ahead)
    assert run.customers["expected_purchases"].to_numpy() == pytest.approx(expected, rel=1e-6)
    assert "(season-adjusted BG/NBD and Gamma-Gamma" in brief_line(run)
    assert "season-adjusted BG/NBD" in model_sentence(run)
    assert "season-adjusted BG/NBD (purchase rates that follow the calendar index)" in validation_sentence(run)


def test_without_two_calibration_years_everything_is_the_plain_model(simulated_run):
    run, customers = simulated_run, simulated_run.customers
    assert run.season_adjusted is None and "two complete years" in run.skipped["season_adjustment"]
    horizon = run.options.horizon_months * WEEKS_PER_MONTH
    assert np.array_equal(customers["expected_purchases"], run.bgnbd.expected_purchases(customers, horizon))
    assert np.array_equal(customers["p_alive"], run.bgnbd.p_alive(customers))
    assert np.array_equal(customers["churn_probability"], run.bgnbd.p_no_purchase(customers, horizon))
    assert np.array_equal(customers["clv"], run.margin * run.gamma_gamma.lifetime_value(
        run.bgnbd, customers, run.options.horizon_months, run.options.monthly_discount))
    assert np.array_equal(customers["predicted_holdout_purchases"],
                          run.bgnbd.expected_purchases(customers, run.holdout_weeks))
    block = model_json_section(run)["holdout"]
    assert block["model"] == "plain" and block["season_adjusted_purchases"] is None
    assert block["plain_predicted_purchases"] == block["predicted_purchases"]
    assert block["plain_predicted_revenue"] == block["predicted_revenue"]
    assert "(BG/NBD and Gamma-Gamma" in brief_line(run) and "season-adjusted" not in brief_line(run)
    assert "plain BG/NBD: no season-adjusted model was fitted" in model_sentence(run)
    assert "plain BG/NBD (steady purchase rates)" in validation_sentence(run)
