"""Synthetic order logs in the Online Retail layout, for tests, the benchmark and demos.

The log has what real exports have: guest checkouts (no customer), cancellation
invoices ("C..." with negative quantities), exact duplicate lines, and dates as
month/day/year text.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def generate_order_log(path: Path, n_lines: int, seed: int = 20261123) -> None:
    """Write an Online Retail-layout CSV with cancellations, guests and duplicate lines.

    About 20 lines per invoice and 5 invoices per customer on average over two years.
    Customers differ the way real ones do: a skewed purchase rate, a first order spread
    over the two years and a limited lifetime, so there are new, loyal and lapsed
    customers. Dates are text in the Online Retail month/day/year format, so parsing
    cost is realistic.
    """
    rng = np.random.default_rng(seed)
    n_duplicates = n_lines // 100  # about 1% exact duplicates, as scanners and exports produce
    n_unique = n_lines - n_duplicates
    n_invoices = max(n_unique // 20, 1)
    n_customers = max(n_invoices // 5, 1)
    start = dt.datetime(2010, 1, 1, 8, 0)
    days = 730
    rate = rng.lognormal(0.0, 1.0, n_customers)
    first_day = rng.uniform(0, days, n_customers)
    lifetime = rng.exponential(300, n_customers) + 1
    buyer = rng.choice(n_customers, size=n_invoices, p=rate / rate.sum())
    day = np.minimum(first_day[buyer] + rng.uniform(0, 1, n_invoices) * lifetime[buyer], days - 1e-6)
    minutes = (day * 24 * 60).astype(np.int64)
    stamps = [(start + dt.timedelta(minutes=int(m))) for m in minutes]
    invoice_dates = np.array([f"{s.month}/{s.day}/{s.year} {s.hour}:{s.minute:02d}" for s in stamps])
    invoice_numbers = (500000 + np.arange(n_invoices)).astype(str).astype(object)
    cancelled = rng.random(n_invoices) < 0.015
    invoice_numbers[cancelled] = "C" + invoice_numbers[cancelled]
    customers = (10000 + buyer).astype(str).astype(object)
    customers[rng.random(n_invoices) < 0.2] = None  # guest checkouts, as in Online Retail

    which = np.sort(rng.integers(0, n_invoices, n_unique))
    products = rng.integers(0, 3000, n_unique)
    quantity = rng.integers(1, 25, n_unique)
    quantity[cancelled[which]] *= -1
    price = np.round(rng.gamma(2.0, 2.0, n_unique) + 0.1, 2)
    table = pa.table({
        "InvoiceNo": pa.array(invoice_numbers[which], pa.string()),
        "StockCode": pa.array((20000 + products).astype(str)),
        "Description": pa.array(np.char.add("PRODUCT ", products.astype(str))),
        "Quantity": pa.array(quantity),
        "InvoiceDate": pa.array(invoice_dates[which]),
        "UnitPrice": pa.array(price),
        "CustomerID": pa.array(customers[which], pa.string()),
        "Country": pa.array(np.where(products % 7 == 0, "France", "United Kingdom")),
    })
    duplicates = table.take(np.sort(rng.integers(0, n_unique, n_duplicates)))
    table = pa.concat_tables([table, duplicates])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pacsv.write_csv(table, temporary)
    os.replace(temporary, path)
