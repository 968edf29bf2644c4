"""'What changed since the last refresh' names exactly what a known shift between two builds changed.

Two cohorts come from the same simulated customers. The second is shifted on
purpose, in ways whose effect on the fit is known by construction:

* every customer's value gains $10 per order, so Frequency moves about +10,
  far outside its previous confidence interval (about ±1.4);
* At Risk customers gain $70, so the At Risk effect (about -$34) flips sign;
* Medium Value customers lose the baseline Medium Value effect minus $3, so
  that effect drops to about +$3, inside noise: it stops being significant
  but keeps its sign;
* 150 At Risk customers are dropped, so only the At Risk segment size changes.

Recency, MonetaryValue and the High Value effect are untouched and must not be named.
"""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from analysis.data import load_customers
from analysis.data.simulate import simulate_customers
from analysis.io.export import model_contract, write_model_json
from analysis.io.previous_model import (PREVIOUS_MODEL_ENV_VAR, ModelContractError, load_previous_model,
                                        read_previous_model)
from analysis.model import fit_model
from analysis.model.changes import SegmentSizeChange, compare_models, compare_with_previous, reported_inference
from analysis.model.results import SE_HC3
from analysis.report.changes import FIRST_BUILD_TEXT, changes_markdown, what_changed
from analysis.report.formatting import integer, number, usd, usd_interval

N_CUSTOMERS = 3000
SEED = 5
FREQUENCY_SHIFT_PER_ORDER = 10.0
AT_RISK_SHIFT = 70.0
MEDIUM_VALUE_LEFT_OVER = 3.0
AT_RISK_DROPPED = 150
SHIFTED_TERMS = ("Frequency", "Segment[Medium Value]", "Segment[At Risk]")
UNTOUCHED_TERMS = ("Recency", "MonetaryValue", "Segment[High Value]")


def summary(results, previous=None) -> str:
    """What a build's summary says, from the results and the previous model.json (default: $REPORT_PREVIOUS_MODEL)."""
    return visible(what_changed(compare_with_previous(results, read_previous_model(previous))))


def visible(markdown: str) -> str:
    """The text a reader sees: names from model.json are markdown-escaped (``\\(``), which renders as ``(``."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def shown_changes(changes) -> str:
    return visible(changes_markdown(changes))


def _fit(frame: pd.DataFrame, path, reference: str | None = None):
    frame.to_csv(path, index=False, float_format="%.2f")
    return fit_model(load_customers(path), reference=reference)


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    """Baseline and shifted frames with their fits; see the module docstring for the shift."""
    folder = tmp_path_factory.mktemp("changes")
    baseline = simulate_customers(N_CUSTOMERS, seed=SEED)
    before = _fit(baseline, folder / "baseline.csv")

    shifted = baseline.copy()
    shifted["CustomerValue"] += FREQUENCY_SHIFT_PER_ORDER * shifted["Frequency"]
    shifted.loc[shifted["Segment"] == "At Risk", "CustomerValue"] += AT_RISK_SHIFT
    medium_effect = before.coefficient("Segment[Medium Value]").estimate
    shifted.loc[shifted["Segment"] == "Medium Value", "CustomerValue"] -= medium_effect - MEDIUM_VALUE_LEFT_OVER
    shifted = shifted.drop(shifted.index[shifted["Segment"] == "At Risk"][:AT_RISK_DROPPED])
    after = _fit(shifted, folder / "shifted.csv")
    return {"folder": folder, "baseline": baseline, "shifted": shifted, "before": before, "after": after}


@pytest.fixture(scope="module")
def shift(cohorts):
    return compare_models(model_contract(cohorts["before"]), model_contract(cohorts["after"]))


def _bullet(text: str, starts_with: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith(f"- {starts_with}")]
    assert len(lines) == 1, f"expected one bullet starting {starts_with!r} in:\n{text}"
    return lines[0]


def test_the_shift_is_what_the_test_claims(cohorts):
    """Guard the premise: if the simulator changes, the expectations below would be meaningless."""
    before, after = cohorts["before"], cohorts["after"]
    assert before.se_type == after.se_type == SE_HC3
    frequency_move = after.coefficient("Frequency").estimate - before.coefficient("Frequency").estimate
    assert frequency_move == pytest.approx(FREQUENCY_SHIFT_PER_ORDER, abs=1.0)
    assert before.coefficient("Segment[At Risk]").ci_high < 0 < after.coefficient("Segment[At Risk]").ci_low
    assert before.coefficient("Segment[Medium Value]").p < 0.05 < after.coefficient("Segment[Medium Value]").p


def test_names_exactly_the_coefficients_that_left_their_interval(shift, cohorts):
    before, after = cohorts["before"], cohorts["after"]
    assert tuple(move.term for move in shift.moved_outside_ci) == SHIFTED_TERMS
    for move in shift.moved_outside_ci:
        old, new = before.coefficient(move.term), after.coefficient(move.term)
        assert move.previous == pytest.approx(old.estimate, rel=1e-12)
        assert move.current == pytest.approx(new.estimate, rel=1e-12)
        assert (move.previous_ci_low, move.previous_ci_high) == pytest.approx((old.ci_low, old.ci_high), rel=1e-12)


def test_names_exactly_the_sign_and_significance_flips(shift, cohorts):
    assert [flip.term for flip in shift.sign_flips] == ["Segment[At Risk]"]
    assert [flip.term for flip in shift.significance_flips] == ["Segment[Medium Value]"]
    flip = shift.significance_flips[0]
    assert not flip.now_significant
    assert flip.current_p == pytest.approx(cohorts["after"].coefficient("Segment[Medium Value]").p, rel=1e-12)
    # The same shift read backwards: the effect becomes significant again.
    backwards = compare_models(model_contract(cohorts["after"]), model_contract(cohorts["before"]))
    assert [f.term for f in backwards.significance_flips] == ["Segment[Medium Value]"]
    assert backwards.significance_flips[0].now_significant


def test_segment_sizes_r_squared_and_misaligned_count(shift, cohorts):
    before, after = cohorts["before"], cohorts["after"]
    at_risk_before = int((cohorts["baseline"]["Segment"] == "At Risk").sum())
    assert shift.segment_size_changes == (
        SegmentSizeChange("At Risk", at_risk_before, at_risk_before - AT_RISK_DROPPED),)
    assert (shift.previous_n, shift.current_n) == (N_CUSTOMERS, N_CUSTOMERS - AT_RISK_DROPPED)
    assert shift.r_squared_change == pytest.approx(after.full.r_squared - before.full.r_squared, rel=1e-12)
    assert shift.misaligned_change == after.misaligned_count() - before.misaligned_count()
    assert not shift.nothing_moved


def test_summary_text_carries_the_numbers_and_nothing_else(shift, cohorts):
    before, after = cohorts["before"], cohorts["after"]
    text = shown_changes(shift)

    r2 = _bullet(text, "R²")
    direction = "rose" if after.full.r_squared > before.full.r_squared else "fell"
    assert f"R² {direction} from {number(before.full.r_squared, 3)} to {number(after.full.r_squared, 3)}" in r2

    moved = _bullet(text, "Outside the previous 95% confidence interval")
    for term in SHIFTED_TERMS:
        old, new = before.coefficient(term), after.coefficient(term)
        assert usd(new.estimate) in moved and usd_interval(old.ci_low, old.ci_high) in moved
    assert "At Risk (vs Low Value)" in moved and "Medium Value (vs Low Value)" in moved

    sign = _bullet(text, "Changed sign:")
    at_risk_old, at_risk_new = (r.coefficient("Segment[At Risk]").estimate for r in (before, after))
    assert f"At Risk (vs Low Value) from {usd(at_risk_old)} to {usd(at_risk_new)}" in sign
    assert "Medium Value" not in sign

    significance = _bullet(text, "Changed significance at the 5% level:")
    assert "Medium Value (vs Low Value) is no longer statistically distinguishable from zero" in significance
    assert "At Risk" not in significance

    sizes = _bullet(text, "Segment sizes")
    at_risk_before = int((cohorts["baseline"]["Segment"] == "At Risk").sum())
    assert f"At Risk from {integer(at_risk_before)} to {integer(at_risk_before - AT_RISK_DROPPED)} (-150)" in sizes

    misaligned = _bullet(text, "Customers whose CRM label")
    if before.misaligned_count() == after.misaligned_count():
        assert f"unchanged at {integer(after.misaligned_count())}" in misaligned
    else:
        assert f"from {integer(before.misaligned_count())} to {integer(after.misaligned_count())}" in misaligned

    # Untouched terms and untouched segments are never named.
    for name in ("Recency", "MonetaryValue", "High Value", "Low Value from"):
        assert name not in text
    for verb in ("drive", "cause", "increase", "leads to"):
        assert verb not in text.lower()


def test_what_changed_reads_the_previous_build_from_the_environment(cohorts, monkeypatch):
    previous = write_model_json(cohorts["before"], cohorts["folder"] / "published" / "model.json")
    monkeypatch.setenv(PREVIOUS_MODEL_ENV_VAR, str(previous))
    text = summary(cohorts["after"])
    assert text == shown_changes(compare_models(json.loads(previous.read_text()), model_contract(cohorts["after"])))
    assert "Changed sign: At Risk (vs Low Value)" in text
    assert load_previous_model() == json.loads(previous.read_text())


def test_first_build_says_there_is_nothing_to_compare(cohorts, monkeypatch, tmp_path):
    monkeypatch.delenv(PREVIOUS_MODEL_ENV_VAR, raising=False)
    assert summary(cohorts["after"]) == FIRST_BUILD_TEXT
    assert load_previous_model() is None
    # An output folder that never had a published model.json is a first build too.
    monkeypatch.setenv(PREVIOUS_MODEL_ENV_VAR, str(tmp_path / "downloads" / "model.json"))
    assert summary(cohorts["after"]) == FIRST_BUILD_TEXT


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not valid JSON"),
    ('{"n": 10, "r_squared": 0.5}', "missing 'reference', 'coefficients'"),
    ("[1, 2, 3]", "expected a JSON object, found list"),
])
def test_a_corrupt_previous_model_is_reported_not_ignored(cohorts, tmp_path, content, reason):
    corrupt = tmp_path / "model.json"
    corrupt.write_text(content, encoding="utf-8")
    assert load_previous_model(corrupt) is None
    assert reason in read_previous_model(corrupt).problem
    text = summary(cohorts["after"], previous=corrupt)
    assert text.startswith("Could not read the previous model.json (")
    assert reason in text
    assert "first build" not in text


def test_a_truncated_download_is_reported(cohorts, tmp_path):
    full = json.dumps(model_contract(cohorts["before"]), indent=2)
    truncated = tmp_path / "model.json"
    truncated.write_text(full[: len(full) // 2], encoding="utf-8")
    assert summary(cohorts["after"], previous=truncated).startswith(
        "Could not read the previous model.json (not valid JSON")


def test_identical_data_says_nothing_moved(cohorts, tmp_path):
    copy = shutil.copy(cohorts["folder"] / "baseline.csv", tmp_path / "refreshed.csv")
    again = fit_model(load_customers(copy))
    changes = compare_models(model_contract(cohorts["before"]), model_contract(again))
    assert changes.nothing_moved and changes.same_data
    assert changes.moved_outside_ci == changes.sign_flips == changes.significance_flips == ()
    assert changes.segment_size_changes == () and changes.misaligned_change == 0
    text = shown_changes(changes)
    assert text.startswith("Compared with the previous build, nothing moved: "
                           f"R² is unchanged at {number(again.full.r_squared, 3)}")
    assert f"({integer(again.misaligned_count())})" in text


def test_another_reference_compares_only_rfm(cohorts, tmp_path):
    rereferenced = _fit(cohorts["shifted"], tmp_path / "shifted.csv", reference="High Value")
    changes = compare_models(model_contract(cohorts["before"]), model_contract(rereferenced))
    assert changes.reference_changed
    assert [move.term for move in changes.moved_outside_ci] == ["Frequency"]
    assert changes.sign_flips == () and changes.significance_flips == ()
    assert changes.added_terms == changes.removed_terms == ()
    assert "The reference segment changed from Low Value to High Value" in shown_changes(changes)


def test_a_segment_that_disappears_is_named(cohorts, tmp_path):
    without_at_risk = cohorts["baseline"][cohorts["baseline"]["Segment"] != "At Risk"]
    after = _fit(without_at_risk, tmp_path / "no_at_risk.csv")
    changes = compare_models(model_contract(cohorts["before"]), model_contract(after))
    assert changes.removed_terms == ("Segment[At Risk]",) and changes.added_terms == ()
    at_risk_before = cohorts["before"].segment_counts["At Risk"]
    assert SegmentSizeChange("At Risk", at_risk_before, None) in changes.segment_size_changes
    text = shown_changes(changes)
    assert "No longer in the model: At Risk (vs Low Value)." in text
    assert f"At Risk is no longer in the data (previously {integer(at_risk_before)})" in text


def test_a_contract_without_the_reported_block_gives_the_same_inference(cohorts):
    """model.json files written before ``reported_coefficients`` existed compare the same way."""
    contract = model_contract(cohorts["before"])
    older = {key: value for key, value in contract.items() if key != "reported_coefficients"}
    rebuilt, recorded = reported_inference(older), reported_inference(contract)
    assert rebuilt.keys() == recorded.keys()
    for term, numbers in recorded.items():
        assert rebuilt[term] == pytest.approx(numbers, rel=1e-9, abs=1e-300), term
    assert compare_models(older, model_contract(cohorts["after"])) == compare_models(
        contract, model_contract(cohorts["after"]))


def test_compare_models_rejects_a_malformed_contract(cohorts):
    with pytest.raises(ModelContractError, match="previous model.json cannot be compared: missing 'coefficients'"):
        compare_models({"n": 1, "reference": "Low Value", "r_squared": 0.5}, model_contract(cohorts["after"]))


def test_an_older_hc3_contract_without_robust_errors_is_reported(cohorts, tmp_path):
    contract = model_contract(cohorts["before"])
    older = {key: value for key, value in contract.items() if key != "reported_coefficients"}
    older["coefficients"] = [{k: v for k, v in row.items() if k != "std_error_hc3"} for row in older["coefficients"]]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(older), encoding="utf-8")
    assert "needs 'std_error_hc3'" in summary(cohorts["after"], previous=path)


@pytest.mark.parametrize("previous_identity, current_identity, same", [
    ({"data_sha256": None, "data_fingerprint": "a" * 64}, {"data_sha256": None, "data_fingerprint": "a" * 64}, True),
    ({"data_sha256": None, "data_fingerprint": "a" * 64}, {"data_sha256": None, "data_fingerprint": "b" * 64}, False),
    # A file's hash and an engine's row fingerprint are not comparable: unknown, not "changed".
    ({"data_sha256": "c" * 64}, {"data_sha256": None, "data_fingerprint": "c" * 64}, None),
    ({"data_sha256": ""}, {"data_sha256": ""}, None),  # nothing hashed on either side
])
def test_same_data_compares_like_with_like(cohorts, previous_identity, current_identity, same):
    contract = model_contract(cohorts["before"])
    previous, current = {**contract, **previous_identity}, {**contract, **current_identity}
    assert compare_models(previous, current).same_data is same
