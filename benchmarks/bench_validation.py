"""Benchmark: the cost of issue 11's validation at 5,000 and 1M customers.

A script that prints numbers, not a timed test. Run from the repository root::

    .venv/bin/python benchmarks/bench_validation.py                   # 5,000 and 1M
    .venv/bin/python benchmarks/bench_validation.py --sizes 5000      # just 5,000

Each measurement runs in its own child process, so its peak resident memory is its own:

(a) ``validate``: cross-validation of every applicable model (10 folds x 5 repeats; one
    repeat above 100,000 customers), linear models from fold sufficient statistics;
(b) the brief's linear model alone, from fold sufficient statistics, and its peer side by
    side: the same folds cross-validated the naive way, one statsmodels ``OLS`` refit per
    fold (50 fits; above 100,000 customers the 10 fits of one repeat, as (a) uses);
(c) ``assess_prediction``: everything issue 11 computes (CV, one-SE choice, gains,
    intervals and their out-of-fold coverage, calibration, predictive check,
    misalignment, circularity, two list totals), given the linear fit as the site passes it.

It prints wall and CPU seconds, peak memory, and (a) as a ratio of (b). The site budget is
60 s for the whole 1M-customer build, validation included. On a shared machine wall times
vary with load; CPU time is the steadier figure and the load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from analysis.data.simulate import simulate_customers
from analysis.evidence import specs
from analysis.evidence.fit_specs import fit_spec
from analysis.evidence.folds import fold_ids, linear_cross_fit, splits
from analysis.evidence.validation import REPEATS_FULL_MAX_N, validate
from analysis.evidence.predictive import assess_prediction
import statsmodels.api as sm

frame = simulate_customers({n}, seed=3)
stage = {stage!r}
fitted = None
if stage == "assess":
    fitted = {{"linear": fit_spec(specs.SPECS_BY_NAME["linear"], frame, "Low Value")}}
lists = {{"retention": (frame["Recency"] > 30).to_numpy(),
          "upsell": ((frame["Recency"] <= 30) & (frame["Segment"] != "High Value")).to_numpy()}}
cpu0, t0 = time.process_time(), time.perf_counter()
if stage == "validate":
    validate(frame, "Low Value")
elif stage in ("naive", "fold_stats"):
    x, y, _ = specs.linear_design(specs.SPECS_BY_NAME["linear"], frame, "Low Value")
    repeats = 1 if len(frame) > REPEATS_FULL_MAX_N else 5
    ids = fold_ids(len(frame), repeats=repeats)
    cpu0, t0 = time.process_time(), time.perf_counter()  # the design is not what is compared
    if stage == "fold_stats":
        linear_cross_fit(x, y, ids)
    for r in range(repeats if stage == "naive" else 0):
        for train, test in splits(ids[r]):
            params = sm.OLS(y[train], x[train]).fit().params
            _ = x[test] @ params
else:
    assess_prediction(frame, "Low Value", lists=lists, fitted=fitted)
wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
print(json.dumps({{"wall": wall, "cpu": cpu,
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(n: int, stage: str) -> dict:
    code = CHILD.format(root=str(ROOT), n=n, stage=stage)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 1_000_000])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"{'customers':>10} {'stage':<34} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'vs peer':>8}")
    for n in args.sizes:
        results = {stage: run(n, stage) for stage in ("naive", "fold_stats", "validate", "assess")}
        peer = results["naive"]["wall"]
        names = {"naive": "linear CV, peer: OLS refit per fold", "fold_stats": "linear CV, fold statistics",
                 "validate": "validate (all models)", "assess": "assess_prediction (all of issue 11)"}
        for stage, r in results.items():
            ratio = f"{r['wall'] / peer:8.3f}" if stage == "fold_stats" else ""
            print(f"{n:>10,} {names[stage]:<34} {r['wall']:8.2f} {r['cpu']:8.2f} {r['peak_mb']:8.0f} {ratio:>8}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
