"""STAC-style critic: one Gaussian critic whose σ scales a pessimistic TD target; dropout.

After Özalp, "Stochastic Actor-Critic: Mitigating Overestimation via Temporal Aleatoric
Uncertainty" (arXiv 2601.00737, 2026): a *single* distributional critic models the one-step
(temporal) aleatoric uncertainty of the Bellman target, and that uncertainty — not an ensemble's
disagreement — scales a pessimistic bias; dropout regularizes actor and critic.

**Not confirmed**: only the abstract was at hand, not the paper's equations. The form
implemented here:

- the critic outputs N(μ(s, a), σ(s, a)²) (σ = softplus(output) + 10⁻³, as ``dsac_t.py``);
- the value used by the TD target and by the actor is the pessimistic μ − β·σ, so the target is
  y = r + γ(1 − d)(μ̄(s', a') − β·σ̄(s', a') − α log π(a'|s')) from the target network;
- μ is regressed toward y by ½(μ − y)², and σ by the Gaussian negative log-likelihood of y with
  μ held fixed, ½(y − μ)²/σ² + log σ — so σ² tracks E[(y − μ)²], the spread of the one-step
  target around the mean;
- dropout (probability ``dropout``) after every hidden ReLU of the critic's online network in
  its loss and of the actor in its loss (see ``SquashedGaussianActor``); targets, acting and
  evaluation use the whole networks.
"""
from __future__ import annotations

import torch

from .critic_base import BatchedCritic
from .dsac_t import gaussian_head


class STACCritic(BatchedCritic):
    """One Gaussian critic per seed; estimate = μ − β·σ."""

    has_std = True

    def __init__(self, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 generator: torch.Generator, device: torch.device, spectral_norm: bool = False,
                 beta: float = 0.5, dropout: float = 0.05):
        super().__init__(seeds, 1, [obs_dim + act_dim] + [hidden] * layers + [2], generator, device,
                         spectral_norm, dropout)
        self.beta = beta

    def distribution(self, obs, act, params=None, train=False) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, σ), each (seeds, 1, B)."""
        return gaussian_head(self.network(params, self.inputs(obs, act), train))

    def values(self, obs, act, params=None, train=False) -> torch.Tensor:
        """μ(s, a), (seeds, 1, B)."""
        return self.distribution(obs, act, params, train)[0]

    def estimate(self, obs, act, params=None, train=False) -> torch.Tensor:
        """The pessimistic value μ − β·σ, (seeds, B)."""
        mean, std = self.distribution(obs, act, params, train)
        return (mean - self.beta * std).squeeze(1)

    def std(self, obs, act, params=None) -> torch.Tensor:
        return self.distribution(obs, act, params)[1].squeeze(1)

    def loss(self, obs, act, target) -> tuple[torch.Tensor, torch.Tensor]:
        """½(μ − y)² + ½(y − μ̂)²/σ² + log σ (μ̂ = μ detached), averaged over the batch; an update's
        forward pass, so with dropout."""
        mean, std = self.distribution(obs, act, train=True)
        y = target.unsqueeze(1)
        nll = 0.5 * (y - mean.detach()) ** 2 / std ** 2 + std.log()
        return (0.5 * (mean - y) ** 2 + nll).mean(-1).sum(-1), mean
