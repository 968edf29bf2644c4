"""Order logs drawn from the BG/NBD and Gamma-Gamma processes themselves.

Tests and the benchmark need logs whose true parameters are known: a fit should
then find them, and the holdout should be predicted within sampling error. The
log is in the Online Retail layout (one line per invoice), so it goes through
the same ``rfm`` engine as any real export.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# CDNOW's published fits (weeks): a realistic default.
CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def simulate_purchases(n_customers: int, weeks: float, *, acquisition_weeks: float, seed: int = 1,
                       bgnbd: dict = CDNOW_BGNBD, gamma_gamma: dict = CDNOW_GAMMA_GAMMA):
    """Purchase times (weeks from the start) and values per customer, by the two models.

    Each customer arrives uniformly in the first ``acquisition_weeks`` with a first
    purchase, buys at a Poisson rate λ ~ Gamma(r, α) and, after every purchase,
    drops out with probability p ~ Beta(a, b). Spend per purchase is Gamma(p, ν)
    with ν ~ Gamma(q, γ) per customer.

    Returns
    -------
    customer, week, value : numpy.ndarray
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(bgnbd["r"], 1.0 / bgnbd["alpha"], n_customers)
    dropout = rng.beta(bgnbd["a"], bgnbd["b"], n_customers)
    nu = rng.gamma(gamma_gamma["q"], 1.0 / gamma_gamma["gamma"], n_customers)
    start = rng.uniform(0, acquisition_weeks, n_customers)
    customers, times = [np.arange(n_customers)], [start]
    now, alive = start.copy(), np.ones(n_customers, dtype=bool)
    while alive.any():
        now = now + rng.exponential(1.0 / np.maximum(rate, 1e-12))
        alive &= now < weeks
        customers.append(np.flatnonzero(alive))
        times.append(now[alive])
        # BG/NBD: a customer may drop out right after each *repeat* purchase, never at the first.
        alive &= rng.random(n_customers) >= dropout
    customer = np.concatenate(customers)
    week = np.concatenate(times)
    value = rng.gamma(gamma_gamma["p"], 1.0 / nu[customer])
    return customer, week, np.maximum(np.round(value, 2), 0.01)


def write_bgnbd_log(path: Path, n_customers: int, *, start: dt.date = dt.date(2010, 1, 4), weeks: float = 104,
                    acquisition_weeks: float = 26, seed: int = 1) -> Path:
    """Write a Parquet order log (Online Retail columns) simulated by :func:`simulate_purchases`."""
    customer, week, value = simulate_purchases(n_customers, weeks, acquisition_weeks=acquisition_weeks, seed=seed)
    origin = np.datetime64(dt.datetime.combine(start, dt.time(9, 0)), "s")
    stamps = origin + (week * 7 * 24 * 3600).astype("timedelta64[s]")
    table = pa.table({
        "InvoiceNo": pa.array((1_000_000 + np.arange(len(customer))).astype(str)),
        "StockCode": pa.array(np.full(len(customer), "SIM")),
        "Description": pa.array(np.full(len(customer), "SIMULATED ORDER")),
        "Quantity": pa.array(np.ones(len(customer), dtype=np.int64)),
        "InvoiceDate": pa.array(stamps),
        "UnitPrice": pa.array(value),
        "CustomerID": pa.array((100_000 + customer).astype(str)),
        "Country": pa.array(np.full(len(customer), "United Kingdom")),
    })
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)
    return path
