"""Benchmark: the whole site built from a 10M-customer DuckDB table, beside the 1M in-memory site.

A script that prints numbers, not a timed test. Run once, from the repository root::

    .venv/bin/python benchmarks/bench_warehouse_site.py                  # 10M engine, 1M in memory
    .venv/bin/python benchmarks/bench_warehouse_site.py --engine-n 1000000 --memory-n 0

Steps (issue 14, item 5: "Report the whole site build from the 10M table"):

1. checks the working folder has at least 10 GB free;
2. generates the table inside DuckDB with :func:`analysis.data.simulate_sql.simulate_sql`
   (no rows through Python);
3. ``python -m analysis render --data 'duckdb:///FILE?memory_limit=600MB#customers'``
   (the in-engine build: fit, bins, top-N exports, a 20,000-customer evidence sample)
   into a fresh folder, as a child process;
4. where asked (``--memory-n``, default 1M), exports that many customers to CSV and
   builds the in-memory site from it the same way;
5. prints wall time, CPU time of the whole process tree (the build and its Jupyter
   kernels, from ``RUSAGE_CHILDREN``), the largest single process's peak RSS, and the
   peak of the tree's summed RSS (sampled every 0.2 s with psutil), side by side;
6. deletes every file it made.

Both builds start cold: a fresh DuckDB file has a fresh content fingerprint, so neither
the results cache nor the renderer's page cache has an entry for it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_scale import ENGINE_MEMORY, MIN_FREE_BYTES  # noqa: E402  (same folder)

from analysis.data.simulate_sql import simulate_sql  # noqa: E402

_MEASURE = r"""
import json, resource, subprocess, sys, threading, time
import psutil
peak = [0]
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[0] + ".err", "w"))
def sample():
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
code = process.wait()
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "max_process_rss": usage.ru_maxrss * 1024, "tree_rss": peak[0]}))
"""


def measure(command: list[str], folder: Path, name: str) -> dict:
    script = folder / f"{name}_measure.py"
    script.write_text(_MEASURE)
    completed = subprocess.run([sys.executable, str(script), *command], cwd=ROOT, capture_output=True, text=True)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    log = Path(str(script) + ".err").read_text()
    if result["code"] != 0:
        raise SystemExit(f"{name} build failed:\n{log[-4000:]}")
    # The renderer's own log: each page's execution time and the build's summary line.
    result["pages"] = re.findall(r"^\s*(\S+\.qmd): executed in ([\d.]+)s", log, flags=re.M)
    result["summary"] = log.splitlines()[0] if log else ""
    published = re.search(r"site published to .* in ([\d.]+)s", log)
    result["render_s"] = float(published.group(1)) if published else float("nan")  # after the parent's fit
    return result


def gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine-n", type=int, default=10_000_000)
    parser.add_argument("--memory-n", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    import duckdb

    free = shutil.disk_usage(args.dir).free
    if free < MIN_FREE_BYTES:
        raise SystemExit(f"{args.dir}: {free / 1e9:.1f} GB free; the benchmark needs at least 10 GB")
    folder = Path(tempfile.mkdtemp(prefix="bench_warehouse_site_", dir=args.dir))
    rows = {}
    print(f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    try:
        db = folder / "customers.duckdb"
        started = time.perf_counter()
        with duckdb.connect(str(db)) as con:
            con.execute(simulate_sql(args.engine_n))
        print(f"generated {args.engine_n:,} customers in DuckDB in {time.perf_counter() - started:.1f} s "
              f"({db.stat().st_size / 1e9:.2f} GB)", flush=True)
        if args.memory_n:
            csv = folder / "customers.csv"
            with duckdb.connect(str(db), read_only=True) as con:
                con.execute(f"COPY (SELECT * FROM customers ORDER BY CustomerID LIMIT {args.memory_n}) "
                            f"TO '{csv}' (HEADER, DELIMITER ',')")
            rows[f"in-memory site, {args.memory_n:,} (CSV)"] = measure(
                [sys.executable, "-m", "analysis", "render", "--data", str(csv), "--out", str(folder / "site_memory"),
                 "--engine", "builtin"], folder, "memory")
            print("in-memory site built", flush=True)
        url = f"duckdb://{db}?memory_limit={ENGINE_MEMORY}#customers"
        rows[f"warehouse site, {args.engine_n:,} (DuckDB)"] = measure(
            [sys.executable, "-m", "analysis", "render", "--data", url, "--out", str(folder / "site_engine"),
             "--engine", "builtin"], folder, "engine")
        print("warehouse site built", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    header = f"{'build':<34} | {'wall s':>8} | {'CPU s (tree)':>12} | {'largest process':>15} | {'tree peak RSS':>13}"
    print(header)
    print("-" * len(header))
    for name, r in rows.items():
        print(f"{name:<34} | {r['wall_s']:8.1f} | {r['cpu_s']:12.1f} | {gb(r['max_process_rss']):>15} | "
              f"{gb(r['tree_rss']):>13}")
    for name, r in rows.items():
        print(f"\n{name}: {r['summary']}")
        print(f"  before rendering (imports, validation or the in-engine fit, summaries, sample): "
              f"{r['wall_s'] - r['render_s']:.1f} s; rendering {r['render_s']:.1f} s")
        print("  page execution (s, wall; two kernels at a time): "
              + ", ".join(f"{page} {seconds}" for page, seconds in r["pages"]))
    names = list(rows)
    if len(names) == 2:
        a, b = rows[names[1]], rows[names[0]]
        print(f"warehouse / in-memory: {a['wall_s'] / b['wall_s']:.2f}x wall, {a['cpu_s'] / b['cpu_s']:.2f}x CPU, "
              f"{a['tree_rss'] / b['tree_rss']:.2f}x tree peak memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
