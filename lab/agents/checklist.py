"""CM2's checklist rewards (arXiv 2602.12268) on a task of hidden properties judged item by item."""
from __future__ import annotations

import torch

from .tasks import Task


class Checklist(Task):
    """Episodes that must satisfy hidden properties; a noisy judge scores each item."""

    def __init__(self, vocab: int, length: int, tasks: int, task_seed: int, reward: str, judge_noise: float,
                 holistic_noise: float, device: torch.device):
        super().__init__(vocab, length, tasks, device)
        raise NotImplementedError("CM2's checklist task is being written")
