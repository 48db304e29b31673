"""Running the exact dynamics: the iterates of an algorithm on a batch of games."""
from __future__ import annotations

import torch

from .batch import GameBatch


def trajectory(algorithm, game: GameBatch, eta, iterations: int, log_pi0: torch.Tensor | None = None,
               **options) -> torch.Tensor:
    """log π_0 … log π_K of ``algorithm`` (a module of ``lab.games.algorithms``), shape (K+1, B, n).
    π_0 defaults to μ."""
    if iterations < 0:
        raise ValueError(f"iterations = {iterations} must be ≥ 0")
    state = {"log_pi": game.log_mu.clone() if log_pi0 is None else log_pi0}
    path = [state["log_pi"]]
    for _ in range(iterations):
        state = algorithm.step(game, state, eta, **options)
        path.append(state["log_pi"])
    return torch.stack(path)


def kl_to(log_target: torch.Tensor, log_path: torch.Tensor) -> torch.Tensor:
    """KL(π* ‖ π_k) along a path: log_target (B, n), log_path (K+1, B, n) → (K+1, B)."""
    return (log_target.exp() * (log_target - log_path)).sum(-1)
