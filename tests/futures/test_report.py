"""Chapter pieces: numbers in sentences are the run's numbers; every rule is taken both ways."""
from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from analysis.futures import report
from analysis.futures.holdout import HoldoutValidation

RENDERERS = ("parameters_table", "churn_table", "win_back_table", "cluster_profile_table",
             "cluster_crosstab_table", "anomaly_table", "validation_figure", "calibration_figure",
             "cluster_selection_figure")


def test_everything_renders_for_a_run_and_nothing_without_one(simulated_run):
    for name in RENDERERS:
        assert getattr(report, name)(simulated_run) is not None, name
        assert getattr(report, name)(None) is None, name
    assert "No order log configured" in report.introduction(None)
    assert report.validation_sentence(None) == report.churn_sentence(None) == ""


def holdout_with(predicted: float, actual: float) -> HoldoutValidation:
    empty = pd.DataFrame()
    return HoldoutValidation(weeks=26.0, predicted_purchases=predicted, actual_purchases=actual,
                             predicted_revenue=predicted * 10, actual_revenue=actual * 10, purchases_mae=0.5,
                             revenue_mae=5.0, by_frequency=empty, by_decile=empty)


@pytest.mark.parametrize("predicted, expected", [(1050, "over-predicted by 5.0%, within ±10%"),
                                                 (850, "under-predicted by 15.0%, outside ±10%")])
def test_validation_sentence_direction_and_closeness(simulated_run, predicted, expected):
    run = dataclasses.replace(simulated_run, holdout=holdout_with(predicted, 1000))
    sentence = report.validation_sentence(run)
    assert expected in sentence and f"expected {predicted:,} purchases and customers made 1,000" in sentence
    assert "\\$" in sentence and " $" not in sentence


def test_validation_sentence_quotes_the_run(simulated_run):
    h = simulated_run.holdout
    sentence = report.validation_sentence(simulated_run)
    assert f"{h.predicted_purchases:,.0f}" in sentence and f"{abs(h.purchases_error):.1%}" in sentence


@pytest.mark.parametrize("correlation, verdict", [(0.05, "weak enough"), (-0.45, "too strong")])
def test_spend_sentence_follows_the_independence_rule(simulated_run, correlation, verdict):
    spend = dataclasses.replace(simulated_run.gamma_gamma, frequency_spend_correlation=correlation)
    sentence = report.spend_sentence(dataclasses.replace(simulated_run, gamma_gamma=spend))
    assert verdict in sentence and f"{correlation:+.2f}" in sentence


@pytest.mark.parametrize("auc_bg, verdict", [(0.80, "better than"), (0.70, "less well than"),
                                             (0.755, "about as well as")])
def test_churn_sentence_follows_the_auc_rule(simulated_run, auc_bg, verdict):
    metrics = simulated_run.churn.metrics.copy()
    metrics.loc[metrics["predictor"] == "bgnbd_p_no_purchase", "auc"] = auc_bg
    metrics.loc[metrics["predictor"] == "logistic_rfm", "auc"] = 0.75
    run = dataclasses.replace(simulated_run, churn=dataclasses.replace(simulated_run.churn, metrics=metrics))
    sentence = report.churn_sentence(run)
    assert verdict in sentence and f"AUC {auc_bg:.3f}" in sentence


@pytest.mark.parametrize("ari, word", [((1.0, 0.95), "stable: "), ((1.0, 0.4), "not stable")])
def test_cluster_sentence_follows_the_stability_rule(simulated_run, ari, word):
    clusters = dataclasses.replace(simulated_run.clusters, stability_ari=ari)
    sentence = report.cluster_sentence(dataclasses.replace(simulated_run, clusters=clusters))
    assert word in sentence and f"k = {clusters.k}" in sentence and f"{min(ari):.2f}" in sentence


def test_skipped_section_says_why_and_caveats_name_the_anomaly_choice(simulated_run):
    run = dataclasses.replace(simulated_run, skipped={"holdout": "the log has no holdout"})
    assert "*Not shown:* the log has no holdout." in report.section(run, "T", "sec-t", "lead", needs="holdout")
    assert "lead" in report.section(simulated_run, "T", "sec-t", "lead", needs="holdout")
    assert "were **kept**" in report.introduction(simulated_run)


def test_markdown_escaping_of_data_strings():
    assert report.markdown_text("orders_[2011]*.csv") == "orders\\_\\[2011\\]\\*\\.csv"


@pytest.mark.parametrize("ratio, shown", [(1.45, True), (1.05, False), (float("nan"), False)])
def test_busy_end_of_calibration_is_noted_only_above_the_limit(simulated_run, ratio, shown):
    notes = " ".join(report.notes_list(dataclasses.replace(simulated_run, recent_activity_ratio=ratio)))
    assert ("1.45 times as many active customers" in notes) == shown
    assert ("steady" in notes) == shown


def _model_frame(ids, flagged):
    return pd.DataFrame({"CustomerID": [str(i) for i in ids], "misaligned": [i in flagged for i in ids]})


def test_overlap_sentence_counts_the_win_back_customers_the_model_flags(simulated_run):
    win_back = list(simulated_run.win_back["CustomerID"].astype(str))
    assert len(win_back) >= 4
    others = [str(i) for i in simulated_run.customers["CustomerID"] if str(i) not in win_back][:10]
    flagged = set(win_back[:3]) | set(others[:5])
    sentence = report.misalignment_overlap_sentence(simulated_run, _model_frame(win_back + others, flagged))
    assert sentence.startswith(f"3 of the {len(win_back):,} win-back customers")
    assert "among the 8 customers the model chapter flags" in sentence
    assert f"the other {len(win_back) - 3:,} are at risk" in sentence


def test_overlap_sentence_with_no_common_customer_says_none_and_with_no_shared_ids_refuses(simulated_run):
    win_back = set(simulated_run.win_back["CustomerID"].astype(str))
    others = [str(i) for i in simulated_run.customers["CustomerID"] if str(i) not in win_back][:6]
    none = report.misalignment_overlap_sentence(simulated_run, _model_frame(others, set(others[:2])))
    assert none.startswith(f"None of the {len(win_back):,} win-back customers is among the 2 customers")
    foreign = report.misalignment_overlap_sentence(simulated_run, _model_frame(["x1", "x2"], {"x1"}))
    assert "share no CustomerID" in foreign
    assert report.misalignment_overlap_sentence(None, None) == ""


@pytest.mark.parametrize("error, miss_stated", [(0.175, True), (-0.12, True), (0.05, False)])
def test_default_data_note_states_a_miss_only_outside_ten_percent(simulated_run, error, miss_stated):
    actual = simulated_run.holdout.actual_purchases
    holdout = dataclasses.replace(simulated_run.holdout, predicted_purchases=actual * (1 + error))
    run = dataclasses.replace(simulated_run, holdout=holdout)
    note = report.default_data_note(run, True)
    assert note.startswith("These are the customers of `data/customers.csv`")
    assert ("reported as measured" in note) is miss_stated
    assert report.default_data_note(run, False) == ""


# ---- the season-adjusted forecast -------------------------------------------------------------

PLAIN_TEXT = re.compile(r"[`*_\[\]>{}|\\~^$]|<(?! )|^#|\n")  # inline values carry no markup


def seasonal(run, adjusted: float, plain: float = 1175.0, actual: float = 1000.0):
    from analysis.futures.seasonality import SeasonAdjusted, SeasonalIndex

    factors = (1.0, 0.9, 1.0, 1.0, 1.0, 0.95, 0.9, 0.85, 0.95, 1.05, 1.15, 1.25)
    index = SeasonalIndex(by_month=factors, first_month="2023-01", last_month="2024-12", months=24)
    holdout = dataclasses.replace(holdout_with(adjusted, actual), model="season-adjusted",
                                  plain_predicted_purchases=plain, plain_predicted_revenue=plain * 10)
    return dataclasses.replace(run, holdout=holdout, season_adjusted=SeasonAdjusted(
        index=index, bgnbd=run.bgnbd, holdout_weeks=25.4, holdout_index=0.98, calibration_end_index=1.2))


@pytest.mark.parametrize("adjusted, expected", [
    (1077, "(over-predicted by 17.5%, outside ±10%); the season-adjusted model used here is closer than the "
           "plain model (over-predicted by 7.7%)"),
    (820, "(over-predicted by 17.5%, outside ±10%); the season-adjusted model used here is no closer than the "
          "plain model (under-predicted by 18.0%)"),
])
def test_season_forecast_sentence_states_its_error_and_the_comparison_both_ways(simulated_run, adjusted, expected):
    sentence = report.season_forecast_sentence(seasonal(simulated_run, adjusted))
    assert expected in sentence and "The plain BG/NBD, kept beside it, expected 1,175 holdout purchases" in sentence
    used = report.validation_sentence(seasonal(simulated_run, adjusted))
    assert f"season-adjusted BG/NBD (purchase rates that follow the calendar index), whose predictions this " \
           f"chapter uses, expected {adjusted:,} purchases" in used
    assert not PLAIN_TEXT.search(sentence)


def test_season_index_sentence_names_its_months_peak_and_holdout_factor(simulated_run):
    sentence = report.season_index_sentence(seasonal(simulated_run, 1077))
    assert "24 complete calibration months (2023-01 to 2024-12) and never from the holdout" in sentence
    assert "highest in December (1.25 times the trend) and lowest in August (0.85)" in sentence
    assert "the two months before as-of average 1.20 and the holdout months 0.98" in sentence
    assert not PLAIN_TEXT.search(sentence)


def test_without_an_index_the_season_sentences_say_why_and_without_a_run_nothing(simulated_run):
    assert report.season_index_sentence(simulated_run) == (
        f"No season-adjusted forecast: {simulated_run.skipped['season_adjustment']}.")
    assert report.season_forecast_sentence(simulated_run) == ""
    assert report.season_index_sentence(None) == report.season_forecast_sentence(None) == ""


@pytest.mark.parametrize("plain, adjusted, wording", [
    (1175, 1077, "The season-adjusted BG/NBD, whose numbers this chapter uses and whose index saw only calibration "
                 "months, is within ±10%; the plain BG/NBD's error (over-predicted by 17.5%) is reported as measured"),
    (1175, 1150, "The season-adjusted BG/NBD whose numbers this chapter uses is not within ±10%: the error is "
                 "reported as measured"),
    (1050, 1020, None),
])
def test_default_data_note_on_the_two_forecasts(simulated_run, plain, adjusted, wording):
    note = report.default_data_note(seasonal(simulated_run, adjusted, plain=plain), True)
    assert note.startswith("These are the customers of `data/customers.csv`")
    if wording is None:
        assert "reported as measured" not in note
        assert "The season-adjusted BG/NBD whose numbers this chapter uses is within ±10%." in note
    else:
        assert wording in note and "reported as measured" in note


def test_busy_end_note_points_to_the_season_adjusted_forecast_only_when_there_is_one(simulated_run):
    with_index = dataclasses.replace(seasonal(simulated_run, 1077), recent_activity_ratio=1.45)
    without = dataclasses.replace(simulated_run, recent_activity_ratio=1.45)
    assert "purchase rates follow a calendar season" in " ".join(report.notes_list(with_index))
    assert "purchase rates follow a calendar season" not in " ".join(report.notes_list(without))
