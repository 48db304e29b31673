"""PA-RL, policy-agnostic RL (Sobol Mark, Gao, Sampaio, Srirama, Sharma, Finn, Kumar, "Policy Agnostic RL:
Offline RL and Online RL Fine-Tuning of Any Class and Backbone", arXiv 2412.06685), on two one-state toys.

The paper. Policy improvement without a policy gradient: sample m actions from the policy, keep the k
best by the learned critic Q (global optimization: re-ranking), take T gradient-ascent steps on each kept
action, a ← clip(a + η ∇ₐQ(a)), keeping each action's best iterate (local optimization), and train the
policy by its OWN supervised loss (likelihood, or a diffusion/flow loss) on the best optimized action.
Categorical (autoregressive token) actions have no ∇ₐ: for them only re-ranking applies.

The toys (``pa_rl_toys``). 'tokens': two tokens, 64 joint actions; a broad decoy hill (reward 0.7) and a
one-action spike (reward 1) far from it; a two-token autoregressive logit table per seed; the critic a
table of running means of noisy rewards (std ``noise``), first ``prior`` samples per action, then the m
actions the policy draws each step. 'continuous': a ∈ [−1, 1]², one reward bump at (0, 0.3), between the
two clusters (±0.6, 0) of the behaviour data the flow policy (``lab.expressive.flow``) is first fitted to;
the critic a per-seed MLP fitted to 64·``prior`` noisy rewards at uniform actions, then one Adam step a
step on the m actions drawn. The switch ``method``:

- 'reinforce' (default, the failure): the score-function gradient of E_π[Q] with a mean baseline over the
  m samples, ∇ = mean_i (Q(aᵢ) − mean_j Q(aⱼ)) ∇log π(aᵢ) — 'tokens' only (a flow has no likelihood);
- 'rerank': PA-RL's global step alone — distill the argmax-Q of the m samples;
- 'pa_rl': re-ranking, then T local gradient steps on the k best ('continuous'; on tokens it is 'rerank').

What reproduces (tests/expressive/test_pa_rl.py, per-seed tables there; 16 seeds, base seeds 0, 1, 2).
'tokens', 200 steps: REINFORCE against the learned Q leaves 9–10 of 16 seeds on the decoy hill (still 8–9 at
400 steps) though the critic's argmax is the optimum in 14–16; 6–7 of 16 reach expected reward 0.9 (mean
0.79–0.81). PA-RL (re-rank, distill by log-likelihood): 12–16 of 16 (mean 0.92–0.99). 'continuous', 100
steps: the first distilled action is worth 0.75–0.82 with the local step, 0.54–0.56 by re-ranking alone; the
policy's reward over the last 20 steps 0.77–0.84 against 0.69–0.77 (equal on base seed 1); by 200 steps both
reach ≈ 0.87–0.93 — the local step speeds the climb, it does not reach what re-ranking cannot.
Inferred (the abstract and the authors' code were read, not the paper's text): the toys, the one-state
setting without TD, the REINFORCE baseline, m, k, T and η (the authors use m = 32, k = 10, T = 10,
η = 3·10⁻⁴ with plain gradient steps and distill the argmax: ``distill_argmax=True``).
"""
from __future__ import annotations

from typing import Callable, Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator

from .flow import FlowPolicy
from .pa_rl_toys import (MlpCritic, behaviour_actions, bump_reward, joint_log_probs, sample_joint,
                         token_reward, update_running_mean, CONTINUOUS_OPTIMUM, TOKEN_OPTIMUM, TOKENS)

METHODS = ("reinforce", "rerank", "pa_rl")
PRETRAIN_STEPS = 300      # 'continuous': Adam steps fitting the flow to the behaviour data and the critic to the prior
DISTILL_BATCH = 32        # 'continuous': flow-matching draws (noise, time) toward the distilled action per step
VIEW_POINTS = 64


class PaRlConfig(LabConfig):
    """A one-state bandit with a learned critic; a population of policies improved by REINFORCE against
    the critic or by PA-RL's action optimization and distillation."""

    action: Literal["tokens", "continuous"] = Field(
        "tokens", description="'tokens': two tokens, 64 joint actions, a logit policy; 'continuous': 2-D actions, "
        "a flow policy fitted first to two behaviour clusters with the optimum between them")
    method: Literal[METHODS] = Field(
        "reinforce", description="the policy update: 'reinforce' (score-function gradient of the critic's value, "
        "'tokens' only), 'rerank' (distill the best of the sampled actions by the critic) or 'pa_rl' (re-rank, "
        "then gradient steps on the actions against the critic, then distill)")
    candidates: int = Field(16, ge=2, le=256, description="m: actions sampled from the policy per step")
    keep: int = Field(4, ge=1, le=256, description="'pa_rl': k, the best-ranked actions that take gradient steps")
    action_steps: int = Field(10, ge=1, le=100, description="'pa_rl': T, gradient-ascent steps on each kept action")
    action_lr: float = Field(0.05, gt=0.0, le=10.0, description="'pa_rl': η, the step size of those gradient steps")
    noise: float = Field(0.3, ge=0.0, le=5.0, description="std of the noise on every observed reward")
    prior: int = Field(1, ge=1, le=64, description="noisy rewards the critic is first fitted on: per joint action "
                       "('tokens'); 64·prior uniform actions ('continuous')")
    lr: float = Field(0.1, gt=0.0, le=10.0, description="'tokens': Adam step size of the logit policy")
    flow_lr: float = Field(0.01, gt=0.0, le=1.0, description="'continuous': Adam step size of the flow policy")
    critic_lr: float = Field(0.01, gt=0.0, le=1.0, description="'continuous': Adam step size of the critic MLP")
    init_std: float = Field(0.5, ge=0.0, le=10.0, description="'tokens': std of the policy's initial logits")
    hidden: int = Field(32, ge=4, le=256, description="'continuous': hidden width of the flow and the critic")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(200, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.method == "reinforce" and self.action == "continuous":
            found.append("'method' = 'reinforce' needs 'action' = 'tokens': the flow policy of 'continuous' has no "
                         "tractable likelihood; use 'rerank' or 'pa_rl'")
        if self.keep > self.candidates:
            found.append(f"'keep' = {self.keep} must be at most 'candidates' = {self.candidates}")
        return found


def improve_actions(critic: Callable[[torch.Tensor], torch.Tensor], actions: torch.Tensor, keep: int,
                    steps: int, step_size: float) -> torch.Tensor:
    """PA-RL's action optimization (arXiv 2412.06685, "global optimization (re-ranking ... using the
    Q-function) and local optimization (running gradient steps on an action sample)"; the authors' code
    keeps each action's best iterate): of the m actions (S, m, d) keep the k best by Q, take ``steps``
    clipped gradient-ascent steps a ← clip(a + η ∇ₐQ(a), −1, 1) on each, and return each seed's argmax-Q
    optimized action (S, d). ``steps`` = 0 is re-ranking alone."""
    with torch.no_grad():
        top = critic(actions).topk(keep, dim=1).indices
        a = actions.gather(1, top.unsqueeze(-1).expand(-1, -1, actions.shape[-1]))
        best, best_value = a, critic(a)
    for _ in range(steps):
        a = a.detach().requires_grad_()
        gradient, = torch.autograd.grad(critic(a).sum(), a)
        with torch.no_grad():
            a = (a + step_size * gradient).clamp(-1.0, 1.0)
            value = critic(a)
            better = value > best_value
            best = torch.where(better.unsqueeze(-1), a, best)
            best_value = torch.where(better, value, best_value)
    pick = best_value.argmax(1)
    return best.gather(1, pick.view(-1, 1, 1).expand(-1, 1, best.shape[-1])).squeeze(1)


class PaRlTrainer(Trainer):
    """``seeds`` independent policies and critics; one step = m actions drawn and rewarded (noisily), the
    critic refitted, one policy update by the chosen method."""

    Config = PaRlConfig

    def __init__(self, config: PaRlConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.view_generator = view_generator(c.seed, dev)
        if c.action == "tokens":
            self.reward = token_reward(dev)                                                    # (64,)
            self.first = (c.init_std * torch.randn(c.seeds, TOKENS, generator=g, device=dev)).requires_grad_()
            self.second = (c.init_std * torch.randn(c.seeds, TOKENS, TOKENS, generator=g, device=dev)).requires_grad_()
            self.optimizer = torch.optim.Adam([self.first, self.second], lr=c.lr)
            prior = torch.arange(TOKENS * TOKENS, device=dev).repeat(c.seeds, c.prior)
            zeros = torch.zeros(c.seeds, TOKENS * TOKENS, device=dev)
            self.q, self.counts = update_running_mean(zeros, zeros, prior, self.observe(self.reward[prior]))
        else:
            self.flow = FlowPolicy(c.seeds, 2, g, dev, hidden=c.hidden)
            self.optimizer = torch.optim.Adam(self.flow.params, lr=c.flow_lr)
            self.critic = MlpCritic(c.seeds, c.hidden, c.critic_lr, g, dev)
            self._pretrain()

    @property
    def population(self) -> int:
        return self.config.seeds

    def observe(self, true_reward: torch.Tensor) -> torch.Tensor:
        """A noisy reward: the true one plus N(0, noise²)."""
        return true_reward + self.config.noise * torch.randn(true_reward.shape, generator=self.generator,
                                                             device=self.device)

    def _pretrain(self) -> None:
        """'continuous': fit the flow to the two behaviour clusters and the critic to 64·prior noisy rewards."""
        c, g, dev = self.config, self.generator, self.device
        prior = torch.rand(c.seeds, 64 * c.prior, 2, generator=g, device=dev) * 2 - 1
        prior_rewards = self.observe(bump_reward(prior))
        for _ in range(PRETRAIN_STEPS):
            self.critic.fit(prior, prior_rewards)
            loss = self.flow.loss(behaviour_actions(c.seeds, DISTILL_BATCH, g, dev), g).sum()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()

    def sample_continuous(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n actions per seed of the flow policy, clipped to the square: (S, n, 2), no gradient."""
        start = torch.randn(self.config.seeds, n, 2, generator=generator, device=self.device)
        with torch.no_grad():
            return self.flow.sample(start).clamp(-1.0, 1.0)

    def step(self) -> dict[str, torch.Tensor]:
        """One update of every seed. Metrics (seeds,): expected_reward (the policy's true expected reward, the
        headline: exact for 'tokens', the mean over the m samples for 'continuous'), then for 'tokens'
        optimum_mass (π of the optimal action), mode_reward (true reward of the policy's likeliest action:
        1 the optimum, ≈ 0.7 the decoy) and critic_right (1 when the critic's argmax is the optimum); for
        'continuous' target_reward (true reward of the distilled action) and distance (mean distance of the
        samples to the optimum)."""
        return self._step_tokens() if self.config.action == "tokens" else self._step_continuous()

    def _step_tokens(self) -> dict[str, torch.Tensor]:
        c = self.config
        log_p = joint_log_probs(self.first, self.second)                                      # (S, 64)
        p = log_p.detach().exp()
        actions = sample_joint(log_p.detach(), c.candidates, self.generator)                  # (S, m)
        self.q, self.counts = update_running_mean(self.q, self.counts, actions, self.observe(self.reward[actions]))
        q = self.q.gather(1, actions)
        if c.method == "reinforce":
            advantage = q - q.mean(1, keepdim=True)
            loss = -(advantage * log_p.gather(1, actions)).mean(1).sum()
        else:   # PA-RL on tokens: re-rank the m samples by Q, distill the best by its log-likelihood
            best = actions.gather(1, q.argmax(1, keepdim=True))
            loss = -log_p.gather(1, best).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        optimum = TOKEN_OPTIMUM[0] * TOKENS + TOKEN_OPTIMUM[1]
        return {"expected_reward": (p * self.reward).sum(1), "optimum_mass": p[:, optimum],
                "mode_reward": self.reward[p.argmax(1)],
                "critic_right": (self.q.argmax(1) == optimum).to(torch.float32)}

    def _step_continuous(self) -> dict[str, torch.Tensor]:
        c = self.config
        actions = self.sample_continuous(c.candidates, self.generator)                        # (S, m, 2)
        true_reward = bump_reward(actions)
        self.critic.fit(actions, self.observe(true_reward))
        steps = c.action_steps if c.method == "pa_rl" else 0
        target = improve_actions(self.critic, actions, c.keep, steps, c.action_lr)            # (S, 2)
        # PA-RL's distillation (arXiv 2412.06685): the policy's own supervised loss — here flow matching — on
        # the optimized action, not a policy gradient
        loss = self.flow.loss(target.unsqueeze(1).expand(-1, DISTILL_BATCH, -1), self.generator).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        optimum = torch.tensor(CONTINUOUS_OPTIMUM, device=self.device)
        return {"expected_reward": true_reward.mean(1), "target_reward": bump_reward(target),
                "distance": (actions - optimum).norm(dim=-1).mean(1)}

    def view_state(self) -> torch.Tensor:
        """Each seed's sampled actions (S, 64, 2), drawn with the view's own generator: token pairs (y₁, y₂)
        for 'tokens', points of the square for 'continuous'."""
        if self.config.action == "tokens":
            log_p = joint_log_probs(self.first.detach(), self.second.detach())
            joint = sample_joint(log_p, VIEW_POINTS, self.view_generator)
            return torch.stack([joint // TOKENS, joint % TOKENS], -1).to(torch.float32)
        return self.sample_continuous(VIEW_POINTS, self.view_generator)
