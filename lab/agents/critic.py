"""A step-level critic V(s_t): the token policy's network with a one-wide head, one per seed.

V(s_t) reads the prompt and the tokens before step t, as the policy does; the state after the
last step is terminal and worth the episode's reward. ``values`` gives V(s_0..s_{L−1}) and
``fit`` takes one Adam step of the squared error to targets.
"""
from __future__ import annotations

import math

import torch

from lab.llmrl import policy


class Critic:
    """V_φ(s_t) for every step of every seed's episodes, trained by Adam on squared errors."""

    def __init__(self, seeds: int, tasks: int, vocab: int, length: int, embed: int, hidden: int, lr: float,
                 generator: torch.Generator, device: torch.device):
        self.weights = policy.init_weights(seeds, tasks, vocab, length, embed, hidden, generator, device)
        self.weights["W2"] = ((torch.rand(seeds, hidden, 1, generator=generator, device=device) * 2 - 1)
                              / math.sqrt(hidden)).requires_grad_()
        self.weights["b2"] = torch.zeros(seeds, 1, device=device, requires_grad=True)
        self.optimizer = torch.optim.Adam(list(self.weights.values()), lr=lr)

    def values(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """V(s_t) before each step t: prompts (S, B), tokens (S, B, L) → (S, B, L)."""
        return policy.logits(self.weights, prompts, tokens)[..., 0]

    def fit(self, prompts: torch.Tensor, tokens: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """One Adam step on the mean squared error to ``targets`` (S, B, L); returns each seed's loss (S,)."""
        loss = (self.values(prompts, tokens) - targets).pow(2).flatten(1).mean(1)
        self.optimizer.zero_grad(set_to_none=False)
        loss.sum().backward()
        self.optimizer.step()
        return loss.detach()


def gae(values: torch.Tensor, reward: torch.Tensor, lam: float) -> torch.Tensor:
    """Generalized advantage estimation (Schulman et al., arXiv 1506.02438, Eq. 16) with γ = 1 and the
    reward only at the end: δ_t = V(s_{t+1}) − V(s_t), V(s_L) = r, Â_t = Σ_k λ^k δ_{t+k}.
    values (S, B, L), reward (S, B) → (S, B, L); λ = 1 gives r − V(s_t), λ = 0 one-step TD."""
    after = torch.cat([values[..., 1:], reward.unsqueeze(-1)], -1)
    delta = after - values
    adv, running = torch.empty_like(delta), torch.zeros_like(reward)
    for t in range(delta.shape[-1] - 1, -1, -1):
        running = delta[..., t] + lam * running
        adv[..., t] = running
    return adv


@torch.no_grad()
def monte_carlo_values(task, prompts: torch.Tensor, tokens: torch.Tensor, rollouts: int,
                       generator: torch.Generator) -> torch.Tensor:
    """ProAct's MC-Critic (Yu et al., "ProAct: Agentic Lookahead in Interactive Environments", arXiv
    2602.05327, Figure 2; the authors' ``get_value_for_state``): V_MC(s) = (1/M) Σ_i R^(i), the returns
    of M rollouts from s by a uniformly random policy (γ = 1: the reward comes at the end).
    V_MC(s_t) for every step of episodes ``tokens`` (S, B, L): each keeps its first t tokens and draws
    the rest uniformly, M times. → (S, B, L)."""
    S, B, L = tokens.shape
    kept = (torch.arange(L, device=tokens.device) < torch.arange(L, device=tokens.device).unsqueeze(-1))  # (t, pos)
    random = torch.randint(task.vocab, (S, B, L, rollouts, L), generator=generator, device=tokens.device)
    completed = torch.where(kept.unsqueeze(1), tokens.view(S, B, 1, 1, L), random)
    every_prompt = prompts.view(S, B, 1, 1).expand(-1, -1, L, rollouts)
    returns = task.reward(every_prompt.reshape(S, -1), completed.view(S, -1, L), generator)
    return returns.view(S, B, L, rollouts).mean(-1)
