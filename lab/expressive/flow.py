"""A population of flow-matching policies over small continuous actions: one velocity field per seed.

Flow matching (Lipman et al., arXiv 2210.02747, eq. 23 with σ_min = 0; the straight "rectified" path of
Liu et al., arXiv 2209.03003): for data a₁ and noise a₀ ~ N(0, I), the point aₜ = (1 − t)·a₀ + t·a₁ moves
with velocity a₁ − a₀, and the field v_θ(aₜ, t | c) is regressed onto it,

    L(θ) = E_{t ~ U[0,1], a₀, a₁} ‖v_θ(aₜ, t | c) − (a₁ − a₀)‖².

Sampling integrates da/dt = v_θ(a, t | c) from a₀ at t = 0 to t = 1 with ``steps`` Euler steps. Each seed's
field is a batched MLP (``lab.critic.networks``): input (a, t, c), output da/dt, no loop over seeds. The
labs of ``lab.expressive`` use it as the expressive policy (EXPO's base, GPC's parents, TACO's chunk
policy) and as GoRL's decoder (``identity=True``: the last layer starts at zero, so the flow starts as the
identity map from its start point to its end).
"""
from __future__ import annotations

from typing import Callable

import torch

from lab.critic.networks import init_mlp, mlp


def euler(velocity: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], start: torch.Tensor,
          steps: int) -> torch.Tensor:
    """The end at t = 1 of da/dt = velocity(a, t) from a = ``start`` (…, dim) at t = 0, by ``steps`` Euler steps at
    the times k/steps (t shaped (…, 1)); every flow sampler of the lab integrates with it."""
    a = start
    for k in range(steps):
        t = torch.full_like(a[..., :1], k / steps)
        a = a + velocity(a, t) / steps
    return a


class FlowPolicy:
    """``seeds`` velocity fields v(a, t | c): (dim + 1 + cond_dim) → hidden^layers → dim."""

    def __init__(self, seeds: int, dim: int, generator: torch.Generator, device: torch.device,
                 cond_dim: int = 0, hidden: int = 64, layers: int = 2, steps: int = 8, identity: bool = False):
        self.dim, self.cond_dim, self.steps = dim, cond_dim, steps
        self.params = init_mlp((seeds,), [dim + 1 + cond_dim] + [hidden] * layers + [dim], generator, device)
        if identity:
            with torch.no_grad():
                self.params[-2].zero_()
                self.params[-1].zero_()

    def velocity(self, a: torch.Tensor, t: torch.Tensor, cond: torch.Tensor | None = None,
                 params: list[torch.Tensor] | None = None) -> torch.Tensor:
        """da/dt at points a (seeds, B, dim) and times t (seeds, B, 1), given cond (seeds, B, cond_dim)."""
        inputs = [a, t] if cond is None else [a, t, cond]
        return mlp(self.params if params is None else params, torch.cat(inputs, dim=-1))

    def sample(self, start: torch.Tensor, cond: torch.Tensor | None = None, steps: int | None = None,
               params: list[torch.Tensor] | None = None) -> torch.Tensor:
        """The end a₁ of the flow from ``start`` a₀ (seeds, B, dim) by Euler steps; differentiable through
        the whole chain (detach the result, or call under ``torch.no_grad()``, when no gradient is wanted)."""
        return euler(lambda a, t: self.velocity(a, t, cond, params), start, self.steps if steps is None else steps)

    def loss(self, target: torch.Tensor, generator: torch.Generator, cond: torch.Tensor | None = None,
             start: torch.Tensor | None = None) -> torch.Tensor:
        """Each seed's flow-matching loss toward targets a₁ (seeds, B, dim): shape (seeds,). The start a₀ is
        N(0, I) noise unless given (GoRL's decoder flows from the latent)."""
        if start is None:
            start = torch.randn(target.shape, generator=generator, device=target.device)
        t = torch.rand((*target.shape[:-1], 1), generator=generator, device=target.device)
        point = (1 - t) * start + t * target
        # Lipman et al. (arXiv 2210.02747) eq. 23, σ_min = 0: regress v onto the straight path's velocity
        error = self.velocity(point, t, cond) - (target - start)
        return error.pow(2).sum(-1).mean(-1)
