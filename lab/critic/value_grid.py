"""What the critic believes over Pendulum's state space: V(s), the greedy action and σ on a grid.

For every (θ, θ̇) on a grid over θ ∈ [−π, π] and θ̇ ∈ [−8, 8] (observation (cos θ, sin θ, θ̇)):

- ``value``: the soft state value V(s) = E_{a~π}[Q̂(s, a) − α·log π(a|s)], estimated with
  ``actions`` samples of the seed's current policy, Q̂ the critic's estimate (what the TD target
  uses: the twin minimum, μ − β·σ for 'stac', the histogram's expectation, the flow's read-out);
- ``action``: the greedy action c + h·tanh(μ(s)) (the evaluation policy's torque);
- ``std``: the critic's σ(s, a) averaged over the same sampled actions, for critics that model
  one ('dsac-t', 'stac'); else None.

The critic runs for every seed at once (its weights are batched); ``value_grids`` returns all
seeds, ``value_grid`` one. ``trainer`` is a SACTrainer or its ``view_state()`` copy; actions are
sampled with a generator of the grid's own (``seed``), never the trainer's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .envs import Pendulum, moves_like_pendulum


@dataclass(frozen=True)
class ValueGrid:
    """Arrays over (angle, velocity): ``value``, ``action`` and ``std`` are (..., n_angle, n_velocity)."""

    angle: np.ndarray           # (n_angle,) θ in [−π, π], 0 = upright
    velocity: np.ndarray        # (n_velocity,) θ̇ in [−8, 8]
    value: np.ndarray
    action: np.ndarray
    std: np.ndarray | None


@torch.no_grad()
def value_grids(trainer, n_angle: int = 41, n_velocity: int = 41, actions: int = 8, seed: int = 0) -> ValueGrid:
    """Every seed's grid: arrays (seeds, n_angle, n_velocity). Pendulum's state only (its sparse task too)."""
    if not moves_like_pendulum(trainer.config.env):
        raise ValueError(f"value grids are drawn over Pendulum's (angle, velocity); this run's env is "
                         f"{trainer.config.env!r}")
    for name, n in (("n_angle", n_angle), ("n_velocity", n_velocity), ("actions", actions)):
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} = {n!r} must be a positive integer")
    S, dev = trainer.config.seeds, trainer.device
    angle = torch.linspace(-math.pi, math.pi, n_angle, device=dev)
    velocity = torch.linspace(-Pendulum.max_speed, Pendulum.max_speed, n_velocity, device=dev)
    th, thdot = torch.meshgrid(angle, velocity, indexing="ij")
    obs = torch.stack([th.cos(), th.sin(), thdot], dim=-1).reshape(1, -1, 3).expand(S, -1, -1)  # (S, N, 3)
    repeated = obs.repeat_interleave(actions, dim=1)                           # (S, N·actions, 3)
    action, log_pi = trainer.actor.sample(repeated, torch.Generator(dev).manual_seed(seed))
    soft_q = trainer.critic.estimate(repeated, action) - trainer.alpha[:, None] * log_pi
    shape = (S, n_angle, n_velocity)
    value = soft_q.view(S, -1, actions).mean(-1).view(shape)
    greedy = trainer.actor.act_deterministic(obs)[..., 0].view(shape)
    std = None
    if trainer.critic.has_std:
        std = trainer.critic.std(repeated, action).view(S, -1, actions).mean(-1).view(shape).cpu().numpy()
    return ValueGrid(angle.cpu().numpy(), velocity.cpu().numpy(), value.cpu().numpy(), greedy.cpu().numpy(), std)


def value_grid(trainer, seed_index: int, n_angle: int = 41, n_velocity: int = 41, actions: int = 8) -> ValueGrid:
    """One seed's grid: arrays (n_angle, n_velocity)."""
    S = trainer.config.seeds
    if not isinstance(seed_index, int) or not 0 <= seed_index < S:
        raise ValueError(f"seed_index = {seed_index!r} must be an integer in [0, {S - 1}]")
    grids = value_grids(trainer, n_angle, n_velocity, actions)
    return ValueGrid(grids.angle, grids.velocity, grids.value[seed_index], grids.action[seed_index],
                     None if grids.std is None else grids.std[seed_index])
