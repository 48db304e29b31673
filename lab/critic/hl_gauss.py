"""Categorical critics trained by cross-entropy to HL-Gauss targets.

The histogram loss with Gaussian targets, HL-Gauss (Imani & White, "Improving Regression
Performance with Distributional Losses", ICML 2018), as used for value functions by Farebrother
et al., "Stop Regressing: Training Value Functions via Classification for Scalable Deep RL"
(ICML 2024, arXiv 2403.03950) and adopted by later value-learning recipes:

- the support [v_min, v_max] is cut into B bins of width w, edges z_0 < … < z_B, centres c_i;
- a scalar target y becomes the probabilities of a Gaussian N(y, ς²), ς = 0.75·w, integrated
  over each bin and renormalized to the support:
      p_i(y) = (Φ((z_{i+1} − y)/ς) − Φ((z_i − y)/ς)) / (Φ((z_B − y)/ς) − Φ((z_0 − y)/ς));
- the critic outputs B logits per head, trained by the cross-entropy −Σ_i p_i(y)·log softmax_i;
- its value is the expectation Σ_i softmax_i·c_i.

ς/w = 0.75 is the ratio the issue names (Farebrother et al. recommend a ratio of about that size;
the exact number there was not re-checked). Targets outside the support are first clipped into
it (as the reference implementation does, by our reading), so the renormalization never divides
by ~0. Two heads with the minimum of their expectations (clipped double-Q).
"""
from __future__ import annotations

import math

import torch

from .critic_base import BatchedCritic

SMOOTHING_PER_BIN = 0.75


class HLGaussSupport:
    """B bins on [v_min, v_max] and the HL-Gauss target of a scalar."""

    def __init__(self, bins: int, v_min: float, v_max: float, device: torch.device | None = None):
        if not (isinstance(bins, int) and bins >= 2):
            raise ValueError(f"bins = {bins!r} must be an integer ≥ 2")
        if not v_min < v_max:
            raise ValueError(f"the support needs v_min < v_max; got [{v_min}, {v_max}]")
        self.edges = torch.linspace(v_min, v_max, bins + 1, device=device)
        self.centres = (self.edges[:-1] + self.edges[1:]) / 2
        self.sigma = SMOOTHING_PER_BIN * (v_max - v_min) / bins
        self.v_min, self.v_max = v_min, v_max

    def target(self, y: torch.Tensor) -> torch.Tensor:
        """The HL-Gauss probabilities of scalars y (...,) → (..., bins), each row summing to one."""
        y = y.clamp(self.v_min, self.v_max).unsqueeze(-1)
        cdf = 0.5 * (1 + torch.erf((self.edges - y) / (self.sigma * math.sqrt(2))))
        mass = cdf[..., 1:] - cdf[..., :-1]
        return mass / (cdf[..., -1:] - cdf[..., :1])

    def expectation(self, probs: torch.Tensor) -> torch.Tensor:
        """Σ_i p_i·c_i over the last axis."""
        return probs @ self.centres


class HLGaussCritic(BatchedCritic):
    """Two categorical Q-networks per seed over a fixed support."""

    def __init__(self, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 generator: torch.Generator, device: torch.device, spectral_norm: bool = False,
                 bins: int = 101, v_min: float = -1700.0, v_max: float = 100.0):
        self.support = HLGaussSupport(bins, v_min, v_max, device)
        super().__init__(seeds, 2, [obs_dim + act_dim] + [hidden] * layers + [bins], generator, device,
                         spectral_norm)

    def logits(self, obs, act, params=None, train=False) -> torch.Tensor:
        """(seeds, heads, B, bins)."""
        return self.network(params, self.inputs(obs, act), train)

    def values(self, obs, act, params=None, train=False) -> torch.Tensor:
        """The expectation of every head's histogram, (seeds, heads, B)."""
        return self.support.expectation(self.logits(obs, act, params, train).softmax(-1))

    def loss(self, obs, act, target) -> tuple[torch.Tensor, torch.Tensor]:
        """Σ_heads E[−Σ_i p_i(y)·log softmax_i(s, a)], and the heads' expectations."""
        log_probs = self.logits(obs, act).log_softmax(-1)
        p = self.support.target(target).unsqueeze(1)                        # (S, 1, B, bins)
        cross_entropy = -(p * log_probs).sum(-1)                            # (S, H, B)
        return cross_entropy.mean(-1).sum(-1), self.support.expectation(log_probs.detach().exp())
