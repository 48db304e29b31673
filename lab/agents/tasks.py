"""Multi-step tasks for tiny token agents: an episode is ``length`` tokens from a vocabulary of ``vocab``.

The agent writes every token. Every task has ``tasks`` instances (the prompt names the instance)
and gives

- ``expected_reward(prompts, tokens)``: E[r | the whole episode], the exact value at its end;
- ``reward(prompts, tokens, generator)``: the reward training sees (noisy where the task says so);
- ``states(prompts, tokens)``: the environment's state before each step, an integer id per step —
  two steps are "the same step" (SALT's merge, ProAct's rollout start) when their state ids and
  tokens are equal.

The vocabularies and lengths are small enough to enumerate every episode (``exact.py``), so the
true value of every state — and the true advantage of every step — is known exactly.

- ``lock``: task p has a combination c_p (fixed by ``task_seed``) and a depth m_p; the reward is 1
  when the first m_p tokens equal c_p's, else 0. Depths spread evenly over [depth_min, length]
  across the tasks, so a uniform policy opens task p with probability vocab^−m_p — from easy
  locks to ones a group of four almost never opens. A wrong token ends every chance (state
  'failed'); the tokens after m_p are free.
- ``tree``: the reward is 1 when the token at the decisive step d equals c_p, else 0; every other
  step is a neutral fork — its choice changes nothing, and the branches merge again (the state
  is (t, whether the decisive step was right), not the tokens taken).
"""
from __future__ import annotations

import torch

TASKS = ("lock", "tree", "checklist")


class Task:
    """A task's instances, rewards and states."""

    def __init__(self, vocab: int, length: int, tasks: int, device: torch.device):
        self.vocab, self.length, self.tasks, self.device = vocab, length, tasks, device

    def expected_reward(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def reward(self, prompts: torch.Tensor, tokens: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The reward training sees; the expected one unless the task is noisy."""
        return self.expected_reward(prompts, tokens)

    def states(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """The state before each step (..., L) as an id that includes the step's index t."""
        raise NotImplementedError


def grouped_tasks(seeds: int, tasks: int, batch_tasks: int, group: int, generator: torch.Generator,
                  device: torch.device) -> torch.Tensor:
    """``batch_tasks`` distinct tasks of ``tasks`` per seed, each repeated ``group`` times: (seeds, batch_tasks · group)."""
    order = torch.argsort(torch.rand(seeds, tasks, generator=generator, device=device), 1)
    return order[:, :batch_tasks].repeat_interleave(group, 1)


def sample_from(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draws: probs (..., A), u (..., K) uniform → actions (..., K)."""
    cdf = probs.cumsum(-1)
    return (cdf.unsqueeze(-2) < u.unsqueeze(-1)).sum(-1).clamp(max=probs.shape[-1] - 1)


def spread(low: int, high: int, n: int, device: torch.device) -> torch.Tensor:
    """n integers spread evenly over [low, high], the smallest first: (n,)."""
    if n == 1:
        return torch.tensor([high], device=device)
    return torch.round(low + (high - low) * torch.arange(n, device=device) / (n - 1)).long()


def combinations(tasks: int, vocab: int, length: int, task_seed: int, device: torch.device) -> torch.Tensor:
    """Each task's secret tokens (tasks, length), fixed by ``task_seed`` (drawn on the CPU: the same on every device)."""
    generator = torch.Generator().manual_seed(task_seed)
    return torch.randint(vocab, (tasks, length), generator=generator).to(device)


class Lock(Task):
    """Combination locks of depths from ``depth_min`` to ``length``."""

    def __init__(self, vocab: int, length: int, tasks: int, depth_min: int, task_seed: int, device: torch.device):
        super().__init__(vocab, length, tasks, device)
        self.combination = combinations(tasks, vocab, length, task_seed, device)   # (P, L)
        self.depth = spread(depth_min, length, tasks, device)                       # (P,)

    def matched(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """How many leading tokens are right, capped at the lock's depth: (...,) integers."""
        right = (tokens == self.combination[prompts]).long()
        run = torch.cumprod(right, -1).sum(-1)
        return torch.minimum(run, self.depth[prompts])

    def expected_reward(self, prompts, tokens):
        return (self.matched(prompts, tokens) == self.depth[prompts]).to(torch.float32)

    def states(self, prompts, tokens):
        """Before step t: failed (a wrong token came), on track (t right so far) or open (its depth's tokens
        all right) — ids 3t, 3t + 1, 3t + 2."""
        right = (tokens == self.combination[prompts]).long()
        on_track = torch.cumprod(torch.cat([torch.ones_like(right[..., :1]), right[..., :-1]], -1), -1)
        t = torch.arange(self.length, device=tokens.device)
        opened = on_track.bool() & (t >= self.depth[prompts].unsqueeze(-1))
        return 3 * t + on_track + opened.long()


class Tree(Task):
    """One decisive step among neutral forks that merge again."""

    def __init__(self, vocab: int, length: int, tasks: int, decisive: int, task_seed: int, device: torch.device):
        super().__init__(vocab, length, tasks, device)
        self.decisive = decisive
        self.correct = combinations(tasks, vocab, 1, task_seed, device)[:, 0]     # (P,)

    def expected_reward(self, prompts, tokens):
        return (tokens[..., self.decisive] == self.correct[prompts]).to(torch.float32)

    def states(self, prompts, tokens):
        """(t, nothing decided yet / decided right / decided wrong) as 3t, 3t + 1, 3t + 2."""
        t = torch.arange(self.length, device=tokens.device)
        right = (tokens[..., self.decisive] == self.correct[prompts]).long().unsqueeze(-1)
        decided = t > self.decisive
        return 3 * t + torch.where(decided, 2 - right, 0)
