"""The structural causal model of the causal-minimax lab (``lab.robust.causal_minimax``, arXiv 2107.01876):
each seed's coefficients, the mechanisms, regeneration after an intervention on M, and the candidate subsets.
Not reinforcement learning: a data-generating process for regression under shift.
"""
from __future__ import annotations

import torch

FEATURES = ("1", "X0", "X1", "X2", "M")                   # the columns of every least-squares design
STABLE = (1, 2, 3)                                        # X0, X1, X2: the stable variables a subset picks from
X1_COLUMN, M_COLUMN = 2, 4
BASE = {"b0": 1.0, "sigma_y": 1.0, "sigma_m": 0.5, "a": 1.0, "b": 0.5, "sigma_1": 0.5, "c": 1.0, "sigma_2": 1.5}


def draw_coefficients(config, generator: torch.Generator, device) -> dict[str, torch.Tensor]:
    """Each seed's SCM coefficients (seeds,) for a ``CausalMinimaxConfig``: the base ones (``BASE``,
    d = ``interaction``) times 1 + perturb·U(−1, 1)."""
    base = dict(BASE, d=config.interaction)
    scale = 1 + config.perturb * (2 * torch.rand(len(base), config.seeds, generator=generator, device=device) - 1)
    return {name: value * scale[i] for i, (name, value) in enumerate(base.items())}


def mechanism_x1(coef: dict[str, torch.Tensor], y: torch.Tensor, m: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """X1 = a·Y + b·M + d·M·Y + σ_1·ε_1 (seed coefficients broadcast over the trailing axes of y)."""
    c = {k: v.reshape(-1, *([1] * (y.dim() - 1))) for k, v in coef.items()}
    return c["a"] * y + c["b"] * m + c["d"] * m * y + c["sigma_1"] * noise


def generate(coef: dict[str, torch.Tensor], gamma: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The SCM in environment γ from exogenous noise (S, ..., 5) = (X0, ε_Y, ε_M, ε_1, ε_2): the design
    (S, ..., 5) over ``FEATURES`` and Y (S, ...). γ broadcasts against noise[..., 0] (a scalar, a grid
    (1, G, 1) or per-sample (S, n))."""
    c = {k: v.reshape(-1, *([1] * (noise.dim() - 2))) for k, v in coef.items()}
    x0, e_y, e_m, e_1, e_2 = noise.unbind(-1)
    y = c["b0"] * x0 + c["sigma_y"] * e_y
    m = gamma * y + c["sigma_m"] * e_m
    x1 = mechanism_x1(coef, y, m, e_1)
    x2 = c["c"] * y + c["sigma_2"] * e_2
    x0, y, x1, x2, m = torch.broadcast_tensors(x0, y, x1, x2, m)
    return torch.stack([torch.ones_like(y), x0, x1, x2, m], -1), y


def subset_masks(device) -> torch.Tensor:
    """The 8 candidate designs (8, 5): intercept and M always in, X0, X1, X2 in when bits 0, 1, 2 of the
    subset's index are set (index 7: the whole stable set; 5: {X0, X2})."""
    masks = torch.ones(8, len(FEATURES), device=device)
    for index in range(8):
        for bit, column in enumerate(STABLE):
            masks[index, column] = float(index >> bit & 1)
    return masks


def regenerate_m(design: torch.Tensor, y: torch.Tensor, coef: dict[str, torch.Tensor], m_new: torch.Tensor) -> torch.Tensor:
    """The design with M replaced by m_new and X1 regenerated with its own noise (any leading axes)."""
    c = {k: v.reshape(-1, *([1] * (y.dim() - 1))) for k, v in coef.items()}
    m = design[..., M_COLUMN]
    x1 = design[..., X1_COLUMN] + (c["b"] + c["d"] * y) * (m_new - m)
    return torch.cat([design[..., :X1_COLUMN], x1.unsqueeze(-1), design[..., X1_COLUMN + 1:M_COLUMN],
                      m_new.unsqueeze(-1)], -1)
