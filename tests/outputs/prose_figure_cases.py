"""Real results objects whose fitted numbers exercise every prose rule and figure branch.

Each case starts from a simulated table, changes CustomerValue (or a predictor)
in a documented way, writes it to CSV and fits it through the data contract, as
a user's file would be. Nothing is faked: the signs and intervals the tests
check come from real fits, and each builder below says which rule it targets.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import load_customers
from analysis.model import fit_model
from analysis.results import ModelResults, segment_term
from analysis.simulate import TRUE_COEFFICIENTS, simulate_customers


def fit_frame(frame: pd.DataFrame, folder: Path, name: str = "customers.csv",
              reference: str | None = None) -> ModelResults:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    frame.to_csv(path, index=False)
    return fit_model(load_customers(path), reference=reference)


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
