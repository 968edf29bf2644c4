"""Added build cost of the evidence layer (issue 10) at 5,000 and 1,000,000 customers.

Run from the repository root: ``.venv/bin/python benchmarks/bench_evidence.py [--sizes 5000 1000000]``. Prints, per
size, the time of the peer (the brief's linear model alone: one OLS fit with HC3, what
the build already does) and of :func:`analysis.evidence.build.build_evidence`, their
ratio, and the peak traced memory of each (tracemalloc, numpy allocations included).
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# This checkout's package, whatever an editable install elsewhere points to.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.evidence.build import build_evidence
from analysis.evidence.fit_specs import fit_spec
from analysis.evidence.specs import SPECS_BY_NAME


def table(n: int, seed: int = 1) -> pd.DataFrame:
    """A customer table with the derived structure: value ~ margin x F x M, positive."""
    rng = np.random.default_rng(seed)
    f = rng.poisson(3, n) + 1
    m = rng.gamma(2.0, 300.0, n)
    r = rng.integers(1, 365, n)
    seg = np.where(f * m > 3000, "High Value", np.where(r > 200, "At Risk",
                   np.where(m > 500, "Medium Value", "Low Value")))
    value = 0.3 * f * m * np.exp(rng.normal(0, 0.3, n)) + 1
    return pd.DataFrame({"CustomerValue": value, "Recency": r, "Frequency": f,
                         "MonetaryValue": m, "Segment": seg})


def measure(fn):
    """Wall time of one run, then peak traced memory of a second run.

    Two runs because tracemalloc slows allocation-heavy code about fourfold.
    """
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2 ** 20


def whole_build(n: int) -> None:
    """What one site build pays: the cached fit, then issues 10 + 11 once (cold), then a page's read (warm).

    Peer: ``load_results`` (the fit every build already does). The evidence is computed by the
    first page and pickled beside the results (``analysis.model.cache.load_evidence``); every other
    page only reads the pickle, so "warm" is the per-page cost.
    """
    import tempfile
    from analysis.data.simulate import simulate_customers
    from analysis.model.cache import load_evidence, load_results
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        simulate_customers(n, seed=1).to_csv(path, index=False)
        cache = Path(folder) / "cache"
        start = time.perf_counter()
        results = load_results(path, cache_dir=cache)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        load_evidence(results, cache_dir=cache)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        load_evidence(results, cache_dir=cache)
        warm_s = time.perf_counter() - start
    print(f"n={n:>9,}  fit (peer) {fit_s:7.2f} s | evidence 10+11 cold {cold_s:7.2f} s ({cold_s / fit_s:5.1f}x) | "
          f"cached read per page {warm_s:6.3f} s ({warm_s / fit_s:6.3f}x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 1_000_000])
    parser.add_argument("--whole", action="store_true",
                        help="time the whole per-build evidence (issues 10 and 11) and its cached read")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.whole:
        for n in args.sizes:
            whole_build(n)
        return
    for n in args.sizes:
        frame = table(n)
        peer_s, peer_mb = measure(lambda: fit_spec(SPECS_BY_NAME["linear"], frame, "Low Value"))
        ev_s, ev_mb = measure(lambda: build_evidence(frame, "Low Value"))
        print(f"n={n:>9,}  linear fit {peer_s:7.2f} s {peer_mb:8.1f} MiB | evidence {ev_s:7.2f} s "
              f"{ev_mb:8.1f} MiB | ratio {ev_s / peer_s:6.1f}x time, {ev_mb / peer_mb:5.1f}x memory")


if __name__ == "__main__":
    main()
