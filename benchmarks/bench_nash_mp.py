"""Benchmark: lab's batched Nash-MP (torch) vs a plain numpy loop of the same update, and vs peers.

    .venv/bin/python benchmarks/bench_nash_mp.py [--iterations 1000] [--repeats 5] [--quick]
        [--openspiel-path DIR]

Four tasks, in one run: one game with 1,000, 100 and 30 actions, and a population of 256 random
games with 30 actions each; random preference matrices, uniform μ, β = 0.1, η = 1 (fixed seed).

Threads: one for torch and one for numpy's BLAS unless the environment says otherwise
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` are set to 1 when unset, before
numpy and torch are imported; torch's intra-op threads follow ``OMP_NUM_THREADS``), so both sides
of the comparison run on the same number of threads; the header line states them. On a small
shared machine, a second thread mostly adds contention to these small products.

Timed, median of ``repeats`` runs each:

* lab: ``iterations`` steps of ``lab.games.algorithms.nash_mp.step`` on one ``GameBatch`` (all
  games at once), keeping only the last iterate; on CPU, and on CUDA when present (synchronized
  before the clock is read). The game is built on the device before timing; up to 100 warm-up steps
  run first.
* numpy: the identical update (log space, log-sum-exp normalization), vectorized over actions,
  a Python loop over the games of the population.
* peers, on the work they can do, namely the (unregularized, β = 0) equilibrium of the same game:
  nashpy ``Game(A, −A).linear_program()`` on the zero-sum game A = P − ½ (two scipy LPs, row and
  column player), and OpenSpiel's ``lp_solver.solve_zero_sum_matrix_game`` (cvxpy + ECOS) when
  ``pyspiel`` imports; both looped over the games of the population. For reference, lab's own
  solvers: ``regularized.equilibrium`` (Newton, the β-regularized equilibrium that Nash-MP
  approaches) and ``regularized.minimax_winner`` (one scipy/HiGHS LP, β = 0).

``--openspiel-path`` appends a directory (e.g. the site-packages of a scratch venv holding
open_spiel, cvxpy and ecos) to the *end* of ``sys.path``, so it never shadows this environment's
numpy/scipy. Without it, OpenSpiel rows are skipped unless ``pyspiel`` already imports.

Checks printed under the table: max |π_torch − π_numpy| of the final policies (the comparison
is of the same computation), CUDA vs CPU, Nash-MP's distance to the Newton equilibrium, and the
LP solvers' exploitability in the β = 0 game.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy and torch load their thread pools

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lab.games.algorithms import nash_mp  # noqa: E402
from lab.games.batch import GameBatch  # noqa: E402
from lab.games.preference import random_preference  # noqa: E402
from lab.games.regularized import equilibrium, minimax_winner  # noqa: E402

BETA, ETA, SEED = 0.1, 1.0, 0


# --------------------------------------------------------------------------- lab, torch
def lab_run(game: GameBatch, iterations: int) -> torch.Tensor:
    state = {"log_pi": game.log_mu.clone()}
    for _ in range(iterations):
        state = nash_mp.step(game, state, ETA)
    return state["log_pi"]


def time_lab(P, mu, dev: torch.device, iterations: int, repeats: int):
    game = GameBatch.from_numpy(P, mu, BETA, device=dev)
    lab_run(game, min(iterations, 100))  # warm-up (allocator, kernels, thread pool)
    times, out = [], None
    for _ in range(repeats):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        out = lab_run(game, iterations)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out.exp().cpu().numpy()


# --------------------------------------------------------------------------- plain numpy
def _normalize(x: np.ndarray) -> np.ndarray:
    m = x.max()
    return x - (m + np.log(np.exp(x - m).sum()))


def numpy_run(P: np.ndarray, log_mu: np.ndarray, beta: float, eta: float, iterations: int) -> np.ndarray:
    """Nash-MP on one game, the same update as lab.games.algorithms.nash_mp, in numpy."""
    eb = eta * beta
    scale = 1.0 / (1.0 + eb)
    anchor = eb * log_mu
    log_pi = log_mu.copy()
    for _ in range(iterations):
        centre = log_pi + anchor
        half = _normalize((centre + eta * (P @ np.exp(log_pi))) * scale)
        log_pi = _normalize((centre + eta * (P @ np.exp(half))) * scale)
    return log_pi


def time_numpy(P, mu, iterations: int, repeats: int):
    log_mu = np.log(mu)
    numpy_run(P[0], log_mu, BETA, ETA, min(iterations, 100))  # warm-up
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = np.stack([numpy_run(Pb, log_mu, BETA, ETA, iterations) for Pb in P])
        times.append(time.perf_counter() - start)
    return statistics.median(times), np.exp(out)


# --------------------------------------------------------------------------- equilibrium solvers
def time_solver(solve, P, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = np.stack([solve(Pb) for Pb in P])
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def nashpy_solver():
    import nashpy

    def solve(Pb):
        A = Pb - 0.5
        row, _column = nashpy.Game(A, -A).linear_program()
        return np.asarray(row)
    return solve, f"nashpy {nashpy.__version__}"


def openspiel_solver():
    import pyspiel
    from open_spiel.python.algorithms import lp_solver
    try:
        from importlib.metadata import version
        label = f"OpenSpiel {version('open_spiel')}"
    except Exception:  # noqa: BLE001 - a label only
        label = "OpenSpiel"

    def solve(Pb):
        A = Pb - 0.5
        game = pyspiel.create_matrix_game(A.tolist(), (-A).tolist())
        row, _column, _v0, _v1 = lp_solver.solve_zero_sum_matrix_game(game)
        return np.asarray(row, dtype=float)
    return solve, label


def lp_gap(P, pi) -> float:
    """Worst exploitability of π in the β = 0 game over the population: −min_y' Σ_y π(y)(P(y≻y') − ½) ≥ 0."""
    return float(max(-(pib @ (Pb - 0.5)).min() for Pb, pib in zip(P, pi)))


# --------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5, help="runs per row; the median is reported")
    parser.add_argument("--peer-repeats", type=int, default=None,
                        help="runs per equilibrium-solver row (default: --repeats)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 50 iterations, 1 repeat, games of 200, 100 and 30 actions and 32 × 30")
    parser.add_argument("--openspiel-path", default=None,
                        help="directory appended to sys.path to import pyspiel/open_spiel from")
    args = parser.parse_args()
    if args.quick:
        args.iterations, args.repeats, args.peer_repeats = 50, 1, 1
    peer_repeats = args.peer_repeats or args.repeats
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    big_n, pop_b, pop_n = (200, 32, 30) if args.quick else (1000, 256, 30)

    if args.openspiel_path:
        sys.path.append(os.path.abspath(args.openspiel_path))
    peers = []
    for make in (nashpy_solver, openspiel_solver):
        try:
            peers.append(make())
        except ImportError as err:
            print(f"skipped {make.__name__.replace('_solver', '')}: {err}")
    peers.append((minimax_winner, "lab minimax_winner (HiGHS LP)"))

    rng = np.random.default_rng(SEED)
    big = np.stack([random_preference(big_n, rng)])
    population = np.stack([random_preference(pop_n, rng) for _ in range(pop_b)])
    # the 100- and 30-action games are drawn last: the other two keep the matrices of earlier runs
    tasks = [(f"1 game × {big_n} actions", big)]
    tasks += [(f"1 game × {n} actions", np.stack([random_preference(n, rng)])) for n in (100, 30)]
    tasks.append((f"{pop_b} games × {pop_n} actions", population))
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), numpy {np.__version__} "
          f"(OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']})"
          + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else "") + f"; {date.today()}")
    print(f"Nash-MP: {args.iterations} iterations, η = {ETA}, β = {BETA}, μ uniform; "
          f"median of {args.repeats} runs (equilibrium solvers: {peer_repeats})\n")

    rows, checks = [], []
    for task, P in tasks:
        n = P.shape[1]
        mu = np.full(n, 1.0 / n)
        t_cpu, pi_cpu = time_lab(P, mu, devices[0], args.iterations, args.repeats)
        rows.append((task, "lab Nash-MP (torch, batched)", "cpu", f"{args.iterations} iterations", t_cpu))
        for dev in devices[1:]:
            t, pi = time_lab(P, mu, dev, args.iterations, args.repeats)
            rows.append((task, "lab Nash-MP (torch, batched)", dev.type, f"{args.iterations} iterations", t))
            checks.append(f"{task}: max |π_{dev.type} − π_cpu| = {np.abs(pi - pi_cpu).max():.1e}")
        t, pi_np = time_numpy(P, mu, args.iterations, args.repeats)
        rows.append((task, "numpy loop, same update", "cpu", f"{args.iterations} iterations", t))
        checks.append(f"{task}: max |π_torch − π_numpy| = {np.abs(pi_np - pi_cpu).max():.1e}")

        t, pi_star = time_solver(lambda Pb: equilibrium(Pb, mu, BETA), P, peer_repeats)
        rows.append((task, "lab equilibrium (Newton, numpy)", "cpu", "β-equilibrium", t))
        checks.append(f"{task}: max |π_Nash-MP − π*_β (Newton)| = {np.abs(pi_cpu - pi_star).max():.1e}")
        for solve, label in peers:
            t, pi = time_solver(solve, P, peer_repeats)
            rows.append((task, label, "cpu", "β = 0 equilibrium (LP)", t))
            checks.append(f"{task}: {label} exploitability (β = 0) = {lp_gap(P, pi):.1e}")

    base = {task: t for task, impl, dev, _, t in rows if impl.startswith("lab Nash-MP") and dev == "cpu"}
    print("| task | implementation | device | work | median s | × lab torch CPU |")
    print("|---|---|---|---|---|---|")
    for task, impl, dev, work, t in rows:
        ratio = t / base[task]
        print(f"| {task} | {impl} | {dev} | {work} | {t:.3g} | {ratio:,.0f}× |" if ratio >= 10
              else f"| {task} | {impl} | {dev} | {work} | {t:.3g} | {ratio:.2g}× |")
    print("\nchecks:")
    for line in checks:
        print(f"- {line}")


if __name__ == "__main__":
    main()
