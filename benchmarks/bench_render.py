"""Time the report build: cold, first rebuild after a fresh site, unchanged, chapter-only edit, 1M customers.

Usage::

    .venv/bin/python benchmarks/bench_render.py            # everything
    .venv/bin/python benchmarks/bench_render.py --quick    # fixture site and default data only

Targets (2 cores): cold build of the whole report, site + PDF, on the default
data <= 45 s; the first rebuild after a fresh site and an unchanged rebuild
<= 2 s; whole site at 1M customers <= 120 s. Every build goes through the real
command, ``python -m analysis render``, with its own output folder and
execution cache, so nothing shared is touched. Each row also gives its time as
a ratio of the cold build's and the peak resident memory of its largest
process (the command or one of its kernels).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"cold": 45.0, "first rebuild": 2.0, "unchanged": 2.0, "1M customers": 120.0}
EDITED_CHAPTER = ROOT / "chapters" / "methods.qmd"
PEAK_MB: dict = {}
CPU_SECONDS: dict = {}


def timed(command: list[str], env: dict, name: str = "") -> float:
    """Seconds the command took; its peak memory (largest process, MB) goes into PEAK_MB[name]."""
    with tempfile.TemporaryFile(mode="w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        # wait4 reports this command's own peak and, on Linux, that of the kernels it waited for.
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        PEAK_MB[name] = usage.ru_maxrss / 1024  # KiB on Linux
        CPU_SECONDS[name] = usage.ru_utime + usage.ru_stime  # what load from other work cannot inflate
        if process.returncode != 0:
            stderr.seek(0)
            sys.exit(f"benchmark build failed: {' '.join(command)}\n{stderr.read()[-4000:]}")
    return elapsed


def bench_fixture(work: Path) -> list[tuple[str, float, float | None]]:
    """The renderer on its own fixture project (no analysis code involved)."""
    from renderer import render_project

    project = work / "fixture"
    shutil.copytree(ROOT / "tests/fixtures/quarto_site", project, ignore=shutil.ignore_patterns("_site", "downloads"))
    rows = []
    for name in ("fixture cold", "fixture unchanged"):
        started = time.perf_counter()
        render_project(project, work / "fixture-site", cache_dir=work / "fixture-cache", progress=lambda _l: None)
        rows.append((name, time.perf_counter() - started, None))
    return rows


def code_version() -> str:
    """The analysis package's source hash, read fresh (the cache key depends on it)."""
    return subprocess.run([sys.executable, "-c", "from analysis.io.provenance import code_version; print(code_version())"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def bench_report(work: Path, large: bool) -> list[tuple[str, float, float | None]]:
    env = {**os.environ, "REPORT_RENDER_CACHE": str(work / "cache")}
    version_before = code_version()
    render = [sys.executable, "-m", "analysis", "render", "--engine", "builtin"]
    site = work / "site"
    rows = [("cold", timed([*render, "--out", str(site)], env, "cold"), TARGETS["cold"])]
    # The first rebuild sees the first build's model.json as "previous" (the what-changed
    # page changes); the cold build ran that page for it already.
    rows.append(("first rebuild", timed([*render, "--out", str(site)], env, "first rebuild"),
                 TARGETS["first rebuild"]))
    rows.append(("unchanged", timed([*render, "--out", str(site)], env, "unchanged"), TARGETS["unchanged"]))
    original = EDITED_CHAPTER.read_text(encoding="utf-8")
    try:
        EDITED_CHAPTER.write_text(original + "\n<!-- benchmark edit -->\n", encoding="utf-8")
        rows.append(("chapter-only edit", timed([*render, "--out", str(site)], env, "chapter-only edit"), None))
    finally:
        EDITED_CHAPTER.write_text(original, encoding="utf-8")
    if code_version() != version_before:
        print("WARNING: the analysis code changed while the benchmark ran, so the 'unchanged' rebuild "
              "re-executed by design; run the benchmark again on a quiet tree.", file=sys.stderr)
    if large:
        big = work / "customers-1m.csv"
        timed([sys.executable, "-m", "analysis", "simulate", "--n", "1000000", "--out", str(big)], env)
        rows.append(("1M customers", timed([*render, "--data", str(big), "--out", str(work / "site-1m")], env,
                                           "1M customers"),
                     TARGETS["1M customers"]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-customer build")
    parser.add_argument("--fixture-only", action="store_true", help="only the renderer's fixture project")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as folder:
        work = Path(folder)
        rows = bench_fixture(work)
        if not args.fixture_only:
            rows += bench_report(work, large=not args.quick)
    cold = next((seconds for name, seconds, _ in rows if name == "cold"), None)
    print(f"{'build':28} {'seconds':>8} {'x cold':>7} {'CPU s':>7} {'peak MB':>8} {'target':>7}  result")
    failed = False
    for name, seconds, target in rows:
        verdict = "" if target is None else ("ok" if seconds <= target else "OVER TARGET")
        failed |= verdict == "OVER TARGET"
        ratio = f"{seconds / cold:.3f}" if cold else ""
        peak = f"{PEAK_MB[name]:.0f}" if name in PEAK_MB else ""
        cpu = f"{CPU_SECONDS[name]:.2f}" if name in CPU_SECONDS else ""
        print(f"{name:28} {seconds:8.2f} {ratio:>7} {cpu:>7} {peak:>8} {'' if target is None else f'{target:.0f}':>7}"
              f"  {verdict}")
    print(f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end: wall times grow with it, "
          "CPU seconds do not)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
