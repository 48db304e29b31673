"""A replay buffer per seed, held as one tensor with a leading seed axis.

Row layout of ``data`` (seeds, capacity, width): ``[obs | action | reward | next_obs | terminated]``.
Every seed adds the same number of transitions per step, so all seeds share one fill level;
each samples its own indices, uniformly or (Symphony's fading replay) weighted by their age.
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


class Replay:
    """A ring buffer of ``capacity`` transitions for each of ``seeds`` seeds."""

    def __init__(self, seeds: int, capacity: int, obs_dim: int, act_dim: int, device: torch.device):
        self.obs_dim, self.act_dim, self.capacity = obs_dim, act_dim, capacity
        self.data = torch.zeros(seeds, capacity, 2 * obs_dim + act_dim + 2, device=device)
        self.size = 0
        self.next = 0

    def add(self, obs, action, reward, next_obs, terminated) -> None:
        """Store E transitions per seed: obs (seeds, E, obs_dim), action (seeds, E, act_dim), reward and terminated (seeds, E)."""
        rows = torch.cat([obs, action, reward.unsqueeze(-1), next_obs,
                          terminated.to(obs.dtype).unsqueeze(-1)], dim=-1)
        e = rows.shape[1]
        slots = (self.next + torch.arange(e, device=self.data.device)) % self.capacity
        self.data[:, slots] = rows
        self.next = (self.next + e) % self.capacity
        self.size = min(self.size + e, self.capacity)

    def sample(self, batch: int, generator: torch.Generator, fading: bool = False) -> Transitions:
        """``batch`` transitions per seed, with replacement from what that seed stored: uniformly, or with
        ``fading`` by Symphony's fading probabilities over their age (``symphony.fading_probabilities``)."""
        seeds = self.data.shape[0]
        if fading:
            idx = self._fading_slots(seeds, batch, generator)
        else:
            idx = torch.randint(0, self.size, (seeds, batch), generator=generator, device=self.data.device)
        rows = self.data.gather(1, idx.unsqueeze(-1).expand(-1, -1, self.data.shape[-1]))
        o, a = self.obs_dim, self.act_dim
        obs, action, reward, next_obs, terminated = rows.split([o, a, 1, o, 1], dim=-1)
        return Transitions(obs, action, reward.squeeze(-1), next_obs, terminated.squeeze(-1))

    def _fading_slots(self, seeds: int, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Slots drawn by age: the k-th oldest stored transition (k = 0 … size − 1) sits in slot
        (next − size + k) mod capacity of the ring, and is drawn with probability p_{k+1}."""
        p = fading_probabilities(self.size, self.data.device)
        age_rank = torch.multinomial(p, seeds * batch, replacement=True, generator=generator).view(seeds, batch)
        return (self.next - self.size + age_rank) % self.capacity
