"""Benchmark: one grid swept four ways — notebooks serial, notebooks on Dask, the trainer serial, the
trainer with the seed axis batched into its population — and Ray's start-up cost when Ray is installed.

    .venv/bin/python benchmarks/bench_sweeps.py [--alphas 8] [--seeds 8] [--out /tmp/bench_sweeps]

The grid: ``alphas`` values of the policy cliff's entropy bonus α in [0, 0.5] × ``seeds`` base seeds
(64 points by default), each point a small run (200 steps, 3 ε values, 4 seeds per ε).

* notebook, serial / dask: ``notebooks/01_policy_cliff.ipynb`` under papermill at every point
  (``lab.core.sweep.run_sweep`` of a notebook spec), one process, then a LocalCluster of 2 workers;
* trainer, serial: the same grid as a trainer sweep of ``cliff`` (one Run per point, in this process);
* trainer, batched: the base-seed axis folded into the population — one run per α with
  ``seeds × 4`` seeds — which is what a population trainer is for.

Each timed once (a sweep is minutes long; the machine's load is printed beside it). Every sweep
starts from an empty directory, so nothing is resumed.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from lab.core.sweep import SweepSpec, run_sweep, trainer_spec

REPO = Path(__file__).resolve().parent.parent
SMALL = {"steps": 200, "n_eps": 3, "seeds": 4}


def timed(label: str, fn) -> tuple[str, float, int]:
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    assert not result.failed, result.failed
    return label, seconds, len(result.done)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alphas", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--out", default="/tmp/bench_sweeps")
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    alphas = [round(float(a), 4) for a in np.linspace(0.0, 0.5, args.alphas)]
    seeds = list(range(args.seeds))
    notebook = SweepSpec("notebook", str(REPO / "notebooks" / "01_policy_cliff.ipynb"), dict(SMALL),
                         {"alpha": alphas, "seed": seeds})
    text = {k: str(v) for k, v in SMALL.items()}
    per_point = trainer_spec("cliff", text, {"alpha": [str(a) for a in alphas]}, seeds)
    batched = trainer_spec("cliff", {**text, "seeds": str(SMALL["seeds"] * args.seeds)},
                           {"alpha": [str(a) for a in alphas]}, [0])
    rows = [
        timed("notebook sweep, serial", lambda: run_sweep(notebook, out / "nb-serial", progress=False)),
        timed("notebook sweep, Dask (2 workers)", lambda: run_sweep(notebook, out / "nb-dask", engine="dask",
                                                                     workers=2, progress=False)),
        timed("trainer sweep, serial (one run per point)", lambda: run_sweep(per_point, out / "tr-serial",
                                                                              progress=False)),
        timed("trainer sweep, seeds batched (one run per α)", lambda: run_sweep(batched, out / "tr-batched",
                                                                                 progress=False)),
    ]
    try:
        import ray
        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        ray.get(ray.remote(lambda: 1).remote())
        ray.shutdown()
        rows.append(("Ray: start a local Ray, run one task, shut down", time.perf_counter() - started, 1))
    except ImportError:
        rows.append(("Ray: not installed (pip install 'stability-lab[ray]')", float("nan"), 0))

    print(f"{len(alphas)} α × {len(seeds)} seeds = {len(alphas) * len(seeds)} points; "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {date.today()}, load at the end "
          f"{os.getloadavg()[0]:.1f}")
    base = rows[0][1]
    print("| sweep | runs | seconds | speed-up over notebooks serial |")
    print("|---|---|---|---|")
    for label, seconds, runs in rows:
        ratio = f"{base / seconds:.1f}×" if "sweep" in label and np.isfinite(seconds) else "–"
        print(f"| {label} | {runs} | {seconds:.1f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
