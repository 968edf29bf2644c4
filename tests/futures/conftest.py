"""Shared fixtures: the CDNOW sample's calibration summaries and one simulated run per session.

Fitting costs seconds (pytensor compiles once, then caches on disk), so the
simulated log is fitted once per session and every test reads that result.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.futures.pipeline import compute_futures
from analysis.futures.simulate import write_bgnbd_log

FIXTURES = Path(__file__).parent / "fixtures"
CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
SIMULATED_AS_OF = "2011-01-03"   # 52 weeks after the simulated log starts; 52 more follow


def cdnow_summaries() -> pd.DataFrame:
    """x, t_x, T (weeks) and mean repeat spend of the 2,357 CDNOW customers, written out in pandas.

    Independent of :mod:`analysis.futures.history` on purpose: the published
    parameters test the models, and this plain computation is the paper's recipe
    (purchases on one day are one purchase; T runs to 30 September 1997).
    """
    raw = pd.read_csv(FIXTURES / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "CustomerID", "date", "cds", "value"], dtype={"date": str})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    days = (raw[raw["date"] <= CDNOW_CALIBRATION_END].groupby(["CustomerID", "date"])["value"].sum().reset_index())
    days["first"] = days.groupby("CustomerID")["date"].transform("min")
    per = days.groupby("CustomerID").agg(first=("date", "min"), last=("date", "max"), n=("date", "size"))
    repeat_mean = days[days["date"] > days["first"]].groupby("CustomerID")["value"].mean()
    return pd.DataFrame({
        "CustomerID": per.index.astype(str),
        "frequency": (per["n"] - 1).to_numpy(),
        "recency": ((per["last"] - per["first"]).dt.days / 7).to_numpy(),
        "T": ((CDNOW_CALIBRATION_END - per["first"]).dt.days / 7).to_numpy(),
        "monetary_value": repeat_mean.reindex(per.index).fillna(0.0).to_numpy(),
    })


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    return cdnow_summaries()


@pytest.fixture(scope="session")
def simulated_log(tmp_path_factory) -> Path:
    """5,000 customers drawn from BG/NBD + Gamma-Gamma at the CDNOW parameters, two years."""
    return write_bgnbd_log(tmp_path_factory.mktemp("futures") / "orders.parquet", 5000, seed=3)


@pytest.fixture(scope="session")
def simulated_run(simulated_log):
    return compute_futures(simulated_log, SIMULATED_AS_OF)
