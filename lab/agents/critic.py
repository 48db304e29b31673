"""A step-level critic V(s_t), one per seed, and the value targets the estimators build from it.

The critic reads the prompt and the tokens before step t *with their positions*: its context is
P[prompt] + Pos[t] + Σ_{s<t} E[s, y_s], one embedding per (position, token), then one tanh layer and a
one-wide head. (The policy's bag of the prefix, Σ E[y_s], cannot tell a lock's right prefix from its
permutations, so a critic built on it could not represent the values at all.) The state after the
last step is terminal and worth the episode's reward. ``values`` gives V(s_0..s_{L−1}) and ``fit``
takes one Adam step of the squared error to targets.
"""
from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import torch


def values_of(w: dict[str, torch.Tensor], vocab: int, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """The critic's V(s_t) with weights ``w``: prompts (S, B), tokens (S, B, L) → (S, B, L)."""
    S, B, L = tokens.shape
    index = (torch.arange(L, device=tokens.device) * vocab + tokens).view(S, -1, 1)
    rows = torch.gather(w["token"], 1, index.expand(-1, -1, w["token"].shape[-1])).view(S, B, L, -1)
    prefix = torch.cumsum(rows, 2) - rows                                              # Σ_{s<t} E[s, y_s]
    prompt = torch.gather(w["prompt"], 1, prompts.unsqueeze(-1).expand(-1, -1, w["prompt"].shape[-1]))
    context = prompt.unsqueeze(2) + w["position"].unsqueeze(1) + prefix
    h = torch.tanh(context.view(S, B * L, -1) @ w["W1"] + w["b1"].unsqueeze(1))
    return (h @ w["W2"] + w["b2"].unsqueeze(1)).view(S, B, L)


class Critic:
    """V_φ(s_t) for every step of every seed's episodes, trained by Adam on squared errors."""

    def __init__(self, seeds: int, tasks: int, vocab: int, length: int, embed: int, hidden: int, lr: float,
                 generator: torch.Generator, device: torch.device):
        def normal(*shape):
            return torch.randn(seeds, *shape, generator=generator, device=device) / math.sqrt(embed)

        def uniform(fan_in, *shape):
            return (torch.rand(seeds, *shape, generator=generator, device=device) * 2 - 1) / math.sqrt(fan_in)

        self.vocab = vocab
        self.weights = {"prompt": normal(tasks, embed), "position": normal(length, embed),
                        "token": normal(length * vocab, embed), "W1": uniform(embed, embed, hidden),
                        "b1": uniform(embed, hidden), "W2": uniform(hidden, hidden, 1),
                        "b2": torch.zeros(seeds, 1, device=device)}
        for w in self.weights.values():
            w.requires_grad_()
        self.optimizer = torch.optim.Adam(list(self.weights.values()), lr=lr)

    def values(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """V(s_t) before each step t: prompts (S, B), tokens (S, B, L) → (S, B, L)."""
        return values_of(self.weights, self.vocab, prompts, tokens)

    def snapshot(self) -> SimpleNamespace:
        """A frozen copy that answers ``values`` (for views: detached, never trained)."""
        weights = {k: v.detach().clone() for k, v in self.weights.items()}
        return SimpleNamespace(values=functools.partial(values_of, weights, self.vocab))

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
