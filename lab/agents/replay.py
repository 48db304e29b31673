"""ARPO's replay of past successes (Lu et al., arXiv 2505.16282)."""
from __future__ import annotations

import torch


class SuccessReplay:
    """Per seed and task, the last ``size`` successful episodes (first in, first out), on the device."""

    def __init__(self, seeds: int, tasks: int, size: int, length: int, device: torch.device):
        raise NotImplementedError("ARPO's replay is being written")

    def inject(self, prompts: torch.Tensor, tokens: torch.Tensor, reward: torch.Tensor, group: int,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tokens and rewards with the first episode of every all-failed group replaced by a stored success
        of its task (where one is stored), and the mask of replaced episodes (S, B)."""
        raise NotImplementedError

    def add(self, prompts: torch.Tensor, tokens: torch.Tensor, reward: torch.Tensor) -> None:
        """Store the batch's successful episodes."""
        raise NotImplementedError
