"""Advantages from outcome rewards: GRPO's group normalization, and Dr. MAS's global vs agent-wise.

GRPO (Shao et al., DeepSeekMath, arXiv 2402.03300, §4.1.2, outcome supervision): every token of
response i gets Â_i = (r_i − mean(r)) / std(r), the statistics over the G responses to the same
prompt ('group').

Dr. MAS (Feng et al., arXiv 2602.08847): with several agents whose rewards follow different
distributions, one baseline shared by all agents deviates from each agent's own statistics and
scales each agent's gradient by its own reward scale; normalizing per agent with that agent's own
mean and std calibrates the gradient scales. Here an agent is a prompt class: 'global' is the
shared baseline (mean and std over the whole batch), 'agent' the per-agent one over the batch.

The authors' code (github.com/langfengQ/DrMAS, ``compute_advantage`` in
verl/trainer/ppo/ray_trainer.py, switched on by ``group_by_agent_id``) takes the agent-wise
statistics per prompt *and* agent: the group of a rollout is (prompt uid, agent id), where plain
GRPO's group, the prompt uid, mixes every agent's steps. In this lab each prompt belongs to one
class, so that exact estimator is GRPO's 'group' normalization itself; 'agent' is the batch form.
Both remove a class's reward scale exactly (up to ε); 'global' does not (tests/llmrl/test_stabilizer_drmas.py
measures what that costs the low-scale class).
"""
from __future__ import annotations

import torch

EPS = 1e-6


def normalize_within(reward: torch.Tensor, label: torch.Tensor, labels: int) -> torch.Tensor:
    """(r − mean) / (std + ε) with mean and std over the entries sharing a label, per seed.

    reward (S, B) float, label (S, B) in [0, labels) → (S, B). std is the population std."""
    one_hot = (label.unsqueeze(-1) == torch.arange(labels, device=label.device)).to(reward.dtype)  # (S, B, n)
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
