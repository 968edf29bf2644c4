"""Specification alarms, claims robustness and the wording rules, on real-like tables.

- a linear-truth table (``python -m analysis simulate --n 5000 --seed 3``): no alarm;
- a planted F x M table: the F x M and RESET alarms fire;
- a table derived from an order log (tests/reference/evidence_customers.csv, made by
  make_evidence_table.py through ``python -m analysis rfm``): misspecified, poor overlap,
  the High Value contrast not robust and never worded "overstates".
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.evidence.build import build_evidence
from analysis.evidence.claims import Claim, ModelValue
from analysis.evidence.contract import contract
from analysis.evidence.notes import (RETENTION_MIN_DAYS, UPSELL_MAX_DAYS, ci_decimals, delta_r2,
                                     profile_phrase, segment_word, specification_notes)
from analysis.evidence.specification import POOR_OVERLAP, check_specification

ROOT = Path(__file__).resolve().parents[2]
DERIVED = pd.read_csv(ROOT / "tests/reference/evidence_customers.csv")


@pytest.fixture(scope="module")
def linear_truth(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim") / "lin.csv"
    subprocess.run([sys.executable, "-m", "analysis", "simulate", "--n", "5000", "--seed", "3",
                    "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
    return pd.read_csv(out)


@pytest.fixture(scope="module")
def derived_evidence():
    return build_evidence(DERIVED, "Low Value")


def test_linear_truth_raises_no_alarm(linear_truth):
    checks = check_specification(linear_truth, "Low Value")
    assert not checks.misspecified, [t for t in checks.tests if t.alarm]
    assert [n.key for n in specification_notes(checks)][0] == "all_clear"


def test_planted_frequency_x_monetary_raises_the_alarm(linear_truth):
    planted = linear_truth.copy()
    rng = np.random.default_rng(5)
    planted["CustomerValue"] = (0.3 * planted["Frequency"] * planted["MonetaryValue"]
                                + rng.normal(0, 20, len(planted)))
    checks = check_specification(planted, "Low Value")
    assert checks.frequency_x_monetary.alarm and checks.reset.alarm
    assert "frequency_x_monetary" in [n.key for n in specification_notes(checks)]


def test_derived_table_is_flagged_and_high_value_not_robust(derived_evidence):
    ev = derived_evidence
    assert ev.specification.misspecified
    assert ev.specification.negative_fitted_alarm
    assert "High Value" in ev.specification.poorly_overlapping
    claim = next(c for c in ev.claims if c.key == "segment:High Value")
    # Since the merged rfm command nets cancellations, the regenerated derived table's High Value
    # contrast keeps its sign in every admissible model; the rule is checked both ways here.
    excl = ev.effects["linear"]["Segment[High Value]"].excludes_zero
    word = segment_word(dataclasses.replace(claim, robust=False), excl)
    assert word.word == "depends on the model" and not word.firm
    firm = segment_word(dataclasses.replace(claim, robust=True), True)
    assert firm.word == ("premium" if claim.models["linear"].estimate > 0 else "overstates")
    keys = [n.key for n in specification_notes(ev.specification)]
    assert "all_clear" not in keys and "overlap:High Value" in keys


def test_contract_is_strict_json_with_the_issue_keys(derived_evidence):
    c = json.loads(json.dumps(contract(derived_evidence), allow_nan=False))
    spec = c["specification"]
    assert {"f", "p"} <= set(spec["reset"]) and {"stat", "p"} <= set(spec["recency_spline"])
    assert set(spec["segment_overlap"]) == {"Low Value", "High Value", "Medium Value", "At Risk"}
    assert {"linear", "fxm", "flexible", "loglinear", "gamma_log", "median"} == set(c["models"])
    lin = c["models"]["linear"]
    assert {"formula_or_family", "n", "r_squared", "aic", "ame"} <= set(lin)
    assert {"estimate", "ci_low", "ci_high"} == set(lin["ame"]["Recency"])
    assert all(isinstance(cl["robust"], bool) and "linear" in cl["models"] for cl in c["claims"])


def _claim(robust: bool, estimate: float) -> Claim:
    return Claim("segment:High Value", "", robust, {"linear": ModelValue(estimate, estimate - 1, estimate + 1)})


@pytest.mark.parametrize("robust,estimate,excludes,word", [
    (True, 25.0, True, "premium"), (True, -25.0, True, "overstates"),
    (False, -25.0, True, "depends on the model"), (False, 25.0, True, "depends on the model"),
    (True, -25.0, False, "no clear difference"),
])
def test_segment_word_follows_sign_and_robustness(robust, estimate, excludes, word):
    result = segment_word(_claim(robust, estimate), excludes)
    assert result.word == word
    assert result.firm == (word in ("premium", "overstates"))
    assert not (estimate < 0 and result.word == "premium")


def test_profile_phrase_both_ways():
    assert profile_phrase(POOR_OVERLAP) == "customers with the same RFM profile"
    assert "extrapolation" in profile_phrase(POOR_OVERLAP - 0.01)


def test_ci_decimals_shows_whether_zero_is_excluded():
    d = ci_decimals(0.0004, 0.14)  # excludes zero: must not print 0.00
    assert round(0.0004, d) > 0 and d == 4
    assert ci_decimals(-0.3, 0.14) == 2  # includes zero: two decimals suffice
    assert ci_decimals(-0.004, 0.14) == 3  # "-0.00" would hide the sign


def test_delta_r2_from_unrounded_values():
    assert delta_r2(0.72949, 0.70651) == 2.3  # 72.9 - 70.7 rounded separately would say 2.2
    assert delta_r2(0.7295, 0.7065) == 2.3


def test_retention_and_upsell_do_not_overlap_at_30_days():
    assert RETENTION_MIN_DAYS > UPSELL_MAX_DAYS == 30


def test_overlap_good_for_shuffled_labels_poor_for_rule_labels():
    from analysis.evidence.overlap import segment_overlap
    shuffled = DERIVED.copy()
    shuffled["Segment"] = np.random.default_rng(1).permutation(shuffled["Segment"].to_numpy())
    assert min(segment_overlap(shuffled, "Low Value").values()) >= 0.9
    assert segment_overlap(DERIVED, "Low Value")["High Value"] < POOR_OVERLAP


def test_influence_refit_drops_a_planted_outlier_and_reports_the_flip(linear_truth):
    from analysis.evidence.influence import COOKS_CUTOFF, cooks_distance, influence
    from analysis.evidence.fit_specs import fit_spec
    from analysis.evidence.specs import SPECS_BY_NAME
    frame = linear_truth.head(400).copy()
    # One extreme customer with huge value at huge Recency pulls the Recency slope upward.
    frame.loc[frame.index[0], ["Recency", "CustomerValue"]] = [3000, 200_000]
    linear = fit_spec(SPECS_BY_NAME["linear"], frame, "Low Value")
    assert cooks_distance(linear, frame).max() > COOKS_CUTOFF
    result = influence(frame, "Low Value", linear)
    above = result.refits[0]
    assert above.rule == "cooks_above_cutoff" and above.n_dropped >= 1
    recency = next(t for t in above.terms if t.term == "Recency")
    assert recency.before.estimate > 0 > recency.after.estimate and recency.flips_sign
    assert recency in above.moved


def test_influence_on_a_clean_table_moves_nothing(linear_truth):
    from analysis.evidence.influence import influence
    result = influence(linear_truth, "Low Value")
    assert result.refits[0].n_dropped == 0 and not result.refits[0].moved
    assert result.refits[1].n_dropped == 5  # top 0.1% of 5,000


def test_overlap_note_states_none_and_shares_as_they_are(derived_evidence):
    texts = {n.key: n.text for n in specification_notes(derived_evidence.specification)}
    share = derived_evidence.specification.segment_overlap
    assert share["High Value"] == 0 and texts["overlap:High Value"].startswith("none of the High Value")
    assert 0 < share["Medium Value"] < POOR_OVERLAP
    assert f"only {100 * share['Medium Value']:.0f}% of Medium Value" in texts["overlap:Medium Value"]


def test_claim_wording_both_ways(derived_evidence, linear_truth):
    from analysis.evidence.notes import claim_wording
    high = next(c for c in derived_evidence.claims if c.key == "segment:High Value")
    # The regenerated derived table's claims may all be robust: plant one disagreement.
    high = dataclasses.replace(high, robust=False, holds={**high.holds, "median": False})
    worded = claim_wording(high, {"median": "Median regression"})
    assert not worded.firm and worded.qualifier.startswith("depends on the model")
    assert all((m if m != "median" else "Median regression") in worded.qualifier for m in high.disagreeing)
    robust = next(c for c in build_evidence(linear_truth, "Low Value").claims if c.key == "rfm:Frequency")
    assert robust.robust and claim_wording(robust).firm


def test_side_by_side_frames_have_the_same_rows_for_every_model(derived_evidence):
    from analysis.evidence.side_by_side import claims_frame, effects_frame, fit_frame
    effects = effects_frame(derived_evidence)
    terms = effects.groupby("model")["term"].apply(tuple)
    assert terms.nunique() == 1 and len(terms) == len(derived_evidence.models)
    lin = effects[(effects.model == "linear") & (effects.term == "Recency")].iloc[0]
    assert lin.estimate == derived_evidence.effects["linear"]["Recency"].estimate
    assert set(fit_frame(derived_evidence).model) == set(derived_evidence.models)
    claims = claims_frame(derived_evidence)
    high = claims[claims.key == "segment:High Value"]
    claim = next(c for c in derived_evidence.claims if c.key == "segment:High Value")
    assert (high.robust == claim.robust).all() and list(high.holds) == [claim.holds[m] for m in high.model]
