"""Extragradient in its KL form (mirror prox with an explicit regularizer step).

Korpelevich (1976); Nemirovski (2004) mirror prox, with the entropic mirror map: a look-ahead
OMD step, then an OMD step from the same π_t with the look-ahead's win rates:
  π_{t+½} ∝ π_t^{1−ηβ} · μ^{ηβ} · exp(η · g_{π_t}),
  π_{t+1} ∝ π_t^{1−ηβ} · μ^{ηβ} · exp(η · g_{π_{t+½}}).
Unlike Nash-MP, the regularizer enters explicitly (1−ηβ), not as a prox (1/(1+ηβ)).
Two preference queries per iteration.
"""
from __future__ import annotations

from ..batch import GameBatch
from .omd import update

NAME = "Extragradient"
QUERIES_PER_ITERATION = 2


def step(game: GameBatch, state: dict, eta) -> dict:
    log_pi = state["log_pi"]
    half = update(game, log_pi, game.win_rates(log_pi), eta)
    return {"log_pi": update(game, log_pi, game.win_rates(half), eta)}
