"""The Moran process on repeated-game strategies, many independent runs at once.

Nowak (2006), *Evolutionary Dynamics*, ch. 6: a population of N players; each step every player's
fitness is its mean match score against the N − 1 others, one player is chosen to reproduce with
probability proportional to fitness, and its offspring replaces a player chosen uniformly at random.
Runs end when one strategy has taken over (fixation). Match scores between strategy types come from
the batched engine once; the process itself is vectorized over runs in numpy.

Against Axelrod's ``MoranProcess`` (birth-death mode, no mutation), two differences, both stated here
and checked in tests/games/test_moran.py:

- Who can die. Axelrod chooses the replaced player among *all* N, the parent included (its
  reproduction graph has loops), so a step can change nothing. ``moran`` by default chooses among the
  N − 1 others (the lab's historical behaviour, kept so that seeded results do not move);
  ``parent_replaceable=True`` is Axelrod's rule. Both give the same fixation probabilities: every
  step that changes the population does so with the same odds, f_B / f_A, for a loss against a gain.
  Self-replacement only adds idle steps: each step changes the population with (N − 1)/N of the
  probability, so the mean number of steps to fixation is exactly N / (N − 1) times longer with
  the parent replaceable (1.25 for N = 5).
- Stochastic strategies. The lab scores each pair of types once (one sampled match per pairing)
  and keeps those scores for the whole process; Axelrod replays every match at every step. For
  deterministic strategies without noise the two are the same; otherwise they are different
  processes (the lab's is the process on one draw of the payoff table).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .repeated import Game2x2, round_robin
from .strategies import Strategy


@dataclass
class MoranResult:
    fixed: np.ndarray    # (types,) how many runs each strategy took over
    winner: np.ndarray   # (runs,) the strategy that took over in each run
    steps: np.ndarray    # (runs,) birth-death steps until fixation (those that change nothing included)


def moran_process(strategies: list[Strategy], counts: list[int], game: Game2x2, turns: int = 200,
                  runs: int = 1000, max_steps: int = 100_000, seed: int = 0, *,
                  parent_replaceable: bool = False) -> MoranResult:
    """Run ``runs`` independent Moran processes to fixation; see the module docstring.
    ``counts`` gives the initial number of players of each strategy (N = sum(counts));
    ``parent_replaceable``: the offspring may replace its own parent (Axelrod's rule) or not."""
    counts = np.asarray(counts, dtype=int)
    if len(counts) != len(strategies) or np.any(counts < 0) or counts.sum() < 2:
        raise ValueError(f"counts {counts.tolist()} must give a non-negative count per strategy, 2 players or more")
    # payoff[i, j]: i's score against j (one sampled match per pairing for stochastic strategies)
    payoff = round_robin(strategies, game, turns, seed=seed)
    rng = np.random.default_rng(seed)
    n_players = counts.sum()
    population = np.tile(counts, (runs, 1))                           # (runs, types)
    steps = np.zeros(runs, dtype=int)
    for _ in range(max_steps):
        active = (population == n_players).sum(axis=1) == 0
        if not active.any():
            break
        pop = population[active]
        # mean score against the other N − 1 players
        fitness = (pop @ payoff.T - np.diag(payoff)) / (n_players - 1)   # (active, types)
        weight = pop * np.maximum(fitness, 0)
        weight = np.where(weight.sum(1, keepdims=True) > 0, weight, pop)   # all-zero fitness: neutral drift
        parent = _choose(rng, weight)
        candidates = pop.copy()
        if not parent_replaceable:
            candidates[np.arange(len(pop)), parent] -= 1                   # the parent is not replaced
        dying = _choose(rng, candidates)
        pop[np.arange(len(pop)), parent] += 1
        pop[np.arange(len(pop)), dying] -= 1
        population[active] = pop
        steps[active] += 1
    else:
        raise RuntimeError(f"no fixation within {max_steps} steps in {int(active.sum())} runs")
    winner = (population == n_players).argmax(axis=1)
    return MoranResult(np.bincount(winner, minlength=len(strategies)), winner, steps)


def moran(strategies: list[Strategy], counts: list[int], game: Game2x2, turns: int = 200, runs: int = 1000,
          max_steps: int = 100_000, seed: int = 0, *, parent_replaceable: bool = False) -> np.ndarray:
    """Fixation counts: how many of ``runs`` each strategy took over, (len(strategies),).
    ``counts`` gives the initial number of players of each strategy (N = sum(counts)); see
    ``moran_process`` for ``parent_replaceable`` and for the steps to fixation."""
    return moran_process(strategies, counts, game, turns, runs, max_steps, seed,
                         parent_replaceable=parent_replaceable).fixed


def _choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row with probability proportional to ``weights`` (rows, types)."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return (cumulative < u[:, None]).sum(axis=1)
