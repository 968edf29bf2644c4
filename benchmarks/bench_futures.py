"""Benchmark: BG/NBD + Gamma-Gamma fit time and peak memory at 100k and 1M customers.

The project's fit (pymc-marketing, MAP with flat priors: analysis.futures.models) runs
side by side with a peer: the same two maximum-likelihood problems written out in
closed form and solved by scipy's L-BFGS-B. Both fit identical calibration
summaries drawn from BG/NBD at the CDNOW parameters; the ratio column is
project / peer. Each run is a fresh process, so peak memory (max RSS) is its own
and includes the imports and the data. Run:

    python benchmarks/bench_futures.py                    # 100k and 1M customers
    python benchmarks/bench_futures.py --sizes 20000      # quick look

pytensor compiles its C code once and caches it on disk; the first run on a machine
is slower (about 25 s more, measured), later runs reuse the cache.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def summaries(n: int):
    """Calibration summaries (weeks) of n customers: 52-week calibration, arrivals over the first 26."""
    import numpy as np
    import pandas as pd

    from analysis.futures.simulate import simulate_purchases

    customer, week, value = simulate_purchases(n, 52.0, acquisition_weeks=26.0, seed=7)
    frame = pd.DataFrame({"c": customer, "w": week, "v": value})
    first = frame.groupby("c")["w"].transform("min")
    frame["repeat"] = frame["w"] > first
    grouped = frame.groupby("c")
    out = pd.DataFrame({
        "CustomerID": np.arange(n).astype(str),
        "frequency": grouped["repeat"].sum().to_numpy(),
        "recency": (grouped["w"].max() - grouped["w"].min()).to_numpy(),
        "T": (52.0 - grouped["w"].min()).to_numpy(),
    })
    spend = frame[frame["repeat"]].groupby("c")["v"].mean()
    out["monetary_value"] = spend.reindex(range(n)).fillna(0.0).to_numpy()
    return out


def fit_project(data) -> dict:
    from analysis.futures.models import fit_bgnbd, fit_gamma_gamma

    bg = fit_bgnbd(data)
    gg = fit_gamma_gamma(data)
    return {**bg.as_dict(), "p": gg.p, "q": gg.q, "gamma": gg.gamma}


def fit_peer(data) -> dict:
    """Closed-form log-likelihoods (Fader, Hardie & Lee 2005 eq. 6; Fader & Hardie 2013) with L-BFGS-B."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x, tx, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))

    def bgnbd(log_params):
        r, alpha, a, b = np.exp(log_params)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        beta = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        alive = -(r + x) * np.log(alpha + T)
        gone = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx),
                        -np.inf)
        return -np.sum(common + beta + np.logaddexp(alive, gone))

    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    n, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)

    def gamma_gamma(log_params):
        p, q, v = np.exp(log_params)
        return -np.sum(gammaln(p * n + q) - gammaln(p * n) - gammaln(q) + q * np.log(v)
                       + (p * n - 1) * np.log(m) + p * n * np.log(n) - (p * n + q) * np.log(n * m + v))

    bg = np.exp(minimize(bgnbd, np.zeros(4), method="L-BFGS-B").x)
    gg = np.exp(minimize(gamma_gamma, np.zeros(3), method="L-BFGS-B").x)
    return dict(zip(("r", "alpha", "a", "b", "p", "q", "gamma"), [*bg, *gg]))


def worker(kind: str, n: int) -> None:
    data = summaries(n)
    start = time.perf_counter()
    params = (fit_project if kind == "project" else fit_peer)(data)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "params": params}))


def run(kind: str, n: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    completed = subprocess.run([sys.executable, __file__, "--worker", kind, str(n)], capture_output=True,
                               text=True, env=env, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    run("project", 2000)  # warm pytensor's compile cache so the sizes compare fits, not compilers
    print(f"{'customers':>10}  {'pymc-marketing s':>16}  {'scipy peer s':>12}  {'ratio':>6}  "
          f"{'peak MB':>8}  {'peer peak MB':>12}  max |param diff| (rel.)")
    for n in args.sizes:
        project, peer = run("project", n), run("peer", n)
        difference = max(abs(project["params"][k] - peer["params"][k]) / abs(peer["params"][k])
                         for k in peer["params"])
        print(f"{n:>10,}  {project['seconds']:>16.1f}  {peer['seconds']:>12.1f}  "
              f"{project['seconds'] / peer['seconds']:>6.1f}  {project['peak_mb']:>8.0f}  "
              f"{peer['peak_mb']:>12.0f}  {difference:.1e}")


if __name__ == "__main__":
    main()
