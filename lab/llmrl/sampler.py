"""The training/inference mismatch: rollouts come from a perturbed copy μ_old of π_old.

An inference engine computes the same network as the trainer but not the same numbers
(other kernels, reduced precision, sampling settings). Here μ_old's logits are π_old's
logits (1) rounded to a lower precision, (2) divided by a sampling temperature, (3) plus
fresh Gaussian noise per token: z_μ = round(z)/T + σ·ε. With fp32, T = 1 and σ = 0, μ_old = π_old.
"""
from __future__ import annotations

from typing import Callable

import torch

PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def perturbation(noise: float, temperature: float, precision: str,
                 generator: torch.Generator) -> Callable[[torch.Tensor], torch.Tensor]:
    """z ↦ round_precision(z) / temperature + noise·ε, ε ~ N(0, 1) per logit."""
    dtype = PRECISIONS[precision]

    def perturb(z: torch.Tensor) -> torch.Tensor:
        z = z.to(dtype).to(z.dtype) / temperature
        if noise > 0:
            z = z + noise * torch.randn(z.shape, generator=generator, device=z.device)
        return z

    return perturb
