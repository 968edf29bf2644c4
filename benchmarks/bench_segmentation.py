"""Benchmark: what the Segmentation chapter's new aggregates add to its build, at 10M order lines.

Usage::

    .venv/bin/python benchmarks/bench_segmentation.py [--lines 10000000] [--regenerate]

Two processes run side by side under ``/usr/bin/time -v`` (wall time, CPU time and peak
resident memory each):

* **peer**: ``derive_customers(..., with_activity=True)``, what the chapter computed before
  (customer table and monthly activity);
* **chapter**: what :func:`analysis.orders.summary.build_summary` runs: the same derivation
  keeping its clean lines in the engine (``derive_with_lines``), the engine-side aggregates
  (R x F grid, histograms, order counts, concentration, inactivity, cohorts) and the CRM
  cross-tab. It also prints the time of each of those steps.
* with ``--with-reread``, **chapter, log read twice**: the fallback route that opens and
  cleans the log a second time (``chapter_lines``).

The difference is the chapter's extra build time. The log is the one ``bench_rfm.py`` uses
(``benchmarks/out/orders_<lines>.csv``, generated once if missing). The CRM labels are the
log's own customer table, so the cross-tab joins every customer. A benchmark prints numbers;
it is never a test that can go flaky.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
AS_OF = "2011-06-30"


def child(mode: str, log: str, labels: str) -> None:
    """One contender, in its own process so its peak memory is its own."""
    from analysis.orders import derive_customers
    from analysis.orders.chapter_pass import chapter_aggregates, chapter_lines, derive_with_lines
    from analysis.orders.label_crosstab import label_crosstab

    started = time.perf_counter()
    if mode == "peer":
        run = derive_customers(log, AS_OF, with_activity=True)
        run.customers.to_csv(labels, index=False)  # the labels of the chapter run
        print(f"derive {time.perf_counter() - started:.1f} s; {len(run.customers):,} customers")
        return
    if mode == "reread":
        run = derive_customers(log, AS_OF, with_activity=True)
        derived = time.perf_counter()
        lines = chapter_lines(log, run)  # route 3: the log read again
    else:
        run, lines = derive_with_lines(log, AS_OF)  # what build_summary does
        derived = time.perf_counter()
    read_again = time.perf_counter()
    aggregates = chapter_aggregates(lines, run.params)
    aggregated = time.perf_counter()
    crosstab = label_crosstab(run.customers, Path(labels))
    joined = time.perf_counter()
    print(f"derive {derived - started:.1f} s; lines {read_again - derived:.1f} s; "
          f"aggregates {aggregated - read_again:.1f} s; CRM cross-tab {joined - aggregated:.1f} s "
          f"({crosstab.matched:,} matched); {len(aggregates.cohorts.table):,} cohort cells")


def timed(command: list[str]) -> tuple[float, float, float, str]:
    """Run under /usr/bin/time -v; return (wall s, CPU s, peak RSS GB, stdout)."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    field = lambda name: float(re.search(name + r": ([\d.]+)", result.stderr).group(1))  # noqa: E731
    cpu = field(r"User time \(seconds\)") + field(r"System time \(seconds\)")
    return wall, cpu, field(r"Maximum resident set size \(kbytes\)") / 1024 ** 2, result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--child", choices=["peer", "chapter", "reread"], help=argparse.SUPPRESS)
    parser.add_argument("--with-reread", action="store_true",
                        help="also time the fallback that reads the log a second time")
    parser.add_argument("--log", help=argparse.SUPPRESS)
    parser.add_argument("--labels", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.log, args.labels)
        return 0

    from analysis.orders.synthetic import generate_order_log

    log = OUT / f"orders_{args.lines}.csv"
    if args.regenerate or not log.exists():
        started = time.perf_counter()
        generate_order_log(log, args.lines)
        print(f"generated {log.relative_to(ROOT)} in {time.perf_counter() - started:.1f} s")
    labels = OUT / "segmentation_labels.csv"
    script = [sys.executable, str(Path(__file__).resolve()), "--log", str(log), "--labels", str(labels)]

    load_before = os.getloadavg()[0]
    peer = timed([*script, "--child", "peer"])
    chapter = timed([*script, "--child", "chapter"])
    reread = timed([*script, "--child", "reread"]) if args.with_reread else None
    print(f"{args.lines:,} order lines ({log.stat().st_size / 1e9:.2f} GB CSV), {os.cpu_count()} cores, "
          f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    print(f"{'':34}{'wall s':>9}{'CPU s':>9}{'peak GB':>10}")
    rows = [("peer: derive + monthly activity", peer), ("chapter: all of it", chapter)]
    rows += [("chapter, log read twice", reread)] if reread else []
    for name, (wall, cpu, gb, out) in rows:
        print(f"{name:34}{wall:>9.1f}{cpu:>9.1f}{gb:>10.2f}   {out.strip()}")
    print(f"chapter / peer: wall {chapter[0] / peer[0]:.2f}x, CPU {chapter[1] / peer[1]:.2f}x; "
          f"extra build time {chapter[0] - peer[0]:.1f} s wall, {chapter[1] - peer[1]:.1f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
