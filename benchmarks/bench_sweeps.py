"""Benchmark: one grid swept five ways — notebooks serial, notebooks on Dask, the trainer one run per
point, the trainer with α batched, the trainer with α and the seeds in one population — and Ray's
start-up cost when Ray is installed.

    .venv/bin/python benchmarks/bench_sweeps.py [--alphas 8] [--seeds 8] [--out /tmp/bench_sweeps]
        [--trainers-only]

The grid: ``alphas`` values of the policy cliff's entropy bonus α in [0, 0.5] × ``seeds`` base seeds
(64 points by default), each point a small run (200 steps, 3 ε values, 4 seeds per ε).

* notebook, serial / dask: ``notebooks/01_policy_cliff.ipynb`` under papermill at every point
  (``lab.core.sweep.run_sweep`` of a notebook spec), one process, then a LocalCluster of 2 workers;
* trainer, one run per point: the same grid as a trainer sweep of ``cliff`` with ``batch=False``
  (``--no-batch``), in this process;
* trainer, α batched: the sweep's default — the cliff batches α, so one run per base seed trains every
  α side by side;
* trainer, one population: α batched and the base seeds folded into the population too (one run with
  ``seeds × 4`` seeds per ε) — all 64 points in one run.

``--trainers-only`` skips the notebook rows (14 minutes of the 15) and Ray.

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


def ray_start() -> tuple[str, float, int]:
    try:
        import ray
    except ImportError:
        return "Ray: not installed (pip install 'stability-lab[ray]')", float("nan"), 0
    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.get(ray.remote(lambda: 1).remote())
    ray.shutdown()
    return "Ray: start a local Ray, run one task, shut down", time.perf_counter() - started, 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alphas", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--out", default="/tmp/bench_sweeps")
    parser.add_argument("--trainers-only", action="store_true", help="only the trainer rows")
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    alphas = [round(float(a), 4) for a in np.linspace(0.0, 0.5, args.alphas)]
    seeds = list(range(args.seeds))
    notebook = SweepSpec("notebook", str(REPO / "notebooks" / "01_policy_cliff.ipynb"), dict(SMALL),
                         {"alpha": alphas, "seed": seeds})
    text = {k: str(v) for k, v in SMALL.items()}
    alpha_text = {"alpha": [str(a) for a in alphas]}
    per_point = trainer_spec("cliff", text, alpha_text, seeds, batch=False)
    alpha_batched = trainer_spec("cliff", text, alpha_text, seeds)
    one_population = trainer_spec("cliff", {**text, "seeds": str(SMALL["seeds"] * args.seeds)}, alpha_text, [0])
    rows = [] if args.trainers_only else [
        timed("notebook sweep, serial", lambda: run_sweep(notebook, out / "nb-serial", progress=False)),
        timed("notebook sweep, Dask (2 workers)", lambda: run_sweep(notebook, out / "nb-dask", engine="dask",
                                                                     workers=2, progress=False)),
    ]
    rows += [
        timed("trainer sweep, one run per point (--no-batch)", lambda: run_sweep(per_point, out / "tr-serial",
                                                                                  progress=False)),
        timed("trainer sweep, α batched (the default: one run per base seed)",
              lambda: run_sweep(alpha_batched, out / "tr-alpha", progress=False)),
        timed("trainer sweep, α and seeds in one population (one run)",
              lambda: run_sweep(one_population, out / "tr-one", progress=False)),
    ]
    if not args.trainers_only:
        rows.append(ray_start())
    print(f"{len(alphas)} α × {len(seeds)} seeds = {len(alphas) * len(seeds)} points; "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {date.today()}, load at the end "
          f"{os.getloadavg()[0]:.1f}")
    base = rows[0][1]
    print(f"| sweep | runs | seconds | speed-up over {rows[0][0]} |")
    print("|---|---|---|---|")
    for label, seconds, runs in rows:
        ratio = f"{base / seconds:.1f}×" if "sweep" in label and np.isfinite(seconds) else "–"
        print(f"| {label} | {runs} | {seconds:.1f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
