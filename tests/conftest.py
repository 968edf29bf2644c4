"""Fixtures shared by every test folder: real fits of real files, and the report built once.

Case builders live here as fixtures. Each case starts from a simulated table,
changes CustomerValue (or a predictor) in a documented way, writes it to CSV and
fits it through the data contract, as a user's file would be. Nothing is faked:
the signs and intervals the tests check come from real fits, and each builder
says which rule it targets.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data import load_customers
from analysis.data.simulate import TRUE_COEFFICIENTS, simulate_customers
from analysis.model import fit_model, load_results
from analysis.model.results import SE_CLASSICAL, ModelResults, segment_term

REPO = Path(__file__).resolve().parents[1]


# --- the real report --------------------------------------------------------------------------

def _render(out: Path, *extra: str) -> subprocess.CompletedProcess:
    """The report's main command, as the README's `make report` runs it."""
    return subprocess.run([sys.executable, "-m", "analysis", "render", "--out", str(out), "--engine", "builtin",
                           *extra], cwd=REPO, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="session")
def render_report():
    """Run the main command into a given folder, with extra arguments."""
    return _render


@pytest.fixture(scope="session")
def report_build(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The real report on the default data: (site folder, the completed command)."""
    out = tmp_path_factory.mktemp("report") / "site"
    completed = _render(out)
    assert completed.returncode == 0, f"report build failed:\n{completed.stderr[-5000:]}"
    return out, completed


@pytest.fixture(scope="session")
def report_site(report_build) -> Path:
    return report_build[0]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (``tests/renderer/chromium_cdp.py``); mark users ``needs_chromium``."""
    from chromium_cdp import Chromium

    with Chromium() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def results() -> ModelResults:
    """The report's own fitted model on ``data/customers.csv`` (cached after the first fit)."""
    return load_results()


# --- files and commands -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def simulated_results(tmp_path_factory) -> ModelResults:
    """The fit of the cohort with a known linear truth (``simulate --n 5000``, default seed).

    Prose rules are checked in both directions; this is the case where the labels and
    the basket carry clear value, as the simulator's documented truth says.
    """
    from analysis.data import load_customers
    from analysis.data.simulate import DEFAULT_SEED, write_simulated
    from analysis.model import fit_model

    path = tmp_path_factory.mktemp("simulated") / "customers.csv"
    write_simulated(path, n=5000, seed=DEFAULT_SEED)
    return fit_model(load_customers(path))


@pytest.fixture
def valid_frame() -> pd.DataFrame:
    """200 simulated customers: comfortably above every size rule."""
    return simulate_customers(200, seed=3)


@pytest.fixture
def write_csv(tmp_path):
    def write(frame: pd.DataFrame, name: str = "customers.csv", **kwargs) -> Path:
        path = tmp_path / name
        frame.to_csv(path, index=False, **kwargs)
        return path

    return write


@pytest.fixture
def run_cli():
    """The real command line, as a user runs it."""
    def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=cwd,
                              capture_output=True, text=True, timeout=300)

    return run


def _fit_frame(frame: pd.DataFrame, folder: Path, name: str = "customers.csv",
               reference: str | None = None) -> ModelResults:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    frame.to_csv(path, index=False)
    return fit_model(load_customers(path), reference=reference)


@pytest.fixture(scope="session")
def fit_frame():
    """``fit_frame(frame, folder, name=..., reference=...)``: write ``frame`` as CSV and fit it."""
    return _fit_frame


# --- case frames: each targets one rule -------------------------------------------------------

def _dummy(frame: pd.DataFrame, level: str) -> np.ndarray:
    return (frame["Segment"] == level).to_numpy(dtype=float)


def reversed_frame(n: int = 3000, seed: int = 21) -> pd.DataFrame:
    """Frequency's and the High Value label's true effects flipped: both come out negative."""
    frame = simulate_customers(n, seed=seed)
    frame["CustomerValue"] = np.round(
        frame["CustomerValue"] - 2 * TRUE_COEFFICIENTS["Frequency"] * frame["Frequency"]
        - 2 * TRUE_COEFFICIENTS[segment_term("High Value")] * _dummy(frame, "High Value"), 2)
    return frame


def null_frame(n: int = 3000, seed: int = 22) -> pd.DataFrame:
    """No true basket, Medium Value or High Value effect: their intervals should span zero."""
    frame = simulate_customers(n, seed=seed)
    frame["CustomerValue"] = np.round(
        frame["CustomerValue"] - TRUE_COEFFICIENTS["MonetaryValue"] * frame["MonetaryValue"]
        - TRUE_COEFFICIENTS[segment_term("Medium Value")] * _dummy(frame, "Medium Value")
        - TRUE_COEFFICIENTS[segment_term("High Value")] * _dummy(frame, "High Value"), 2)
    return frame


def homoskedastic_frame(n: int = 600, seed: int = 6, noise_sd: float = 60.0,
                        segment_effects: bool = True, overrides: dict[str, float] | None = None) -> pd.DataFrame:
    """Constant-variance normal noise, so Breusch–Pagan should not reject (classical SEs).

    With ``segment_effects=False`` the labels carry no value beyond RFM, so the
    nested F-test should not reject either. ``overrides`` replaces true coefficients
    by term name, e.g. ``{"Segment[Medium Value]": 0.0}``.
    """
    frame = simulate_customers(n, seed=seed)
    beta = dict(TRUE_COEFFICIENTS, **(overrides or {}))
    expected = (beta["Intercept"] + beta["Recency"] * frame["Recency"] + beta["Frequency"] * frame["Frequency"]
                + beta["MonetaryValue"] * frame["MonetaryValue"])
    if segment_effects:
        for level in frame["Segment"].unique():
            expected = expected + beta.get(segment_term(level), 0.0) * _dummy(frame, level)
    noise = np.random.default_rng(seed).normal(0.0, noise_sd, n)
    frame["CustomerValue"] = np.round(expected + noise, 2)
    return frame


def small_segment_frame(n: int = 2000, seed: int = 23, at_risk: int = 40) -> pd.DataFrame:
    """Only ``at_risk`` At Risk customers: the small-segment caveat must fire."""
    frame = simulate_customers(n, seed=seed)
    at_risk_rows = frame.index[frame["Segment"] == "At Risk"]
    return frame.drop(at_risk_rows[at_risk:]).reset_index(drop=True)


def collinear_frame(n: int = 2000, seed: int = 24) -> pd.DataFrame:
    """Average basket almost a multiple of frequency: the collinearity caveat must fire."""
    frame = simulate_customers(n, seed=seed)
    jitter = np.random.default_rng(seed).normal(0.0, 0.5, n)
    frame["MonetaryValue"] = np.round(np.abs(5 * frame["Frequency"] + 20 + jitter), 2)
    return frame


def influential_frame(n: int = 400, seed: int = 25) -> pd.DataFrame:
    """One customer with an extreme order count and a value far off the line: Cook's D > 1."""
    frame = simulate_customers(n, seed=seed)
    frame.loc[0, ["Frequency", "CustomerValue"]] = [400, -20000.0]
    return frame


def no_at_risk_frame(n: int = 1500, seed: int = 26) -> pd.DataFrame:
    frame = simulate_customers(n, seed=seed)
    return frame[frame["Segment"] != "At Risk"].reset_index(drop=True)


# Free-text IDs: spreadsheet formulas first, then HTML that must stay text.
FORMULA_IDS = ('=HYPERLINK("http://evil.example","click")', "+1+1", "@SUM(A1:A9)", "-2+3")


def hostile_id_frame(n: int = 400, seed: int = 7) -> pd.DataFrame:
    frame = simulate_customers(n, seed=seed)
    ids = [f"<img src=x onerror=alert({i})>" for i in range(n)]
    ids[: len(FORMULA_IDS)] = FORMULA_IDS
    frame["CustomerID"] = ids
    return frame


# --- case results: fitted once per session ----------------------------------------------------

@pytest.fixture(scope="session")
def formula_ids() -> tuple[str, ...]:
    """The spreadsheet formulas planted as IDs in :func:`hostile_results`."""
    return FORMULA_IDS


def _fitted_case(folder: str, build_frame: Callable[[], pd.DataFrame], doc: str,
                 reference: str | None = None):
    """A session fixture: ``build_frame()`` written as CSV in a fresh ``folder`` and fitted once."""
    def fitted(tmp_path_factory) -> ModelResults:
        return _fit_frame(build_frame(), tmp_path_factory.mktemp(folder), reference=reference)

    fitted.__doc__ = doc
    return pytest.fixture(scope="session")(fitted)


hostile_results = _fitted_case("hostile", hostile_id_frame, "Spreadsheet formulas and HTML payloads as IDs.")


@pytest.fixture(scope="session")
def classical_results(tmp_path_factory) -> ModelResults:
    """Constant-variance noise and no Medium Value effect: classical SEs, and both p formats.

    Breusch–Pagan should not reject here, and the zero Medium Value effect gives a
    p-value that is not tiny, so ``p = 0.xxx`` and ``p < 0.001`` both appear.
    """
    r = _fit_frame(homoskedastic_frame(overrides={segment_term("Medium Value"): 0.0}),
                   tmp_path_factory.mktemp("classical"))
    if r.se_type != SE_CLASSICAL:
        pytest.fail(f"the homoskedastic case should report classical SEs (BP p = {r.diagnostics.bp_p})")
    return r


@pytest.fixture(scope="session")
def reversed_results(tmp_path_factory) -> ModelResults:
    r = _fit_frame(reversed_frame(), tmp_path_factory.mktemp("reversed"))
    if not r.coefficient("Frequency").ci_high < 0 or not r.coefficient(segment_term("High Value")).ci_high < 0:
        pytest.fail("the reversed case should give a clearly negative Frequency and High Value effect")
    return r


@pytest.fixture(scope="session")
def null_results(tmp_path_factory) -> ModelResults:
    r = _fit_frame(null_frame(), tmp_path_factory.mktemp("null"))
    for term in ("MonetaryValue", segment_term("High Value"), segment_term("Medium Value")):
        row = r.coefficient(term)
        if not row.ci_low < 0 < row.ci_high:
            pytest.fail(f"the null case should leave {term}'s CI spanning zero, got {row.ci_low}..{row.ci_high}")
    return r


@pytest.fixture(scope="session")
def unlabelled_results(tmp_path_factory) -> ModelResults:
    """Labels carry no value beyond RFM: the nested F-test should not reject."""
    r = _fit_frame(homoskedastic_frame(segment_effects=False), tmp_path_factory.mktemp("unlabelled"))
    if r.nested.p < r.alpha:
        pytest.fail(f"labels without effect should not be significant (p = {r.nested.p})")
    return r


small_results = _fitted_case("small", small_segment_frame, "40 At Risk customers: the small-segment caveat.")
collinear_results = _fitted_case("collinear", collinear_frame, "Basket almost a multiple of frequency: collinearity.")
influential_results = _fitted_case("influential", influential_frame, "One customer with Cook's distance above 1.")
no_at_risk_results = _fitted_case("no_at_risk", no_at_risk_frame, "No At Risk customers at all.")
at_risk_reference = _fitted_case("at_risk_ref", lambda: reversed_frame(n=1500, seed=27),
                                 "Reversed effects with At Risk as the reference segment.", reference="At Risk")
