"""Helpers for the table tests: the builders, reading what a cell displays, relabelling results.

``displayed_number`` turns a cell back into the number it shows, so a test can
compare a cell with the results at the precision the cell displays.
``relabel_segment`` swaps in segment labels that the data contract would reject
(HTML, quotes), to check that every renderer escapes them.
"""
from __future__ import annotations

import dataclasses
import re

from analysis import tables
from analysis.model.results import ModelResults, segment_term
from analysis.model.targeting import build_targeting

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_ATTRIBUTE = '"><script>alert(2)</script>'

# The report's tables built from results alone (diagnostic_checks has no segment rows).
TABLE_BUILDERS = {
    "coefficients": tables.coefficients,
    "model_fit": tables.model_fit,
    "segment_effects": tables.segment_effects,
    "misaligned_customers": tables.misaligned_customers,
    "misaligned_counts": tables.misaligned_counts,
    "segment_profile": tables.segment_profile,
    "target_lists": lambda results: tables.target_lists(results, build_targeting(results)),
}


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
        misalignment_rules=tuple(dataclasses.replace(rule, segment=rename(rule.segment))
                                 for rule in results.misalignment_rules))


def displayed_number(text: str) -> float:
    """The number a cell shows: ``-$1,234.50`` → -1234.5, ``17.8%`` → 17.8, ``<0.001`` → 0.0005."""
    text = text.strip()
    if text.startswith("<"):
        return float(text[1:]) / 2
    return float(text.replace("$", "").replace(",", "").replace("%", ""))


def decimals_shown(text: str) -> int:
    digits = text.replace("%", "").replace(",", "")
    return len(digits.split(".")[1]) if "." in digits else 0
