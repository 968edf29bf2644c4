"""Real results objects for edge cases of the tables and downloads tests.

Each case is fitted from a simulated table written to CSV and loaded through the
data contract, as a user's file would be; only segment labels that the data
contract would reject are swapped in afterwards (``relabel_segment``).
"""
from __future__ import annotations

import dataclasses
import re

import pandas as pd

from analysis.results import ModelResults, segment_term
from analysis.simulate import simulate_customers

import prose_figure_cases
from prose_figure_cases import fit_frame  # noqa: F401  (re-exported for the tables tests)

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_ATTRIBUTE = '"><script>alert(2)</script>'
FORMULA_IDS = ('=HYPERLINK("http://evil.example","click")', "+1+1", "@SUM(A1:A9)", "-2+3")


def homoskedastic_frame(n: int = 600, seed: int = 6, noise_sd: float = 60.0) -> pd.DataFrame:
    """Constant-variance normal noise and no Medium Value effect.

    Breusch–Pagan should not reject here, and the zero Medium Value effect gives
    a p-value that is not tiny, so both p formats appear.
    """
    return prose_figure_cases.homoskedastic_frame(n, seed, noise_sd,
                                                  overrides={segment_term("Medium Value"): 0.0})


def hostile_id_frame(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """IDs are free text: spreadsheet formulas first, then HTML that must stay text."""
    frame = simulate_customers(n, seed=seed)
    ids = [f"<img src=x onerror=alert({i})>" for i in range(n)]
    ids[: len(FORMULA_IDS)] = FORMULA_IDS
    frame["CustomerID"] = ids
    return frame


def relabel_segment(results: ModelResults, old: str, new: str) -> ModelResults:
    """The same fitted results with one segment label renamed everywhere it appears."""
    def rename(value: str) -> str:
        return new if value == old else value

    coefficients = results.coefficients.copy()
    coefficients["term"] = coefficients["term"].replace(segment_term(old), segment_term(new))
    contrasts = results.contrasts.copy()
    for column in ("segment", "versus"):
        contrasts[column] = contrasts[column].map(rename)
    customers = results.customers.copy()
    customers["Segment"] = customers["Segment"].map(rename)
    customers["misalignment"] = customers["misalignment"].str.replace(
        rf"^{re.escape(old)},", f"{new},", regex=True)
    return dataclasses.replace(
        results, levels=tuple(rename(level) for level in results.levels), reference=rename(results.reference),
        segment_counts={rename(level): count for level, count in results.segment_counts.items()},
        coefficients=coefficients, contrasts=contrasts, customers=customers,
        misalignment_rules=tuple(rule.replace(f"{old} label", f"{new} label") for rule in results.misalignment_rules))


def displayed_number(text: str) -> float:
    """The number a cell shows: ``-$1,234.50`` → -1234.5, ``17.8%`` → 17.8, ``<0.001`` → 0.0005."""
    text = text.strip()
    if text.startswith("<"):
        return float(text[1:]) / 2
    return float(text.replace("$", "").replace(",", "").replace("%", ""))


def decimals_shown(text: str) -> int:
    digits = text.replace("%", "").replace(",", "")
    return len(digits.split(".")[1]) if "." in digits else 0
