"""Issue 10/11 sentences follow the numbers in both directions (small real tables, real fits).

Two real ModelEvidence objects are built once: a planted Frequency x MonetaryValue table (the
alarm case) and a linear-truth ``simulate`` table (the all-clear case). The two-sided rules
(robust or not, overlap or not, model wins or labels win, lists overlap or not) are then checked
by changing exactly the one computed number each rule reads, with dataclasses.replace.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis.data.simulate import simulate_customers
from analysis.model.evidence import build_model_evidence
from analysis.report import evidence_prose as ep


def _planted(n: int = 1200) -> "pd.DataFrame":
    frame = simulate_customers(n, seed=5)
    rng = np.random.default_rng(5)
    frame["CustomerValue"] = (0.3 * frame["Frequency"] * frame["MonetaryValue"]
                              + rng.normal(0, 20, len(frame))).round(2)
    return frame


@pytest.fixture(scope="module")
def planted(fit_frame, tmp_path_factory):
    return build_model_evidence(fit_frame(_planted(), tmp_path_factory.mktemp("planted")))


@pytest.fixture(scope="module")
def linear(fit_frame, tmp_path_factory):
    return build_model_evidence(fit_frame(simulate_customers(1500, seed=3), tmp_path_factory.mktemp("linear")))


def _with_claim(ev, key, **change):
    claims = tuple(dataclasses.replace(c, **change) if c.key == key else c for c in ev.evidence.claims)
    return dataclasses.replace(ev, evidence=dataclasses.replace(ev.evidence, claims=claims))


def test_misspecification_is_flagged_on_planted_fxm_and_not_on_a_linear_truth(planted, linear):
    assert planted.evidence.specification.frequency_x_monetary.alarm
    flagged = ep.misspecification(planted)
    assert "misspecified" in flagged and "Frequency and MonetaryValue interact" in flagged
    assert "None of the checks fires" not in flagged
    assert not linear.evidence.specification.misspecified
    clear = ep.misspecification(linear)
    assert clear.startswith("None of the checks fires") and "misspecified" not in clear


def test_segment_wording_follows_robustness_both_ways(linear):
    claim = next(c for c in linear.evidence.claims if c.key == "segment:High Value")
    robust = ep.segment_value_sentence(_with_claim(linear, claim.key, robust=True))
    fragile = ep.segment_value_sentence(_with_claim(linear, claim.key, robust=False,
                                                    holds={**claim.holds, "fxm": False}))
    estimate = claim.models["linear"].estimate
    assert "depends on the model" in fragile and "premium" not in fragile and "overstates" not in fragile
    assert "depends on the model" not in robust
    effect = linear.evidence.effects["linear"]["Segment[High Value]"]
    if effect.excludes_zero:
        assert ("premium" in robust) == (estimate > 0) and ("overstates" in robust) == (estimate < 0)
    # The three quantities are each named.
    for name in ("mean residual", "estimated marginal mean", "contrast"):
        assert name in robust


def test_key_figure_never_calls_a_negative_value_a_premium(planted, linear):
    for ev in (planted, linear):
        text = ep.segment_value_key_figure(ev)
        value = next(v for v in ev.evidence.segment_values if v.segment == "High Value").contrast.estimate
        if value < 0:
            assert "premium" not in text
        assert "premium" not in ep.segment_value_key_figure(_with_claim(ev, "segment:High Value", robust=False))


def test_contrast_is_named_an_extrapolation_only_when_overlap_is_poor(linear):
    spec = linear.evidence.specification
    poor = dataclasses.replace(linear, evidence=dataclasses.replace(
        linear.evidence, specification=dataclasses.replace(spec, segment_overlap={**spec.segment_overlap, "High Value": 0.05})))
    good = dataclasses.replace(linear, evidence=dataclasses.replace(
        linear.evidence, specification=dataclasses.replace(spec, segment_overlap={**spec.segment_overlap, "High Value": 0.95})))
    assert "extrapolation" in ep.segment_value_sentence(poor)
    assert "same RFM profile" in ep.segment_value_sentence(good)
    assert "extrapolation" not in ep.segment_value_sentence(good)


def test_claims_summary_firm_or_model_dependent(planted):
    claims = tuple(dataclasses.replace(c, robust=True) for c in planted.evidence.claims)
    firm = dataclasses.replace(planted, evidence=dataclasses.replace(planted.evidence, claims=claims))
    fragile = _with_claim(firm, claims[0].key, robust=False, holds={**claims[0].holds, "linear": True, "zz": False})
    many = len({m for c in planted.evidence.claims for m in c.models}) > 1
    if many:
        assert "Every claim holds" in ep.claims_summary(firm)
    assert "depend on the model" in ep.claims_summary(fragile)


def test_gains_sentence_says_who_wins_both_ways(linear):
    g = linear.prediction.gains
    model_wins = dataclasses.replace(g, captured_share={**g.captured_share, "best": 0.50, "labels": 0.40})
    labels_win = dataclasses.replace(g, captured_share={**g.captured_share, "best": 0.40, "labels": 0.50,
                                                        "linear": 0.3, "rfm_only": 0.3, "rfm_score": 0.3})
    win = ep.gains(dataclasses.replace(linear, prediction=dataclasses.replace(linear.prediction, gains=model_wins)))
    lose = ep.gains(dataclasses.replace(linear, prediction=dataclasses.replace(linear.prediction, gains=labels_win)))
    assert "model's list captures 10.0 percentage points more" in win
    assert "label's list captures 10.0 percentage points more" in lose and "the CRM label captures the most" in lose


def test_retention_and_upsell_never_share_a_customer_and_the_sentence_follows(linear):
    t = {x.key: x for x in linear.targeting.lists}
    assert not set(t["retention"].members["CustomerID"]) & set(t["upsell"].members["CustomerID"])
    assert "no customer is on both lists" in ep.no_overlap(linear)
    shared = dataclasses.replace(t["upsell"], members=t["retention"].members.head(3))
    lists = tuple(shared if x.key == "upsell" else x for x in linear.targeting.lists)
    overlapping = dataclasses.replace(linear, targeting=dataclasses.replace(linear.targeting, lists=lists))
    if len(t["retention"].members):
        assert "meet both" in ep.no_overlap(overlapping)


def test_list_totals_and_budget_text_never_say_lean_on(linear, results):
    from analysis.report import briefing
    text = ep.list_totals(linear) + briefing.budget_implications(results, linear.targeting)
    assert "lean on" not in text
    for total in linear.list_totals:
        assert f"${total.actual:,.0f}" in text


def test_typical_error_is_the_median_absolute_error(results):
    from analysis.report import prose
    expected = float(results.customers["residual"].abs().median())
    assert prose.typical_error_usd(results) == f"${expected:,.2f}"
    assert "root-mean-square error" in prose.fit_summary(results)


def test_gains_prose_states_the_intervals_it_is_given(linear):
    g = linear.prediction.gains
    banded = dataclasses.replace(g, captured_interval={**g.captured_interval, "best": (0.412, 0.452),
                                                       "labels": (0.371, 0.415)})
    text = ep.gains(dataclasses.replace(linear, prediction=dataclasses.replace(linear.prediction, gains=banded)))
    assert "41.2–45.2%" in text and "37.1–41.5%" in text
    low, high = g.captured_interval["best"]
    assert low < g.captured_share["best"] < high
    assert f"{100 * low:.1f}–{100 * high:.1f}%" in ep.gains(linear)
