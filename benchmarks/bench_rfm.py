"""Benchmark: 10M Online Retail order lines -> customer table, versus the engine's own speed.

Usage::

    .venv/bin/python benchmarks/bench_rfm.py [--lines 10000000] [--regenerate] [--out DIR]

The log (the simulated business of :mod:`analysis.orders.simulate_log`, sized to the line
count) is generated once into ``--out`` (default ``benchmarks/out/``, gitignored) and reused.
Contenders, each a separate process under ``/usr/bin/time -v`` (wall time, CPU time and
peak resident memory of its own):

* ``python -m analysis rfm`` – the whole command, with every check and count it logs;
* the same definitions as one hand-written DuckDB query (``benchmarks/rfm_handwritten.sql``):
  same filters, de-duplication, cancellation netting, window, holdout, scores and segments,
  writing the same CSV. The two outputs are compared byte for byte, so the peer is honest;
* a plain pandas groupby (RFM only, no netting), for scale.

Goals (issue 14): rfm / hand-written DuckDB <= 1.3x in time and in peak memory.
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


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.orders.simulate_log import generate_order_log  # noqa: E402 – after the path is set
from analysis.orders.transform import RFMParameters  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
AS_OF = "2011-06-30"
GOAL_RATIO = 1.3
HANDWRITTEN = ROOT / "benchmarks" / "rfm_handwritten.sql"
# The peer runs in its own interpreter with nothing but DuckDB imported.
DUCKDB_PEER = textwrap.dedent("""
    import sys, duckdb
    duckdb.sql(open(sys.argv[1]).read().format(**dict(arg.split("=", 1) for arg in sys.argv[2:])))
""")

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
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the log and outputs")
    args = parser.parse_args()

    out_dir = args.out
    log = out_dir / f"orders_{args.lines}.csv"
    if args.regenerate or not log.exists():
        started = time.perf_counter()
        generate_order_log(log, args.lines)
        print(f"generated {log} ({log.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.1f} s")
    customers, peer_customers = out_dir / "customers_bench.csv", out_dir / "customers_duckdb_sql.csv"
    python = sys.executable
    params = RFMParameters(as_of=dt.date.fromisoformat(AS_OF))
    peer_args = [f"path={log}", f"as_of={params.as_of}", f"window_start={params.window_start}",
                 f"holdout_end={params.holdout_end}", f"margin={params.margin}", f"out={peer_customers}"]

    load_before = os.getloadavg()[0]
    rfm_s, rfm_cpu, rfm_gb, rfm_out = timed([python, "-m", "analysis", "rfm", str(log), "--as-of", AS_OF,
                                             "--out", str(customers)])
    sql_s, sql_cpu, sql_gb, _ = timed([python, "-c", DUCKDB_PEER, str(HANDWRITTEN), *peer_args])
    pandas_s, pandas_cpu, pandas_gb, pandas_out = timed([python, "-c", PANDAS_BASELINE, str(log), AS_OF])
    load_after = os.getloadavg()[0]

    print(rfm_out.strip())
    same = customers.read_bytes() == peer_customers.read_bytes()
    print(f"\n{args.lines:,} order lines ({log.stat().st_size / 1e9:.2f} GB CSV), {os.cpu_count()} cores, "
          f"load average {load_before:.1f} before / {load_after:.1f} after (the machine may be shared)")
    print(f"customer tables of rfm and the hand-written query: {'byte-identical' if same else 'DIFFERENT'}")
    print(f"{'':32}{'wall s':>9}{'CPU s':>9}{'peak GB':>10}")
    print(f"{'analysis rfm (Ibis/DuckDB)':32}{rfm_s:>9.1f}{rfm_cpu:>9.1f}{rfm_gb:>10.2f}")
    print(f"{'hand-written DuckDB SQL':32}{sql_s:>9.1f}{sql_cpu:>9.1f}{sql_gb:>10.2f}")
    print(f"{'pandas groupby (RFM only)':32}{pandas_s:>9.1f}{pandas_cpu:>9.1f}{pandas_gb:>10.2f}"
          f"   {pandas_out.strip()}")
    ratios = (rfm_s / sql_s, rfm_cpu / sql_cpu, rfm_gb / sql_gb)
    print(f"rfm / hand-written SQL: wall {ratios[0]:.2f}x, CPU {ratios[1]:.2f}x, peak memory {ratios[2]:.2f}x")
    ok = ratios[0] <= GOAL_RATIO and ratios[2] <= GOAL_RATIO
    print(f"goal (<= {GOAL_RATIO}x the hand-written query in wall time and peak memory): {'met' if ok else 'NOT met'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
