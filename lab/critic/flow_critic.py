"""A flow-matching critic: Q read out by integrating a learned velocity field over K steps.

After Agrawalla, Nauman, Agarwal & Kumar, "floq: Training Critics via Flow-Matching for Scaling
Compute in Value-Based RL" (ICLR 2026, arXiv 2509.06863) and its analysis "What Does
Flow-Matching Bring to TD-Learning?" (Agrawalla, Nauman & Kumar, 2026). Each head is a velocity
field v_θ(z, t | s, a) on a scalar z. Its value is the end of the flow from a start z_0:

    z_{k+1} = z_k + (1/K)·v_θ(z_k, k/K | s, a),  k = 0 … K−1,   Q(s, a) = z_K.

Training is flow matching toward the TD target y (from the *target* field's integrated values),
with dense supervision of every integration step: for z_0 ~ U[−1, 1] and each t_k = k/K,

    z_t = (1 − t)·z_0 + t·y,    J = Σ_k ½·(v_θ(z_t, t_k | s, a) − (y − z_0))²,

the straight-line velocity from z_0 to y. For a deterministic y this field carries any start
exactly to y in K Euler steps.

**Stated, not confirmed against the papers' equations**: the start interval U[−1, 1] (floq
samples z_0 from a chosen interval [l, u]); supervision at the K grid times rather than at
uniformly drawn t; and the readout from the interval's centre z_0 = 0, which makes the value
deterministic. Two heads with the minimum (clipped double-Q).
"""
from __future__ import annotations

import torch

from .critic_base import BatchedCritic


class FlowCritic(BatchedCritic):
    """Two velocity fields per seed, (obs, act, z, t) → dz/dt, integrated over ``steps`` Euler steps."""

    def __init__(self, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 generator: torch.Generator, device: torch.device, spectral_norm: bool = False,
                 steps: int = 4):
        super().__init__(seeds, 2, [obs_dim + act_dim + 2] + [hidden] * layers + [1], generator, device,
                         spectral_norm)
        self.steps = steps

    def velocity(self, base: torch.Tensor, z: torch.Tensor, t: torch.Tensor, params=None, train=False):
        """v(z, t | s, a) for inputs base (S, H, N, obs+act), z and t (S, H, N, 1) → (S, H, N, 1)."""
        return self.network(params, torch.cat([base, z, t], dim=-1), train)

    def values(self, obs, act, params=None, train=False) -> torch.Tensor:
        """z_K of every head's flow from z_0 = 0, (seeds, heads, B)."""
        base = self.inputs(obs, act)
        z = base.new_zeros(base.shape[:-1] + (1,))
        for k in range(self.steps):
            t = torch.full_like(z, k / self.steps)
            z = z + self.velocity(base, z, t, params, train) / self.steps
        return z.squeeze(-1)

    def loss(self, obs, act, target) -> tuple[torch.Tensor, torch.Tensor]:
        """Σ_heads E_{z_0, k}[½(v(z_t, t_k) − (y − z_0))²], and the heads' read-out values (detached)."""
        base = self.inputs(obs, act)                                             # (S, H, B, in)
        S, H, B, _ = base.shape
        K = self.steps
        z0 = torch.rand((S, H, B, 1), generator=self.generator, device=base.device) * 2 - 1
        y = target[:, None, :, None]                                             # (S, 1, B, 1)
        t = (torch.arange(K, device=base.device, dtype=base.dtype) / K).view(1, 1, K, 1, 1)
        z_t = (1 - t) * z0.unsqueeze(2) + t * y.unsqueeze(2)                     # (S, H, K, B, 1)

        def flat(x):                                           # (S, H, K|1, B|1, n) → (S, H, K·B, n)
            return x.expand(S, H, K, B, x.shape[-1]).reshape(S, H, K * B, x.shape[-1])

        v = self.velocity(flat(base.unsqueeze(2)), flat(z_t), flat(t))
        error = v - flat((y - z0).unsqueeze(2))
        with torch.no_grad():
            q = self.values(obs, act)
        return 0.5 * error.pow(2).mean((-2, -1)).sum(-1), q
