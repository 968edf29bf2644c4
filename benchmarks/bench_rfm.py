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
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.orders.simulate_log import generate_order_log  # noqa: E402 – after the path is set

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


def timed(command: list[str]) -> tuple[float, float, float, str]:
    """Run under /usr/bin/time -v; return (wall s, CPU s (user + system), peak RSS in GB, stdout).

    CPU seconds are reported because the benchmark machine may be shared: wall time
    then measures the neighbours as much as the code.
    """
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    field = lambda name: float(re.search(name + r": ([\d.]+)", result.stderr).group(1))  # noqa: E731
    cpu = field(r"User time \(seconds\)") + field(r"System time \(seconds\)")
    peak_kb = field(r"Maximum resident set size \(kbytes\)")
    return wall, cpu, peak_kb / 1024 ** 2, result.stdout


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

    load_before = os.getloadavg()[0]
    rfm_s, rfm_cpu, rfm_gb, rfm_out = timed([python, "-m", "analysis", "rfm", str(log), "--as-of", AS_OF,
                                    "--out", str(customers)])
    pandas_s, pandas_cpu, pandas_gb, pandas_out = timed([python, "-c", PANDAS_BASELINE, str(log), AS_OF])

    print(rfm_out.strip())
    print(f"\n{args.lines:,} order lines ({log.stat().st_size / 1e9:.2f} GB CSV), {os.cpu_count()} cores, "
          f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    print(f"{'':28}{'wall s':>9}{'CPU s':>9}{'peak GB':>10}")
    print(f"{'analysis rfm (Ibis/DuckDB)':28}{rfm_s:>9.1f}{rfm_cpu:>9.1f}{rfm_gb:>10.2f}")
    print(f"{'pandas groupby (RFM only)':28}{pandas_s:>9.1f}{pandas_cpu:>9.1f}{pandas_gb:>10.2f}"
          f"   {pandas_out.strip()}")
    print(f"pandas / rfm: wall {pandas_s / rfm_s:.2f}x, CPU {pandas_cpu / rfm_cpu:.2f}x")
    ok = rfm_s <= GOAL_SECONDS and rfm_gb <= GOAL_GB
    print(f"goals (<= {GOAL_SECONDS:.0f} s, <= {GOAL_GB:.0f} GB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
