"""Self-Play Preference Optimization (SPO) from sampled preferences, and its exact expected dynamics.

Swamy et al., "A Minimaximalist Approach to Reinforcement Learning from Human Feedback" (arXiv
2401.04056). One policy plays against itself. The practical algorithm: each iteration samples a batch of
responses from the policy, asks the preference model to compare them, rewards each response with its
proportion of wins against the others, and hands (response, reward) to an RL algorithm. The theory: if
the learner is no-regret against the rewards r_t(y) = P(y ≻ π_t), its average iterate approaches the
Minimax Winner.

The paper leaves the learner open (any no-regret algorithm in theory, an RL algorithm in practice).
Here, on a tabular policy over n responses, it is Exp3-style Hedge (Auer et al. 2002), a no-regret
learner under bandit feedback: it plays p_t = (1 − γ)·π_t + γ/n with π_t ∝ exp(θ_t), and sees only the
rewards of the responses it sampled (the ½ baseline and a free η are this module's choices).
  ``spo``          SPO's sampling and rewards as the paper states them: K responses y_1 … y_K ~ p_t, each pair compared once
                   (o_ij ~ Bernoulli(P[y_i, y_j]), o_ji = 1 − o_ij, K(K−1)/2 queries), win proportions
                   r_i = (1/(K−1))·Σ_{j≠i} o_ij, and the importance-weighted advantage of every response,
                     Â_t(y) = (1/K)·Σ_i 1[y_i = y]·(r_i − ½) / p_t(y),
                   whose expectation is exactly P(y ≻ p_t) − ½ (the other K − 1 responses are independent
                   draws from p_t; the baseline ½ = E_{y~p}[P(y ≻ p)] holds for every p).
  ``expected_spo`` the exact expected dynamics: the same update with Â_t replaced by its expectation,
                   P(y ≻ p_t) − ½: full-information Hedge on the true win rates; deterministic.
The exploration γ keeps 1/p_t(y) ≤ n/γ, so that a rarely played response that happens to win cannot
jump the policy onto itself. Measured on the aggregate with a Condorcet winner (shares 0.6/0.25/0.15,
4000 iterations, batch 16, η = 0.1, 8 copies per base seed 0–19): with γ = 0, 4 of 20 base seeds have a
copy whose average iterate ends 0.38–0.91 from the winner in TV (locked onto a wrong response), 9 of 20
one beyond 0.035; with γ = 0.01 the worst copy of each base seed 0–9 ends 0.0216–0.0225 away.
The sampled version runs a population of independent seeds at once (leading dimension) on P's device.
"""
from __future__ import annotations

import torch

from lab.core import Field, LabConfig


class SPOConfig(LabConfig):
    """SPO on SPO's intransitive three-population aggregate."""

    share_a: float = Field(0.4, ge=0.0, le=1.0, description="share of the population ranking a > b > c")
    share_b: float = Field(0.35, ge=0.0, le=1.0, description="share ranking b > c > a (the rest rank c > a > b)")
    iterations: int = Field(4000, ge=1, le=200_000, description="self-play iterations")
    batch: int = Field(16, ge=2, le=256, description="responses sampled and compared pairwise per iteration")
    eta: float = Field(0.1, gt=0.0, le=10.0, description="step size η of the Exp3/Hedge update")
    exploration: float = Field(0.01, ge=0.0, lt=1.0, description="Exp3's uniform exploration γ: p = (1−γ)π + γ/n")
    seeds: int = Field(8, ge=1, le=256, description="independent self-play runs")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed")

    def problems(self) -> list[str]:
        if self.share_a + self.share_b > 1:
            return [f"'share_a' + 'share_b' = {self.share_a + self.share_b:g} must be at most 1"]
        return []

    @property
    def proportions(self) -> tuple[float, float, float]:
        return self.share_a, self.share_b, 1.0 - self.share_a - self.share_b


def hedge_step(log_pi: torch.Tensor, advantage: torch.Tensor, eta: float) -> torch.Tensor:
    """The learner's update (Swamy et al.'s no-regret learner; here Hedge, Exp3 on sampled Â_t):
    π_{t+1} ∝ π_t·exp(η·Â_t)."""
    return torch.log_softmax(log_pi + eta * advantage, dim=-1)


def played(log_pi: torch.Tensor, exploration: float) -> torch.Tensor:
    """The policy Exp3 plays: p = (1 − γ)·π + γ/n."""
    return (1 - exploration) * log_pi.exp() + exploration / log_pi.shape[-1]


def bandit_advantage(P: torch.Tensor, p: torch.Tensor, batch: int, generator: torch.Generator) -> torch.Tensor:
    """One SPO round for each row of p (seeds, n): sample ``batch`` responses from p, compare every pair
    once, reward each response by its win proportion, and return the importance-weighted advantage
    Â(y) (seeds, n) of the module docstring; E[Â(y)] = P(y ≻ p) − ½."""
    y = torch.multinomial(p, batch, replacement=True, generator=generator)                 # (seeds, K)
    won = torch.rand((y.shape[0], batch, batch), generator=generator, dtype=P.dtype, device=P.device) \
        < P[y[:, :, None], y[:, None, :]]
    upper = torch.triu(won.to(P.dtype), 1)                                                  # o_ij, i < j
    reward = (upper + torch.tril(1 - upper.transpose(1, 2), -1)).sum(-1) / (batch - 1)      # r_i
    weighted = (reward - 0.5) / p.gather(1, y)
    return torch.zeros_like(p).scatter_add_(1, y, weighted) / batch


def spo(P: torch.Tensor, iterations: int, batch: int, eta: float, exploration: float, seeds: int,
        generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """SPO from sampled preferences on P (n, n), from the uniform policy. Returns the played policies
    (last p_T, average (1/T)·Σ_{t<T} p_t), each (seeds, n)."""
    n = P.shape[0]
    log_pi = torch.full((seeds, n), 1.0 / n, dtype=P.dtype, device=P.device).log()
    total = torch.zeros_like(log_pi)
    for _ in range(iterations):
        p = played(log_pi, exploration)
        total += p
        log_pi = hedge_step(log_pi, bandit_advantage(P, p, batch, generator), eta)
    return played(log_pi, exploration), total / iterations


def expected_spo(P: torch.Tensor, iterations: int, eta: float,
                 exploration: float) -> tuple[torch.Tensor, torch.Tensor]:
    """SPO's exact expected dynamics (full information): the update of ``spo`` with Â_t(y) replaced by
    P(y ≻ p_t) − ½. Deterministic. Returns (last p_T, average (1/T)·Σ_{t<T} p_t), each (n,)."""
    n = P.shape[0]
    log_pi = torch.full((n,), 1.0 / n, dtype=P.dtype, device=P.device).log()
    total = torch.zeros_like(log_pi)
    for _ in range(iterations):
        p = played(log_pi, exploration)
        total += p
        log_pi = hedge_step(log_pi, P @ p - 0.5, eta)
    return played(log_pi, exploration), total / iterations
