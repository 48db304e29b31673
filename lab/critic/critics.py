"""Critics for the SAC trainer: a small interface that critic variants plug into.

A critic holds, for every seed, ``heads`` Q-networks (obs, action) → value and their Polyak
target copies, as batched weights with leading axes (seeds, heads). The trainer uses only:

- ``values(obs, act, params)``: each head's Q, (seeds, heads, B);
- ``estimate(obs, act, params)``: the one value per (s, a) that the TD target and the actor
  use, (seeds, B) — for a scalar critic the minimum over heads (with two heads, the clipped
  double-Q of Fujimoto et al. 2018, which SAC adopts: Haarnoja et al., arXiv 1812.05905, Sec. 6);
- ``loss(obs, act, target)``: each seed's critic loss toward a TD target (seeds, B), (seeds,),
  and the heads' values on (obs, act), (seeds, heads, B);
- ``params``, ``target_params``, ``frozen()`` (detached online weights, so the actor's loss
  does not reach the critic) and ``update_targets(tau)``.

A variant (distributional, categorical, spectrally normalized, ...) is another class with the
same methods, added to ``CRITICS``.
"""
from __future__ import annotations

import torch

from .networks import init_mlp, mlp, polyak


class QCritic:
    """``heads`` scalar Q-networks per seed trained by squared TD error: 'single' (1) or 'twin' (2)."""

    def __init__(self, seeds: int, heads: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 generator: torch.Generator, device: torch.device):
        self.heads = heads
        self.params = init_mlp((seeds, heads), [obs_dim + act_dim] + [hidden] * layers + [1], generator, device)
        self.target_params = [p.detach().clone() for p in self.params]

    def values(self, obs: torch.Tensor, act: torch.Tensor, params: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Q of every head: obs (seeds, B, obs_dim), act (seeds, B, act_dim) → (seeds, heads, B)."""
        x = torch.cat([obs, act], dim=-1).unsqueeze(1)                      # (seeds, 1, B, in)
        x = x.expand(-1, self.heads, -1, -1)
        return mlp(self.params if params is None else params, x).squeeze(-1)

    def estimate(self, obs: torch.Tensor, act: torch.Tensor, params: list[torch.Tensor] | None = None) -> torch.Tensor:
        """min over heads of Q(s, a), (seeds, B): the clipped double-Q estimate (the Q itself for one head)."""
        return self.values(obs, act, params).min(dim=1).values

    def loss(self, obs: torch.Tensor, act: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(J_Q per seed, (seeds,), and Q of every head, (seeds, heads, B)), where
        J_Q = Σ_i E[½·(Q_i(s, a) − y)²] sums the heads' squared TD errors."""
        q = self.values(obs, act)
        return 0.5 * (q - target.unsqueeze(1)).pow(2).mean(-1).sum(-1), q

    def frozen(self) -> list[torch.Tensor]:
        return [p.detach() for p in self.params]

    def update_targets(self, tau: float) -> None:
        polyak(self.target_params, self.params, tau)


CRITICS = {"single": 1, "twin": 2}


def make_critic(kind: str, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                generator: torch.Generator, device: torch.device) -> QCritic:
    """The critic named ``kind`` (one of ``CRITICS``)."""
    if kind not in CRITICS:
        raise ValueError(f"unknown critic {kind!r}; allowed: {', '.join(map(repr, CRITICS))}")
    return QCritic(seeds, CRITICS[kind], obs_dim, act_dim, hidden, layers, generator, device)
