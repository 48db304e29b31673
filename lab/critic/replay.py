"""A replay buffer per seed, held as one tensor with a leading seed axis.

Row layout of ``data`` (seeds, capacity, width): ``[obs | action | reward | next_obs | terminated | done]``
(done: the episode ended there, terminated or truncated). Every seed adds the same number E of
transitions per step, so all seeds share one fill level, and the transition of the same env copy k
steps later sits k·E slots further on; each seed samples its own indices, uniformly or (Symphony's
fading replay) weighted by their age. ``truncated_returns`` reads the rewards that followed a sampled
transition (SL-MGAC's supervised targets).
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .symphony import fading_probabilities


class Transitions(NamedTuple):
    obs: torch.Tensor         # (seeds, B, obs_dim)
    action: torch.Tensor      # (seeds, B, act_dim)
    reward: torch.Tensor      # (seeds, B)
    next_obs: torch.Tensor    # (seeds, B, obs_dim)
    terminated: torch.Tensor  # (seeds, B) float, 1 where next_obs is terminal (no bootstrap)
    slots: torch.Tensor       # (seeds, B) long, where in the ring they are stored


class Replay:
    """A ring buffer of ``capacity`` transitions for each of ``seeds`` seeds; ``fading``: every sample is drawn
    with Symphony's fading probabilities over age (``symphony.fading_probabilities``) instead of uniformly."""

    def __init__(self, seeds: int, capacity: int, obs_dim: int, act_dim: int, device: torch.device,
                 fading: bool = False):
        self.obs_dim, self.act_dim, self.capacity, self.fading = obs_dim, act_dim, capacity, fading
        self.data = torch.zeros(seeds, capacity, 2 * obs_dim + act_dim + 3, device=device)
        self.size = 0
        self.next = 0

    def add(self, obs, action, reward, next_obs, terminated, done=None) -> None:
        """Store E transitions per seed: obs (seeds, E, obs_dim), action (seeds, E, act_dim), reward, terminated
        and done (seeds, E); done (terminated or truncated) is ``terminated`` when not given."""
        done = terminated if done is None else done
        rows = torch.cat([obs, action, reward.unsqueeze(-1), next_obs, terminated.to(obs.dtype).unsqueeze(-1),
                          done.to(obs.dtype).unsqueeze(-1)], dim=-1)
        e = rows.shape[1]
        slots = (self.next + torch.arange(e, device=self.data.device)) % self.capacity
        self.data[:, slots] = rows
        self.next = (self.next + e) % self.capacity
        self.size = min(self.size + e, self.capacity)

    def sample(self, batch: int, generator: torch.Generator) -> Transitions:
        """``batch`` transitions per seed, with replacement from what that seed stored: uniformly, or (a
        ``fading`` buffer) by their age."""
        seeds = self.data.shape[0]
        if self.fading:
            idx = self._fading_slots(seeds, batch, generator)
        else:
            idx = torch.randint(0, self.size, (seeds, batch), generator=generator, device=self.data.device)
        o, a = self.obs_dim, self.act_dim
        obs, action, reward, next_obs, terminated, _ = self._rows(idx).split([o, a, 1, o, 1, 1], dim=-1)
        return Transitions(obs, action, reward.squeeze(-1), next_obs, terminated.squeeze(-1), idx)

    def truncated_returns(self, idx: torch.Tensor, horizon: int, gamma: float, copies: int
                          ) -> tuple[torch.Tensor, torch.Tensor]:
        """G = Σ_{k<h} γ^k·r_{t+k} over the rewards that followed each transition t in slots ``idx`` (a
        sample's ``slots``) in its env copy (``copies`` = E transitions per step), stopping after the step
        where its episode ended; and whether G is complete (h rewards seen, or the episode ended) rather
        than cut by the newest data. Observed rewards only, nothing bootstrapped: (seeds, B) each."""
        reward_col = self.obs_dim + self.act_dim
        rank = (idx - (self.next - self.size)) % self.capacity          # age rank: 0 = oldest
        total = torch.zeros(idx.shape, device=self.data.device)
        running = torch.ones(idx.shape, dtype=torch.bool, device=self.data.device)
        ended = torch.zeros(idx.shape, dtype=torch.bool, device=self.data.device)
        for k in range(horizon):
            running &= rank + k * copies < self.size                       # t + k is stored
            row = self._rows((idx + k * copies) % self.capacity)
            total += torch.where(running, gamma ** k * row[..., reward_col], 0.0)
            ended |= running & (row[..., -1] != 0)                         # its episode ended at t + k
            running &= row[..., -1] == 0
        return total, ended | (rank + (horizon - 1) * copies < self.size)

    def _rows(self, idx: torch.Tensor) -> torch.Tensor:
        return self.data.gather(1, idx.unsqueeze(-1).expand(-1, -1, self.data.shape[-1]))

    def _fading_slots(self, seeds: int, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Slots drawn by age: the k-th oldest stored transition (k = 0 … size − 1) sits in slot
        (next − size + k) mod capacity of the ring, and is drawn with probability p_{k+1}."""
        p = fading_probabilities(self.size, self.data.device)
        age_rank = torch.multinomial(p, seeds * batch, replacement=True, generator=generator).view(seeds, batch)
        return (self.next - self.size + age_rank) % self.capacity
