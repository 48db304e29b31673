"""What every critic shares: batched networks per (seed, head), targets, and the TD loss entry point.

A critic holds, for every seed, ``heads`` networks as batched weights with leading axes
(seeds, heads) and their Polyak target copies. The trainer uses only:

- ``values(obs, act, params=None, train=False)``: each head's value readout, (seeds, heads, B);
- ``estimate(obs, act, params=None, train=False)``: the one value per (s, a) that the TD target
  and the actor use, (seeds, B);
- ``std(obs, act, params=None)``: the critic's return standard deviation σ(s, a), (seeds, B),
  for critics with ``has_std`` (distributional ones);
- ``td_loss(obs, act, next_obs, next_act, backup)``: each seed's critic loss, (seeds,), and the
  heads' values on (obs, act), (seeds, heads, B). ``backup(v)`` is the trainer's soft Bellman
  backup y = r + γ(1 − d)(v − α log π(a'|s')) of a next-state value v (seeds, B); by default the
  critic backs up ``estimate`` of its target network and regresses toward y with ``loss``;
- ``params``, ``target_params``, ``frozen()`` (detached online weights, so the actor's loss does
  not reach the critic) and ``update_targets(tau)``.

``train=True`` marks the forward passes of an update (dropout is active only there). Spectral
normalization, when on, applies to every forward pass (see ``spectral.py``).
"""
from __future__ import annotations

from typing import Callable

import torch

from .networks import init_mlp, mlp, polyak
from .spectral import SpectralNorm

Backup = Callable[[torch.Tensor], torch.Tensor]


class BatchedCritic:
    """Base of every critic: ``heads`` MLPs per seed of layer sizes ``sizes``."""

    has_std = False

    def __init__(self, seeds: int, heads: int, sizes: list[int], generator: torch.Generator,
                 device: torch.device, spectral_norm: bool = False, dropout: float = 0.0):
        self.heads = heads
        self.generator = generator
        self.dropout = dropout
        self.params = init_mlp((seeds, heads), sizes, generator, device)
        self.target_params = [p.detach().clone() for p in self.params]
        self.spectral = SpectralNorm(self.params, generator) if spectral_norm else None

    def network(self, params: list[torch.Tensor] | None, x: torch.Tensor, train: bool = False) -> torch.Tensor:
        """The heads' networks on x (seeds, heads, B, in) → (seeds, heads, B, out), with the online
        weights unless ``params`` is given."""
        params = self.params if params is None else params
        if self.spectral is not None:
            params = self.spectral.normalize(params, "target" if params is self.target_params else "online")
        return mlp(params, x, self.dropout if train else 0.0, self.generator)

    def inputs(self, obs: torch.Tensor, act: torch.Tensor, *extra: torch.Tensor) -> torch.Tensor:
        """[obs | act | extra...] for every head: (seeds, B, ·) → (seeds, heads, B, in)."""
        x = torch.cat([obs, act, *extra], dim=-1).unsqueeze(1)
        return x.expand(-1, self.heads, -1, -1)

    # --- what a critic gives -------------------------------------------------------------------

    def values(self, obs, act, params=None, train=False) -> torch.Tensor:
        raise NotImplementedError

    def loss(self, obs, act, target) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def estimate(self, obs, act, params=None, train=False) -> torch.Tensor:
        """min over heads (the clipped double-Q estimate with two heads; the value itself with one)."""
        return self.values(obs, act, params, train).min(dim=1).values

    def std(self, obs, act, params=None) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no return standard deviation")

    # --- shared ----------------------------------------------------------------------------------

    def td_loss(self, obs, act, next_obs, next_act, backup: Backup) -> tuple[torch.Tensor, torch.Tensor]:
        """Regress toward y = backup(estimate of the target critic at (s', a'))."""
        with torch.no_grad():
            target = backup(self.estimate(next_obs, next_act, self.target_params))
        return self.loss(obs, act, target)

    def frozen(self) -> list[torch.Tensor]:
        return [p.detach() for p in self.params]

    def update_targets(self, tau: float) -> None:
        polyak(self.target_params, self.params, tau)
