"""EXPO's toy (``lab.expressive.expo``): a 2-D point mass between two goals, one worth more, and a bimodal
scripted dataset. Batched over any leading shape (seeds, environments); torch only."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .expo import ExpoConfig

GOALS = ((0.9, 0.6), (-0.9, 0.6))        # the better goal first
START = (0.0, -0.6)
START_STD = 0.05
SPEED = 0.3                              # how far one full action moves the point
GOAL_WIDTH = 0.3
BOX = 1.5                                # positions are clipped to [−BOX, BOX]²
DEMO_NOISE = 0.2


def goal_rewards(config: ExpoConfig, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The goals (2, 2), better first, and their peak rewards (2,)."""
    return (torch.tensor(GOALS, device=device),
            torch.tensor([config.better_reward, config.worse_reward], device=device))


def reward(points: torch.Tensor, goals: torch.Tensor, peaks: torch.Tensor) -> torch.Tensor:
    """r(p) = max_g w_g·exp(−‖p − g‖²/(2·GOAL_WIDTH²)) at points (..., 2) → (...)."""
    d2 = (points.unsqueeze(-2) - goals).pow(2).sum(-1)
    return (peaks * torch.exp(-d2 / (2 * GOAL_WIDTH ** 2))).amax(-1)


def move(points: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """One step of the point mass: p' = clip(p + SPEED·clip(a, −1, 1), −BOX, BOX)."""
    return (points + SPEED * actions.clamp(-1.0, 1.0)).clamp(-BOX, BOX)


def toward(points: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    """The scripted controller's action: full speed straight at ``goal``, clipped to the action box."""
    return ((goal - points) / SPEED).clamp(-1.0, 1.0)


def starts(shape: tuple[int, ...], generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """Start positions (*shape, 2) near START."""
    return torch.tensor(START, device=device) + START_STD * torch.randn((*shape, 2), generator=generator, device=device)


def optimal_return(config: ExpoConfig, device: torch.device) -> float:
    """The return of the scripted policy that heads straight for the better goal from START."""
    goals, peaks = goal_rewards(config, device)
    p, total = torch.tensor(START, device=device), 0.0
    for _ in range(config.horizon):
        p = move(p, toward(p, goals[0]))
        total += float(reward(p, goals, peaks))
    return total


def offline_dataset(config: ExpoConfig, generator: torch.Generator, device: torch.device) -> dict[str, torch.Tensor]:
    """``dataset_episodes`` scripted episodes per seed, half heading to each goal with N(0, DEMO_NOISE²) action
    noise: transitions (seeds, episodes·horizon, ·) as s, a, r, s'."""
    goals, peaks = goal_rewards(config, device)
    S, D = config.seeds, config.dataset_episodes
    target = goals[torch.arange(D, device=device) % 2].expand(S, D, 2)
    p = starts((S, D), generator, device)
    rows = {"s": [], "a": [], "r": [], "s2": []}
    for _ in range(config.horizon):
        a = (toward(p, target) + DEMO_NOISE * torch.randn(p.shape, generator=generator, device=device)).clamp(-1, 1)
        p2 = move(p, a)
        for key, value in zip(rows, (p, a, reward(p2, goals, peaks), p2)):
            rows[key].append(value)
        p = p2
    return {key: torch.cat(values, 1) for key, values in rows.items()}
