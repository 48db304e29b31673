"""Benchmark: the Policy Cliff trainer stepping a population at once vs looping members.

    .venv/bin/python benchmarks/bench_cliff_population.py [--steps 200] [--repeats 5]

For each population size and device (CPU, and CUDA when present) it times ``steps`` updates
of one batched trainer against the same number of updates of single-member trainers in a
Python loop, and prints the median of ``repeats`` runs and the ratio, as a markdown table.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from lab.cliff.reinforce import CliffBanditConfig, CliffBanditTrainer


def seconds(trainers: list[CliffBanditTrainer], steps: int, dev: torch.device) -> float:
    for t in trainers:  # warm-up
        t.step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        for t in trainers:
            t.step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 256, 4096],
                        help="population sizes (multiples of 256 above 256)")
    args = parser.parse_args()
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
          + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""))
    print(f"steps: {args.steps}, median of {args.repeats}\n")
    print("| device | population | batched steps/s | looped steps/s | batched / looped |")
    print("|---|---|---|---|---|")
    for dev in devices:
        for size in args.sizes:
            seeds = min(size, 256)  # population = n_eps × seeds; seeds ≤ 256 per ε
            batched_cfg = CliffBanditConfig(n_eps=size // seeds, seeds=seeds)
            single_cfg = CliffBanditConfig(n_eps=1, seeds=1)
            loop_members = min(size, 256)  # looping thousands of members takes minutes; scale up
            batched = statistics.median(
                seconds([CliffBanditTrainer(batched_cfg, dev)], args.steps, dev) for _ in range(args.repeats))
            looped = statistics.median(
                seconds([CliffBanditTrainer(single_cfg.replace(seed=i), dev) for i in range(loop_members)],
                        args.steps, dev) * size / loop_members for _ in range(args.repeats))
            print(f"| {dev.type} | {size} | {args.steps / batched:,.0f} | {args.steps / looped:,.1f} "
                  f"| {looped / batched:,.0f}× |")


if __name__ == "__main__":
    main()
