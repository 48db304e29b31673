"""The Moran process on repeated-game strategies, many independent runs at once.

Nowak (2006), *Evolutionary Dynamics*, ch. 6; as in Axelrod's ``MoranProcess``: a population of
N players; each step every player's fitness is its mean match score against all the others,
one player is chosen to reproduce with probability proportional to fitness, and its offspring
replaces a player chosen uniformly at random among the others. Runs end when one strategy has taken over (fixation).
Match scores between strategy types come from the batched engine once; the process itself is
vectorized over runs in numpy.
"""
from __future__ import annotations

import numpy as np

from .repeated import Game2x2, round_robin
from .strategies import Strategy


def moran(strategies: list[Strategy], counts: list[int], game: Game2x2, turns: int = 200, runs: int = 1000,
          max_steps: int = 100_000, seed: int = 0) -> np.ndarray:
    """Fixation counts: how many of ``runs`` each strategy took over, (len(strategies),).
    ``counts`` gives the initial number of players of each strategy (N = sum(counts))."""
    counts = np.asarray(counts, dtype=int)
    if len(counts) != len(strategies) or np.any(counts < 0) or counts.sum() < 2:
        raise ValueError(f"counts {counts.tolist()} must give a non-negative count per strategy, 2 players or more")
    # payoff[i, j]: i's score against j (one sampled match per pairing for stochastic strategies)
    payoff = round_robin(strategies, game, turns, seed=seed)
    rng = np.random.default_rng(seed)
    n_players = counts.sum()
    population = np.tile(counts, (runs, 1))                           # (runs, types)
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
        others = pop.copy()
        others[np.arange(len(pop)), parent] -= 1                           # the parent is not replaced
        dying = _choose(rng, others)
        pop[np.arange(len(pop)), parent] += 1
        pop[np.arange(len(pop)), dying] -= 1
        population[active] = pop
    else:
        raise RuntimeError(f"no fixation within {max_steps} steps in {int(active.sum())} runs")
    return (population == n_players).sum(axis=0)


def _choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row with probability proportional to ``weights`` (rows, types)."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return (cumulative < u[:, None]).sum(axis=1)
