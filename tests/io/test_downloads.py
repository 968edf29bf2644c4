"""The downloadable files: contents, formula neutralisation, all-or-nothing writes."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from analysis.io.downloads import (CUSTOMER_SCORE_COLUMNS, DOWNLOAD_FILES, neutralise_formula, neutralise_text_columns,
                                write_downloads)
from analysis.errors import AnalysisError
from analysis.io.export import model_contract


@pytest.fixture(scope="module")
def hostile(hostile_results):
    return hostile_results


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'])
def test_text_that_a_spreadsheet_would_run_is_quoted(cell):
    assert neutralise_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["C0001", "High Value", "", "a=b", -12.5, 3, True, None])
def test_everything_else_is_left_alone(cell):
    assert neutralise_formula(cell) is cell


def test_downloads_write_all_three_files(results, tmp_path):
    written = write_downloads(results, tmp_path / "downloads")
    assert sorted(written) == sorted(DOWNLOAD_FILES)
    assert sorted(p.name for p in (tmp_path / "downloads").iterdir()) == sorted(DOWNLOAD_FILES)


def test_model_json_is_the_core_contract(results, tmp_path):
    write_downloads(results, tmp_path)
    on_disk = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(model_contract(results)))
    assert on_disk["n"] == results.n and on_disk["reference"] == results.reference


def test_coefficients_csv_carries_the_reported_inference_as_numbers(results, tmp_path):
    write_downloads(results, tmp_path)
    frame = pd.read_csv(tmp_path / "coefficients.csv")
    assert frame["term"].to_list() == results.coefficients["term"].to_list()
    for column in ("estimate", "std_error", "ci_low", "ci_high", "t", "p", "std_error_hc3"):
        assert pd.api.types.is_float_dtype(frame[column]), column
        np.testing.assert_allclose(frame[column], results.reported[column].to_numpy(dtype=float)
                                   if column in results.reported else results.coefficients[column], rtol=1e-12)
    assert set(frame["se_type"]) == {results.se_type}
    assert (frame["estimate"] < 0).any(), "a negative estimate must come back as a negative number"


def test_customer_scores_quote_formulas_and_keep_numbers_numeric(hostile, formula_ids, tmp_path):
    write_downloads(hostile, tmp_path)
    scores = pd.read_csv(tmp_path / "customer_scores.csv", keep_default_na=False)
    assert tuple(scores.columns) == CUSTOMER_SCORE_COLUMNS
    ids = scores["CustomerID"].to_list()
    for formula in formula_ids:
        assert "'" + formula in ids and formula not in ids
    assert not any(str(cell).startswith(("=", "+", "-", "@")) for column in ("CustomerID", "Segment", "misalignment")
                   for cell in scores[column])
    for column in ("fitted", "rfm_prediction", "residual"):
        assert pd.api.types.is_float_dtype(scores[column]), column
        np.testing.assert_allclose(scores[column], hostile.customers[column], rtol=1e-12, atol=1e-9)
    assert (scores["residual"] < 0).sum() == (hostile.customers["residual"] < 0).sum() > 0
    assert scores["misaligned"].sum() == hostile.misaligned_count()


def test_a_failed_write_leaves_the_existing_downloads_untouched(results, hostile, tmp_path):
    folder = tmp_path / "downloads"
    write_downloads(hostile, folder)  # another model, so any file rewritten from `results` would differ
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    broken = dataclasses.replace(results, customers=results.customers.drop(columns=["rfm_prediction"]))
    # customer_scores.csv is written last, so the other two were complete when this fails.
    with pytest.raises(AnalysisError, match="rfm_prediction"):
        write_downloads(broken, folder)
    after = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert after == before, "no file may change and no temporary file may remain"


def test_extra_sections_and_files_join_the_set_and_stamp_the_downloads(results, tmp_path):
    from analysis.io.downloads import downloads_current

    section = {"cache_key": "abc", "bgnbd": {"r": 0.5}}
    written = write_downloads(results, tmp_path, extra_json={"customer_futures": section},
                              extra_files={"customer_futures.csv": lambda p: p.write_text("CustomerID\n'=1\n")})
    assert "customer_futures.csv" in written and (tmp_path / "customer_futures.csv").is_file()
    on_disk = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert on_disk["customer_futures"] == section and on_disk["n"] == results.n
    assert downloads_current(results, tmp_path, {"customer_futures": "abc"})
    assert not downloads_current(results, tmp_path, {"customer_futures": "another log"})
    assert not downloads_current(results, tmp_path, {"customer_futures": None})


def test_a_non_finite_extra_value_is_refused_before_any_file_changes(results, tmp_path):
    write_downloads(results, tmp_path)
    before = (tmp_path / "model.json").read_bytes()
    with pytest.raises(AnalysisError, match="non-strict JSON"):
        write_downloads(results, tmp_path, extra_json={"customer_futures": {"auc": float("nan")}})
    assert (tmp_path / "model.json").read_bytes() == before


@pytest.mark.parametrize("dtype", [None, object, "string[pyarrow]"])
def test_vectorised_neutralising_writes_the_same_csv_as_cell_by_cell(dtype):
    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", "a=b", None, "", "'x", "]x", "^x", "\\x"]
    frame = pd.DataFrame({"text": pd.Series(cells, dtype=dtype), "number": np.arange(len(cells), dtype=float),
                          "label": pd.Categorical(["=x", "y"] * 7), "mixed": [1, "=x"] * 7})
    by_cell = frame.copy()
    for column in ("text", "label", "mixed"):
        by_cell[column] = frame[column].map(neutralise_formula)
    assert neutralise_text_columns(frame).to_csv(index=False) == by_cell.to_csv(index=False)
    assert neutralise_text_columns(frame)["text"].tolist()[:6] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx"]
