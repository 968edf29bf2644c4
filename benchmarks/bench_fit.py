"""Benchmark: fit + HC3 + diagnostics at 1M and 10M customers, side by side with R.

A script that prints numbers, not a timed test. Run from the repository root::

    .venv/bin/python benchmarks/bench_fit.py                 # 1M and 10M
    .venv/bin/python benchmarks/bench_fit.py --sizes 1000000 # just 1M

For each size it measures

(a) in process: ``load_customers`` (read + validate) and ``fit_model`` (both OLS
    fits, HC3, nested F, VIF, Breusch-Pagan, influence, misalignment) separately,
    imports already paid;
(b) the whole ``python -m analysis fit FILE --json OUT`` command as a user runs it:
    wall time, CPU time and peak resident memory of the child process;
(c) ``Rscript benchmarks/bench_fit.R FILE`` (base ``read.csv``, ``lm``, ``summary``,
    ``sandwich::vcovHC(type = "HC3")``): the same measures,

and checks that both sides estimated the same coefficients and HC3 standard errors.

The goals (issue 14): 1M in process ``fit_model`` <= 0.3 s; 1M whole ``fit`` command
at least 5x faster than R's whole script; 10M whole command <= 4 GB peak memory.

Synthetic data is written once to ``benchmarks/out/`` (gitignored) and reused.
On a shared machine wall times vary with load: up to 2M customers each measurement
is repeated (``--repeat``, default 5) and the median run kept (by wall time); CPU
time (user + system) is the steadier figure, and the machine's load average is
printed with the results.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.data import load_customers  # noqa: E402  (needs ROOT on sys.path)
from analysis.model.fit import fit_model  # noqa: E402
from analysis.data.simulate import write_simulated  # noqa: E402

OUT_DIR = ROOT / "benchmarks" / "out"
R_SCRIPT = ROOT / "benchmarks" / "bench_fit.R"
SEED = 2026
DEFAULT_SIZES = (1_000_000, 10_000_000)
# R's read.csv + lm + vcovHC at 10M takes minutes; past this the R column is skipped.
R_TIMEOUT_S = 600
IN_PROCESS_GOAL_S = 0.3
SPEEDUP_GOAL = 5.0
MEMORY_GOAL_GB = 4.0
AGREEMENT_REL_TOL = 1e-6
REPEAT_MAX_N = 2_000_000


@dataclass
class ChildRun:
    """One child process: wall and CPU seconds, peak RSS in bytes, its stdout."""

    wall_s: float
    cpu_s: float
    peak_rss: int
    stdout: str


def data_file(n: int) -> Path:
    path = OUT_DIR / f"customers_{n}.csv"
    if not path.exists():
        print(f"writing {n:,} synthetic customers to {path.relative_to(ROOT)} ...", flush=True)
        started = time.perf_counter()
        write_simulated(path, n=n, seed=SEED)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def _high_water_rss(pid: int) -> int:
    """The process's own peak resident memory so far (VmHWM), in bytes; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_child(command: list[str], timeout_s: float | None = None) -> ChildRun:
    """Run a command; wall and CPU time from wait4, peak memory from the child's own VmHWM.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark into a forked child's
    ``ru_maxrss`` across exec, so a child started by a parent that once held 0.9 GB
    reported at least 0.9 GB whatever it used (measured: ``python -c pass`` 0.13 GB
    before and 0.93 GB after the parent touched and freed 0.8 GB). VmHWM belongs to the
    new program's own address space; it is read every 5 ms while the child runs (it only
    grows, so a late read still holds the earlier peak).
    """
    started = time.perf_counter()
    peak = 0
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        # Popen returns once exec has succeeded, so every VmHWM read is the new program's.
        process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
        deadline = None if timeout_s is None else started + timeout_s
        while True:
            peak = max(peak, _high_water_rss(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise subprocess.TimeoutExpired(command, timeout_s)
            time.sleep(0.005)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read().decode(), stderr.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{err}")
    return ChildRun(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, peak_rss=peak, stdout=out)


@dataclass
class Phase:
    wall_s: float
    cpu_s: float


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads, BLAS included
    return usage.ru_utime + usage.ru_stime


def median_run(runs: list):
    """The run with the median wall time (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run.wall_s if hasattr(run, "wall_s") else run[1].wall_s)
    return ordered[(len(ordered) - 1) // 2]


def typical(command: list[str], repeats: int, timeout_s: float | None = None) -> ChildRun:
    """The run with the median wall time, reporting the highest peak memory of all runs."""
    runs = [run_child(command, timeout_s) for _ in range(repeats)]
    chosen = median_run(runs)
    chosen.peak_rss = max(run.peak_rss for run in runs)
    return chosen


def in_process(path: Path) -> tuple[Phase, Phase]:
    """``load_customers`` and ``fit_model`` timed separately, imports already paid."""
    gc.collect()
    started, started_cpu = time.perf_counter(), _cpu_s()
    table = load_customers(path)
    loaded, loaded_cpu = time.perf_counter(), _cpu_s()
    results = fit_model(table)
    fitted, fitted_cpu = time.perf_counter(), _cpu_s()
    del table, results
    gc.collect()
    return Phase(loaded - started, loaded_cpu - started_cpu), Phase(fitted - loaded, fitted_cpu - loaded_cpu)


def check_agreement(ours: dict, r: dict) -> str:
    """Both sides must have fitted the same model, or the timings compare nothing."""
    estimates = [row["estimate"] for row in ours["coefficients"]]
    hc3 = [row["std_error_hc3"] for row in ours["coefficients"]]
    pairs = [*zip(estimates, r["estimate"]), *zip(hc3, r["std_error_hc3"])]
    worst = max(abs(a - b) / abs(b) for a, b in pairs)
    verdict = "agree" if all(math.isclose(a, b, rel_tol=AGREEMENT_REL_TOL) for a, b in pairs) else "DISAGREE"
    return f"estimates and HC3 SEs {verdict} with R (worst relative difference {worst:.1e})"


def gb(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:.2f} GB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--no-r", action="store_true", help="skip R entirely")
    parser.add_argument("--r-max-n", type=int, default=max(DEFAULT_SIZES),
                        help="skip R above this many customers")
    parser.add_argument("--repeat", type=int, default=5,
                        help=f"runs per measurement up to {REPEAT_MAX_N:,} customers; the median is kept")
    args = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    have_r = shutil.which("Rscript") is not None and not args.no_r

    rows = []
    started_load = os.getloadavg()
    for n in args.sizes:
        path = data_file(n)
        print(f"\n== {n:,} customers ({path.stat().st_size / 1e6:.0f} MB CSV) ==", flush=True)
        # The median of a few runs: other helpers' work on the shared cores moves single runs
        # by +-50%; larger sizes run once, since R alone takes minutes there.
        repeats = max(1, args.repeat) if n <= REPEAT_MAX_N else 1
        load, fit = median_run([in_process(path) for _ in range(repeats)])
        print(f"in process: load_customers {load.wall_s:.2f} s wall ({load.cpu_s:.2f} s CPU), "
              f"fit_model {fit.wall_s:.2f} s wall ({fit.cpu_s:.2f} s CPU)", flush=True)

        json_out = OUT_DIR / f"model_{n}.json"
        ours = typical([sys.executable, "-m", "analysis", "fit", str(path), "--json", str(json_out)], repeats)
        print(f"fit command: {ours.wall_s:.2f} s wall, {ours.cpu_s:.2f} s CPU, peak {gb(ours.peak_rss)}",
              flush=True)

        r_run, r_note = None, ""
        if not have_r:
            r_note = "skipped: Rscript not installed" if not args.no_r else "skipped (--no-r)"
        elif n > args.r_max_n:
            r_note = f"skipped: above --r-max-n {args.r_max_n:,}"
        else:
            try:
                r_run = typical(["Rscript", str(R_SCRIPT), str(path)], repeats, timeout_s=R_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                r_note = f"skipped: R took longer than {R_TIMEOUT_S} s"
        if r_run is not None:
            r_phases = json.loads(r_run.stdout.strip().splitlines()[-1])
            r_note = check_agreement(json.loads(json_out.read_text()), r_phases)
            print(f"R script: {r_run.wall_s:.2f} s wall (read.csv {r_phases['read_s']:.2f} s, "
                  f"lm+summary+vcovHC {r_phases['fit_s']:.2f} s), {r_run.cpu_s:.2f} s CPU, "
                  f"peak {gb(r_run.peak_rss)}", flush=True)
        print(r_note, flush=True)
        rows.append((n, load, fit, ours, r_run, r_note))

    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          f"(at start {' '.join(f'{x:.2f}' for x in started_load)}); medians of {args.repeat} runs; "
          f"Python {sys.version.split()[0]}")
    print("load/fit: in process, wall (CPU) seconds; ours/R: whole command or script, wall and CPU seconds")
    header = (f"{'customers':>11} | {'load s':>13} | {'fit s':>13} | {'ours wall s':>11} | {'ours CPU s':>10} | "
              f"{'ours peak':>9} | {'R wall s':>8} | {'R CPU s':>7} | {'R peak':>8} | {'R/ours wall':>11} | "
              f"{'R/ours CPU':>10}")
    print(header)
    print("-" * len(header))
    for n, load, fit, ours, r_run, _ in rows:
        if r_run is None:
            r_cols = f"{'-':>8} | {'-':>7} | {'-':>8} | {'-':>11} | {'-':>10}"
        else:
            r_cols = (f"{r_run.wall_s:8.2f} | {r_run.cpu_s:7.2f} | {gb(r_run.peak_rss):>8} | "
                      f"{r_run.wall_s / ours.wall_s:10.1f}x | {r_run.cpu_s / ours.cpu_s:9.1f}x")
        print(f"{n:>11,} | {load.wall_s:5.2f} ({load.cpu_s:5.2f}) | {fit.wall_s:5.2f} ({fit.cpu_s:5.2f}) | "
              f"{ours.wall_s:11.2f} | {ours.cpu_s:10.2f} | "
              f"{gb(ours.peak_rss):>9} | {r_cols}")

    print("\ngoals:")
    for n, load, fit, ours, r_run, _ in rows:
        if n == 1_000_000:
            print(f"  1M in process (fit_model) <= {IN_PROCESS_GOAL_S:.1f} s: {fit.wall_s:.2f} s "
                  f"({'met' if fit.wall_s <= IN_PROCESS_GOAL_S else 'MISSED'}; {fit.cpu_s:.2f} s CPU over "
                  f"all threads); with load_customers {load.wall_s + fit.wall_s:.2f} s")
            if r_run is not None:
                ratio = r_run.wall_s / ours.wall_s
                print(f"  1M whole command >= {SPEEDUP_GOAL:.0f}x faster than R: {ratio:.1f}x wall, "
                      f"{r_run.cpu_s / ours.cpu_s:.1f}x CPU ({'met' if ratio >= SPEEDUP_GOAL else 'MISSED'})")
        if n == 10_000_000:
            print(f"  10M whole command <= {MEMORY_GOAL_GB:.0f} GB peak: {gb(ours.peak_rss)} "
                  f"({'met' if ours.peak_rss <= MEMORY_GOAL_GB * 1e9 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
