"""The page that reads the previous model must tell the renderer, or its cached text goes stale.

The renderer re-executes a page for a new previous model only if the page
recorded reading it (renderer.dependencies.record_input). This fails until the
code that reads ``$REPORT_PREVIOUS_MODEL`` makes that call (see the rpdf notes).
"""
from __future__ import annotations

from analysis.io.previous_model import read_previous_model
from analysis.io.previous_model import PREVIOUS_MODEL_ENV_VAR, PREVIOUS_MODEL_INPUT
from renderer.dependencies import INPUTS_FILE_ENV_VAR, recorded_inputs


def test_reading_the_previous_model_records_it(tmp_path, monkeypatch):
    record = tmp_path / "inputs.txt"
    monkeypatch.setenv(INPUTS_FILE_ENV_VAR, str(record))
    monkeypatch.setenv(PREVIOUS_MODEL_ENV_VAR, str(tmp_path / "missing-model.json"))
    read_previous_model()
    assert recorded_inputs(record) == [PREVIOUS_MODEL_INPUT]
