"""Every prose rule, on real fits whose numbers take each branch.

The central promise: a number in a sentence is the number in the matching table
cell at the precision the table displays. The expected cells come from
:mod:`analysis.report.table_rows` (what the tables print), never from the prose module.
"""
from __future__ import annotations

import dataclasses
import re

import pytest

from analysis import prose
from analysis.model import derived
from analysis.report import caveats, table_rows, wording
from analysis.data import PREDICTORS
from analysis.model.results import SE_HC3, segment_term

DOLLARS = re.compile(r"-?\$[\d,]+\.\d{2}")
PERCENT = re.compile(r"\d+\.\d%")
# Causal wording the report must never use: the model is observational.
FORBIDDEN = re.compile(r"\b(drives?|driven|driving|causes?|caused|causing|increases?|increased|increasing|"
                       r"leads? to|led to|boosts?|boosted|impacts?|impacted|results? in)\b", re.IGNORECASE)


CASES = ("results", "reversed_results", "null_results", "classical_results", "unlabelled_results",
         "small_results", "collinear_results", "influential_results", "no_at_risk_results", "at_risk_reference")


@pytest.fixture(params=CASES)
def any_results(request):
    return request.getfixturevalue(request.param)


# --- helpers --------------------------------------------------------------------------------------

def dollars_in(text: str) -> list[str]:
    return DOLLARS.findall(text)


def value(displayed: str) -> float:
    return float(displayed.replace("$", "").replace(",", "").replace("%", ""))


def magnitude(displayed: str) -> str:
    return displayed.lstrip("-")


def coefficient_cells(r, term: str) -> tuple[str, str, str]:
    row = table_rows.coefficient_rows(r).set_index("term").loc[term]
    low, high = row["ci"].split(" to ")
    return row["estimate"], low, high


def fit_cell(r, statistic: str, column: str = "full") -> str:
    return table_rows.model_fit_rows(r).set_index("statistic").loc[statistic, column]


def every_sentence(r) -> list[str]:
    texts = [prose.rfm_effects(r), prose.segment_effects(r), prose.high_value_premium(r),
             prose.labels_add_power(r), prose.misalignment(r), prose.fit_summary(r), prose.headline(r),
             prose.caveats_markdown(r), prose.value_of_one_more_order(r), prose.high_value_premium_usd(r),
             prose.r_squared_display(r), prose.typical_error_usd(r), prose.misaligned_at_risk_count(r)]
    texts += [prose.segment_effect(r, level) for level in r.levels]
    return texts


# --- RFM coefficients -----------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("predictor", PREDICTORS)
def test_rfm_numbers_equal_the_coefficient_table(request, case, predictor):
    r = request.getfixturevalue(case)
    sentence = prose.rfm_effect(r, predictor)
    estimate, low, high = coefficient_cells(r, predictor)
    shown = dollars_in(sentence)
    step = prose.PREDICTOR_WORDING[predictor].step
    if step == 1:
        # Significant effects are worded as magnitudes ("$a to $b lower"), others signed.
        if "indistinguishable" in sentence:
            assert shown == [estimate, low, high]
        else:
            assert shown == [magnitude(estimate), *sorted([magnitude(low), magnitude(high)], key=value)]
        return
    # Scaled sentences end with the table's per-unit estimate, verbatim ...
    assert shown[-1] == estimate
    assert prose.PREDICTOR_WORDING[predictor].per_unit in sentence
    # ... and their scaled numbers are step x the table's numbers, up to the two roundings:
    # |scaled/step - b| <= 0.005/step and |cell - b| <= 0.005.
    tolerance = 0.005 + 0.005 / step + 1e-9
    scaled = [value(text) / step for text in shown[:3]]
    if "indistinguishable" in sentence:
        table = [value(cell) for cell in (estimate, low, high)]
    else:
        table = [abs(value(estimate)), *sorted([abs(value(low)), abs(value(high))])]
    assert scaled == pytest.approx(table, abs=tolerance)


def test_scaled_units_are_said(results):
    assert "every 30 days since the last order" in prose.rfm_effect(results, "Recency")
    assert "per day" in prose.rfm_effect(results, "Recency")
    assert "each additional $10 of average basket" in prose.rfm_effect(results, "MonetaryValue")
    assert "per $1 of average basket" in prose.rfm_effect(results, "MonetaryValue")


def test_positive_negative_and_null_effects_get_their_words(results, reversed_results, null_results):
    positive = prose.rfm_effect(results, "Frequency")
    assert "higher customer value" in positive and "lower" not in positive
    assert "is associated with" in positive
    negative = prose.rfm_effect(reversed_results, "Frequency")
    assert "lower customer value" in negative and "higher" not in negative
    null = prose.rfm_effect(null_results, "MonetaryValue")
    assert "indistinguishable from zero" in null
    assert "higher" not in null and "lower" not in null


def test_direction_follows_the_sign_in_every_case(any_results):
    for predictor in PREDICTORS:
        row = any_results.coefficient(predictor)
        sentence = prose.rfm_effect(any_results, predictor)
        if row.ci_low > 0:
            assert "higher customer value" in sentence
        elif row.ci_high < 0:
            assert "lower customer value" in sentence
        else:
            assert "indistinguishable from zero" in sentence


def test_significance_comes_from_the_reported_interval(results):
    """Swap in intervals that straddle zero: the same estimate must lose its direction word."""
    coefficients = results.coefficients.copy()
    column = "ci_low_hc3" if results.se_type == SE_HC3 else "ci_low"
    coefficients.loc[coefficients["term"] == "Frequency", column] = -1.0
    widened = dataclasses.replace(results, coefficients=coefficients)
    assert "indistinguishable from zero" in prose.rfm_effect(widened, "Frequency")
    assert "higher" in prose.rfm_effect(results, "Frequency")


def test_unknown_predictor_names_the_choices(results):
    with pytest.raises(KeyError, match="Recency, Frequency, MonetaryValue"):
        prose.rfm_effect(results, "Tenure")


# --- segments ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_segment_numbers_equal_the_coefficient_table(request, case):
    r = request.getfixturevalue(case)
    for level in r.segment_levels_besides_reference:
        sentence = prose.segment_effect(r, level)
        estimate, low, high = coefficient_cells(r, segment_term(level))
        if "indistinguishable" in sentence:
            assert dollars_in(sentence) == [estimate, low, high]
        else:
            word = "more" if value(estimate) > 0 else "less"
            assert f"{magnitude(estimate)} {word} customer value" in sentence
            assert dollars_in(sentence) == [magnitude(estimate),
                                            *sorted([magnitude(low), magnitude(high)], key=value)]


def test_reference_segment_is_named_as_the_baseline(results):
    assert "reference segment" in prose.segment_effect(results, results.reference)
    with pytest.raises(KeyError, match="High Value"):
        prose.segment_effect(results, "Gold")


def _premium_cells(r):
    rows = table_rows.segment_effect_rows(r)
    baseline = prose.premium_baseline(r)
    match = rows[(rows["segment"] == "High Value") & (rows["versus"] == baseline)]
    if len(match):
        row = match.iloc[0]
        low, high = row["ci"].split(" to ")
        return row["difference"], low, high
    row = rows[(rows["segment"] == baseline) & (rows["versus"] == "High Value")].iloc[0]
    low, high = row["ci"].split(" to ")
    flip = lambda text: text[1:] if text.startswith("-") else f"-{text}"
    return flip(row["difference"]), flip(high), flip(low)


@pytest.mark.parametrize("case", CASES)
def test_high_value_premium_equals_the_segment_effects_table(request, case):
    r = request.getfixturevalue(case)
    sentence = prose.high_value_premium(r)
    difference, low, high = _premium_cells(r)
    assert prose.high_value_premium_usd(r) == difference
    if "indistinguishable" in sentence:
        assert dollars_in(sentence) == [difference, low, high]
    else:
        assert dollars_in(sentence)[:3] == [magnitude(difference),
                                            *sorted([magnitude(low), magnitude(high)], key=value)]


def test_negative_premium_says_less(reversed_results, simulated_results, null_results):
    negative = prose.high_value_premium(reversed_results)
    assert "less customer value than Low Value customers" in negative
    assert "more customer value" not in negative
    assert "more customer value than Low Value customers" in prose.high_value_premium(simulated_results)
    assert "indistinguishable from zero" in prose.high_value_premium(null_results)
    assert "less customer value than Low Value" in prose.headline(reversed_results)


def test_premium_compares_with_low_value_even_under_another_reference(at_risk_reference):
    assert at_risk_reference.reference == "At Risk"
    assert "than Low Value customers" in prose.high_value_premium(at_risk_reference)


# --- labels, misalignment, fit ----------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_nested_test_numbers_equal_the_fit_table(request, case):
    r = request.getfixturevalue(case)
    sentence = prose.labels_add_power(r)
    full, rfm = PERCENT.findall(sentence)[:2]
    assert value(full) / 100 == pytest.approx(value(fit_cell(r, "r_squared")), abs=1e-9)
    assert value(rfm) / 100 == pytest.approx(value(fit_cell(r, "r_squared", "rfm_only")), abs=1e-9)
    delta = re.search(r"ΔR² = (-?[\d.]+) percentage points", sentence).group(1)
    assert float(delta) / 100 == pytest.approx(value(fit_cell(r, "delta_r_squared")), abs=1e-9)
    f = re.search(r"F\((\d+), ([\d,]+)\) = ([\d,.]+), p ([<=]) ([\d.]+)", sentence)
    assert f.group(3) == fit_cell(r, "nested_f")
    p_cell = fit_cell(r, "nested_p")
    assert (f"<{f.group(5)}" if f.group(4) == "<" else f.group(5)) == p_cell
    assert f"F ({f.group(1)}, {f.group(2)} df)" in set(table_rows.model_fit_rows(r)["label"])


def test_labels_wording_follows_the_test(results, unlabelled_results):
    assert "add explanatory power beyond RFM" in prose.labels_add_power(results)
    assert "add no explanatory power" in prose.labels_add_power(unlabelled_results)


def test_small_but_significant_gain_is_called_small(simulated_results):
    results = simulated_results
    tiny = dataclasses.replace(results, nested=dataclasses.replace(results.nested, delta_r_squared=0.004))
    assert "small in practical terms" in prose.labels_add_power(tiny)
    assert "small in practical terms" not in prose.labels_add_power(results)


@pytest.mark.parametrize("case", CASES)
def test_misalignment_numbers_equal_the_counts_table(request, case):
    r = request.getfixturevalue(case)
    sentence = prose.misalignment(r)
    counts = table_rows.misaligned_count_rows(r).set_index("segment")
    if "At Risk" not in r.levels:
        assert "no At Risk customers" in sentence
        return
    row = counts.loc["At Risk"]
    if row["misaligned"] == "0":
        assert f"None of the {row['customers']} At Risk customers" in sentence
    else:
        assert f"Of the {row['customers']} At Risk customers, {row['misaligned']} ({row['share']})" in sentence
        assert prose.misaligned_at_risk_count(r) == row["misaligned"]
    for level, where in (("Low Value", "top"), ("High Value", "bottom")):
        if level in counts.index and counts.loc[level, "misaligned"] != "0":
            assert re.search(rf"{counts.loc[level, 'misaligned']} {level} customers? models? in the {where}",
                             sentence)


def test_no_flagged_at_risk_customer_says_they_agree(results):
    customers = results.customers.copy()
    customers.loc[customers["Segment"] == "At Risk", "misaligned"] = False
    agreed = dataclasses.replace(results, customers=customers)
    assert "None of the" in prose.misalignment(agreed)
    assert "agree" in prose.misalignment(agreed)


@pytest.mark.parametrize("case", CASES)
def test_fit_numbers_equal_the_fit_and_profile_tables(request, case):
    r = request.getfixturevalue(case)
    sentence = prose.fit_summary(r)
    r2, adjusted, unexplained = PERCENT.findall(sentence)[:3]
    assert value(r2) / 100 == pytest.approx(value(fit_cell(r, "r_squared")), abs=1e-9)
    assert value(adjusted) / 100 == pytest.approx(value(fit_cell(r, "adj_r_squared")), abs=1e-9)
    assert value(unexplained) == pytest.approx(100 - value(r2), abs=0.1 + 1e-9)
    assert f"across {fit_cell(r, 'n')} customers" in sentence
    typical, sigma, mean = dollars_in(sentence)
    # Issue 10: "typical error" is the median absolute error; the residual SE is named as the RMS it is.
    assert typical == fit_cell(r, "median_abs_error") == prose.typical_error_usd(r)
    assert sigma == fit_cell(r, "sigma") == prose.rms_error_usd(r)
    assert "root-mean-square error (the residual standard error)" in sentence
    profile = table_rows.segment_profile_rows(r).set_index("segment")
    assert mean == profile.loc["All customers", "value_mean"]
    assert value(prose.r_squared_display(r)) / 100 == pytest.approx(value(fit_cell(r, "r_squared")), abs=1e-9)


def test_fit_bands_and_precision_rule(results):
    def with_fit(**changes):
        return dataclasses.replace(results, full=dataclasses.replace(results.full, **changes))

    assert "explains most of" in prose.fit_summary(with_fit(r_squared=0.5))
    assert "a substantial share of" in prose.fit_summary(with_fit(r_squared=0.3))
    assert "only a small share of" in prose.fit_summary(with_fit(r_squared=0.1))
    mean = derived.mean_customer_value(results)
    precise = prose.fit_summary(with_fit(sigma=0.2 * mean))
    coarse = prose.fit_summary(with_fit(sigma=0.3 * mean))
    assert "rank individual customers" in precise
    assert "broad tiers" in coarse and "broad tiers" not in precise


def test_value_of_one_more_order_is_the_table_cell(any_results):
    assert prose.value_of_one_more_order(any_results) == coefficient_cells(any_results, "Frequency")[0]


# --- caveats ----------------------------------------------------------------------------------------

def test_standard_error_note_always_comes_first(results, classical_results):
    hc3 = prose.caveats(results)[0]
    assert results.se_type == SE_HC3
    assert "HC3" in hc3 and "Breusch–Pagan" in hc3
    classical = prose.caveats(classical_results)[0]
    assert "classical standard errors" in classical and "HC3" not in classical
    bp = re.search(r"p = ([\d.]+)", classical).group(1)
    assert wording.p_phrase(classical_results.diagnostics.bp_p) == f"p = {bp}"


def test_influence_note_scales_with_cooks_distance(simulated_results, influential_results):
    results = simulated_results
    note = next(n for n in prose.caveats(results) if "Cook's distance" in n)
    assert note.startswith(f"{results.diagnostics.n_influential:,} customers")
    assert "no single customer steers" in note
    strong = next(n for n in prose.caveats(influential_results) if "Cook's distance" in n)
    assert influential_results.diagnostics.max_cooks_distance > wording.COOKS_MAJOR
    assert "above 1.0" in strong and "check the labelled customers" in strong


def test_collinearity_and_condition_number_notes(results, collinear_results):
    notes = " ".join(prose.caveats(collinear_results))
    assert "adjusted GVIF" in notes and "Frequency" in notes and "MonetaryValue" in notes
    assert "condition number" in notes
    quiet = " ".join(prose.caveats(results))
    assert max(results.diagnostics.vif_adjusted.values()) < caveats.ADJUSTED_GVIF_LIMIT
    assert "GVIF" not in quiet and "condition number" not in quiet


def test_small_segment_note_names_the_segment(small_results, results):
    note = next(n for n in prose.caveats(small_results) if n.startswith("Small segments"))
    assert "At Risk (40 customers)" in note
    assert not any(n.startswith("Small segments") for n in prose.caveats(results))


def test_caveats_render_as_a_numbered_list(results):
    lines = prose.caveats_markdown(results).splitlines()
    assert [line.split(".")[0] for line in lines] == [str(i) for i in range(1, len(lines) + 1)]


# --- headline and wording ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_headline_numbers_all_appear_in_tables(request, case):
    r = request.getfixturevalue(case)
    text = prose.headline(r)
    cells = set()
    for frame in (table_rows.coefficient_rows(r), table_rows.model_fit_rows(r),
                  table_rows.segment_effect_rows(r), table_rows.misaligned_count_rows(r)):
        for cell in frame.astype(str).to_numpy().ravel():
            cells.update(DOLLARS.findall(cell))
            cells.add(cell)
    for amount in dollars_in(text):
        assert amount in cells or f"-{amount}" in cells, amount
    r2 = PERCENT.findall(text)[0]
    assert value(r2) / 100 == pytest.approx(value(fit_cell(r, "r_squared")), abs=1e-9)


def test_no_sentence_uses_causal_wording(any_results):
    for text in every_sentence(any_results):
        found = FORBIDDEN.search(text)
        assert found is None, f"causal wording {found.group(0)!r} in: {text}"


def test_forbidden_word_scan_would_catch_a_causal_verb():
    assert FORBIDDEN.search("Each additional order drives $24 of value")
    assert FORBIDDEN.search("Recency increases value")
    assert FORBIDDEN.search("is associated with roughly $24 higher value") is None
