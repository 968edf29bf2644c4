"""Benchmark: hand-written Breusch–Pagan and Jarque–Bera against statsmodels' at 1M customers.

A script that prints numbers, not a timed test. Run from the repository root::

    .venv/bin/python benchmarks/bench_diagnostics.py            # 1M customers
    .venv/bin/python benchmarks/bench_diagnostics.py --n 200000

Issue 16 asks to use ``statsmodels.stats.diagnostic.het_breuschpagan`` and
``statsmodels.stats.stattools.jarque_bera`` (and ``multipletests`` for Holm)
unless the library is the bottleneck at a million customers. This prints, for
the residuals and design matrix of the real model fitted to a simulated cohort:
the time of each version (best of ``--repeat``), their ratio, the peak extra
memory (tracemalloc) and the largest difference between the two statistics, next
to the whole ``fit_model`` time, so the cost can be read as a share of the fit.
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.data import load_customers  # noqa: E402  (needs ROOT on sys.path)
from analysis.data.simulate import write_simulated  # noqa: E402
from analysis.model.fit import design_matrix, fit_model  # noqa: E402
from analysis.model.least_squares import least_squares  # noqa: E402


def hand_breusch_pagan(residual, X, normalized_cov):
    """The pre-issue-16 version: reuses the fit's (X'X)^-1, no second decomposition."""
    from scipy import special
    squared = residual**2
    unexplained = squared - X @ (normalized_cov @ (X.T @ squared))
    centred = squared - squared.mean()
    r_squared = 1 - float(unexplained @ unexplained) / float(centred @ centred)
    statistic = len(residual) * r_squared
    return statistic, float(special.chdtrc(X.shape[1] - 1, statistic))


def hand_jarque_bera(residual):
    from scipy import special
    deviation = residual - residual.mean()
    squared = deviation**2
    m2, m3, m4 = squared.mean(), (squared * deviation).mean(), (squared * squared).mean()
    skewness, kurtosis = m3 / m2**1.5, m4 / m2**2
    statistic = len(residual) / 6 * (skewness**2 + (kurtosis - 3) ** 2 / 4)
    return statistic, float(special.chdtrc(2, statistic))


def library_breusch_pagan(residual, X, normalized_cov):
    from statsmodels.stats.diagnostic import het_breuschpagan
    statistic, p, _, _ = het_breuschpagan(residual, X, robust=True)
    return statistic, p


def library_jarque_bera(residual):
    from statsmodels.stats.stattools import jarque_bera
    statistic, p, _, _ = jarque_bera(residual)
    return statistic, p


def measure(function, *args, repeat: int):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = function(*args)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    function(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = ROOT / "benchmarks" / "out" / f"customers_{args.n}.csv"
    if not path.exists():
        write_simulated(path, n=args.n, seed=1)
    table = load_customers(path)
    start = time.perf_counter()
    results = fit_model(table)
    fit_seconds = time.perf_counter() - start
    X, _ = design_matrix(table.frame, results.levels, results.reference)
    fit = least_squares(table.frame["CustomerValue"].to_numpy(dtype=float), X)
    residual, cov = np.asarray(fit.resid), np.asarray(fit.normalized_cov_params)
    # Import once before timing: the import is paid once per process, not per call.
    import statsmodels.stats.diagnostic  # noqa: F401
    import statsmodels.stats.stattools  # noqa: F401

    print(f"n = {args.n:,}; whole fit_model: {fit_seconds:.3f} s")
    print(f"{'statistic':<16}{'hand s':>10}{'library s':>12}{'library/hand':>14}{'hand MB':>10}"
          f"{'library MB':>12}{'max |diff|':>14}")
    for name, hand, library, call in (
            ("Breusch-Pagan", hand_breusch_pagan, library_breusch_pagan, (residual, X, cov)),
            ("Jarque-Bera", hand_jarque_bera, library_jarque_bera, (residual,))):
        (h_stat, h_p), h_time, h_peak = measure(hand, *call, repeat=args.repeat)
        (l_stat, l_p), l_time, l_peak = measure(library, *call, repeat=args.repeat)
        print(f"{name:<16}{h_time:>10.3f}{l_time:>12.3f}{l_time / h_time:>14.1f}{h_peak / 2**20:>10.0f}"
              f"{l_peak / 2**20:>12.0f}{max(abs(h_stat - l_stat), abs(h_p - l_p)):>14.2e}")
    print(f"library share of the fit: Breusch-Pagan and Jarque-Bera together add the 'library s' column "
          f"to the {fit_seconds:.3f} s fit")


if __name__ == "__main__":
    main()
