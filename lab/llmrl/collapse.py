"""Collapse markers.

``CollapseTracker`` (the trainer's live, sticky ``collapsed`` flag): a seed has collapsed once its
policy entropy falls below an absolute floor or its true reward crashes. On a task whose optimum is
nearly deterministic (``digit_sum``) a converging policy crosses the floor too, so that flag marks
convergence as often as failure. ``collapse_vs_control`` judges a run against a control run — the
same seeds and settings without the suspected cause — instead, and ``drop_from_peak`` measures a
reward crash after the fact. On the ``diverse`` task, whose optimum is spread over many answers,
losing entropy is itself the failure (tests/llmrl/test_diverse_task.py).

Reward crash: an EMA (rate 0.1) of the batch's mean true reward falls more than ``crash_drop``
below the best value that EMA has reached. Entropy: the mean per-token entropy of π_old on the
rollouts (nats) below ``entropy_floor``.
"""
from __future__ import annotations

import numpy as np
import torch

EMA_RATE = 0.1


class CollapseTracker:
    """Per-seed sticky collapse flags."""

    def __init__(self, seeds: int, entropy_floor: float, crash_drop: float, device: torch.device):
        self.entropy_floor, self.crash_drop = entropy_floor, crash_drop
        self.ema: torch.Tensor | None = None
        self.best = torch.full((seeds,), -float("inf"), device=device)
        self.collapsed = torch.zeros(seeds, dtype=torch.bool, device=device)

    def update(self, true_reward: torch.Tensor, entropy: torch.Tensor) -> torch.Tensor:
        """Feed one batch's mean true reward and entropy (S,); returns the flags as floats (S,)."""
        # in place after the first batch: a captured step replays on the same buffers (lab.core.capture)
        if self.ema is None:
            self.ema = true_reward.clone()
        else:
            self.ema += EMA_RATE * (true_reward - self.ema)
        torch.maximum(self.best, self.ema, out=self.best)
        crashed = self.best - self.ema > self.crash_drop
        self.collapsed |= crashed | (entropy < self.entropy_floor)
        return self.collapsed.to(torch.float32)


def ema(values, rate: float = EMA_RATE):
    """The EMA (rate ``rate``) along the first axis of a (steps, ...) array, started at the first value."""
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    out[0] = values[0]
    for t in range(1, len(values)):
        out[t] = out[t - 1] + rate * (values[t] - out[t - 1])
    return out


def collapse_vs_control(entropy, true_reward, control_entropy, control_reward, margin: float = 0.0):
    """Collapse relative to a control run — the same seeds and settings without the suspected cause (e.g. no
    sampler mismatch) — instead of an absolute entropy floor, which a policy crosses by converging on a task
    whose optimum is nearly deterministic.

    Arrays are (steps, seeds); the control's seeds are the reference population. At step t a seed is
    collapsed when its true reward (EMA, rate 0.1) is more than ``margin`` below *every* control seed's EMA
    at t while its entropy is below the control's median entropy at t: it has converged at least as far as
    the control, onto something worse than the worst control seed. By construction no control seed is
    collapsed against its own population.

    Returns (state, onset): state (steps, seeds) the boolean per step (not sticky: early, noisy steps may
    flicker); onset (seeds,) the first step of the run of collapsed steps that lasts to the end, −1 for a
    seed not collapsed at the last step."""
    reward, control = ema(true_reward), ema(control_reward)
    state = (reward < control.min(1, keepdims=True) - margin) & \
        (np.asarray(entropy, dtype=float) < np.median(np.asarray(control_entropy, dtype=float), 1, keepdims=True))
    steps = len(state)
    # Steps from the end that are all collapsed: the index of the last non-collapsed step + 1.
    last_ok = np.where((~state).any(0), steps - 1 - (~state)[::-1].argmax(0), -1)
    onset = np.where(state[-1], last_ok + 1, -1)
    return state, onset


def drop_from_peak(true_reward, rate: float = EMA_RATE):
    """How far each seed's true reward (EMA, rate ``rate``) ends below the best value that EMA reached:
    (steps, seeds) → (seeds,), ≥ 0 — the reward crash that ``CollapseTracker`` flags beyond ``crash_drop``."""
    smooth = ema(true_reward, rate)
    return smooth.max(0) - smooth[-1]
