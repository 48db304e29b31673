"""Overestimation: the critic's Q(s, a) minus the discounted Monte-Carlo return from (s, a).

For ``n`` transitions (s, a) drawn from each seed's replay buffer, copies of the env are put in
state s (``set_state``; the state is recovered from the stored observation), take a, and then
follow the seed's *current* stochastic policy π, all copies of all seeds in one batched env. The
Monte-Carlo estimate is of the *soft* return that SAC's critic is trained to predict,

    G = Σ_{t=0}^{H−1} γ^t·c·r_t − α·Σ_{t=1}^{H−1} γ^t·log π(a_t|s_t),

c the config's ``reward_scale`` (the critic learns scaled rewards; reward noise is left out, G is the
return of the env's own rewards),

and the metric is mean over the n pairs of Q̂(s, a) − G, per seed, with Q̂ the critic's estimate
(what the TD target and the actor use: the twin minimum, μ − β·σ for 'stac', ...). Positive =
the critic overestimates.

The horizon H is the smallest with γ^H ≤ 0.01 (459 steps at γ = 0.99), at most 2,000; the env's
own time limit is lifted for the rollout. The return's tail beyond H, at most
γ^H·max|r|/(1 − γ) in size, is left out, so G is biased by at most that (≈ 16 for Pendulum at
γ = 0.99, against values of a few hundred). One rollout per pair: with reward noise, G is noisy
and the per-seed mean carries that noise / √n.
"""
from __future__ import annotations

import math

import torch

from .envs import TorchEnv

TAIL = 0.01
MAX_HORIZON = 2_000


def horizon(gamma: float) -> int:
    """The smallest H with γ^H ≤ 0.01 (1 for γ = 0), capped at 2,000."""
    if gamma <= 0:
        return 1
    return min(MAX_HORIZON, max(1, math.ceil(math.log(TAIL) / math.log(gamma))))


@torch.no_grad()
def overestimation(trainer, n: int) -> torch.Tensor:
    """Mean over ``n`` replayed (s, a) per seed of Q̂(s, a) − G (see the module docstring), (seeds,)."""
    c = trainer.config
    S = c.seeds
    if trainer.replay.size == 0:
        raise ValueError("the replay buffer is empty: nothing to measure overestimation from")
    batch = trainer.replay.sample(n, trainer.generator)
    q = trainer.critic.estimate(batch.obs, batch.action)                      # (S, n)

    env = trainer._make_env(S * n, c.seed + 2)
    if not isinstance(env, TorchEnv):
        raise ValueError(f"overestimation needs a torch env that can be set to a state; {c.env!r} cannot")
    H = horizon(c.gamma)
    env.max_steps = H + 1                                                      # no truncation inside the rollout
    env.set_state(env.state_from_observation(batch.obs.reshape(S * n, -1)))
    alpha = trainer.alpha[:, None]
    total = torch.zeros(S, n, device=trainer.device)
    out = env.step(batch.action.reshape(S * n, -1))
    total += c.reward_scale * out.reward.view(S, n)
    discount = 1.0
    for _ in range(1, H):
        discount *= c.gamma
        action, log_pi = trainer.actor.sample(out.obs.view(S, n, -1), trainer.generator)
        out = env.step(action.reshape(S * n, -1))
        total += discount * (c.reward_scale * out.reward.view(S, n) - alpha * log_pi)
    return (q - total).mean(1)
