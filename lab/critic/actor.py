"""The SAC actor: a tanh-squashed Gaussian policy per seed, as batched weights.

π(a|s): u ~ N(μ(s), σ(s)²), a = c + h·tanh(u), where c and h are the centre and half-width of
the action box. The network outputs μ and log σ (clamped to [−20, 2], as in the authors' code
and stable-baselines3). The log-density follows the change of variables of Haarnoja et al.
(arXiv 1812.05905, Appendix C, "Enforcing Action Bounds"):
log π(a|s) = log N(u; μ, σ²) − Σᵢ log(hᵢ·(1 − tanh²uᵢ)).

With ``dropout`` > 0 (the STAC-style critic's setting) the hidden units drop out in samples
drawn with ``train=True`` — the actor's loss; acting and evaluation use the whole network.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .networks import init_mlp, mlp

LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0


class SquashedGaussianActor:
    """``seeds`` independent policies obs_dim → hidden^layers → (μ, log σ) ∈ R^{2·act_dim}."""

    def __init__(self, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 action_low: torch.Tensor, action_high: torch.Tensor, generator: torch.Generator,
                 device: torch.device, dropout: float = 0.0):
        self.act_dim = act_dim
        self.dropout = dropout          # active only in ``sample(..., train=True)`` (STAC)
        self.params = init_mlp((seeds,), [obs_dim] + [hidden] * layers + [2 * act_dim], generator, device)
        self.centre = (action_high + action_low) / 2
        self.half_width = (action_high - action_low) / 2

    def distribution(self, obs: torch.Tensor, params: list[torch.Tensor] | None = None,
                     generator: torch.Generator | None = None, train: bool = False
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ) of the pre-squash Gaussian for obs (seeds, B, obs_dim), with the actor's own
        weights unless ``params`` is given; dropout only when ``train``."""
        out = mlp(self.params if params is None else params, obs, self.dropout if train else 0.0, generator)
        mean, log_std = out.split(self.act_dim, dim=-1)
        return mean, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)

    def rsample(self, obs: torch.Tensor, generator: torch.Generator, train: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A reparameterized action a = f(ε; s), log π(a|s) and the pre-squash u:
        (seeds, B, act_dim), (seeds, B), (seeds, B, act_dim)."""
        mean, log_std = self.distribution(obs, generator=generator, train=train)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device)
        u = mean + log_std.exp() * eps
        log_gauss = (-0.5 * eps ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        # log(1 − tanh²u) = 2·(log 2 − u − softplus(−2u)), stable for large |u|
        log_jacobian = (2 * (math.log(2.0) - u - F.softplus(-2 * u)) + self.half_width.log()).sum(-1)
        return self.centre + self.half_width * torch.tanh(u), log_gauss - log_jacobian, u

    def sample(self, obs: torch.Tensor, generator: torch.Generator, train: bool = False
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """A reparameterized action a = f(ε; s) and log π(a|s): (seeds, B, act_dim), (seeds, B)."""
        action, log_pi, _ = self.rsample(obs, generator, train)
        return action, log_pi

    def gaussian_log_prob(self, obs: torch.Tensor, u: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
        """log N(u; μ(s), σ(s)²) under the weights ``params``, (seeds, B). For two policies of
        this family the tanh Jacobian of the same u cancels in log π₁(a|s) − log π₂(a|s)."""
        mean, log_std = self.distribution(obs, params)
        return (-0.5 * ((u - mean) / log_std.exp()) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)

    def act_deterministic(self, obs: torch.Tensor) -> torch.Tensor:
        """The evaluation action c + h·tanh(μ(s))."""
        mean, _ = self.distribution(obs)
        return self.centre + self.half_width * torch.tanh(mean)
