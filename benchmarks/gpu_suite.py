"""GPU suite (issue 17): every device measurement in one run, printed as one markdown table.

    .venv/bin/python benchmarks/gpu_suite.py [--quick] [--budget-s 420] [--out FILE]

Made for a lent GPU (about 15 minutes, its start included): one call measures everything, under 8
minutes, each row capped in time. Without CUDA it measures the CPU rows only (``--quick``: tiny sizes,
seconds, for the test that keeps this script working).

Rows (rate = steps of the whole population per second × population, i.e. aggregated env-steps/s for
SAC, iterations/s × games for Nash-MP, trainer steps/s × seeds otherwise):

* SAC on Pendulum, 2×256, batch 256, one update per env step: 1 seed (LeanRL's 725 env-steps/s on an
  H100 with compile + CUDA graphs is the goal) and 16, 128, 512 seeds (goal ≥ 100,000 aggregated
  env-steps/s); CPU at 1 and 16 seeds;
* Nash-MP on 4,096 random games × 100 actions, CUDA vs CPU (goal ≥ 20×);
* the LLM-RL trainer at 64 and 512 seeds, eager and captured as a CUDA graph; the lattice at 64 lattices;
* the cliff bandit (its default population), eager and captured.

Each rate is measured after warm-up steps, over at least ``MIN_STEPS`` steps or ``cap`` seconds,
with the device synchronized before the clock is read. Checks printed under the table, on CUDA: each
trainer's step under ``torch.cuda.set_sync_debug_mode("error")`` (a host sync raises), and each
capturable trainer's captured run against its eager run (max |difference| of every metric, 40 steps).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch

from lab import Run
from lab.core.capture import CapturedStep
from lab.core.trainers import TRAINERS, trainer_class
from lab.games.algorithms import nash_mp
from lab.games.batch import GameBatch

MIN_STEPS = 5


def rate(step, population: int, device: torch.device, warmup: int, cap: float) -> float:
    """population × steps per second of ``step()`` after ``warmup`` steps, over ≥ MIN_STEPS steps or ``cap`` s."""
    for _ in range(warmup):
        step()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    steps, started = 0, time.perf_counter()
    while steps < MIN_STEPS or time.perf_counter() - started < cap:
        step()
        steps += 1
        if steps % 10 == 0:
            sync()
    sync()
    return population * steps / (time.perf_counter() - started)


def sac(seeds: int, device: torch.device, quick: bool) -> tuple:
    cls = trainer_class("critic")
    config = cls.Config(seeds=seeds, hidden=32 if quick else 256, layers=2, batch=32 if quick else 256,
                        learning_starts=20, steps=1_000_000, buffer=10_000)
    trainer = cls(config, device)
    return trainer.step, seeds, 25


def nash(games: int, actions: int, device: torch.device) -> tuple:
    rng = np.random.default_rng(0)
    upper = rng.uniform(size=(games, actions, actions))
    P = np.triu(upper, 1) + np.tril(1 - upper.transpose(0, 2, 1), -1) + 0.5 * np.eye(actions)
    game = GameBatch.from_numpy(P, np.full(actions, 1 / actions), 0.1, device)
    state = {"log_pi": game.log_mu.clone()}

    def step():
        state["log_pi"] = nash_mp.step(game, state, 1.0)["log_pi"]
    return step, games, 5


def trainer_step(name: str, settings: dict, device: torch.device, captured: bool = False) -> tuple:
    cls = trainer_class(name)
    trainer = cls(cls.Config(**settings), device)
    return (CapturedStep(trainer) if captured else trainer.step), trainer.population, 5


def rows_to_run(cuda: bool, quick: bool) -> list[tuple[str, str, str, callable, float]]:
    """(task, device, mode, make(device) → (step, population, warmup), cap s) per row."""
    cap = 0.5 if quick else 10.0
    sac_seeds = [1, 2] if quick else [1, 16, 128, 512]
    games, actions = (16, 10) if quick else (4096, 100)
    llm_seeds = [2] if quick else [64, 512]
    rows = []
    for device in (["cpu", "cuda"] if cuda else ["cpu"]):
        for seeds in (sac_seeds if device == "cuda" else sac_seeds[:2]):
            rows.append((f"SAC Pendulum 2×{32 if quick else 256}", device, f"{seeds} seeds",
                         lambda d, s=seeds: sac(s, d, quick), cap))
        rows.append((f"Nash-MP {games} games × {actions} actions", device, "eager",
                     lambda d: nash(games, actions, d), cap))
        for seeds in (llm_seeds if device == "cuda" else llm_seeds[:1]):
            rows.append(("LLM-RL", device, f"{seeds} seeds", lambda d, s=seeds: trainer_step("llmrl", {"seeds": s}, d),
                         cap))
            if device == "cuda":
                rows.append(("LLM-RL", device, f"{seeds} seeds captured",
                             lambda d, s=seeds: trainer_step("llmrl", {"seeds": s}, d, captured=True), cap))
        rows.append(("lattice", device, f"{2 if quick else 64} lattices",
                     lambda d: trainer_step("lattice", {"seeds": 2 if quick else 64}, d), cap))
        rows.append(("cliff bandit", device, "eager", lambda d: trainer_step("cliff", {}, d), cap))
        if device == "cuda":
            rows.append(("cliff bandit", device, "captured", lambda d: trainer_step("cliff", {}, d, captured=True),
                         cap))
    return rows


def sync_check(name: str, settings: dict, device: torch.device) -> str:
    """The trainer's step under sync debug mode 'error': 'none' or the first host sync's message."""
    cls = trainer_class(name)
    trainer = cls(cls.Config(**settings), device)
    for _ in range(30 if name == "critic" else 3):
        trainer.step()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):
            trainer.step()
        return "none"
    except RuntimeError as err:
        return str(err).splitlines()[0][:160]
    finally:
        torch.cuda.set_sync_debug_mode("default")


def capture_check(name: str, settings: dict, device: torch.device) -> float:
    """max |captured − eager| over every metric of a 40-step run of the same seed."""
    cls = trainer_class(name)
    config = cls.Config(**settings, steps=40)
    eager = Run(cls(config, device), 40, progress=False, capture=False).run()
    captured = Run(cls(config, device), 40, progress=False, capture=True).run()
    return max(float(np.nanmax(np.abs(captured.values(m) - eager.values(m)))) for m in eager.metrics)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the script, measures nothing")
    parser.add_argument("--budget-s", type=float, default=420.0, help="stop starting rows after this many seconds")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()
    torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
    cuda = torch.cuda.is_available()
    started = time.perf_counter()
    lines = [f"{platform.machine()}, {os.cpu_count()} CPU threads (torch uses {torch.get_num_threads()}), "
             f"{torch.cuda.get_device_name() if cuda else 'no CUDA'}, torch {torch.__version__}, {date.today()}"
             f"{', --quick (tiny sizes)' if args.quick else ''}",
             "", "| task | device | population / mode | rate | per step ms | × same row on CPU |",
             "|---|---|---|---|---|---|"]
    cpu_rates: dict[tuple[str, str], float] = {}
    for task, device, mode, make, cap in rows_to_run(cuda, args.quick):
        if time.perf_counter() - started > args.budget_s:
            lines.append(f"| {task} | {device} | {mode} | skipped: the {args.budget_s:.0f} s budget was spent | | |")
            continue
        dev = torch.device(device)
        try:
            step, population, warmup = make(dev)
            measured = rate(step, population, dev, warmup, cap)
        except Exception as err:  # noqa: BLE001 - a row that fails says why; the others go on
            lines.append(f"| {task} | {device} | {mode} | failed: {type(err).__name__}: {str(err)[:120]} | | |")
            continue
        if device == "cpu":
            cpu_rates[(task, mode)] = measured
        versus = cpu_rates.get((task, mode.removesuffix(" captured").replace("captured", "eager")))
        ratio = f"{measured / versus:.1f}×" if device == "cuda" and versus else "–"
        lines.append(f"| {task} | {device} | {mode} | {measured:,.0f}/s | {1000 * population / measured:.3f} | "
                     f"{ratio} |")
    if cuda:
        lines += ["", "Host syncs inside step() (torch.cuda.set_sync_debug_mode('error')):"]
        for name, settings in (("cliff", {}), ("critic", {"seeds": 4, "learning_starts": 20, "steps": 1000}),
                               ("llmrl", {}), ("preference", {}), ("lattice", {})):
            lines.append(f"- {name}: {sync_check(name, settings, torch.device('cuda'))}")
        lines += ["", "Captured vs eager, 40 steps, max |difference| over every metric:"]
        for name in (n for n in TRAINERS if trainer_class(n).CAPTURABLE):
            lines.append(f"- {name}: {capture_check(name, {}, torch.device('cuda')):.3g}")
    lines.append(f"\nwhole run {time.perf_counter() - started:.0f} s")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
