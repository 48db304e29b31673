"""Benchmark: lab.core.stats' stratified bootstrap vs rliable's, on the same score matrix.

    .venv/bin/python benchmarks/bench_stats.py [--runs 100] [--tasks 10] [--reps 50000] [--repeats 5]
        [--rliable-python PATH]

Scores: ``runs × tasks`` draws from N(task's offset, 1) (fixed seed); a second method's scores are
shifted by +0.2 for the probability of improvement.

Timed, median of ``repeats`` runs each, ``reps`` resamples each:

* lab: ``bootstrap_aggregates`` (IQM, median, mean, optimality gap at once), ``bootstrap_improvement``
  (P(X > Y)) and ``bootstrap_profile`` (50 thresholds).
* rliable (Agarwal et al. 2021) when ``--rliable-python`` names a Python that imports it: the same
  aggregates through ``rliable.library.get_interval_estimates`` (percentile intervals, stratified
  bootstrap), P(X > Y) through ``get_interval_estimates`` on the pair, the profile through
  ``create_performance_profile``. rliable pins ``arch<8``, which fails with pandas 3, so it lives in a
  scratch venv, not in the project:
  ``python -m venv /tmp/rl && /tmp/rl/bin/pip install rliable "pandas<3"``. It runs in a subprocess
  on the same matrix (saved to a temporary .npy), once per repeat.

rliable's bootstrap is a Python loop over resamples (minutes for P(X > Y) at 50,000), so it runs
``--rliable-reps`` resamples (default 5,000) and the ratio is per resample. Checked under the table: the point estimates agree exactly, the interval ends within Monte Carlo
error (independent resamples).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from lab.core import stats

TAUS = np.linspace(-2.0, 4.0, 50)

RLIABLE_SCRIPT = """
import json, sys, time
import numpy as np
from rliable import library, metrics
x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
reps = int(sys.argv[3])
taus = np.linspace(-2.0, 4.0, 50)
aggregate = lambda s: np.array([metrics.aggregate_iqm(s), metrics.aggregate_median(s), metrics.aggregate_mean(s),
                                metrics.aggregate_optimality_gap(s, 1.0)])
out = {}
t = time.perf_counter()
points, intervals = library.get_interval_estimates({"x": x}, aggregate, reps=reps)
out["aggregates_s"] = time.perf_counter() - t
out["aggregates"] = {"point": points["x"].tolist(), "low": intervals["x"][0].tolist(), "high": intervals["x"][1].tolist()}
t = time.perf_counter()
points, intervals = library.get_interval_estimates({"xy": (x, y)}, metrics.probability_of_improvement, reps=reps)
out["improvement_s"] = time.perf_counter() - t
out["improvement"] = [float(points["xy"]), float(intervals["xy"][0][0]), float(intervals["xy"][1][0])]
t = time.perf_counter()
library.create_performance_profile({"x": x}, taus, reps=2000)
out["profile_s"] = time.perf_counter() - t
print(json.dumps(out))
"""


def scores(runs: int, tasks: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(runs, tasks)) + np.linspace(0, 1, tasks)
    return x, x[rng.permutation(runs)] * 0.9 + 0.2 + 0.3 * rng.normal(size=(runs, tasks))


def time_lab(x: np.ndarray, y: np.ndarray, reps: int) -> dict:
    out = {}
    t = time.perf_counter()
    out["aggregates"] = stats.bootstrap_aggregates(x, reps=reps)
    out["aggregates_s"] = time.perf_counter() - t
    t = time.perf_counter()
    out["improvement"] = stats.bootstrap_improvement(x, y, reps=reps)
    out["improvement_s"] = time.perf_counter() - t
    t = time.perf_counter()
    stats.bootstrap_profile(x, TAUS, reps=2000)
    out["profile_s"] = time.perf_counter() - t
    return out


def time_rliable(python: str, x: np.ndarray, y: np.ndarray, reps: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(Path(folder) / name) for name in ("x.npy", "y.npy")]
        np.save(paths[0], x)
        np.save(paths[1], y)
        done = subprocess.run([python, "-c", RLIABLE_SCRIPT, *paths, str(reps)], capture_output=True, text=True,
                              check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--reps", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rliable-python", help="a Python that imports rliable (a scratch venv)")
    parser.add_argument("--rliable-reps", type=int, default=5_000,
                        help="rliable's resamples (its time grows linearly; ratios are per resample)")
    args = parser.parse_args()
    x, y = scores(args.runs, args.tasks)
    labs = [time_lab(x, y, args.reps) for _ in range(args.repeats)]
    peers = [time_rliable(args.rliable_python, x, y, args.rliable_reps) for _ in range(args.repeats)] \
        if args.rliable_python else []

    print(f"{args.runs} runs × {args.tasks} tasks, {args.reps:,} resamples (profile: 2,000 × {len(TAUS)} τ), "
          f"median of {args.repeats}; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"numpy {np.__version__}, {date.today()}")
    if peers:
        print(f"rliable: {args.rliable_reps:,} resamples (2,000 for the profile); ratios are per resample")
    print("| statistic | lab s | rliable s | rliable / lab |")
    print("|---|---|---|---|")
    for part, label in (("aggregates", "IQM + median + mean + optimality gap"), ("improvement", "P(X > Y)"),
                        ("profile", "performance profile")):
        lab_s = statistics.median(r[f"{part}_s"] for r in labs)
        if peers:
            peer_s = statistics.median(r[f"{part}_s"] for r in peers)
            scale = 1.0 if part == "profile" else args.reps / args.rliable_reps
            print(f"| {label} | {lab_s:.3f} | {peer_s:.2f} | {peer_s * scale / lab_s:.0f}× |")
        else:
            print(f"| {label} | {lab_s:.3f} | – | – |")
    if peers:
        ours, theirs = labs[0], peers[0]
        print("\nagreement (lab vs rliable: point; low; high):")
        for k, name in enumerate(stats.AGGREGATES):
            mine = ours["aggregates"][name]
            other = [theirs["aggregates"][key][k] for key in ("point", "low", "high")]
            print(f"  {name}: {mine[0]:.6f} vs {other[0]:.6f}; {mine[1]:.4f} vs {other[1]:.4f}; "
                  f"{mine[2]:.4f} vs {other[2]:.4f}")
        mine, other = ours["improvement"], theirs["improvement"]
        print(f"  P(X > Y): {mine[0]:.6f} vs {other[0]:.6f}; {mine[1]:.4f} vs {other[1]:.4f}; "
              f"{mine[2]:.4f} vs {other[2]:.4f}")


if __name__ == "__main__":
    sys.exit(main())
