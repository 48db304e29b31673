"""Self-Play Preference Optimization (SPO).

Swamy et al., "A Minimaximalist Approach to Reinforcement Learning from Human Feedback"
(arXiv 2401.04056), Algorithm 1: the policy plays against itself; a batch of responses is
sampled from π_t, each response is scored by its win proportion against the others in the
batch (preferences observed as sampled outcomes), and a no-regret learner updates π. Here the
learner is Hedge: every action y is scored by the fraction of the batch it beats,
  r_t(y) = (1/K) Σ_j 1[y ≻ y_j],   π_{t+1} ∝ π_t · exp(η · r_t),
a full-information estimate of P(y ≻ π_t). The average iterate approaches the Minimax Winner.
Runs a population of independent seeds at once (leading dimension).
"""
from __future__ import annotations

import torch

from lab.core import Field, LabConfig


class SPOConfig(LabConfig):
    """SPO with Hedge on SPO's intransitive three-population aggregate."""

    share_a: float = Field(0.4, ge=0.0, le=1.0, description="share of the population ranking a > b > c")
    share_b: float = Field(0.35, ge=0.0, le=1.0, description="share ranking b > c > a (the rest rank c > a > b)")
    iterations: int = Field(4000, ge=1, le=200_000, description="self-play iterations")
    batch: int = Field(16, ge=1, le=4096, description="responses sampled per iteration")
    eta: float = Field(0.1, gt=0.0, le=10.0, description="Hedge step size η")
    seeds: int = Field(8, ge=1, le=256, description="independent self-play runs")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed")

    def problems(self) -> list[str]:
        if self.share_a + self.share_b > 1:
            return [f"'share_a' + 'share_b' = {self.share_a + self.share_b:g} must be at most 1"]
        return []

    @property
    def proportions(self) -> tuple[float, float, float]:
        return self.share_a, self.share_b, 1.0 - self.share_a - self.share_b


def hedge(P: torch.Tensor, iterations: int, batch: int, eta: float, seeds: int,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """SPO with Hedge on preference matrix P (n, n): (last iterates, average iterates), each (seeds, n)."""
    n = P.shape[0]
    log_pi = torch.full((seeds, n), -torch.log(torch.tensor(float(n), dtype=P.dtype)), dtype=P.dtype, device=P.device)
    total = torch.zeros_like(log_pi)
    for _ in range(iterations):
        pi = log_pi.exp()
        total += pi
        opponents = torch.multinomial(pi, batch, replacement=True, generator=generator)        # (seeds, K)
        beats = torch.rand(seeds, n, batch, generator=generator, dtype=P.dtype, device=P.device) \
            < P[:, opponents].permute(1, 0, 2)                                                   # (seeds, n, K)
        reward = beats.to(P.dtype).mean(-1)                                                      # r_t(y)
        log_pi = torch.log_softmax(log_pi + eta * reward, dim=-1)
    return log_pi.exp(), total / iterations
