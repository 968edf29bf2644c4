"""The model, its derived quantities and the results cache.

Numbers are checked against the simulator's known truth and against statsmodels'
own (slower, independent) routines; the comparison with R lives in tests/reference.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analysis.model.cache import load_results
from analysis.data import load_customers
from analysis.errors import ModelSpecificationError
from analysis.model.fit import fit_model
from analysis.model.results import SE_CLASSICAL, SE_HC3
from analysis.data.simulate import DEFAULT_SEED, TRUE_COEFFICIENTS, simulate_customers, write_simulated


@pytest.fixture(scope="module")
def default_results(tmp_path_factory):
    """The fit of the simulated cohort with a known linear truth (``simulate --n 5000``, default seed).

    It was the default data until the default became the simulated business's order log
    (data/README.md); coefficient recovery is checked on the cohort with a known truth.
    """
    path = tmp_path_factory.mktemp("simulated") / "customers.csv"
    write_simulated(path, n=5000, seed=DEFAULT_SEED)
    return fit_model(load_customers(path))


def test_true_coefficients_fall_inside_the_reported_confidence_intervals(default_results):
    reported = default_results.reported
    for term, truth in TRUE_COEFFICIENTS.items():
        row = reported.loc[term]
        assert row.ci_low <= truth <= row.ci_high, (term, truth, row.ci_low, row.ci_high)


def test_confidence_intervals_cover_the_truth_at_roughly_their_nominal_rate(fit_frame, tmp_path):
    """Over 40 fresh cohorts, 95% HC3 intervals should cover the truth about 95% of the time."""
    hits = []
    for seed in range(100, 140):
        results = fit_frame(simulate_customers(1500, seed), tmp_path)
        c = results.coefficients.set_index("term")
        hits += [c.loc[t, "ci_low_hc3"] <= v <= c.loc[t, "ci_high_hc3"] for t, v in TRUE_COEFFICIENTS.items()]
    coverage = np.mean(hits)
    assert 0.88 <= coverage <= 0.99, coverage


def test_estimates_match_statsmodels_formula_interface(default_results):
    frame = load_customers(default_results.data.path).frame
    formula = ("CustomerValue ~ Recency + Frequency + MonetaryValue + "
               "C(Segment, Treatment(reference='Low Value'))")
    reference_fit = smf.ols(formula, data=frame).fit()
    def our_name(name: str) -> str:
        return name.replace("C(Segment, Treatment(reference='Low Value'))[T.", "Segment[")

    ours = default_results.coefficients.set_index("term")
    hc3 = pd.Series(reference_fit.get_robustcov_results("HC3").bse, index=reference_fit.params.index)
    for name, value in reference_fit.params.items():
        assert ours.loc[our_name(name), "estimate"] == pytest.approx(value, rel=1e-9)
        assert ours.loc[our_name(name), "std_error_hc3"] == pytest.approx(hc3[name], rel=1e-9)
    influence = reference_fit.get_influence()
    assert default_results.customers["leverage"].to_numpy() == pytest.approx(influence.hat_matrix_diag, rel=1e-9)
    assert default_results.customers["cooks_distance"].to_numpy() == pytest.approx(
        influence.cooks_distance[0], rel=1e-7)


def test_nested_test_and_delta_r_squared_agree_with_statsmodels(default_results):
    frame = load_customers(default_results.data.path).frame
    full = smf.ols("CustomerValue ~ Recency + Frequency + MonetaryValue + C(Segment)", data=frame).fit()
    rfm = smf.ols("CustomerValue ~ Recency + Frequency + MonetaryValue", data=frame).fit()
    f, p, df_diff = full.compare_f_test(rfm)
    assert default_results.nested.f == pytest.approx(f, rel=1e-9)
    assert default_results.nested.df_num == df_diff == 3
    assert default_results.nested.delta_r_squared == pytest.approx(full.rsquared - rfm.rsquared, rel=1e-9)


def test_default_reference_is_low_value_else_the_largest_segment(fit_frame, tmp_path):
    frame = simulate_customers(600, seed=4)
    assert fit_frame(frame, tmp_path).reference == "Low Value"
    without_low = frame[frame.Segment != "Low Value"]
    largest = without_low.Segment.value_counts().idxmax()
    assert fit_frame(without_low, tmp_path).reference == largest


def test_reference_is_configurable_and_checked(fit_frame, tmp_path):
    frame = simulate_customers(600, seed=4)
    results = fit_frame(frame, tmp_path, reference="at risk")
    assert results.reference == "At Risk"
    assert "Segment[Low Value]" in set(results.coefficients.term)
    assert "Segment[At Risk]" not in set(results.coefficients.term)
    with pytest.raises(ModelSpecificationError, match="'Gold' is not in the data"):
        fit_frame(frame, tmp_path, reference="Gold")


def test_contrasts_cover_every_pair_with_holm_adjustment(default_results):
    contrasts = default_results.contrasts
    assert len(contrasts) == 6
    assert (contrasts.p_holm >= contrasts.p - 1e-15).all()
    # The smallest raw p is multiplied by the number of comparisons (Holm's first step).
    smallest = contrasts.p.idxmin()
    assert contrasts.loc[smallest, "p_holm"] == pytest.approx(min(1.0, 6 * contrasts.loc[smallest, "p"]))
    reported = default_results.reported
    high_vs_medium = contrasts[(contrasts.segment == "High Value") & (contrasts.versus == "Medium Value")].iloc[0]
    assert high_vs_medium.difference == pytest.approx(
        reported.loc["Segment[High Value]", "estimate"] - reported.loc["Segment[Medium Value]", "estimate"])
    high_vs_low = contrasts[(contrasts.segment == "High Value") & (contrasts.versus == "Low Value")].iloc[0]
    assert high_vs_low.std_error == pytest.approx(reported.loc["Segment[High Value]", "std_error"])


def test_hc3_is_reported_when_breusch_pagan_rejects(fit_frame, default_results, tmp_path):
    assert default_results.diagnostics.bp_p < 0.05
    assert default_results.se_type == SE_HC3
    assert default_results.reported["std_error"].to_numpy() == pytest.approx(
        default_results.coefficients["std_error_hc3"].to_numpy())
    # Constant-variance noise: Breusch-Pagan should not reject, and classical SEs are used.
    frame = simulate_customers(2000, seed=5)
    rng = np.random.default_rng(0)
    segment_effect = frame.Segment.map({"High Value": 150, "Medium Value": 45, "Low Value": 0, "At Risk": -35})
    frame["CustomerValue"] = (60 - 0.9 * frame.Recency + 24 * frame.Frequency + 2.2 * frame.MonetaryValue
                              + segment_effect + rng.normal(0, 100, len(frame))).round(2)
    homoskedastic = fit_frame(frame, tmp_path)
    assert homoskedastic.diagnostics.bp_p >= 0.05
    assert homoskedastic.se_type == SE_CLASSICAL


def test_misalignment_flags_follow_the_stated_rules(default_results):
    customers = default_results.customers
    q1, q3 = np.quantile(customers.rfm_prediction, [0.25, 0.75])
    expected = (((customers.Segment == "At Risk") & (customers.rfm_prediction > q3))
                | ((customers.Segment == "Low Value") & (customers.rfm_prediction > q3))
                | ((customers.Segment == "High Value") & (customers.rfm_prediction <= q1)))
    assert (customers.misaligned == expected).all()
    assert default_results.misaligned_count("At Risk") > 0
    assert (customers.loc[customers.misaligned, "misalignment"] != "").all()
    assert customers.fitted.to_numpy() + customers.residual.to_numpy() == pytest.approx(
        customers.CustomerValue.to_numpy())


def test_diagnostics_are_plausible_for_the_simulated_truth(default_results):
    diagnostics = default_results.diagnostics
    # The simulator draws R, F, M and labels with modest overlap: no severe collinearity.
    assert all(1 <= value < 5 for value in diagnostics.vif.values())
    assert diagnostics.vif_df["Segment"] == 3
    # Heavy-tailed (t, 5 df) noise must be detected as non-normal.
    assert diagnostics.normality_p < 0.05 and diagnostics.excess_kurtosis > 1
    assert diagnostics.n_influential == int((default_results.customers.cooks_distance > 4 / 5000).sum())
    assert 1 < diagnostics.condition_number < 30


def test_results_are_frozen(default_results):
    with pytest.raises(Exception):
        default_results.reference = "High Value"


def test_results_cache_reuses_and_never_serves_stale_data(tmp_path):
    data = tmp_path / "customers.csv"
    simulate_customers(400, seed=8).to_csv(data, index=False)
    first = load_results(data, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 1
    again = load_results(data, cache_dir=tmp_path / "cache")
    assert again.full.r_squared == first.full.r_squared
    simulate_customers(400, seed=9).to_csv(data, index=False)  # a refresh replaces the file
    refreshed = load_results(data, cache_dir=tmp_path / "cache")
    assert refreshed.data.sha256 != first.data.sha256
    assert refreshed.full.r_squared != first.full.r_squared


def test_fit_command_writes_the_json_contract(tmp_path, run_cli):
    out = tmp_path / "model.json"
    completed = run_cli("fit", "data/customers.csv", "--json", str(out))
    assert completed.returncode == 0, completed.stderr
    contract = json.loads(out.read_text())
    for key in ("n", "reference", "coefficients", "r_squared", "adj_r_squared", "sigma", "f", "f_p", "aic",
                "bic", "rfm_only_r_squared", "segment_f", "segment_f_p", "vif", "bp_stat", "bp_p"):
        assert key in contract
    assert [c["term"] for c in contract["coefficients"]] == [
        "Intercept", "Recency", "Frequency", "MonetaryValue",
        "Segment[High Value]", "Segment[Medium Value]", "Segment[At Risk]"]
    assert set(contract["coefficients"][0]) == {"term", "estimate", "std_error", "t", "p", "ci_low",
                                                "ci_high", "std_error_hc3"}
    assert set(contract["vif"]) == {"Recency", "Frequency", "MonetaryValue", "Segment"}


def test_fit_command_rejects_an_unknown_reference(tmp_path, run_cli):
    out = tmp_path / "model.json"
    completed = run_cli("fit", "data/customers.csv", "--reference", "Gold", "--json", str(out))
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr and "Gold" in completed.stderr
    assert not out.exists()


def test_simulate_command_is_reproducible(tmp_path, run_cli):
    for name in ("a.csv", "b.csv"):
        assert run_cli("simulate", "--n", "300", "--seed", "7", "--out", str(tmp_path / name)).returncode == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert load_customers(tmp_path / "a.csv").n_rows == 300


def test_simulate_is_the_documented_cohort(tmp_path, run_cli):
    """`simulate --n 5000` with the default seed is the documented fixture cohort, byte for byte.

    (The default data is now the simulated order log; tests/orders/test_default_data.py checks it.)
    """
    out = tmp_path / "regenerated.csv"
    assert run_cli("simulate", "--n", "5000", "--out", str(out)).returncode == 0
    write_simulated(tmp_path / "direct.csv", n=5000, seed=DEFAULT_SEED)
    assert out.read_bytes() == (tmp_path / "direct.csv").read_bytes()


def test_simulated_cohort_has_the_documented_quirks():
    frame = simulate_customers(20000, seed=1)
    at_risk = frame[frame.Segment == "At Risk"]
    high = frame[frame.Segment == "High Value"]
    # Some At Risk customers have High Value-like histories.
    assert (at_risk.Frequency >= high.Frequency.median()).mean() > 0.10
    # Some Medium Value customers order often with small baskets.
    medium = frame[frame.Segment == "Medium Value"]
    frequent_small = (medium.Frequency >= 10) & (medium.MonetaryValue <= 35)
    assert frequent_small.mean() > 0.10
    # Baskets are right-skewed.
    assert frame.MonetaryValue.mean() > frame.MonetaryValue.median()
    # Segments overlap: every label spans a wide range of RFM-predictable value.
    for level in ("High Value", "Low Value"):
        assert frame[frame.Segment == level].Frequency.between(3, 10).mean() > 0.25
