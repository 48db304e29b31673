"""Exact values and advantages by enumerating every episode.

With vocabulary V and length L there are V^L episodes. For one seed's policy π and one task,

    P(y) = Π_t π(y_t | y_<t),    V(y_<t) = Σ_{y' extending y_<t} P(y' | y_<t) · E[r | y'],

and the true advantage of step t of an episode is A(y_<t, y_t) = V(y_≤t) − V(y_<t) (the agent's
action fixes the next state). Episodes are enumerated in lexicographic order (y_0 most
significant), so the episodes extending a prefix of length t are one contiguous block of V^{L−t}
and every V(·) is a reshape and a sum. Feasible up to ``MAX_EPISODES`` episodes per task.
"""
from __future__ import annotations

import torch

from lab.llmrl import policy

from .tasks import Task

MAX_EPISODES = 4096


def all_episodes(vocab: int, length: int, device: torch.device) -> torch.Tensor:
    """Every token sequence (V^L, L) in lexicographic order."""
    digits = vocab ** torch.arange(length - 1, -1, -1, device=device)
    return torch.arange(vocab ** length, device=device).unsqueeze(-1) // digits % vocab


def prefix_index(tokens: torch.Tensor, vocab: int) -> torch.Tensor:
    """The lexicographic index of every prefix y_<t, t = 0..L: (..., L) → (..., L + 1)."""
    index = [torch.zeros_like(tokens[..., 0])]
    for t in range(tokens.shape[-1]):
        index.append(index[-1] * vocab + tokens[..., t])
    return torch.stack(index, -1)


@torch.no_grad()
def prefix_values(weights: policy.Weights, task: Task, prompts: torch.Tensor) -> list[torch.Tensor]:
    """V(y_<t) of every prefix under each seed's π, for the tasks ``prompts`` (S, n):
    a list over t = 0..L of (S, n, V^t). Backwards from the end: V(y_≤L) = E[r | y],
    V(y_<t) = Σ_a π(a | y_<t) V(y_<t a)."""
    V, L = task.vocab, task.length
    if V ** L > MAX_EPISODES:
        raise ValueError(f"exact values enumerate vocab^length = {V}^{L} = {V ** L} episodes per task; "
                         f"at most {MAX_EPISODES} are allowed")
    episodes = all_episodes(V, L, prompts.device).expand(task.tasks, -1, -1)         # (P, N, L)
    every_task = torch.arange(task.tasks, device=prompts.device).unsqueeze(-1).expand(-1, V ** L)
    values = [task.expected_reward(every_task, episodes)[prompts]]                   # (S, n, N)
    for log_pi in reversed(policy.prefix_tree_log_probs(weights, prompts, L)):     # (S, n, V^t, V)
        values.insert(0, (log_pi.exp() * values[0].view(log_pi.shape)).sum(-1))
    return values


def advantages(values: list[torch.Tensor], slot: torch.Tensor, tokens: torch.Tensor, vocab: int) -> torch.Tensor:
    """The true advantage V(y_≤t) − V(y_<t) of every step of episodes ``tokens`` (S, B, L) whose task is
    ``prompts[:, slot]`` of ``prefix_values`` (slot (S, B) indexes its n tasks): (S, B, L)."""
    index = prefix_index(tokens, vocab)                                              # (S, B, L + 1)
    S = tokens.shape[0]
    visited = torch.stack([torch.gather(v.reshape(S, -1), 1, slot * v.shape[-1] + index[..., t])
                           for t, v in enumerate(values)], -1)                      # V(y_<t), (S, B, L + 1)
    return visited[..., 1:] - visited[..., :-1]


@torch.no_grad()
def success(weights: policy.Weights, task: Task) -> torch.Tensor:
    """Each seed's exact expected reward from the start, averaged over all the task's instances: (S,)."""
    seeds = weights["prompt"].shape[0]
    every_task = torch.arange(task.tasks, device=weights["prompt"].device).expand(seeds, -1)
    return prefix_values(weights, task, every_task)[0][..., 0].mean(1)
