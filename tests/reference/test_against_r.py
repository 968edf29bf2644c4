"""The ``fit --json`` contract agrees with R on the committed data.

The fixture ``r_reference.json`` is written by ``make_r_reference.R`` (``lm``,
``summary``, ``confint``, ``sandwich::vcovHC(type = "HC3")``, ``car::vif``,
``lmtest::bptest``, ``anova(m0, m)``, ``AIC``, ``BIC``). Every contract field the
real command line writes must match it to a relative tolerance of 1e-6.

Tiny p-values: R's ``pt``/``pf``/``pchisq`` and scipy's ``stdtr``/``fdtrc``/``chdtrc``
(what ``scipy.stats``' t, F and chi-squared call) are different implementations, so p-values far out in the tail could in principle disagree in their
last digits. On the committed data they agree to about 1e-11 relative even at
p ~ 1e-201 (checked when this fixture was made), so no log-scale escape hatch is
needed and every p-value is held to the same 1e-6 as everything else. Values that
underflow to 0 on one side (p < ~1e-308) compare equal through the absolute floor.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.config import DEFAULT_DATA, ROOT

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "make_r_reference.R"
FIXTURE = HERE / "r_reference.json"
REGENERATE = ("Rscript tests/reference/make_r_reference.R data/customers.csv "
              "tests/reference/r_reference.json")

REL_TOL = 1e-6
# Below the smallest normal double a p-value is 0 for every practical purpose; this
# lets an underflowed 0 on one side match a denormal on the other.
ABS_FLOOR = 1e-300

CONTRACT_SCALARS = ("r_squared", "adj_r_squared", "sigma", "f", "f_p", "aic", "bic",
                    "rfm_only_r_squared", "segment_f", "segment_f_p", "bp_stat", "bp_p")
CONTRACT_FIELDS = {"n", "reference", "coefficients", "vif", *CONTRACT_SCALARS}
COEFFICIENT_FIELDS = ("estimate", "std_error", "t", "p", "ci_low", "ci_high", "std_error_hc3")
CONTRACT_TERMS = ["Intercept", "Recency", "Frequency", "MonetaryValue",
                  "Segment[High Value]", "Segment[Medium Value]", "Segment[At Risk]"]
VIF_TERMS = {"Recency", "Frequency", "MonetaryValue", "Segment"}


def close(ours: float, reference: float) -> bool:
    return math.isclose(ours, reference, rel_tol=REL_TOL, abs_tol=ABS_FLOOR)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stale_fixture_message(fixture: dict) -> str | None:
    if fixture.get("_data_sha256") == sha256(DEFAULT_DATA):
        return None
    return (f"tests/reference/r_reference.json was computed from a different {DEFAULT_DATA.name}; "
            f"the data changed since. Regenerate the R reference: {REGENERATE}")


@pytest.fixture(scope="module")
def reference() -> dict:
    """The committed R output; every comparison fails with the fix when the data moved on."""
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    message = stale_fixture_message(fixture)
    if message:
        pytest.fail(message)
    return fixture


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> dict:
    """The JSON the real command line writes for the committed data."""
    out = tmp_path_factory.mktemp("fit") / "model.json"
    completed = subprocess.run(
        [sys.executable, "-m", "analysis", "fit", str(DEFAULT_DATA), "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, f"fit failed:\n{completed.stderr}"
    return json.loads(out.read_text(encoding="utf-8"))


def test_fixture_was_made_from_the_current_data():
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert stale_fixture_message(fixture) is None, stale_fixture_message(fixture)


def test_fixture_holds_exactly_the_contract(reference):
    contract = {key for key in reference if not key.startswith("_")}
    assert contract == CONTRACT_FIELDS
    assert [row["term"] for row in reference["coefficients"]] == CONTRACT_TERMS
    assert set(reference["vif"]) == VIF_TERMS


def test_identity_fields_match_r(ours, reference):
    assert ours["n"] == reference["n"]
    assert ours["reference"] == reference["reference"]


def test_coefficients_match_r(ours, reference):
    # Same terms in the same order as R's model.matrix with treatment contrasts.
    assert [row["term"] for row in ours["coefficients"]] == [row["term"] for row in reference["coefficients"]]
    mismatches = [
        f"{expected['term']}.{field}: ours {got[field]!r}, R {expected[field]!r}"
        for got, expected in zip(ours["coefficients"], reference["coefficients"])
        for field in COEFFICIENT_FIELDS
        if not close(got[field], expected[field])
    ]
    assert not mismatches, "coefficients differ from R:\n" + "\n".join(mismatches)


def test_fit_statistics_and_tests_match_r(ours, reference):
    mismatches = [f"{key}: ours {ours[key]!r}, R {reference[key]!r}"
                  for key in CONTRACT_SCALARS if not close(ours[key], reference[key])]
    assert not mismatches, "model statistics differ from R:\n" + "\n".join(mismatches)


def test_vif_matches_car(ours, reference):
    assert set(ours["vif"]) == set(reference["vif"])
    mismatches = [f"vif[{term}]: ours {ours['vif'][term]!r}, car::vif {value!r}"
                  for term, value in reference["vif"].items() if not close(ours["vif"][term], value)]
    assert not mismatches, "GVIF differs from car::vif:\n" + "\n".join(mismatches)


def test_tolerance_rejects_a_real_difference(reference):
    """The comparison is not vacuous: a 1e-5 relative error in any value is caught."""
    estimate = reference["coefficients"][1]["estimate"]
    assert close(estimate * (1 + 1e-9), estimate)
    assert not close(estimate * (1 + 1e-5), estimate)
    assert not close(1e-140, 2e-140)  # tiny p-values are held to the relative tolerance too


def test_r_script_reproduces_the_committed_fixture(tmp_path, reference):
    """The fixture provably came from the committed script and data."""
    if shutil.which("Rscript") is None:
        if os.environ.get("CI"):
            pytest.fail("Rscript is not installed on CI; install r-base-core r-cran-sandwich "
                        "r-cran-car r-cran-lmtest r-cran-jsonlite (make system-deps)")
        pytest.skip("Rscript not installed (apt-get install r-base-core r-cran-sandwich "
                    "r-cran-car r-cran-lmtest r-cran-jsonlite)")
    out = tmp_path / "r_reference.json"
    completed = subprocess.run(["Rscript", str(SCRIPT), str(DEFAULT_DATA), str(out)],
                               cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, f"make_r_reference.R failed:\n{completed.stderr}"
    regenerated = json.loads(out.read_text(encoding="utf-8"))
    # Versions may differ on another machine; the numbers may not.
    numbers = {key: value for key, value in regenerated.items() if not key.startswith("_")}
    committed = {key: value for key, value in reference.items() if not key.startswith("_")}
    assert regenerated["_data_sha256"] == reference["_data_sha256"], f"Regenerate: {REGENERATE}"
    assert numbers.keys() == committed.keys()
    assert [row["term"] for row in numbers["coefficients"]] == [row["term"] for row in committed["coefficients"]]
    assert numbers["n"] == committed["n"] and numbers["reference"] == committed["reference"]
    for got, expected in zip(numbers["coefficients"], committed["coefficients"]):
        for field in COEFFICIENT_FIELDS:
            assert close(got[field], expected[field]), f"{expected['term']}.{field}; regenerate: {REGENERATE}"
    for key in CONTRACT_SCALARS:
        assert close(numbers[key], committed[key]), f"{key}; regenerate: {REGENERATE}"
    for term, value in committed["vif"].items():
        assert close(numbers["vif"][term], value), f"vif[{term}]; regenerate: {REGENERATE}"
