"""Step advantages Â (S, B, L) from a batch of grouped episodes.

Episodes come in groups of G consecutive rollouts of the same task (the trainer draws them so).
"""
from __future__ import annotations

import torch

EPS = 1e-6


def group_normalised(reward: torch.Tensor, group: int) -> torch.Tensor:
    """(r − mean) / (std + ε) within each group of ``group`` consecutive episodes: (S, B) → (S, B).
    std is the population std; a group whose rewards are all equal gets 0."""
    S, B = reward.shape
    r = reward.view(S, B // group, group)
    return ((r - r.mean(-1, keepdim=True)) / (r.std(-1, unbiased=False, keepdim=True) + EPS)).view(S, B)


def outcome(reward: torch.Tensor, group: int, length: int) -> torch.Tensor:
    """GRPO's outcome supervision (Shao et al., DeepSeekMath, arXiv 2402.03300, §4.1.2): every step of
    episode i gets Â_i = (r_i − mean(r)) / std(r) over its group, good and bad steps alike."""
    return group_normalised(reward, group).unsqueeze(-1).expand(-1, -1, length)


def salt(reward: torch.Tensor, states: torch.Tensor, tokens: torch.Tensor, group: int, vocab: int) -> torch.Tensor:
    """SALT's step advantages (Li et al., "SALT: Step-level Advantage Assignment for Long-horizon Agents
    via Trajectory Graph", arXiv 2510.20022): the group's trajectories form a graph in which identical
    steps — the same action taken in the same state — are one edge e, and every step gets

        Â(e) = mean of Â_i over the trajectories i of its group that pass through e,

    Â_i GRPO's group-normalised outcome advantage. A step that successes and failures share is pulled
    towards 0 (neutral); one only successes (or failures) take keeps their sign (decisive).
    Inferred: only the abstract was available; the merge key (here the task's state id and the
    token) and the plain mean over trajectories are our reading of it.
    reward (S, B), states and tokens (S, B, L) → (S, B, L)."""
    S, B, L = tokens.shape
    adv = group_normalised(reward, group).view(S, B // group, group, 1, 1)           # Â_j
    edge = (states * vocab + tokens).view(S, B // group, group, L)
    same = (edge.unsqueeze(3) == edge.unsqueeze(2)).to(reward.dtype)                  # (S, n, i, j, L)
    return ((same * adv.transpose(2, 3)).sum(3) / same.sum(3)).view(S, B, L)
