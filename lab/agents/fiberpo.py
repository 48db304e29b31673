"""FiberPO's gated ratio (Li et al., "Fibration Policy Optimization", arXiv 2603.08239, Def. 5.1, Eqs. 6–16)."""
from __future__ import annotations

import torch


def surrogate(log_ratio: torch.Tensor, adv: torch.Tensor, delta: float, split: float,
              eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The per-step objective G(r)·Â to maximize and the steps whose gates are active: (S, B, L) each."""
    raise NotImplementedError("FiberPO's gate is being written")
