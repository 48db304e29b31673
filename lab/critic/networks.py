"""Batched MLPs: one set of weights per population member, held with leading member axes.

A network is a flat list ``[W1, b1, W2, b2, ...]`` with ``Wi`` of shape ``(*members, in, out)``
and ``bi`` of shape ``(*members, out)``; ``members`` is e.g. ``(seeds,)`` for actors or
``(seeds, heads)`` for twin critics. ``mlp`` runs every member's network on its own inputs
``(*members, batch, in)`` in one batched matmul per layer, with no Python loop over members.
Because Adam is elementwise, one optimizer over these tensors trains the members independently.
"""
from __future__ import annotations

import math

import torch


def init_mlp(members: tuple[int, ...], sizes: list[int], generator: torch.Generator,
             device: torch.device) -> list[torch.Tensor]:
    """Weights of ``prod(members)`` MLPs with layer sizes ``sizes``, initialized like ``torch.nn.Linear``
    (weights and biases uniform in ±1/√fan_in), each member its own draw; leaf tensors requiring grad."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        for shape in ((*members, fan_in, fan_out), (*members, fan_out)):
            w = (torch.rand(shape, generator=generator, device=device) * 2 - 1) * bound
            params.append(w.requires_grad_())
    return params


def mlp(params: list[torch.Tensor], x: torch.Tensor, dropout: float = 0.0,
        generator: torch.Generator | None = None) -> torch.Tensor:
    """Each member's MLP (ReLU between layers, linear output) on its inputs: (*members, B, in) → (*members, B, out).

    With ``dropout`` p > 0, every hidden unit is zeroed with probability p after its ReLU and the
    survivors are scaled by 1/(1 − p) (inverted dropout), masks drawn from ``generator``."""
    layers = len(params) // 2
    for i in range(layers):
        x = torch.matmul(x, params[2 * i]) + params[2 * i + 1].unsqueeze(-2)
        if i < layers - 1:
            x = torch.relu(x)
            if dropout > 0:
                keep = torch.rand(x.shape, generator=generator, device=x.device) >= dropout
                x = x * keep / (1.0 - dropout)
    return x


def polyak(target: list[torch.Tensor], online: list[torch.Tensor], tau: float) -> None:
    """θ̄ ← τ·θ + (1 − τ)·θ̄, in place."""
    with torch.no_grad():
        for t, p in zip(target, online):
            t.lerp_(p, tau)
