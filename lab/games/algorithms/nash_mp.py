"""Nash Mirror Prox (Nash-MP).

Tiapkin et al., "Accelerating Nash Learning from Human Feedback via Mirror Prox",
arXiv 2505.19731 v1, the Nash-MP update: two half-steps from the same prox centre π_k,
  π_{k+½} ∝ π_k^{1/(1+ηβ)} · μ^{ηβ/(1+ηβ)} · exp(η·g_{π_k} / (1+ηβ)),
  π_{k+1} ∝ π_k^{1/(1+ηβ)} · μ^{ηβ/(1+ηβ)} · exp(η·g_{π_{k+½}} / (1+ηβ)),
with g_π(y) = P(y ≻ π); two preference queries per iteration; η ≤ 2.
"""
from __future__ import annotations

from ..batch import GameBatch, normalize

NAME = "Nash-MP"
QUERIES_PER_ITERATION = 2


def prox_step(game: GameBatch, log_centre, g, eta):
    """π ∝ centre^{1/(1+ηβ)}·μ^{ηβ/(1+ηβ)}·exp(η·g/(1+ηβ)), in log space."""
    eb = eta * game.beta
    return normalize((log_centre + eb * game.log_mu + eta * g) / (1 + eb))


def step(game: GameBatch, state: dict, eta) -> dict:
    log_pi = state["log_pi"]
    half = prox_step(game, log_pi, game.win_rates(log_pi), eta)
    return {"log_pi": prox_step(game, log_pi, game.win_rates(half), eta)}
