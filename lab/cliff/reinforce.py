"""Learning the cliff: softmax bandit policies trained by REINFORCE with an entropy bonus.

A population of ``len(ε grid) × seeds`` independent bandits. Arms 0..m−1 are tied at reward
1, arm 1 (a₂) gets 1 + ε, the others 0. Each member is a softmax policy over logits θ,
trained on sampled, noisy rewards. With α = 0 the learned policy near ε = 0 depends on the
seed (policies split between a₁ and a₂); with α > 0 every seed converges to softmax(R/α),
the unique maximizer of E_π[R] + α·H(π) — Xu (2025), "The Policy Cliff", arXiv 2507.20150,
the entropy-regularized objective whose optimal policy is Lipschitz in R.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer
from lab.core.trainer import block_configs
from lab.cliff.tie_bandit import tie_rewards


class CliffBanditConfig(LabConfig):
    """REINFORCE with an entropy bonus on K-armed bandits with m near-tied best arms."""

    arms: int = Field(3, ge=2, le=20, description="number of arms K")
    tied: int = Field(2, ge=2, le=20, description="arms tied at the top reward, m (at most K)")
    eps_max: float = Field(0.05, ge=0.0, le=1.0, description="largest |ε| added to arm a₂'s reward")
    n_eps: int = Field(9, ge=1, le=41, description="number of ε values, evenly spaced in [−ε_max, ε_max]")
    alpha: float = Field(0.1, ge=0.0, le=5.0, description="entropy bonus α (0 = unregularized)")
    lr: float = Field(0.5, gt=0.0, le=20.0, description="step size on the logits")
    batch: int = Field(64, ge=2, le=1024, description="actions sampled per member per step")
    reward_noise: float = Field(0.5, ge=0.0, le=5.0, description="std of Gaussian noise on sampled rewards")
    baseline: Literal["leave-one-out", "none"] = Field("leave-one-out", description="REINFORCE baseline")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds per ε value")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(2000, ge=1, le=200_000, description="training steps")

    def problems(self) -> list[str]:
        if self.tied > self.arms:
            return [f"'tied' = {self.tied} must be at most 'arms' = {self.arms}"]
        return []

    def memory_parts(self) -> dict[str, float]:
        """A step's float64 (members, batch, arms) tensors: the one-hot actions, the score and its product.
        41 ε × 64 seeds, batch 1024, 20 arms, 3 steps on the CPU: 1.29 GB estimated, 1.03 GB of peak RSS."""
        members = self.n_eps * self.seeds
        return {"a step's samples (n_eps·seeds·batch·arms)": 8 * 3 * members * self.batch * self.arms}


class CliffBanditTrainer(Trainer):
    """Every (ε, seed) member steps at once; metrics are per member. Batched (sweeps): one block of
    (ε, seed) members per value of α, the step size or the reward noise."""

    Config = CliffBanditConfig
    BATCHED = ("alpha", "lr", "reward_noise")
    CAPTURABLE = True

    def __init__(self, config: CliffBanditConfig, device=None, blocks: list[dict] | None = None):
        super().__init__(config, device)
        c = config
        self.blocks = blocks or []
        configs = block_configs(type(self), config, blocks)
        eps_grid = torch.linspace(-c.eps_max, c.eps_max, c.n_eps, dtype=torch.float64)
        self.eps = eps_grid.repeat_interleave(c.seeds).repeat(len(configs))            # (P,)
        self.seed_index = torch.arange(c.seeds).repeat(c.n_eps * len(configs))          # (P,)
        self.alpha, self.lr, self.reward_noise = (                                      # (P, 1) each
            torch.tensor([getattr(b, name) for b in configs], dtype=torch.float64, device=self.device)
            .repeat_interleave(c.n_eps * c.seeds)[:, None] for name in self.BATCHED)
        self.rewards = torch.stack([torch.as_tensor(tie_rewards(c.arms, c.tied, float(e)))
                                    for e in self.eps]).to(self.device)     # (P, K)
        self.logits = torch.zeros_like(self.rewards)                       # uniform start

    @property
    def population(self) -> int:
        return len(self.eps)

    def members(self) -> dict[str, list]:
        batched = {name: [block[name] for block in self.blocks for _ in range(self.population // len(self.blocks))]
                   for name in (self.blocks[0] if self.blocks else {})}
        return {**batched, "eps": self.eps.tolist(), "seed": self.seed_index.tolist()}

    def target_policy(self) -> torch.Tensor:
        """softmax(R/α), the optimum of the entropy-regularized objective (α > 0)."""
        return torch.softmax(self.rewards / self.alpha, dim=1)

    def step(self) -> dict[str, torch.Tensor]:
        c = self.config
        pi = torch.softmax(self.logits, dim=1)                              # (P, K)
        actions = torch.multinomial(pi, c.batch, replacement=True, generator=self.generator)  # (P, B)
        noise = torch.randn(actions.shape, generator=self.generator, device=self.device, dtype=pi.dtype)
        r = self.rewards.gather(1, actions) + self.reward_noise * noise     # (P, B)
        b = (r.sum(1, keepdim=True) - r) / (c.batch - 1) if c.baseline == "leave-one-out" else 0.0
        chosen = actions[:, :, None] == torch.arange(c.arms, device=self.device)  # one-hot (P, B, K)
        score = chosen.to(pi.dtype) - pi[:, None, :]                        # ∇θ log π(a)
        log_pi = torch.log(pi)
        entropy = -(pi * log_pi).sum(1, keepdim=True)
        # REINFORCE (Williams 1992) on E_π[R] + α·H(π), the entropy-regularized objective of Xu (2025):
        #   ∇θ = E_a[(r − b)·∇θ log π(a)] + α·∇θ H(π),  with ∇θ_j H = −π_j·(log π_j + H).
        grad = ((r - b)[:, :, None] * score).mean(1) - self.alpha * pi * (log_pi + entropy)
        self.logits += self.lr * grad
        pi = torch.softmax(self.logits, dim=1)
        return {
            "pi_a2": pi[:, 1],
            "entropy": -(pi * torch.log(pi)).sum(1),
            "expected_reward": (pi * self.rewards).sum(1),
        }
