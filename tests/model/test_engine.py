"""The model fitted inside DuckDB equals the in-memory fit to 1e-9 relative, rows never leaving it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_cases import REL, assert_same_fit, duckdb_file

from analysis.config import DEFAULT_DATA
from analysis.data import load_customers
from analysis.errors import ModelSpecificationError
from analysis.model.engine import fit_in_engine, fold_statistics, open_customer_table
from analysis.model.engine.scores import customer_scores, top_misaligned
from analysis.model.fit import fit_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def default_url(tmp_path_factory) -> str:
    return duckdb_file(DEFAULT_DATA, tmp_path_factory.mktemp("engine") / "shop.duckdb")


@pytest.fixture(scope="module")
def engine_fit(default_url):
    return fit_in_engine(open_customer_table(default_url))


@pytest.fixture(scope="module")
def memory_fit():
    return fit_model(load_customers(DEFAULT_DATA))


def test_in_engine_fit_equals_in_memory_fit(engine_fit, memory_fit):
    assert_same_fit(engine_fit.results, memory_fit)


def test_misaligned_counts_come_from_the_engine(engine_fit, memory_fit):
    assert engine_fit.misaligned_by_segment == {level: memory_fit.misaligned_count(level)
                                                for level in memory_fit.levels}
    assert sum(engine_fit.misaligned_by_segment.values()) > 0


def test_per_customer_scores_computed_in_the_engine_match(engine_fit, memory_fit):
    ours = customer_scores(engine_fit).order_by("CustomerID").to_pandas()
    theirs = memory_fit.customers.sort_values("CustomerID").reset_index(drop=True)
    assert list(ours["CustomerID"]) == list(theirs["CustomerID"])
    for column in ("fitted", "rfm_prediction", "leverage", "cooks_distance"):
        assert np.allclose(ours[column], theirs[column], rtol=REL, atol=0), column
    # Residuals pass through zero: held to 1e-9 of their spread instead.
    scale = float(theirs["residual"].abs().max())
    assert np.allclose(ours["residual"], theirs["residual"], rtol=0, atol=REL * scale)
    assert (ours["rfm_quartile"].to_numpy() == theirs["rfm_quartile"].to_numpy()).all()
    assert (ours["misalignment"].to_numpy() == np.asarray(theirs["misalignment"])).all()


def test_top_misaligned_is_the_head_of_the_in_memory_list(engine_fit, memory_fit):
    top = top_misaligned(engine_fit, 5)
    expected = (memory_fit.customers[memory_fit.customers["misaligned"]]
                .sort_values(["rfm_prediction", "CustomerID"], ascending=[False, True]).head(5))
    assert list(top["CustomerID"]) == list(expected["CustomerID"])


def test_fold_statistics_add_up_to_the_whole_table(default_url):
    folds = fold_statistics(open_customer_table(default_url), 5)
    frame = pd.read_csv(DEFAULT_DATA)
    assert set(folds["fold"]) == set(range(5))
    assert int(folds["n"].sum()) == len(frame)
    assert folds["xy0"].sum() == pytest.approx(frame["CustomerValue"].sum(), rel=1e-12)
    assert folds["g13"].sum() == pytest.approx((frame["Recency"] * frame["MonetaryValue"]).sum(), rel=1e-12)
    again = fold_statistics(open_customer_table(default_url), 5)
    assert folds.sort_values(["fold", "Segment"]).reset_index(drop=True).equals(
        again.sort_values(["fold", "Segment"]).reset_index(drop=True))  # deterministic


def collinear_csv(path: Path) -> Path:
    frame = pd.read_csv(DEFAULT_DATA)
    frame["MonetaryValue"] = 2 * frame["Recency"] + 3 * frame["Frequency"]
    frame.to_csv(path, index=False)
    return path


def test_a_collinear_design_is_refused_in_the_engine_and_in_memory(tmp_path):
    csv = collinear_csv(tmp_path / "collinear.csv")
    url = duckdb_file(csv, tmp_path / "collinear.duckdb")
    with pytest.raises(ModelSpecificationError, match="perfectly collinear"):
        fit_in_engine(open_customer_table(url))
    with pytest.raises(ModelSpecificationError, match="perfectly collinear"):
        fit_model(load_customers(csv))


def test_fit_command_on_an_ibis_url_writes_the_same_contract(tmp_path):
    # Its own file: DuckDB locks a file a connection in this process holds open.
    default_url = duckdb_file(DEFAULT_DATA, tmp_path / "cli.duckdb")
    memory_json, engine_json = tmp_path / "memory.json", tmp_path / "engine.json"
    for source, out in ((str(DEFAULT_DATA), memory_json), (default_url, engine_json)):
        done = subprocess.run([sys.executable, "-m", "analysis", "fit", source, "--json", str(out)],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    memory, engine = json.loads(memory_json.read_text()), json.loads(engine_json.read_text())
    assert engine["misaligned_by_segment"] == memory["misaligned_by_segment"]
    assert engine["bp_p"] == pytest.approx(memory["bp_p"], rel=REL)
    for ours, theirs in zip(engine["coefficients"], memory["coefficients"]):
        assert ours["term"] == theirs["term"]
        for field in ("estimate", "std_error", "std_error_hc3", "p"):
            assert ours[field] == pytest.approx(theirs[field], rel=REL), (ours["term"], field)


def test_fit_command_names_a_missing_table(tmp_path):
    url = duckdb_file(DEFAULT_DATA, tmp_path / "cli.duckdb").rsplit("#", 1)[0] + "#no_such_table"
    done = subprocess.run([sys.executable, "-m", "analysis", "fit", url, "--json", str(tmp_path / "o.json")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "no_such_table" in done.stderr
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize("kind", ["continuous", "ties"])
def test_bounded_memory_quantiles_equal_numpy(tmp_path, kind):
    from analysis.model.engine.quantiles import exact_quantiles

    rng = np.random.default_rng(5)
    values = rng.lognormal(3, 1, 20_001) if kind == "continuous" else rng.integers(0, 7, 20_001).astype(float)
    csv = tmp_path / "values.csv"
    pd.DataFrame({"CustomerID": np.arange(len(values)), "v": values}).to_csv(csv, index=False)
    table = open_customer_table(duckdb_file(csv, tmp_path / "values.duckdb", "t"))
    probabilities = (0.1, 0.25, 0.5, 0.75, 0.999)
    ours = exact_quantiles(table, table["v"].cast("float64"), len(values), float(values.min()),
                           float(values.max()), probabilities)
    assert ours == pytest.approx(tuple(np.quantile(values, probabilities)), rel=1e-12, abs=0)
