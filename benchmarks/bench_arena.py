"""Benchmark: the critic stress arena's cells as batched populations against the same seeds trained
one at a time with the lab's own trainer.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_arena.py [--repeats 3] [--all] [--threads 1]

A cell is (variant, stress) over ``lab.critic.arena.BASE``: 16 seeds as one ``SACTrainer`` population
(``arena.run_cell``), or 16 runs of one seed each (``seeds=1``, seeds ``16·s + i``), every one with the
same ``run_cell`` (training, the final evaluation and overestimation measurement). The default grid
is the arena's two critics (single, twin) × three stresses — none, the smallest that reaches
utd 4 (τ = 1, γ = 0.999, utd 4) and the one where seeds diverge (… and lr 1e-2); ``--all`` takes every
stress of ``arena.STRESSES`` (22 cells). Prints, per cell and for the grid, the median wall time of
``--repeats`` runs of each way (alternated, so both see the same machine load), their ratio, and the
diverged seeds each way counted over the repeats (the same cells, so the counts should be alike).
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from lab.critic.arena import SEEDS, STRESSES, cell_config, run_cell

VARIANTS = {"single": {"critic": "single"}, "twin": {"critic": "twin"}}
DEFAULT_STRESSES = ["none", "tau=1,gamma=0.999,utd=4", "tau=1,gamma=0.999,lr=1e-2,utd=4"]


def batched(variant: dict, stress: dict, seed: int) -> tuple[float, int]:
    """(wall seconds, diverged seeds) of the cell as one population."""
    start = time.perf_counter()
    table = run_cell(cell_config(variant, stress, seed))
    return time.perf_counter() - start, int(table["diverged"].sum())


def one_at_a_time(variant: dict, stress: dict, seed: int) -> tuple[float, int]:
    """(wall seconds, diverged seeds) of the cell's seeds trained one per run."""
    start, diverged = time.perf_counter(), 0
    for member in range(SEEDS):
        diverged += int(run_cell(cell_config(variant, stress, SEEDS * seed + member, seeds=1))["diverged"].sum())
    return time.perf_counter() - start, diverged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each way per cell (base seeds 0..)")
    parser.add_argument("--all", action="store_true", help="every stress of arena.STRESSES (22 cells)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    stresses = list(STRESSES) if args.all else DEFAULT_STRESSES
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} "
          f"thread(s), device {'cuda' if torch.cuda.is_available() else 'cpu'}, {SEEDS} seeds a cell, "
          f"{args.repeats} repeats\n")
    print("| variant | stress | batched s (median) | one at a time s (median) | one at a time / batched "
          "| diverged: batched, one at a time |")
    print("|---|---|---|---|---|---|")
    totals = {"batched": [0.0] * args.repeats, "alone": [0.0] * args.repeats}
    for variant_name, variant in VARIANTS.items():
        for stress_name in stresses:
            times, diverged = {"batched": [], "alone": []}, {"batched": 0, "alone": 0}
            for repeat in range(args.repeats):
                for way, train in (("batched", batched), ("alone", one_at_a_time)):
                    seconds, lost = train(variant, STRESSES[stress_name], repeat)
                    times[way].append(seconds)
                    totals[way][repeat] += seconds
                    diverged[way] += lost
            b, a = statistics.median(times["batched"]), statistics.median(times["alone"])
            print(f"| {variant_name} | {stress_name} | {b:.1f} | {a:.1f} | {a / b:.1f}× "
                  f"| {diverged['batched']}, {diverged['alone']} of {SEEDS * args.repeats} |", flush=True)
    b, a = statistics.median(totals["batched"]), statistics.median(totals["alone"])
    print(f"| **grid** | {len(VARIANTS) * len(stresses)} cells | {b:.1f} | {a:.1f} | {a / b:.1f}× | |")


if __name__ == "__main__":
    main()
