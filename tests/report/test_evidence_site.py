"""The built site flags the misspecification on a planted F x M table and stays quiet on a linear truth.

Two extra site builds (the suite's only ones for issues 10/11): a ``simulate`` table with a
Frequency x MonetaryValue truth planted into CustomerValue, and a plain ``simulate`` table.
The model and diagnostics pages are read as text, as a reader sees them.
"""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

from analysis.data.simulate import simulate_customers


def _text(page) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def _build(render_report, tmp_path_factory, frame, name):
    folder = tmp_path_factory.mktemp(name)
    data = folder / "customers.csv"
    frame.to_csv(data, index=False)
    out = folder / "site"
    completed = render_report(out, "--data", str(data))
    assert completed.returncode == 0, completed.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def planted_site(render_report, tmp_path_factory):
    frame = simulate_customers(2000, seed=5)
    rng = np.random.default_rng(5)
    frame["CustomerValue"] = (0.3 * frame["Frequency"] * frame["MonetaryValue"]
                              + rng.normal(0, 20, len(frame))).round(2)
    return _build(render_report, tmp_path_factory, frame, "planted")


@pytest.fixture(scope="module")
def linear_site(render_report, tmp_path_factory):
    return _build(render_report, tmp_path_factory, simulate_customers(2000, seed=3), "linear")


@pytest.mark.parametrize("page", ["model", "diagnostics"])
def test_planted_fxm_is_flagged_in_words(planted_site, page):
    text = _text(planted_site / "chapters" / f"{page}.html")
    assert "The straight-line model is misspecified on these data." in text
    assert "Frequency and MonetaryValue interact" in text
    assert "None of the checks fires" not in text


@pytest.mark.parametrize("page", ["model", "diagnostics"])
def test_linear_truth_fires_no_alarm(linear_site, page):
    text = _text(linear_site / "chapters" / f"{page}.html")
    assert "None of the checks fires" in text
    assert "misspecified" not in text


def test_prediction_page_and_model_json(linear_site):
    import json
    text = _text(linear_site / "chapters" / "prediction.html")
    assert "Out-of-sample fit" in text and "randomised holdout" in text
    contract = json.loads((linear_site / "downloads" / "model.json").read_text())
    for key in ("specification", "models", "claims", "validation", "gains", "best_model", "prediction_intervals"):
        assert key in contract
    assert contract["best_model"] in contract["models"] and "linear" in contract["validation"]["models"]
    assert 0.75 <= contract["prediction_intervals"]["coverage_out_of_fold"] <= 0.85
