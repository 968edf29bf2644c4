"""The in-DuckDB generator draws the distribution of ``simulate_customers`` (a two-sample comparison).

Both generators are deterministic (a seed, a fixed hash), so these checks give the same
answer every run; a wrong transformation (a missing quirk, correlated draws, another
frequency law) moves a per-segment distribution far outside them.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis.data.simulate import SEGMENT_SHARES, TRUE_COEFFICIENTS, simulate_customers
from analysis.data.simulate_sql import simulate_sql

N = 200_000
COLUMNS = ("Recency", "Frequency", "MonetaryValue", "CustomerValue")


@pytest.fixture(scope="module")
def engine() -> pd.DataFrame:
    with duckdb.connect() as con:
        con.execute(simulate_sql(N))
        return con.execute("SELECT * FROM customers").df()


@pytest.fixture(scope="module")
def memory() -> pd.DataFrame:
    return simulate_customers(N, seed=5)


def test_same_columns_ids_and_types(engine, memory):
    assert list(engine.columns) == list(memory.columns)
    assert engine["CustomerID"].iloc[0] == memory["CustomerID"].iloc[0] == "C000001"
    assert engine["CustomerID"].is_unique and len(engine) == N
    for column in ("Recency", "Frequency"):
        assert pd.api.types.is_integer_dtype(engine[column])
    assert engine["Recency"].between(0, 365).all() and (engine["Frequency"] >= 0).all()


def test_segment_shares(engine):
    shares = engine["Segment"].value_counts(normalize=True)
    for level, share in SEGMENT_SHARES.items():
        assert abs(shares[level] - share) < 4 * np.sqrt(share * (1 - share) / N), level


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("segment", list(SEGMENT_SHARES))
def test_each_segments_distribution_matches(engine, memory, segment, column):
    ours = engine.loc[engine["Segment"] == segment, column]
    theirs = memory.loc[memory["Segment"] == segment, column]
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3, f"{segment} {column}"


def test_the_quirks_are_planted(engine):
    """A fifth of At Risk customers with High Value histories: a second mode of large baskets."""
    at_risk = engine[engine["Segment"] == "At Risk"]
    low = engine[engine["Segment"] == "Low Value"]
    assert (at_risk["Frequency"] >= 13).mean() > 2 * (low["Frequency"] >= 13).mean() > 0


def test_the_fit_recovers_the_true_coefficients(engine):
    fit = smf.ols("CustomerValue ~ Recency + Frequency + MonetaryValue + C(Segment, Treatment('Low Value'))",
                  engine).fit(cov_type="HC3")
    for term, true in TRUE_COEFFICIENTS.items():
        name = term if not term.startswith("Segment[") else \
            f"C(Segment, Treatment('Low Value'))[T.{term[len('Segment['):-1]}]"
        assert abs(fit.params[name] - true) < 4 * fit.bse[name], term
