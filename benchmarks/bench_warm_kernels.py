"""Warm kernels on against off: the real report build, side by side, at the default data and at 1M customers.

Usage::

    .venv/bin/python benchmarks/bench_warm_kernels.py          # default data, then 1M customers
    .venv/bin/python benchmarks/bench_warm_kernels.py --quick  # default data only

Every build is ``python -m analysis render --engine builtin`` under ``/usr/bin/time -v`` with
a fresh ``REPORT_RENDER_CACHE`` and output folder, so every document really executes; the
peer of each warm build (``RENDERER_WARM_KERNELS=1``) is the same build with normal kernels
(``=0``) run just before it. Printed per build: wall, CPU (user + system, what other load
cannot inflate), peak resident memory of the largest process (kernels included), and per
document "kernel start + first chunk": its ``executed in`` time minus its other chunks'.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CHUNK = re.compile(r"^  (\S+): chunk (\d+)/\d+ .*\(([\d.]+)s\)$")
_DONE = re.compile(r"^  (\S+): executed in ([\d.]+)s$")


def _forget_results(data: Path) -> None:
    """Drop the fit and evidence an earlier build cached for ``data``, so each build computes them."""
    sys.path.insert(0, str(ROOT))
    from analysis import config
    from analysis.data import file_sha256
    for entry in config.RESULTS_CACHE_DIR.glob(f"{file_sha256(data)[:24]}-*"):
        entry.unlink()


def build(work: Path, name: str, warm: str, data: Path | None) -> dict:
    _forget_results(data or ROOT / "data" / "customers.csv")
    env = {**os.environ, "REPORT_RENDER_CACHE": str(work / f"cache-{name}"), "RENDERER_WARM_KERNELS": warm}
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "analysis", "render", "--engine", "builtin",
               "--out", str(work / f"site-{name}")] + (["--data", str(data)] if data else [])
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"build {name} failed:\n{done.stderr[-4000:]}")
    lines = done.stderr.splitlines()
    chunks: dict = {}
    start_first = {}
    for line in lines:
        if match := _CHUNK.match(line):
            chunks.setdefault(match[1], []).append((int(match[2]), float(match[3])))
        elif match := _DONE.match(line):  # the build's own run (speculative ones say "for the next build")
            doc = match[1]
            others = sorted(chunks.get(doc, []))[1:]
            start_first.setdefault(doc, float(match[2]) - sum(seconds for _, seconds in others))

    def field(label):
        return next(line.split(": ", 1)[1] for line in lines if line.strip().startswith(label))

    wall = field("Elapsed (wall clock) time")
    minutes, _, seconds = wall.rpartition(":")
    return {"wall": float(minutes or 0) * 60 + float(seconds),
            "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
            "peak_mb": int(field("Maximum resident set size (kbytes)")) / 1024,
            "start_first": start_first,
            "warnings": [line.strip() for line in lines if "WARNING" in line and "kernel" in line]}


def report(label: str, off: dict, on: dict) -> None:
    print(f"\n{label}")
    print(f"{'':16} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'mean start+1st chunk s':>24}")
    for name, row in (("normal kernels", off), ("warm kernels", on)):
        mean = sum(row["start_first"].values()) / max(1, len(row["start_first"]))
        print(f"{name:16} {row['wall']:8.1f} {row['cpu']:8.1f} {row['peak_mb']:8.0f} {mean:24.2f}")
    print(f"{'off / on':16} {off['wall'] / on['wall']:8.2f} {off['cpu'] / on['cpu']:8.2f} "
          f"{off['peak_mb'] / on['peak_mb']:8.2f}")
    print(f"{'document':40} {'start+1st chunk s, off':>24} {'on':>8}")
    for doc in off["start_first"]:
        print(f"{doc:40} {off['start_first'][doc]:24.2f} {on['start_first'].get(doc, float('nan')):8.2f}")
    for warning in on["warnings"]:
        print(f"  warm build: {warning}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="default data only")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as folder:
        work = Path(folder)
        report("default data", build(work, "off", "0", None), build(work, "on", "1", None))
        if not args.quick:
            big = work / "warm1m.csv"
            subprocess.run([sys.executable, "-m", "analysis", "simulate", "--n", "1000000", "--out", str(big)],
                           cwd=ROOT, check=True, capture_output=True)
            report("1M customers", build(work, "1m-off", "0", big), build(work, "1m-on", "1", big))
    print(f"\n({os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
