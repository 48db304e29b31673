"""Benchmark: lab's batched round robin vs axelrod.Tournament on Axelrod's basic strategies.

    .venv/bin/python benchmarks/bench_tournament.py [--turns 200] [--repetitions 10] [--repeats 5]
        [--parallel-repeats 3] [--scale-repetitions 100]

Two player sets, each a full round robin (every pairing, self-play included) of ``turns`` rounds
and ``repetitions`` matches per pairing, the Prisoner's Dilemma (3, 0, 5, 1), in one run:

* deterministic: the 8 basic strategies whose lab machines replay Axelrod's exactly (Cooperator,
  Defector, TitForTat, SuspiciousTitForTat, WinStayLoseShift, Grudger, TitFor2Tats, Alternator;
  the mapping of tests/games/test_repeated.py). Scores must agree exactly, pairing by pairing.
* stochastic: those 8 plus Random (p = 0.5), GTFT (p = 1/3) and NaiveProber (p = 0.1). The random
  draws differ between the engines, so the scores agree only in distribution: each pairing's mean
  score is compared with a two-sample z-test over the repetitions (|z| ≤ 5; exact equality where
  neither side varies).
* optionally (``--scale-repetitions``, 0 to skip) the stochastic set again with more repetitions.

Timed, median of ``repeats`` runs after one untimed warm-up (whose results are the ones checked):

* lab: ``lab.games.repeated.round_robin(strategies, game, turns, repetitions, seed=0)`` — all
  pairings × repetitions as one batch of matches, numpy, single thread; returns the mean score table.
* axelrod: ``axelrod.Tournament(players, turns=…, repetitions=…, seed=0).play(progress_bar=False)``,
  i.e. ``processes=None``, Axelrod's serial path: plays the matches, writes them to a temporary
  CSV, builds the ResultSet (dask, single-threaded scheduler).
* axelrod, matches only: the same call with ``build_results=False`` (no ResultSet) — the part of
  Axelrod's work that corresponds to lab's.
* axelrod ``processes=1`` (``--parallel-repeats`` runs, 0 to skip): note that Axelrod reads any
  ``processes`` that is not None as "parallel", and 1 (< 2) as "use cpu_count() workers"; the
  workers are *spawned* processes (importing axelrod sets the spawn start method), each of which
  re-imports axelrod before it plays a match.

``import axelrod`` (≈10–20 s) happens once, before any timing, and is not in the timings.
Axelrod's Match keeps a deterministic cache, so in a tournament a pairing of two deterministic
players is played once and replayed from the cache for the other repetitions; lab plays every match.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from datetime import date

import numpy as np

from lab.games import strategies as st
from lab.games.repeated import play, prisoners_dilemma, round_robin

SEED = 0
DETERMINISTIC = [  # (lab strategy, Axelrod class name)
    (st.cooperator, "Cooperator"), (st.defector, "Defector"), (st.tit_for_tat, "TitForTat"),
    (st.suspicious_tit_for_tat, "SuspiciousTitForTat"), (st.win_stay_lose_shift, "WinStayLoseShift"),
    (st.grim_trigger, "Grudger"), (st.tit_for_two_tats, "TitFor2Tats"), (st.alternator, "Alternator"),
]
STOCHASTIC = DETERMINISTIC + [(st.random_player, "Random"), (st.generous_tit_for_tat, "GTFT"),
                              (st.naive_prober, "NaiveProber")]


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls after one untimed warm-up call; returns (median, warm-up result)."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def lab_per_repetition(strategies, game, turns: int, repetitions: int) -> np.ndarray:
    """Per-repetition scores (n, n, repetitions) of exactly the matches round_robin plays (same batch
    order and seed), for the z-test; the diagonal is the mean of the two self-play sides."""
    n = len(strategies)
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    row = [strategies[i] for i, _ in pairs for _ in range(repetitions)]
    column = [strategies[j] for _, j in pairs for _ in range(repetitions)]
    scores = play(row, column, game, turns, seed=SEED).scores.reshape(len(pairs), repetitions, 2)
    out = np.zeros((n, n, repetitions))
    for (i, j), s in zip(pairs, scores):
        out[i, j], out[j, i] = s[:, 0], s[:, 1]
        if i == j:
            out[i, i] = s.mean(axis=1)
    return out


def axelrod_per_repetition(results, turns: int) -> np.ndarray:
    """Axelrod's per-repetition scores (n, n, repetitions): ``results.payoffs`` is the mean payoff per
    turn of player i against j in each repetition (self-play included: the mean of its two sides, as
    in lab); × turns, rounded to the multiples of ½ that the PD's integer payoffs make them (the
    per-turn means carry float error)."""
    lengths = np.array(results.match_lengths, dtype=float)
    if not np.all(lengths == turns):
        raise AssertionError(f"Axelrod played matches of {sorted(set(lengths.ravel()))} turns, not {turns}")
    scores = np.array(results.payoffs, dtype=float) * turns
    if np.abs(2 * scores - np.rint(2 * scores)).max() > 1e-6:
        raise AssertionError("Axelrod's match scores are not multiples of ½")
    return np.rint(2 * scores) / 2


def check_exact(lab_table: np.ndarray, lab_reps: np.ndarray, axl_reps: np.ndarray, results) -> list[str]:
    problems = []
    if not np.array_equal(axl_reps, lab_reps):
        bad = np.argwhere((axl_reps != lab_reps).any(axis=2))
        problems.append(f"{len(bad)} pairings differ, e.g. {bad[:3].tolist()}")
    if not np.array_equal(axl_reps.mean(axis=2), lab_table):
        problems.append("the mean score tables differ")
    # Axelrod's `scores` (player i's total per repetition) leave the self-interaction out.
    off_diagonal = np.nansum(np.where(np.eye(len(lab_table), dtype=bool), np.nan, lab_table), axis=1)
    axl_totals = np.array(results.scores, dtype=float).mean(axis=1)
    if not np.allclose(axl_totals, off_diagonal, rtol=0, atol=1e-9):
        problems.append("total scores (self-play excluded) differ")
    return problems


def check_distribution(lab_table: np.ndarray, lab_reps: np.ndarray, axl_reps: np.ndarray) -> tuple[list[str], float, float]:
    problems = []
    if not np.allclose(lab_reps.mean(axis=2), lab_table, rtol=0, atol=1e-9):
        problems.append("lab's per-repetition replay does not match round_robin's table")
    reps = lab_reps.shape[2]
    se = np.sqrt(lab_reps.var(axis=2, ddof=1) / reps + axl_reps.var(axis=2, ddof=1) / reps)
    diff = lab_reps.mean(axis=2) - axl_reps.mean(axis=2)
    fixed = se == 0
    if np.any(np.abs(diff[fixed]) > 1e-9):
        problems.append(f"{int((np.abs(diff[fixed]) > 1e-9).sum())} non-random pairings differ")
    z = np.abs(diff[~fixed]) / se[~fixed]
    max_z = float(z.max()) if z.size else 0.0
    if max_z > 5:
        problems.append(f"{int((z > 5).sum())} pairings with |z| > 5")
    return problems, max_z, float(np.abs(diff).max())


def fmt(seconds: float) -> str:
    return f"{seconds:.3g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per row (median reported)")
    parser.add_argument("--parallel-repeats", type=int, default=3,
                        help="timed runs of Axelrod's processes=1 (each spawns workers that import axelrod); 0 skips")
    parser.add_argument("--scale-repetitions", type=int, default=100,
                        help="also run the stochastic set with this many repetitions; 0 skips")
    args = parser.parse_args()
    game = prisoners_dilemma()

    run_start = time.perf_counter()
    import_start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import axelrod as axl
    import_seconds = time.perf_counter() - import_start
    import torch  # only for the version line; lab's round robin is numpy

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"python {sys.version.split()[0]}, numpy {np.__version__}, torch {torch.__version__}, "
          f"axelrod {axl.__version__}; {date.today()}")
    print(f"import axelrod: {import_seconds:.1f} s (not timed below)")
    print(f"turns {args.turns}, median of {args.repeats} runs after one warm-up "
          f"(Axelrod processes=1: {args.parallel_repeats} runs)\n")

    tasks = [("8 deterministic", DETERMINISTIC, args.repetitions, True),
             ("11 incl. stochastic", STOCHASTIC, args.repetitions, True)]
    if args.scale_repetitions:
        tasks.append(("11 incl. stochastic", STOCHASTIC, args.scale_repetitions, False))

    rows, checks, failed = [], [], False
    for label, pairing, repetitions, with_parallel in tasks:
        ours = [make() for make, _ in pairing]
        theirs = [getattr(axl, name)() for _, name in pairing]

        def lab_run():
            return round_robin(ours, game, args.turns, repetitions, seed=SEED)

        def axl_run(build_results=True, processes=None):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tournament = axl.Tournament(theirs, turns=args.turns, repetitions=repetitions, seed=SEED)
                return tournament.play(progress_bar=False, build_results=build_results, processes=processes)

        lab_s, lab_table = timed(lab_run, args.repeats)
        axl_s, results = timed(axl_run, args.repeats)
        bare_s, _ = timed(lambda: axl_run(build_results=False), args.repeats)
        task = f"{label} × {repetitions} reps"
        rows.append((task, "lab round_robin (numpy, one batch)", fmt(lab_s), "1×"))
        rows.append((task, "axelrod Tournament.play (serial, processes=None)", fmt(axl_s), f"{axl_s / lab_s:,.0f}×"))
        rows.append((task, "axelrod, matches only (build_results=False)", fmt(bare_s), f"{bare_s / lab_s:,.0f}×"))
        if with_parallel and args.parallel_repeats:
            par_s, _ = timed(lambda: axl_run(processes=1), args.parallel_repeats)
            rows.append((task, f"axelrod Tournament.play(processes=1) → {os.cpu_count()} spawned workers",
                         fmt(par_s), f"{par_s / lab_s:,.0f}×"))

        lab_reps = lab_per_repetition(ours, game, args.turns, repetitions)
        axl_reps = axelrod_per_repetition(results, args.turns)
        if pairing is DETERMINISTIC:
            problems = check_exact(lab_table, lab_reps, axl_reps, results)
            checks.append(f"{task}: {len(ours) ** 2} ordered pairings × {repetitions} repetitions, scores equal "
                          f"exactly (and Axelrod's self-play-free totals): " + ("OK" if not problems else
                                                                                 "FAILED: " + "; ".join(problems)))
        else:
            problems, max_z, max_diff = check_distribution(lab_table, lab_reps, axl_reps)
            checks.append(f"{task}: mean scores agree in distribution, max |z| = {max_z:.2f} over the random "
                          f"pairings (max |Δ mean score| = {max_diff:.1f} of {5 * args.turns}): "
                          + ("OK" if not problems else "FAILED: " + "; ".join(problems)))
        failed |= bool(problems)

    print("| task | implementation | median s | × lab |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\nchecks (from the warm-up runs):")
    for line in checks:
        print(f"- {line}")
    print(f"\nwhole run {time.perf_counter() - run_start:.0f} s, import included")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
