"""The choice, coverage and circularity sentences follow their numbers both ways."""
from __future__ import annotations

import dataclasses

import pandas as pd

from analysis.evidence.intervals import PredictionIntervals
from analysis.evidence.selection import BestModel
from analysis.evidence.validation_notes import (best_model_sentence, circularity_sentence,
                                                coverage_sentence, uplift_caveat)

LINEAR = BestModel("linear", "Linear (the brief)", "median", 161.97, 1.06, 163.03,
                   ("linear", "median"), 161.99, 161.99, True)
FLEXIBLE = BestModel("flexible", "Spline + interactions", "flexible", 2619.92, 62.74, 2682.67,
                     ("flexible",), 2738.39, 2619.92, False)


def test_best_model_sentence_both_ways():
    text = best_model_sentence(LINEAR)
    assert text.endswith("That is the brief's linear model itself.") and "$161.99" in text
    text = best_model_sentence(FLEXIBLE)
    assert "spline + interactions model" in text and "($2,738.39) is outside that band" in text
    assert "$62.74" in text and "interpreted first" in text


def _intervals(coverage):
    empty = pd.DataFrame()
    return PredictionIntervals("linear", 0.8, "m", 100.0, coverage, empty, empty, empty, None)


def test_coverage_sentence_on_and_off_target():
    assert coverage_sentence(_intervals(0.795)).endswith("That is on target.")
    assert "too narrow" in coverage_sentence(_intervals(0.70))
    assert "too wide" in coverage_sentence(_intervals(0.90))
    assert "79.5%" in coverage_sentence(_intervals(0.795))


def test_circularity_sentence_threshold():
    assert circularity_sentence(0.899) is None
    assert "99.9%" in circularity_sentence(0.999)


def test_no_sentence_says_lean_on():
    for text in (best_model_sentence(LINEAR), best_model_sentence(FLEXIBLE), uplift_caveat(),
                 coverage_sentence(_intervals(0.8))):
        assert "lean on" not in text.lower()
