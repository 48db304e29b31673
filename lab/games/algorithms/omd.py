"""Online mirror descent / regularized multiplicative weights — the exact update behind INPO.

Zhang et al., "Iterative Nash Policy Optimization" (arXiv 2407.00617), the OMD update that
INPO's loss targets:  π_{t+1} ∝ π_t^{1−ηβ} · μ^{ηβ} · exp(η · g_{π_t});
β = 0 is plain multiplicative weights (MWU). One preference query per iteration.
"""
from __future__ import annotations

from ..batch import GameBatch, normalize

NAME = "OMD (INPO)"
QUERIES_PER_ITERATION = 1


def update(game: GameBatch, log_pi, g, eta):
    """log π_{t+1} = (1−ηβ)·log π_t + ηβ·log μ + η·g, normalized."""
    eb = eta * game.beta
    return normalize((1 - eb) * log_pi + eb * game.log_mu + eta * g)


def step(game: GameBatch, state: dict, eta) -> dict:
    return {"log_pi": update(game, state["log_pi"], game.win_rates(state["log_pi"]), eta)}
