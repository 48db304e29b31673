"""The collapse marker: a seed has collapsed once its policy entropy falls below a floor or its
true reward crashes, and stays marked.

Reward crash: an EMA (rate 0.1) of the batch's mean true reward falls more than ``crash_drop``
below the best value that EMA has reached. Entropy: the mean per-token entropy of π_old on the
rollouts (nats) below ``entropy_floor``.
"""
from __future__ import annotations

import torch

EMA_RATE = 0.1


class CollapseTracker:
    """Per-seed sticky collapse flags."""

    def __init__(self, seeds: int, entropy_floor: float, crash_drop: float, device: torch.device):
        self.entropy_floor, self.crash_drop = entropy_floor, crash_drop
        self.ema: torch.Tensor | None = None
        self.best = torch.full((seeds,), -float("inf"), device=device)
        self.collapsed = torch.zeros(seeds, dtype=torch.bool, device=device)

    def update(self, true_reward: torch.Tensor, entropy: torch.Tensor) -> torch.Tensor:
        """Feed one batch's mean true reward and entropy (S,); returns the flags as floats (S,)."""
        self.ema = true_reward.clone() if self.ema is None else self.ema + EMA_RATE * (true_reward - self.ema)
        self.best = torch.maximum(self.best, self.ema)
        crashed = self.best - self.ema > self.crash_drop
        self.collapsed |= crashed | (entropy < self.entropy_floor)
        return self.collapsed.to(torch.float32)
