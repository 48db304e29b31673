"""Advantages from outcome rewards: GRPO's group normalization, and Dr. MAS's global vs agent-wise.

GRPO (Shao et al., DeepSeekMath, arXiv 2402.03300, §4.1.2, outcome supervision): every token of
response i gets Â_i = (r_i − mean(r)) / std(r), the statistics over the G responses to the same
prompt ('group').

Dr. MAS (Feng et al., arXiv 2602.08847): with several agents whose rewards follow different
distributions, one global baseline (mean and std over every agent's rollouts, 'global') deviates
from each agent's own statistics and scales each agent's gradient by its own reward scale;
normalizing per agent with that agent's own mean and std ('agent') calibrates the gradient
scales. Here an agent is a prompt class. (The paper's exact estimator — e.g. whether the
agent-wise statistics are also taken per prompt — was not confirmed; this is the per-agent batch form.)
"""
from __future__ import annotations

import torch

EPS = 1e-6


def normalize_within(reward: torch.Tensor, label: torch.Tensor, labels: int) -> torch.Tensor:
    """(r − mean) / (std + ε) with mean and std over the entries sharing a label, per seed.

    reward (S, B) float, label (S, B) in [0, labels) → (S, B). std is the population std."""
    one_hot = torch.nn.functional.one_hot(label, labels).to(reward.dtype)            # (S, B, n)
    count = one_hot.sum(1).clamp(min=1)                                              # (S, n)
    mean = (one_hot * reward.unsqueeze(-1)).sum(1) / count
    var = (one_hot * (reward.unsqueeze(-1) - mean.unsqueeze(1)) ** 2).sum(1) / count
    mean_i = torch.gather(mean, 1, label)
    std_i = torch.gather(var.sqrt(), 1, label)
    return (reward - mean_i) / (std_i + EPS)


def advantages(reward: torch.Tensor, group: torch.Tensor, agent: torch.Tensor, groups: int, agents: int,
               normalization: str) -> torch.Tensor:
    """Â per response (S, B) under 'group', 'global' or 'agent' normalization."""
    if normalization == "group":
        return normalize_within(reward, group, groups)
    if normalization == "agent":
        return normalize_within(reward, agent, agents)
    return normalize_within(reward, torch.zeros_like(group), 1)
