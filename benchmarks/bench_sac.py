"""Benchmark: lab's SAC (one seed, and a population) against stable-baselines3's SAC on Pendulum.

    .venv/bin/python benchmarks/bench_sac.py [--steps 20000] [--population 16] [--population-steps N]
        [--hidden 256] [--threads 1] [--sb3-path DIR]

Same hyperparameters on both sides: 2 hidden layers of ``--hidden`` ReLU units, Adam 3e-4,
batch 256, γ = 0.99, τ = 0.005, 1,000 uniform random steps first, automatic α toward −dim(A),
one env step and one gradient update per step. Prints, as a markdown table, env-steps/s
(wall clock of the whole run, collection included) and the deterministic evaluation return
(10 episodes) reached after ``--steps`` steps: SB3 single seed, lab single seed, and lab with
``--population`` seeds in one process (its env-steps/s counts every seed; ``--population-steps``
shortens that run, since its rate, not its return, is what is compared). 16 sequential SB3
runs make env-steps at SB3's single-seed rate, so "population / SB3" compares the population
with them. stable-baselines3 is not a project dependency: install it anywhere
(``pip install --no-deps --target DIR stable-baselines3``) and pass ``--sb3-path DIR``.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import torch

from lab.critic.sac import SACConfig, SACTrainer


def run_lab(seeds: int, steps: int, hidden: int, device: str) -> tuple[float, list[float]]:
    """(env-steps/s over all seeds, deterministic return per seed)."""
    trainer = SACTrainer(SACConfig.from_params(seeds=seeds, steps=steps, hidden=hidden), device)
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step()
    if trainer.device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return seeds * steps / seconds, trainer.evaluate(10).tolist()


def run_sb3(steps: int, hidden: int) -> tuple[float, float]:
    """(env-steps/s, deterministic return) of stable-baselines3's SAC with the same settings."""
    import gymnasium
    from stable_baselines3 import SAC
    from stable_baselines3.common.evaluation import evaluate_policy

    model = SAC("MlpPolicy", gymnasium.make("Pendulum-v1"), learning_rate=3e-4, buffer_size=100_000,
                learning_starts=1000, batch_size=256, tau=0.005, gamma=0.99, train_freq=1, gradient_steps=1,
                ent_coef="auto", policy_kwargs={"net_arch": [hidden, hidden]}, device="cpu", seed=0, verbose=0)
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - start
    mean, _ = evaluate_policy(model, gymnasium.make("Pendulum-v1"), n_eval_episodes=10, deterministic=True)
    return steps / seconds, float(mean)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--population", type=int, default=16)
    parser.add_argument("--population-steps", type=int, default=None,
                        help="steps of the population run (default: --steps)")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--device", default="cpu", help="device of the lab's trainers")
    parser.add_argument("--sb3-path", default=None, help="a folder holding stable_baselines3, appended to sys.path")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.sb3_path:
        sys.path.append(args.sb3_path)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {args.steps} steps, hidden {args.hidden}\n")
    rows = []
    try:
        rate, ret = run_sb3(args.steps, args.hidden)
        rows.append(("SB3 SAC", 1, args.steps, rate, f"{ret:.0f}"))
        sb3_rate = rate
    except ImportError:
        print("stable-baselines3 not found; pass --sb3-path")
        sb3_rate = None
    for seeds, steps in ((1, args.steps), (args.population, args.population_steps or args.steps)):
        rate, returns = run_lab(seeds, steps, args.hidden, args.device)
        rows.append((f"lab SAC ({args.device})", seeds, steps, rate, ", ".join(f"{r:.0f}" for r in returns)))
    print("| run | seeds | steps | env-steps/s | × SB3 | deterministic return (10 episodes) |")
    print("|---|---|---|---|---|---|")
    for name, seeds, steps, rate, ret in rows:
        ratio = f"{rate / sb3_rate:.2f}" if sb3_rate else "–"
        print(f"| {name} | {seeds} | {steps:,} | {rate:,.1f} | {ratio} | {ret} |")


if __name__ == "__main__":
    main()
