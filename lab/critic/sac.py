"""Soft Actor-Critic on a population of seeds, every seed trained at once.

Haarnoja et al., "Soft Actor-Critic Algorithms and Applications", arXiv 1812.05905: a
tanh-squashed Gaussian actor, a soft Q critic with Polyak-averaged targets, and the
temperature α tuned automatically toward the target entropy H̄ = −dim(A). The critic is
'single' (one Q) or 'twin' (two Qs, clipped double-Q); see ``critics.py`` for the interface
that further critic variants plug into. The equation numbers cited in ``_update`` are those of
the arXiv text as we know it (soft value Eq. 3, J_Q Eq. 5, J_π Eq. 7 with the
reparameterization Eq. 8, J(α) Eq. 18, tanh squashing Appendix C); the paper was not at hand
to re-check them, so the formulas are written out beside each citation.

Every seed has its own actor, critic, temperature, optimizer state, env copies (``envs`` per
seed) and replay buffer, all held as tensors with a leading seed axis and updated by batched
matmuls — no Python loop over seeds. One ``step()`` = one env step of every copy, stored, then
(from ``learning_starts`` on) one gradient update of every seed; before that, actions are
uniform in the action box. Each seed's losses are summed for one backward pass; because
each seed's loss depends only on its own weights and Adam is elementwise, the seeds stay
independent.
"""
from __future__ import annotations

import math
from typing import Literal

import pydantic
import torch

from lab.core import Field, LabConfig, Trainer

from .actor import SquashedGaussianActor
from .critics import CRITICS, make_critic
from .envs import ENV_NAMES, check_env_name, make_env
from .networks import member_norm
from .replay import Replay


class SACConfig(LabConfig):
    """Soft Actor-Critic with automatic temperature, a population of seeds trained at once."""

    env: str = Field("pendulum", description="environment: " + ", ".join(ENV_NAMES)
                     + " (a gymnasium id with Box spaces)")
    reward_noise: float = Field(1.0, ge=0.0, le=10.0, description="'point-mass' only: reward noise "
                                "scale at the walls (σ(x) = reward_noise·|x|/2)")
    seeds: int = Field(4, ge=1, le=1024, description="independent seeds trained at once")
    envs: int = Field(1, ge=1, le=64, description="env copies per seed, each stepped once per step")
    steps: int = Field(10_000, ge=1, le=1_000_000, description="training steps (env steps per copy)")
    critic: Literal[tuple(CRITICS)] = Field("twin", description="'single' Q or 'twin' Qs with clipped double-Q")
    hidden: int = Field(256, ge=4, le=1024, description="hidden units per layer (actor and critic)")
    layers: int = Field(2, ge=1, le=4, description="hidden layers (actor and critic)")
    lr: float = Field(3e-4, gt=0.0, le=0.1, description="Adam step size of actor, critic and temperature")
    batch: int = Field(256, ge=1, le=4096, description="transitions sampled per seed per update")
    buffer: int = Field(100_000, ge=100, le=1_000_000, description="replay capacity per seed (transitions)")
    gamma: float = Field(0.99, ge=0.0, lt=1.0, description="discount factor γ")
    tau: float = Field(0.005, gt=0.0, le=1.0, description="Polyak step of the target critic τ")
    learning_starts: int = Field(1000, ge=0, le=1_000_000, description="steps of uniform random actions "
                                 "before the first update")
    autotune: bool = Field(True, description="tune α toward the target entropy −dim(A) (off: α stays alpha_init)")
    alpha_init: float = Field(1.0, gt=0.0, le=10.0, description="initial temperature α")
    eval_episodes: int = Field(5, ge=1, le=100, description="episodes per seed in an evaluation")
    eval_every: int = Field(0, ge=0, le=1_000_000, description="steps between evaluations recorded as "
                            "'eval_return' (0 = none during training)")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")

    @pydantic.model_validator(mode="after")
    def _known_env(self):
        check_env_name(self.env)
        return self


class SACTrainer(Trainer):
    """``seeds`` independent SAC agents; one step = one env step of every copy + one update."""

    Config = SACConfig

    def __init__(self, config: SACConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        S = c.seeds
        self.env = self._make_env(S * c.envs, c.seed)
        env = self.env
        self.actor = SquashedGaussianActor(S, env.obs_dim, env.act_dim, c.hidden, c.layers,
                                           env.action_low, env.action_high, g, dev)
        self.critic = make_critic(c.critic, S, env.obs_dim, env.act_dim, c.hidden, c.layers, g, dev)
        self.log_alpha = torch.full((S,), math.log(c.alpha_init), device=dev, requires_grad=True)
        self.target_entropy = -float(env.act_dim)
        self.critic_optimizer = torch.optim.Adam(self.critic.params, lr=c.lr, fused=True)
        self.actor_optimizer = torch.optim.Adam(self.actor.params, lr=c.lr, fused=True)
        self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=c.lr, fused=True)
        self.replay = Replay(S, c.buffer, env.obs_dim, env.act_dim, dev)

        self.obs = env.reset(g).view(S, c.envs, env.obs_dim)
        self.running_return = torch.zeros(S * c.envs, device=dev)
        self.last_return = torch.zeros(S * c.envs, device=dev)
        self.finished = torch.zeros(S * c.envs, dtype=torch.bool, device=dev)
        self.steps_done = 0
        self.last_eval = None
        self._eval_envs = {}

    def _make_env(self, n: int, seed: int):
        c = self.config
        options = {"noise": c.reward_noise} if c.env == "point-mass" else {}
        return make_env(c.env, n, self.device, seed, **options)

    @property
    def population(self) -> int:
        return self.config.seeds

    @property
    def alpha(self) -> torch.Tensor:
        """Each seed's temperature α, (seeds,)."""
        return self.log_alpha.detach().exp()

    # --- one step ----------------------------------------------------------------------------

    def step(self) -> dict[str, torch.Tensor]:
        """One env step of every copy, then one update of every seed; per-seed metrics, (seeds,) each:

        episode_return (mean over the seed's copies of the return of their last finished episode;
        until a copy finishes one, the return of its running episode), alpha, entropy
        (−mean log π on the update batch), critic_loss, actor_loss, q_mean (mean Q of the
        critic's heads on the batch), critic_grad_norm and actor_grad_norm (before the Adam step;
        losses, Q and norms are 0 before ``learning_starts``), and eval_return (the last
        ``evaluate()``, refreshed at step 1 and every ``eval_every`` steps) when ``eval_every`` > 0.
        """
        c, g, env = self.config, self.generator, self.env
        S, E = c.seeds, c.envs
        with torch.no_grad():
            action, _ = self.actor.sample(self.obs, g)                      # (S, E, act_dim)
        if self.steps_done < c.learning_starts:
            u = torch.rand(action.shape, generator=g, device=self.device)
            action = env.action_low + u * (env.action_high - env.action_low)
        out = env.step(action.reshape(S * E, -1))
        self.replay.add(self.obs, action, out.reward.view(S, E), out.next_obs.view(S, E, -1),
                        out.terminated.view(S, E))
        self._track_episodes(out.reward, out.done)
        self.obs = out.obs.view(S, E, -1)
        self.steps_done += 1

        if self.steps_done >= c.learning_starts:
            metrics = self._update(self.replay.sample(c.batch, g))
        else:
            metrics = self._before_learning(self.replay.sample(c.batch, g))
        metrics["episode_return"] = torch.where(self.finished, self.last_return,
                                                self.running_return).view(S, E).mean(1)
        if c.eval_every and (self.steps_done == 1 or self.steps_done % c.eval_every == 0):
            self.last_eval = self.evaluate()
        if c.eval_every:
            metrics["eval_return"] = self.last_eval
        return metrics

    def _track_episodes(self, reward: torch.Tensor, done: torch.Tensor) -> None:
        """Keep each copy's running return and the return of its last finished episode."""
        self.running_return += reward
        self.last_return = torch.where(done, self.running_return, self.last_return)
        self.finished |= done
        self.running_return = torch.where(done, 0.0, self.running_return)

    def _update(self, batch) -> dict[str, torch.Tensor]:
        """One SAC update of every seed (Haarnoja et al., arXiv 1812.05905, Algorithm 1)."""
        c, g = self.config, self.generator
        obs, action, reward, next_obs, terminated = batch                   # (S, B, ...)
        alpha = self.alpha[:, None]                                          # (S, 1)

        # Critic: the soft Bellman residual J_Q(θ) = E[½(Q_θ(s,a) − y)²] (Eq. 5), with the soft
        # value V(s') = E_{a'~π}[Q_θ̄(s',a') − α log π(a'|s')] (Eq. 3) from the target critic:
        #   y = r + γ·(1 − terminated)·(min_i Q_θ̄_i(s', a') − α·log π(a'|s')),  a' ~ π(·|s').
        # With twin heads the min is the clipped double-Q estimate; with one head it is Q itself.
        with torch.no_grad():
            next_action, next_log_pi = self.actor.sample(next_obs, g)
            soft_value = self.critic.estimate(next_obs, next_action, self.critic.target_params) - alpha * next_log_pi
            target = reward + c.gamma * (1.0 - terminated) * soft_value
        critic_loss, q = self.critic.loss(obs, action, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.sum().backward()
        critic_grad = member_norm([p.grad for p in self.critic.params])
        self.critic_optimizer.step()

        # Actor: J_π(φ) = E_s[α·log π_φ(f_φ(ε;s)|s) − Q_θ(s, f_φ(ε;s))] (Eq. 7 reparameterized by
        # Eq. 8), Q the (clipped) estimate of the just-updated critic, whose weights are held fixed.
        new_action, log_pi = self.actor.sample(obs, g)
        actor_loss = (alpha * log_pi - self.critic.estimate(obs, new_action, self.critic.frozen())).mean(1)
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.sum().backward()
        actor_grad = member_norm([p.grad for p in self.actor.params])
        self.actor_optimizer.step()

        # Temperature: J(α) = E_a~π[−α·log π(a|s) − α·H̄] (Eq. 18), H̄ = −dim(A), taken in log α
        # (gradient −(log π + H̄) per sample, the same sign as in α, and α stays positive).
        if c.autotune:
            alpha_loss = -(self.log_alpha[:, None] * (log_pi.detach() + self.target_entropy)).mean(1)
            self.alpha_optimizer.zero_grad(set_to_none=True)
            alpha_loss.sum().backward()
            self.alpha_optimizer.step()

        # Targets: θ̄ ← τ·θ + (1 − τ)·θ̄ (Algorithm 1).
        self.critic.update_targets(c.tau)

        return {
            "critic_loss": critic_loss.detach(),
            "actor_loss": actor_loss.detach(),
            "q_mean": q.detach().mean((1, 2)),
            "alpha": self.alpha,
            "entropy": -log_pi.detach().mean(1),
            "critic_grad_norm": critic_grad,
            "actor_grad_norm": actor_grad,
        }

    def _before_learning(self, batch) -> dict[str, torch.Tensor]:
        """The metrics of ``_update`` while only collecting: the policy's entropy on replayed
        states and its α; losses, Q and gradient norms are 0."""
        with torch.no_grad():
            _, log_pi = self.actor.sample(batch.obs, self.generator)
        zero = torch.zeros(self.config.seeds, device=self.device)
        return {"critic_loss": zero, "actor_loss": zero, "q_mean": zero, "alpha": self.alpha,
                "entropy": -log_pi.mean(1), "critic_grad_norm": zero, "actor_grad_norm": zero}

    # --- evaluation --------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, episodes: int | None = None, max_steps: int = 100_000) -> torch.Tensor:
        """Mean return per seed of ``episodes`` episodes (default ``eval_episodes``) acting by
        tanh(mean) — the deterministic policy — on fresh env copies, (seeds,).

        Every evaluation starts from the same initial states (a generator seeded from ``seed``
        and ``episodes``), so successive evaluations differ only by the policy. An episode still
        running after ``max_steps`` steps (an env without a time limit) counts its return so far.
        """
        c = self.config
        episodes = c.eval_episodes if episodes is None else episodes
        if not isinstance(episodes, int) or episodes < 1:
            raise ValueError(f"episodes = {episodes!r} must be a positive integer")
        env = self._eval_envs.get(episodes)
        if env is None:
            env = self._eval_envs[episodes] = self._make_env(c.seeds * episodes, c.seed + 1)
        obs = env.reset(torch.Generator(device=self.device).manual_seed(c.seed + 1_000 * episodes + 1))
        total = torch.zeros(env.n, device=self.device)
        running = torch.ones(env.n, dtype=torch.bool, device=self.device)
        for t in range(max_steps):
            action = self.actor.act_deterministic(obs.view(c.seeds, episodes, -1))
            out = env.step(action.reshape(env.n, -1))
            total += torch.where(running, out.reward, 0.0)
            running &= ~out.done
            obs = out.obs
            if not bool(running.any()):
                break
        return total.view(c.seeds, episodes).mean(1)
