"""Nash Mirror Descent (Nash-MD).

Munos et al., "Nash Learning from Human Feedback" (arXiv 2312.00886), the Nash-MD update:
  geometric mixture  π_t^μ ∝ π_t^{1−η_t β} · μ^{η_t β},
  then               π_{t+1} ∝ π_t^μ · exp(η_t · g_{π_t^μ}),
with η_t constant, or η_t = 1/(β(t+2)) (``schedule="decreasing"``); one preference query.
"""
from __future__ import annotations

import torch

from ..batch import GameBatch, normalize

NAME = "Nash-MD"
QUERIES_PER_ITERATION = 1


def step(game: GameBatch, state: dict, eta, schedule: str = "constant") -> dict:
    t = state.get("t", torch.zeros_like(game.beta))       # iterations so far, (B, 1) on the device
    eta_t = 1.0 / (game.beta * (t + 2)) if schedule == "decreasing" else eta
    eb = eta_t * game.beta
    mixture = normalize((1 - eb) * state["log_pi"] + eb * game.log_mu)
    return {"log_pi": normalize(mixture + eta_t * game.win_rates(mixture)), "t": t + 1}
