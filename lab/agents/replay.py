"""ARPO's replay of past successes (Lu et al., "ARPO: End-to-End Policy Optimization for GUI Agents with
Experience Replay", arXiv 2505.16282).

The failure it fixes: with sparse outcome rewards, a GRPO group in which every rollout fails has all
rewards equal, so every advantage (r − mean)/std is 0 and the group gives no gradient; on hard tasks
almost every group is such a group and learning stalls. The fix: keep, per task, the last few
successful episodes, and when a group of that task fails entirely, put one of them into the group.
The group then reads e.g. [1, 0, 0, 0], Â ≈ [+1.73, −0.58, −0.58, −0.58] (population std), and the
stored success is pushed up, the fresh failures down.

The mechanism, as the authors' code implements it (github.com/dvlab-research/ARPO, commit 7489ae3:
``verl/trainer/replay_buffer.py`` class ``ReplayBuffer``, ``verl/trainer/ray_trainer.py`` method
``apply_replay``) — the paper's full text was not available to us (only its abstract), so every rule
and constant below is the code's, not a confirmed equation of the paper:

1. a first-in-first-out buffer per task of the episodes whose reward is > 0.1 (``SUCCESS``), at most
   ``size`` of them (the code: 8 per task, ``ReplayBuffer(None, 8)``); here one buffer per (seed, task);
2. a group is "all failed" when its rewards have population std < 0.05 and mean < 0.2 (``FLAT_STD``,
   ``FAILED_MEAN``);
3. such a group's **first** episode is replaced by one stored success of its task, drawn uniformly;
   the group keeps its size; a task with nothing stored leaves the group unchanged;
4. the buffer is then updated with the *fresh* batch (the trainer calls ``add`` after ``inject``), so a
   replayed episode is never stored twice;
5. the replayed episode carries its stored reward, and its old log-probabilities are recomputed under
   the current π_old (the trainer does this for the whole batch): its ratio starts at 1, no importance
   correction for the stale policy that produced it (as in the code).

Not implemented: ARPO's "valuable task selection" (the abstract: it "filters tasks based on baseline
agent performance"; the code reads a fixed list of 128 task ids; our reading that it keeps tasks the
baseline solved at least once is inferred from the file name, not confirmed). Every task here is trained.

State lives on the device and is updated in place — the episodes ``tokens`` (S, tasks, size, L), their
``rewards`` (S, tasks, size), the fill level ``count`` and the next slot ``next`` (S, tasks) — and
``inject``/``add`` never read a device value on the host: a trainer step that uses them stays
capturable. Random numbers come only from the generator passed to ``inject``.
"""
from __future__ import annotations

import torch

SUCCESS = 0.1        # an episode is stored when its reward exceeds this (the code's ``eval_result > 0.1``)
FLAT_STD = 0.05      # a group is all failed when std(R) < FLAT_STD (numpy's population std) ...
FAILED_MEAN = 0.2    # ... and mean(R) < FAILED_MEAN


class SuccessReplay:
    """Per seed and task, the last ``size`` successful episodes (first in, first out), on the device."""

    def __init__(self, seeds: int, tasks: int, size: int, length: int, device: torch.device):
        self.seeds, self.tasks, self.size, self.length = seeds, tasks, size, length
        # One flat row per (task, slot) and a last "discard" row that absorbs the writes of episodes
        # not stored: a scatter with a fixed shape instead of a boolean selection.
        self._tokens = torch.zeros(seeds, tasks * size + 1, length, dtype=torch.long, device=device)
        self._rewards = torch.zeros(seeds, tasks * size + 1, device=device)
        self.tokens = self._tokens[:, :-1].view(seeds, tasks, size, length)    # views: updated in place
        self.rewards = self._rewards[:, :-1].view(seeds, tasks, size)
        self.count = torch.zeros(seeds, tasks, dtype=torch.long, device=device)   # successes stored
        self.next = torch.zeros(seeds, tasks, dtype=torch.long, device=device)    # the slot written next

    def all_failed(self, reward: torch.Tensor, group: int) -> torch.Tensor:
        """ARPO's test per group of ``group`` consecutive episodes: std < 0.05 and mean < 0.2, (S, B) → (S, B/G)."""
        r = reward.view(reward.shape[0], -1, group).to(torch.float32)
        return (r.std(-1, unbiased=False) < FLAT_STD) & (r.mean(-1) < FAILED_MEAN)

    def inject(self, prompts: torch.Tensor, tokens: torch.Tensor, reward: torch.Tensor, group: int,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tokens and rewards with the first episode of every all-failed group replaced by a stored success
        of its task (where one is stored), and the mask of replaced episodes (S, B)."""
        S, B, L = tokens.shape
        n = B // group
        task = prompts.view(S, n, group)[..., 0]                                       # (S, n)
        stored = self.count.gather(1, task)                                            # (S, n)
        replace = self.all_failed(reward, group) & (stored > 0)                        # (S, n)
        # One uniform draw among the task's stored successes; drawn for every group, used where replaced.
        u = torch.rand(S, n, generator=generator, device=tokens.device)
        slot = torch.minimum((u * stored).long(), (stored - 1).clamp(min=0))
        row = task * self.size + slot                                                  # (S, n)
        past_tokens = self._tokens.gather(1, row.unsqueeze(-1).expand(-1, -1, L))      # (S, n, L)
        past_reward = self._rewards.gather(1, row).to(reward.dtype)                    # (S, n)
        first = torch.zeros(S, n, group, dtype=torch.bool, device=tokens.device)
        first[..., 0] = True
        mask = (first & replace.unsqueeze(-1)).view(S, B)                              # the group's first episode
        new_tokens = torch.where(mask.unsqueeze(-1), past_tokens.repeat_interleave(group, 1), tokens)
        new_reward = torch.where(mask, past_reward.repeat_interleave(group, 1), reward)
        return new_tokens, new_reward, mask

    def add(self, prompts: torch.Tensor, tokens: torch.Tensor, reward: torch.Tensor) -> None:
        """Store the batch's successful episodes (reward > 0.1), in batch order, each task's oldest first out."""
        S, B, L = tokens.shape
        success = reward > SUCCESS                                                     # (S, B)
        every = torch.arange(self.tasks, device=prompts.device)
        onehot = ((prompts.unsqueeze(-1) == every) & success.unsqueeze(-1)).long()     # (S, B, P); not one_hot,
        # which checks its input's range on the host
        before = onehot.cumsum(1) - onehot                                             # successes of the task before b
        rank = (before * onehot).sum(-1)                                               # (S, B): b's rank in its task
        new = onehot.sum(1)                                                            # (S, P): new successes per task
        # Only the last ``size`` successes of a task in this batch survive; earlier ones would be overwritten.
        keep = success & (rank >= new.gather(1, prompts) - self.size)
        slot = (self.next.gather(1, prompts) + rank) % self.size
        row = torch.where(keep, prompts * self.size + slot, self.tasks * self.size)    # (S, B); discard row else
        self._tokens.scatter_(1, row.unsqueeze(-1).expand(-1, -1, L), tokens)
        self._rewards.scatter_(1, row, reward.to(self._rewards.dtype))
        self.next.add_(new).remainder_(self.size)
        self.count.add_(new).clamp_(max=self.size)
