"""Time the report build: cold, first rebuild after a fresh site, unchanged, chapter-only edit, 1M customers.

Usage::

    .venv/bin/python benchmarks/bench_render.py            # everything
    .venv/bin/python benchmarks/bench_render.py --quick    # fixture site and default data only
    .venv/bin/python benchmarks/bench_render.py --sections # the 1M site only, section by section

``--sections`` simulates a 1M-customer table (``python -m analysis simulate``), times what the
first chapter's setup computes, section by section, in this process (read and validate, the
fit, each part of the evidence layer: designs, competing models, specification checks,
margins and claims, influence, cross-validation, gains, intervals and lists; the downloads;
the futures run; serially, as a page computing it alone would), then builds the whole site
from that table with the real command and prints, from its progress lines, the build's
precompute (model and evidence, with the checks in a forked child; the order-log side in a
second process) and each chapter's execution time.

Targets (2 cores): cold build of the whole report, site + PDF, on the default
data <= 45 s; the first rebuild after a fresh site and an unchanged rebuild
<= 2 s; whole site at 1M customers, every section included, <= 60 s (issue 14). Every build goes through the real
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

TARGETS = {"cold": 45.0, "first rebuild": 2.0, "unchanged": 2.0, "1M customers": 60.0}
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


# (module, attribute, section) wrapped by a timer in --sections: each call's wall time is
# added to its section. The evidence functions are looked up where their callers import them.
SECTION_HOOKS = (
    ("analysis.model.cache", "load_customers", "read + validate"),
    ("analysis.model.cache", "fit_model", "fit (linear model, HC3, diagnostics)"),
    ("analysis.model.evidence", "shared_designs", "evidence: designs (built, factorised once)"),
    ("analysis.evidence.build", "fit_spec", "evidence: competing models (6 + label-free)"),
    ("analysis.evidence.build", "check_specification", "evidence: specification checks + overlap"),
    ("analysis.evidence.build", "average_effects", "evidence: AMEs, segment value, claims"),
    ("analysis.evidence.build", "segment_value", "evidence: AMEs, segment value, claims"),
    ("analysis.evidence.build", "build_claims", "evidence: AMEs, segment value, claims"),
    ("analysis.evidence.build", "influence", "evidence: influence (exact deletions)"),
    ("analysis.evidence.predictive", "validate", "evidence: cross-validation (all models)"),
    ("analysis.evidence.predictive", "compute_gains", "evidence: gains + bands"),
    ("analysis.evidence.predictive", "prediction_intervals", "evidence: intervals, calibration, checks"),
    ("analysis.evidence.predictive", "calibration_by_decile", "evidence: intervals, calibration, checks"),
    ("analysis.evidence.predictive", "predictive_check", "evidence: intervals, calibration, checks"),
    ("analysis.evidence.predictive", "misalignment", "evidence: intervals, calibration, checks"),
    ("analysis.evidence.predictive", "label_recovery", "evidence: intervals, calibration, checks"),
    ("analysis.model.evidence", "build_targeting", "evidence: targeting lists + list totals"),
    ("analysis.model.evidence", "list_totals", "evidence: targeting lists + list totals"),
    ("analysis.report.setup", "write_target_lists", "downloads (CSV lists, scores, model.json)"),
    ("analysis.report.setup", "write_downloads", "downloads (CSV lists, scores, model.json)"),
    ("analysis.report.setup", "_futures_downloads", "futures run (order log) + its downloads"),
)


def _hook(sections: dict) -> None:
    import functools
    import importlib

    for module_name, attribute, section in SECTION_HOOKS:
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)

        @functools.wraps(original)
        def timed_call(*args, _original=original, _section=section, **kwargs):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                wall, used = sections.get(_section, (0.0, 0.0))
                sections[_section] = (wall + time.perf_counter() - started, used + time.process_time() - cpu)
        setattr(module, attribute, timed_call)


def bench_sections(work: Path) -> int:
    """The 1M site: the first setup's sections in process, then the whole build and its chapters."""
    big = work / "customers-1m.csv"
    env = {**os.environ, "REPORT_RENDER_CACHE": str(work / "cache")}
    timed([sys.executable, "-m", "analysis", "simulate", "--n", "1000000", "--out", str(big)], env)
    from analysis import config
    from analysis.report.setup import setup

    config.RESULTS_CACHE_DIR = work / "results-in-process"  # cold, and apart from the build's
    sections: dict = {}
    _hook(sections)
    started = time.perf_counter()
    cpu = time.process_time()
    setup(data=big, downloads=work / "downloads-in-process")
    whole, cpu = time.perf_counter() - started, time.process_time() - cpu
    # CPU seconds (this process, all its threads) are what other work on the machine cannot inflate.
    print(f"{'first setup, section':48} {'wall s':>8} {'CPU s':>8} {'CPU share':>9}")
    for section, (seconds, used) in sections.items():
        print(f"{section:48} {seconds:8.2f} {used:8.2f} {used / cpu:9.1%}")
    print(f"{'other (imports, cache writes, ...)':48} {whole - sum(w for w, _ in sections.values()):8.2f} "
          f"{cpu - sum(c for _, c in sections.values()):8.2f}")
    print(f"{'whole first setup':48} {whole:8.2f} {cpu:8.2f}")
    # Cold: this table's cached fit and evidence (if an earlier run of the same code left them) go first.
    from analysis.data import file_sha256
    for entry in (config.CACHE_DIR / "results").glob(f"{file_sha256(big)[:24]}-*"):
        entry.unlink()
    lines: list[str] = []
    command = [sys.executable, "-m", "analysis", "render", "--engine", "builtin", "--data", str(big),
               "--out", str(work / "site-1m")]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        lines.append(line.rstrip())
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("1M build failed:\n" + "\n".join(lines[-40:]))
    print(f"\n{'1M site, chapter':48} {'executed in (s, wall; 2 at once)':>34}")
    for line in lines:
        if ": executed in " in line:
            name, _, rest = line.strip().partition(": executed in ")
            print(f"{name:48} {rest:>34}")
        elif line.strip().startswith("precomputed "):  # the build's own process, before any page
            name, _, rest = line.strip().rpartition(" in ")
            print(f"{name:48} {rest:>34}")
    cpu = usage.ru_utime + usage.ru_stime
    verdict = "ok" if seconds <= TARGETS["1M customers"] else "OVER TARGET"
    print(f"{'whole 1M site':48} {seconds:8.2f} s wall, {cpu:.1f} s CPU, peak {usage.ru_maxrss / 1024:.0f} MB, "
          f"target {TARGETS['1M customers']:.0f} s: {verdict}")
    print(f"({os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)")
    return 0 if verdict == "ok" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-customer build")
    parser.add_argument("--fixture-only", action="store_true", help="only the renderer's fixture project")
    parser.add_argument("--sections", action="store_true",
                        help="only the 1M-customer site: its first setup section by section, then each chapter")
    args = parser.parse_args()
    if args.sections:
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        with tempfile.TemporaryDirectory(prefix="bench-render-1m-") as folder:
            return bench_sections(Path(folder))
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
