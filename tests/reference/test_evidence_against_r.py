"""analysis/evidence against R (tests/reference/make_r_evidence.R -> r_evidence.json), 1e-6 relative.

The median regression is the one exception by necessity: on this table ``quantreg::rq``
warns "Solution may be nonunique", so two optimal vertices may differ. The test checks
that ours is optimal (the same check loss as R's) and checks the kernel sandwich and the
average effects at R's coefficients.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.evidence.covariance import quantreg_kernel
from analysis.evidence.influence import cooks_distance
from analysis.evidence.margins import average_effects, marginal_means
from analysis.evidence.segment_value import segment_value
from analysis.evidence.specification import check_specification
from analysis.evidence.claims import labels_wald
from analysis.evidence.spline import NaturalSplineBasis
from analysis.evidence.fit_specs import fit_spec
from analysis.evidence.specs import MODEL_SPECS, SPECS_BY_NAME

HERE = Path(__file__).parent
R = json.loads((HERE / "r_evidence.json").read_text())
FRAME = pd.read_csv(HERE / "evidence_customers.csv")
REF = R["reference"]
RTOL = 1e-6


def close(ours, theirs, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(theirs, float), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def fits():
    return {s.name: fit_spec(s, FRAME, REF) for s in MODEL_SPECS}


def test_spline_basis_matches_ns():
    basis = NaturalSplineBasis.from_sample(FRAME["Recency"].to_numpy(float), 3)
    close(basis.interior, R["spline"]["knots"])
    close(basis.boundary, R["spline"]["boundary"])
    close(basis.evaluate(np.array(R["spline"]["x"])), R["spline"]["basis"], atol=1e-12)


@pytest.mark.parametrize("name", ["linear", "fxm", "flexible", "loglinear", "gamma_log"])
def test_coefficients_covariance_fit(fits, name):
    ours, theirs = fits[name], R["models"][name]
    close(ours.params, theirs["coef"])
    # Elementwise 1e-6 relative, with near-zero off-diagonal terms judged at 1e-6 of the
    # matrix scale (R's glm stops ~1e-7 short of full convergence on the Gamma fit).
    close(ours.cov, theirs["vcov"], atol=1e-6 * np.abs(theirs["vcov"]).max())
    close(ours.extra["aic"], theirs["aic"])
    close(ours.fitted[:10], theirs["fitted_head"])
    y = FRAME["CustomerValue"].to_numpy(float)
    close(1 - ((y - ours.fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum(), theirs["r_squared"])
    if name == "loglinear":
        close(ours.smearing, theirs["smearing"])


@pytest.mark.parametrize("name", ["linear", "fxm", "flexible", "loglinear", "gamma_log"])
def test_average_effects(fits, name):
    effects = average_effects(fits[name], FRAME)
    for term, ref in R["models"][name]["ame"].items():
        close(effects[term].estimate, ref["estimate"], rtol=1e-6)
        close(effects[term].se, ref["se"], rtol=1e-6)


def test_median_is_optimal_and_sandwich_matches(fits):
    ours = fits["median"]
    x = ours.design(FRAME)
    y = FRAME["CustomerValue"].to_numpy(float)
    r_beta = np.array(R["models"]["median"]["coef"])
    close(np.abs(y - x @ ours.params.to_numpy()).sum(), np.abs(y - x @ r_beta).sum(), rtol=1e-9)
    close(quantreg_kernel(x, y - x @ r_beta), R["models"]["median"]["vcov"])
    at_r = dataclasses.replace(ours, params=pd.Series(r_beta, index=ours.params.index),
                               cov=quantreg_kernel(x, y - x @ r_beta))
    effects = average_effects(at_r, FRAME)
    for term, ref in R["models"]["median"]["ame"].items():
        close([effects[term].estimate, effects[term].se], [ref["estimate"], ref["se"]])


def test_specification_checks(fits):
    c = check_specification(FRAME, REF, fits["linear"])
    r = R["specification"]
    close([c.reset.stat, c.reset.p], [r["reset"]["f"], r["reset"]["p"]])
    for key in ("segment_interactions", "frequency_x_monetary", "recency_spline"):
        t = getattr(c, key)
        close([t.stat, t.p], [r[key]["stat"], r[key]["p"]])
    close([c.recency_spline.classical_f, c.recency_spline.classical_p],
          [r["recency_spline"]["nested_f"], r["recency_spline"]["nested_p"]])
    close(c.negative_fitted_share, r["negative_fitted_share"])
    for seg, share in r["segment_overlap"].items():
        close(c.segment_overlap[seg], share, atol=1e-12)
        close(c.segment_range_overlap[seg], r["segment_range_overlap"][seg], atol=1e-12)


def test_segment_value_and_emmeans(fits):
    rows, means = segment_value(FRAME, REF, fits["linear"])
    for row in rows:
        ref = R["segment_value"][row.segment]
        close([row.mean_residual.estimate, row.mean_residual.ci_low, row.mean_residual.ci_high],
              [ref["mean"], ref["low"], ref["high"]], atol=1e-9)
    for name in ("linear", "fxm"):
        m = marginal_means(fits[name], FRAME)
        r = R["emmeans"][name]
        for seg in r["emmean"]:
            close([m.means[seg].estimate, m.means[seg].se], [r["emmean"][seg], r["se"][seg]])
        levels = fits[name].basis.levels
        close([m.contrasts[s].estimate for s in levels], r["contrast"])
        close([m.contrasts[s].se for s in levels], r["contrast_se"])


def test_cooks_distance_and_labels_wald(fits):
    d = cooks_distance(fits["linear"], FRAME)
    order = np.argsort(-d)[:5]
    assert order.tolist() == R["cooks_order"]
    close(d[order], R["cooks_top"])
    close(labels_wald(fits["linear"])[0], R["labels_wald"]["linear"])


def test_build_evidence_path_matches_r_too():
    """build_evidence turns Segment into a categorical; its fast path must give R's numbers."""
    from analysis.evidence.build import build_evidence
    ev = build_evidence(FRAME, REF)
    for name in ("linear", "flexible", "gamma_log"):
        for term, ref in R["models"][name]["ame"].items():
            close([ev.effects[name][term].estimate, ev.effects[name][term].se], [ref["estimate"], ref["se"]])
    close(ev.specification.reset.stat, R["specification"]["reset"]["f"])


def _need_rscript():
    import os
    import shutil
    if shutil.which("Rscript") is None:
        if os.environ.get("CI"):
            pytest.fail("Rscript is not installed on CI; install r-base-core r-cran-lmtest r-cran-sandwich "
                        "r-cran-quantreg r-cran-emmeans r-cran-jsonlite (make system-deps)")
        pytest.skip("Rscript not installed (make system-deps)")


def _numbers(tree, path=""):
    """Flatten a JSON tree to {path: number} (strings and bools are compared exactly)."""
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _numbers(sub, f"{path}/{key}").items()}
    if isinstance(tree, list):
        return {k: v for i, sub in enumerate(tree) for k, v in _numbers(sub, f"{path}[{i}]").items()}
    return {path: tree}


def test_r_script_reproduces_the_committed_fixture(tmp_path):
    """The fixture provably came from the committed script and table."""
    import subprocess
    _need_rscript()
    out = tmp_path / "r_evidence.json"
    done = subprocess.run(["Rscript", str(HERE / "make_r_evidence.R"), str(out)], cwd=HERE.parents[1],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    got, want = _numbers(json.loads(out.read_text())), _numbers(R)
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-300), key
        else:
            assert got[key] == value, key


def test_fixture_table_is_reproducible(tmp_path):
    """evidence_customers.csv is what make_evidence_table.py derives from the order log."""
    import subprocess
    import sys
    out = tmp_path / "customers.csv"
    done = subprocess.run([sys.executable, str(HERE / "make_evidence_table.py"), str(out)],
                          cwd=HERE.parents[1], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (HERE / "evidence_customers.csv").read_bytes()


def test_tolerance_rejects_a_real_difference():
    value = R["models"]["linear"]["ame"]["Recency"]["estimate"]
    close(value * (1 + 1e-9), value)
    with pytest.raises(AssertionError):
        close(value * (1 + 1e-5), value)
