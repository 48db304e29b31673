"""The agents trainer: a population of tiny token policies on a multi-step task, one rollout batch per step.

One ``step()``:
1. π_old ← π_θ. Each seed draws ``batch_tasks`` distinct tasks and ``group`` episodes of each from π_old.
2. The task scores them (``tasks.py``, ``checklist.py``); with ARPO's replay, an all-failed group's
   first episode is replaced by a past success of its task (``replay.py``).
3. Step advantages Â (S, B, L) by the chosen estimator: ``_advantages``, one branch per paper.
4. ``epochs`` Adam steps of π_θ on the whole batch with the chosen loss: ``_objective``.

The policy is the LLM-RL lab's token policy (``lab.llmrl.policy``): the prompt names the task, the
tokens are the agent's actions. Every seed has its own weights, critic, optimizer state and samples;
the seeds' losses are summed for one backward pass and stay independent.
"""
from __future__ import annotations

from types import SimpleNamespace

import torch

from lab.core import Trainer, member_norm
from lab.llmrl import policy
from lab.llmrl.objectives import grpo as clipped_surrogate
from lab.llmrl.trainer import seed_mean, token_log_probs

from . import fiberpo
from .advantages import outcome, salt
from .checklist import Checklist
from .config import AgentsConfig
from .critic import Critic, gae, monte_carlo_values
from .replay import SuccessReplay
from .tasks import Lock, Task, Tree, grouped_tasks

EPS = 1e-6


def make_task(c: AgentsConfig, device: torch.device) -> Task:
    """The config's task."""
    if c.task == "lock":
        return Lock(c.vocab, c.length, c.tasks, c.depth_min, c.task_seed, device)
    if c.task == "tree":
        return Tree(c.vocab, c.length, c.tasks, c.decisive, c.task_seed, device)
    return Checklist(c.vocab, c.length, c.tasks, c.task_seed, c.reward, c.judge_noise, c.holistic_noise, device)


def seed_normalised(x: torch.Tensor) -> torch.Tensor:
    """(x − mean) / (std + ε) over each seed's whole batch: (S, ...) → (S, ...)."""
    flat = x.flatten(1)
    return ((flat - flat.mean(1, keepdim=True)) / (flat.std(1, keepdim=True) + EPS)).view_as(x)


def ascend(objective: torch.Tensor, params: list[torch.Tensor], optimizer: torch.optim.Optimizer) -> torch.Tensor:
    """One optimizer step of every seed up its mean per-step ``objective`` (S, B, L), the seeds' losses summed for
    one backward pass (they stay independent); returns each seed's gradient norm (S,)."""
    grads = torch.autograd.grad(-seed_mean(objective).sum(), params)
    for p, gr in zip(params, grads):
        p.grad = gr
    optimizer.step()
    return member_norm(grads)


def step_log_probs(weights: policy.Weights, prompts: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log π(y_t | y_<t) of the taken tokens (S, B, L) and the full log-distributions (S, B, L, V)."""
    return token_log_probs(policy.logits(weights, prompts, tokens), tokens)


class AgentsTrainer(Trainer):
    """``seeds`` independent token agents; one step = one rollout batch + ``epochs`` updates."""

    Config = AgentsConfig

    def __init__(self, config: AgentsConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.task = make_task(c, dev)
        self.weights = policy.init_weights(c.seeds, c.tasks, c.vocab, c.length, c.embed, c.hidden, g, dev)
        self.reference = policy.detached(self.weights)
        self.params = list(self.weights.values())
        self.optimizer = torch.optim.Adam(self.params, lr=c.lr)
        learned = c.advantage in ("critic", "dapo") or (c.advantage == "mc" and c.mc_weight < 1)
        self.critic = (Critic(c.seeds, c.tasks, c.vocab, c.length, c.embed, c.hidden, c.critic_lr, g, dev)
                       if learned else None)
        self.replay = SuccessReplay(c.seeds, c.tasks, c.replay_size, c.length, dev) if c.replay else None
        if c.advantage == "dapo":
            self._fit_frozen_critic()

    @property
    def population(self) -> int:
        return self.config.seeds

    def view_state(self) -> SimpleNamespace:
        """What the advantage-quality view reads (``quality.advantage_quality``): the config, device and
        task, and detached copies of the policy's weights and the critic."""
        return SimpleNamespace(config=self.config, device=self.device, task=self.task,
                               weights=policy.detached(self.weights),
                               critic=self.critic.snapshot() if self.critic is not None else None)

    def draw_tasks(self) -> torch.Tensor:
        """``batch_tasks`` distinct tasks per seed, each repeated ``group`` times: (S, B)."""
        c = self.config
        return grouped_tasks(c.seeds, c.tasks, c.batch_tasks, c.group, self.generator, self.device)

    def rollouts(self, weights: policy.Weights) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of grouped episodes of ``weights``' policy: tasks (S, B) and tokens (S, B, L)."""
        prompts = self.draw_tasks()
        tokens, _ = policy.sample(weights, prompts, self.config.length, lambda z: z, self.generator)
        return prompts, tokens

    # --- one step ----------------------------------------------------------------------------

    def step(self) -> dict[str, torch.Tensor]:
        """One rollout batch and ``epochs`` updates of every seed; per-seed metrics, (seeds,) each:

        success (the fresh episodes' mean expected reward: the headline), reward (the training reward,
        replayed episodes included), zero_adv_groups (the fraction of groups whose training rewards are all
        equal — no outcome signal — counted after ARPO's replay, which removes some by construction),
        entropy (π_old's mean per-step entropy on the batch, nats), seq_drift (the largest
        |mean_t log π_new/π_old| over the seed's episodes after all epochs: how far the update moved
        whole trajectories), clip_frac and grad_norm (averaged over epochs); critic_loss with a learned
        critic; replayed (the fraction of episodes replaced) with ARPO's replay."""
        c, g = self.config, self.generator
        old = policy.detached(self.weights)
        prompts, tokens = self.rollouts(old)
        reward = self.task.reward(prompts, tokens, g)
        metrics = {"success": self.task.expected_reward(prompts, tokens).mean(1)}
        if self.replay is not None:
            fresh = (prompts, tokens, reward)
            tokens, reward, replayed = self.replay.inject(prompts, tokens, reward, c.group, g)
            self.replay.add(*fresh)
            metrics["replayed"] = replayed.float().mean(1)
        with torch.no_grad():
            log_old, dist_old = step_log_probs(old, prompts, tokens)   # replayed episodes start at ratio 1 (ARPO's code)
            log_ref, _ = step_log_probs(self.reference, prompts, tokens)
        adv, extra = self._advantages(prompts, tokens, reward)
        stats = [self._update(prompts, tokens, log_old, log_ref, adv) for _ in range(c.epochs)]
        with torch.no_grad():
            log_new, _ = step_log_probs(self.weights, prompts, tokens)
        r = reward.view(c.seeds, c.batch_tasks, c.group)
        metrics.update(
            reward=reward.mean(1), zero_adv_groups=(r.std(-1) == 0).float().mean(1),
            entropy=seed_mean(-(dist_old.exp() * dist_old).sum(-1)),
            seq_drift=(log_new - log_old).mean(-1).abs().amax(1), **extra,
            **{k: torch.stack([s[k] for s in stats]).mean(0) for k in stats[0]})
        return metrics

    def _advantages(self, prompts, tokens, reward) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Â (S, B, L) by ``advantage``, and the critic's loss where one is trained.

        - 'outcome': GRPO's group-normalised outcome at every step (``advantages.outcome``).
        - 'salt':    SALT's mean over the group's trajectories through the same step (``advantages.salt``).
        - 'critic':  PPO's GAE on a critic trained alongside the policy on the returns Â + V
                     (Schulman et al., arXiv 1707.06347 and 1506.02438), normalised over the batch.
        - 'dapo':    DAPO (Liu et al., arXiv 2412.18279): A(s_t, a_t) = V(s_{t+1}) − V(s_t) from a critic
                     fitted to the reference policy's rollouts and then frozen (``_fit_frozen_critic``);
                     V(s_L) is the episode's reward. Not normalised: the loss regresses on its scale.
                     The paper's second stage learns offline from the reference policy's logged steps; here
                     the steps are the current policy's episodes (online) — the critic stays frozen, and
                     iterating the two stages ("iterative DAPO") is not built.
        - 'mc':      ProAct (Yu et al., arXiv 2602.05327): GAE on V̄ = (1 − w)·V_learned + w·V_MC, V_MC the
                     mean return of M random rollouts (``critic.monte_carlo_values``), normalised over the batch.
        """
        c = self.config
        if c.advantage == "outcome":
            return outcome(reward, c.group, c.length), {}
        if c.advantage == "salt":
            return salt(reward, self.task.states(prompts, tokens), tokens, c.group, c.vocab), {}
        if c.advantage == "dapo":
            with torch.no_grad():
                return gae(self.critic.values(prompts, tokens), reward, 0.0), {}
        with torch.no_grad():
            values = self.critic.values(prompts, tokens) if self.critic is not None else 0.0
            if c.advantage == "mc":
                mc = monte_carlo_values(self.task, prompts, tokens, c.mc_rollouts, self.generator)
                values = (1 - c.mc_weight) * values + c.mc_weight * mc
            adv = gae(values, reward, c.gae_lambda)
        extra = {}
        if self.critic is not None:
            extra["critic_loss"] = self.critic.fit(prompts, tokens, adv + values)
        return seed_normalised(adv), extra

    def _fit_frozen_critic(self) -> None:
        """DAPO's first stage: the critic regresses every step's value on the outcome of the reference
        policy's rollouts (V(s_t) ≈ P(success | s_t) under π_ref), ``dapo_critic_steps`` batches; then frozen."""
        for _ in range(self.config.dapo_critic_steps):
            prompts, tokens = self.rollouts(self.reference)
            reward = self.task.reward(prompts, tokens, self.generator)
            self.critic.fit(prompts, tokens, reward.unsqueeze(-1).expand_as(tokens).float())

    # --- one update --------------------------------------------------------------------------

    def _update(self, prompts, tokens, log_old, log_ref, adv) -> dict[str, torch.Tensor]:
        """One Adam step of every seed on the whole batch."""
        log_p, _ = step_log_probs(self.weights, prompts, tokens)
        per_step, clipped = self._objective(log_p, log_old, log_ref, adv)
        grad_norm = ascend(per_step, self.params, self.optimizer)
        return {"clip_frac": seed_mean(clipped), "grad_norm": grad_norm}

    def _objective(self, log_p, log_old, log_ref, adv) -> tuple[torch.Tensor, torch.Tensor]:
        """The per-step objective to maximize (S, B, L) and the steps it clipped.

        - 'ppo':      PPO's clipped surrogate per token (Schulman et al., arXiv 1707.06347, Eq. 7),
                      min(r_t Â_t, clip(r_t, 1 ± ε) Â_t), r_t = π_θ/π_old.
        - 'sequence': one ratio per episode, s = exp(mean_t log r_t), clipped the same way at every step
                      (GSPO's sequence ratio, Zheng et al., arXiv 2507.18071, Eqs. 5–7).
        - 'fiberpo':  FiberPO's trajectory and residual gates (``fiberpo.surrogate``).
        - 'dapo':     DAPO's quadratic loss −(β·log π_θ/π_ref − Â_t)² (Liu et al., arXiv 2412.18279; the
                      form inferred from the abstract: "a quadratic loss aligning scaled advantages with
                      log-policy ratios").
        """
        c = self.config
        log_ratio = log_p - log_old
        if c.objective == "fiberpo":
            return fiberpo.surrogate(log_ratio, adv, c.fiber_delta, c.fiber_split, c.fiber_eps)
        if c.objective == "dapo":
            return -(c.dapo_beta * (log_p - log_ref) - adv) ** 2, torch.zeros_like(adv, dtype=torch.bool)
        if c.objective == "sequence":
            log_ratio = log_ratio.mean(-1, keepdim=True).expand_as(log_ratio)
        return clipped_surrogate(log_ratio, adv, c.clip_eps)
