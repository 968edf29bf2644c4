"""Benchmark: 10M Online Retail order lines -> customer table, versus a plain pandas groupby.

Usage::

    .venv/bin/python benchmarks/bench_rfm.py [--lines 10000000] [--regenerate]

The log is generated once into ``benchmarks/out/`` (gitignored) and reused. Both
contenders run as separate processes under ``/usr/bin/time -v`` so each reports its
own wall time and peak resident memory. Goals: whole command <= 20 s, peak <= 4 GB.
A benchmark prints numbers; it is never a test that can go flaky.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
AS_OF = "2011-06-30"
GOAL_SECONDS, GOAL_GB = 20.0, 4.0

PANDAS_BASELINE = textwrap.dedent("""
    import sys, pandas as pd
    lines = pd.read_csv(sys.argv[1], usecols=["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
                        dtype={"InvoiceNo": str, "CustomerID": str})
    lines = lines.dropna(subset=["CustomerID"])
    lines = lines[(lines.Quantity > 0) & (lines.UnitPrice > 0) & ~lines.InvoiceNo.str.startswith("C")]
    lines["InvoiceDate"] = pd.to_datetime(lines.InvoiceDate, format="%m/%d/%Y %H:%M")
    lines["Amount"] = lines.Quantity * lines.UnitPrice
    lines = lines[lines.InvoiceDate < pd.Timestamp(sys.argv[2]) + pd.Timedelta(days=1)]
    per_customer = lines.groupby("CustomerID").agg(
        last=("InvoiceDate", "max"), orders=("InvoiceNo", "nunique"), revenue=("Amount", "sum"))
    print(len(per_customer), "customers")
""")


def generate_order_log(path: Path, n_lines: int, seed: int = 20261123) -> None:
    """Write an Online Retail-layout CSV with cancellations, guests and duplicate lines.

    About 20 lines per invoice and 5 invoices per customer over two years; dates are
    text in the Online Retail month/day/year format, so parsing cost is realistic.
    """
    rng = np.random.default_rng(seed)
    n_invoices = max(n_lines // 20, 1)
    n_customers = max(n_invoices // 5, 1)
    start = dt.datetime(2010, 1, 1, 8, 0)
    minutes = rng.integers(0, 730 * 24 * 60, n_invoices)
    stamps = [(start + dt.timedelta(minutes=int(m))) for m in minutes]
    invoice_dates = np.array([f"{s.month}/{s.day}/{s.year} {s.hour}:{s.minute:02d}" for s in stamps])
    invoice_numbers = (500000 + np.arange(n_invoices)).astype(str).astype(object)
    cancelled = rng.random(n_invoices) < 0.015
    invoice_numbers[cancelled] = "C" + invoice_numbers[cancelled]
    customers = (10000 + rng.integers(0, n_customers, n_invoices)).astype(str).astype(object)
    customers[rng.random(n_invoices) < 0.2] = None  # guest checkouts, as in Online Retail

    which = np.sort(rng.integers(0, n_invoices, n_lines))
    products = rng.integers(0, 3000, n_lines)
    quantity = rng.integers(1, 25, n_lines)
    quantity[cancelled[which]] *= -1
    price = np.round(rng.gamma(2.0, 2.0, n_lines) + 0.1, 2)
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
    # About 1% exact duplicates, as scanners and exports produce.
    duplicates = table.take(np.sort(rng.integers(0, n_lines, n_lines // 100)))
    table = pa.concat_tables([table, duplicates]).slice(0, n_lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pacsv.write_csv(table, temporary)
    os.replace(temporary, path)


def timed(command: list[str]) -> tuple[float, float, str]:
    """Run under /usr/bin/time -v; return (wall seconds, peak RSS in GB, stdout)."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return wall, peak_kb / 1024 ** 2, result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    log = OUT / f"orders_{args.lines}.csv"
    if args.regenerate or not log.exists():
        started = time.perf_counter()
        generate_order_log(log, args.lines)
        print(f"generated {log.relative_to(ROOT)} ({log.stat().st_size / 1e9:.2f} GB) "
              f"in {time.perf_counter() - started:.1f} s")
    customers = OUT / "customers_bench.csv"
    python = sys.executable

    rfm_s, rfm_gb, rfm_out = timed([python, "-m", "analysis", "rfm", str(log), "--as-of", AS_OF,
                                    "--out", str(customers)])
    pandas_s, pandas_gb, pandas_out = timed([python, "-c", PANDAS_BASELINE, str(log), AS_OF])

    print(rfm_out.strip())
    print(f"\n{args.lines:,} order lines ({log.stat().st_size / 1e9:.2f} GB CSV), {os.cpu_count()} cores")
    print(f"{'':28}{'wall s':>9}{'peak GB':>10}")
    print(f"{'analysis rfm (Ibis/DuckDB)':28}{rfm_s:>9.1f}{rfm_gb:>10.2f}")
    print(f"{'pandas groupby (RFM only)':28}{pandas_s:>9.1f}{pandas_gb:>10.2f}   {pandas_out.strip()}")
    print(f"ratio pandas / rfm: {pandas_s / rfm_s:.2f}x")
    ok = rfm_s <= GOAL_SECONDS and rfm_gb <= GOAL_GB
    print(f"goals (<= {GOAL_SECONDS:.0f} s, <= {GOAL_GB:.0f} GB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
