"""Optimistic multiplicative weights (OMWU), regularized toward μ.

Rakhlin & Sridharan (2013), Daskalakis & Panageas (2019) "Last-iterate convergence: zero-sum
games and constrained min-max optimization": the OMD update with the optimistic gradient
2·g_{π_t} − g_{π_{t−1}} in place of g_{π_t}:
  π_{t+1} ∝ π_t^{1−ηβ} · μ^{ηβ} · exp(η · (2·g_{π_t} − g_{π_{t−1}})).
One preference query per iteration (the previous one is remembered).
"""
from __future__ import annotations

from ..batch import GameBatch
from .omd import update

NAME = "OMWU"
QUERIES_PER_ITERATION = 1


def step(game: GameBatch, state: dict, eta) -> dict:
    g = game.win_rates(state["log_pi"])
    g_prev = state.get("g_prev", g)
    return {"log_pi": update(game, state["log_pi"], 2 * g - g_prev, eta), "g_prev": g}
