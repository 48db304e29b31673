"""EXPO (Dong, Li, Sadigh, Finn, "EXPO: Stable Reinforcement Learning with Expressive Policies", arXiv
2507.07986) on a 2-D point mass with two goals, from a bimodal offline dataset to online fine-tuning.

The toy. A point p ∈ [−1.5, 1.5]² starts near (0, −0.6); an action a ∈ [−1, 1]² (the environment clips it)
moves it by 0.3·a; each step pays r(p') = max_g w_g·exp(−‖p' − g‖² / (2·0.3²)) for two goals g, the better
one at (0.9, 0.6) worth ``better_reward`` and the worse at (−0.9, 0.6) worth ``worse_reward``, equally far from
the start. Episodes last ``horizon`` steps, all of a seed's ``envs`` in lockstep; the TD backup bootstraps
through the time limit (γ = ``gamma``), so no value can exceed r_max/(1 − γ) (10 at the defaults). The offline
dataset (``dataset_episodes`` per seed, with rewards) is scripted: half the episodes head to each goal at full
speed with N(0, 0.2²) action noise — the imitation policy is bimodal and its return the average of the two.
Every seed first trains its flow policy (``lab.expressive.flow.FlowPolicy`` conditioned on p, 8 Euler steps)
by flow matching on that data (``pretrain_steps``), then fine-tunes online: each ``step()`` is one action in
each of its ``envs`` environments, stored in a replay buffer that keeps the offline data, and ``updates``
updates of a twin Q critic (``lab.critic.critics.QCritic``) and of the policy. The switch ``method``:

- 'backprop_chain' (default, the failure): the policy is improved as Diffusion-QL does (Wang et al., arXiv
  2208.06193, eq. 3): L = L_flow − η·Q(s, a_θ)/E|Q|, a_θ the flow's sample with the gradient taken through
  every Euler step of the chain; it acts and backs up with one flow sample. By default (``clip_samples`` off)
  the critic sees the flow's raw, unclamped output (the environment clips what it executes). That is OUR
  departure from Diffusion-QL, whose code clamps every sample to the action box; ``clip_samples=True`` does
  the same (Diffusion-QL as published). The divergence below needs the unclamped sample.
- 'expo' (the paper): the flow is trained by imitation only, on the replay buffer (offline + online data);
  a light tanh-Gaussian edit policy (``lab.critic.actor``) on (s, a) proposes â = a + ã, |ã| ≤ β
  (``edit_scale``); the on-the-fly policy draws ``samples`` base actions, edits each, and takes the argmax
  of the twin-min target Q among the 2N candidates — for acting and for the TD backup.

Metrics per step: return (the last finished episodes' mean return over the scripted optimal one's, the
headline), better_goal (fraction of those episodes ending nearer the better goal), q (the twin-min target Q
of the acting policy's next actions that the TD backup uses, batch mean, clamped to ±1e3 as measured),
diverged (1 from the first step a seed's |q| exceeds ``DIVERGED_FACTOR``·r_max/(1 − γ), or is not finite;
latched), outside (the fraction of those next actions outside the action box) and edit (mean |ã|; 0 for the
baseline).

What reproduces (tests/expressive/test_expo.py; the defaults, 300 online steps = 2400 transitions per seed,
16 seeds, base seeds 0, 1, 2):

- Unclamped chain (the default): backprop through the chain at η = 10 diverges (Q beyond ±30; the runs go
  on, the metric clamped) in 9, 7 and 13 of 16 seeds; median return 0.35 / 0.44 / 0.15 of the optimum,
  0 / 1 / 0 seeds reaching 0.8.
- Clamped chain (``clip_samples=True``, Diffusion-QL as published), same η = 10: Q stays bounded, 0 of 16
  seeds diverge per base seed (max |Q| 4.8 / 5.1 / 5.0); median return 0.54 / 0.61 / 0.51, 1 / 3 / 3 seeds
  past 0.8. Bounded, but slower than EXPO.
- EXPO diverges in none (max |Q| 5.8–6.1 ≤ 10): median return 0.80 / 0.85 / 0.90, 99–100% of episodes at the
  better goal, 12 / 13 / 15 of 16 seeds past 0.8.

So what diverges here is an unclamped chain, not Diffusion-QL as published. At η = 1 the unclamped baseline
does not diverge (max |Q| 5.2–5.5) but stalls at 0.41–0.45 (no seed past 0.8); at η = 0, 0.32–0.33 (not
asserted).

No clamped setting we tried is unstable (measured, not asserted; 300 steps, 16 seeds, base seeds 0 / 1 / 2):
η = 30: 0/48 diverged, max |Q| 5.1, median 0.76 / 0.69 / 0.65 (32 Euler steps: 0.74 / 0.67 / 0.60);
η = 100: 0/48, 0.79 / 0.76 / 0.64 (16 Euler steps: 0.76 / 0.72 / 0.63; 32: 0.77 / 0.72 / 0.65); lr 1e-2 at
η = 10: 0.66 / 0.67 / 0.68, at η = 30 with 16 steps: 0.80 / 0.77 / 0.72, at η = 100: 0.89 / 0.85 / 0.86 with
16 / 16 / 15 seeds past 0.8 (32 steps: 0.86 / 0.86 / 0.83), all 0/48; at base seed 0 only, η = 100 with lr
3e-2 (0.88), critic lr 1e-2 (0.87) or 4 updates per step (0.96, max |Q| 11.1, under the ±30 line): 0/16.
Max |Q| ≤ 6.3 elsewhere. The same η = 100, lr 1e-2 run unclamped diverges in 16 / 15 / 16 seeds (median
0.10 / 0.03 / 0.06): the clamp alone separates the two. EXPO at lr 1e-2 is 0.68 / 0.84 / 0.89. So EXPO's
lead in return holds against the clamped baseline at η = 10 and lr 3e-3 (the defaults), not against a clamped
one tuned to η = 100 and lr 1e-2, which matches it on this toy. EXPO's advantage here is stability against
the unclamped chain and speed against the default clamped one; the paper's 2–3× on robot tasks is not
measured as a ratio.

Inferred or changed (the paper's method section was not available to us; the rule is from the public code
``Servo97/EXPO``, ``expo/agents/sac/expo_learner.py``): flow matching instead of DDPM; no EMA copy of the
base for acting; twin Q instead of a larger ensemble; UTD 1 by default; the edit's temperature auto-tuned
to the code's "adjusted" target entropy −dim/2 + dim·log β; the toy, its dataset and the baseline's form.
"""
from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator
from lab.critic.actor import SquashedGaussianActor
from lab.critic.critics import QCritic

from .expo_toy import goal_rewards, move, offline_dataset, optimal_return, reward, starts
from .flow import FlowPolicy

METHODS = ("backprop_chain", "expo")
DIVERGED_FACTOR = 3.0                    # |Q| beyond this × r_max/(1 − γ) is divergence
Q_SHOWN = 1e3                            # measured Q is clamped to ±Q_SHOWN so metrics stay finite
VIEW_EPISODES = 64


class ExpoConfig(LabConfig):
    """A flow policy pretrained on a bimodal point-mass dataset, fine-tuned online by backpropagating Q through
    its sampling chain or by EXPO's on-the-fly policy (imitation base + bounded Gaussian edits + max-Q
    selection); a population of seeds trained at once."""

    method: Literal[METHODS] = Field(
        "backprop_chain", description="how the policy is improved online: 'backprop_chain' (Diffusion-QL: the "
        "gradient of Q through the flow's Euler chain, plus the flow-matching loss) or 'expo' (the flow only "
        "imitates the buffer; a bounded Gaussian edit policy and max-Q selection among base samples and their "
        "edits act and back up)")
    better_reward: float = Field(1.0, gt=0.0, le=10.0, description="peak reward at the better goal (right)")
    worse_reward: float = Field(0.5, ge=0.0, le=10.0, description="peak reward at the worse goal (left)")
    horizon: int = Field(10, ge=2, le=100, description="steps per episode")
    gamma: float = Field(0.9, ge=0.0, le=0.99, description="discount of the TD backup")
    dataset_episodes: int = Field(64, ge=4, le=4096, description="offline demonstrations per seed, half to each goal")
    pretrain_steps: int = Field(200, ge=0, le=100_000, description="flow-matching steps on the offline data "
                                "before online fine-tuning")
    envs: int = Field(8, ge=1, le=256, description="environments per seed, stepped once per training step")
    buffer: int = Field(4096, ge=64, le=65_536, description="replay capacity per seed (offline data kept)")
    batch: int = Field(64, ge=8, le=4096, description="replay batch per update")
    updates: int = Field(1, ge=1, le=32, description="critic and policy updates per step (UTD)")
    hidden: int = Field(32, ge=8, le=512, description="hidden width of every network")
    flow_steps: int = Field(8, ge=1, le=64, description="Euler steps of the flow's sampling chain")
    lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size of the flow and the edit policy")
    critic_lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size of the twin critic")
    tau: float = Field(0.05, gt=0.0, le=1.0, description="Polyak rate of the target critic")
    q_weight: float = Field(10.0, ge=0.0, le=100.0, description="'backprop_chain': η, the weight of −Q/E|Q| "
                            "beside the flow-matching loss")
    clip_samples: bool = Field(False, description="'backprop_chain': clamp every flow sample to the action box "
                               "before the critic sees it (and before acting and backing up), as Diffusion-QL's code "
                               "does; off (the default, the failure) the critic scores the raw, unclamped sample, and "
                               "the divergence needs that: clamped, no seed diverges")
    samples: int = Field(8, ge=1, le=64, description="'expo': N, base samples per state (each also edited)")
    edit_scale: float = Field(0.3, gt=0.0, le=2.0, description="'expo': β, the largest edit per action coordinate")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(300, ge=1, le=100_000, description="online steps (each one action in every environment)")

    def problems(self) -> list[str]:
        found = []
        offline = self.dataset_episodes * self.horizon
        if self.worse_reward >= self.better_reward:
            found.append(f"'worse_reward' = {self.worse_reward} must be below 'better_reward' = {self.better_reward}")
        if self.buffer < offline + self.envs:
            found.append(f"'buffer' = {self.buffer} must hold the offline data ('dataset_episodes' × 'horizon' = "
                         f"{offline}) plus one step of 'envs' = {self.envs}")
        return found

    def memory_parts(self) -> dict[str, int]:
        return {"replay (seeds, buffer)": 4 * 7 * self.seeds * self.buffer,
                "flow activations (seeds, batch, samples, hidden, flow_steps)":
                    4 * 2 * self.seeds * self.batch * 2 * self.samples * self.hidden * (self.flow_steps + 1)}


# --- the pieces ------------------------------------------------------------------------------------


def select_max_q(candidates: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """EXPO's on-the-fly choice: per state, the candidate action with the highest Q. candidates (S, B, K, 2),
    q (S, B, K) → (S, B, 2)."""
    best = q.argmax(-1, keepdim=True).unsqueeze(-1).expand(-1, -1, 1, candidates.shape[-1])
    return candidates.gather(2, best).squeeze(2)


# --- the trainer -----------------------------------------------------------------------------------


class ExpoTrainer(Trainer):
    """``seeds`` independent agents (a flow policy, a twin critic, for 'expo' an edit policy), each with its
    own replay buffer and ``envs`` point masses; one step = one action in every environment and ``updates``
    updates of every agent."""

    Config = ExpoConfig

    def __init__(self, config: ExpoConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        S, H = c.seeds, c.hidden
        self.goals, self.peaks = goal_rewards(c, dev)
        self.q_bound = c.better_reward / (1.0 - c.gamma)
        self.best_return = optimal_return(c, dev)
        self.flow = FlowPolicy(S, 2, g, dev, cond_dim=2, hidden=H, steps=c.flow_steps)
        self.critic = QCritic(S, 2, 2, 2, H, 2, g, dev)            # twin Q: (s, a) → H → H → 1, two heads
        beta = torch.full((2,), c.edit_scale, device=dev)
        self.editor = SquashedGaussianActor(S, 4, 2, H, 2, -beta, beta, g, dev)
        self.log_alpha = torch.zeros(S, device=dev, requires_grad=True)
        self.target_entropy = -1.0 + 2 * math.log(c.edit_scale)    # the code's adjusted −dim/2 + dim·log β
        self.flow_opt = torch.optim.Adam(self.flow.params, lr=c.lr)
        self.critic_opt = torch.optim.Adam(self.critic.params, lr=c.critic_lr)
        self.edit_opt = torch.optim.Adam(self.editor.params + [self.log_alpha], lr=c.lr)
        self._fill_offline(offline_dataset(c, g, dev))
        for _ in range(c.pretrain_steps):
            self._imitate()
        self.pos = starts((S, c.envs), g, dev)
        self.t = 0
        self.episode_return = torch.zeros(S, c.envs, device=dev)
        self.last_return, self.last_better, _ = self._rollout(g)        # the pretrained policy's episodes
        self.diverged = torch.zeros(S, device=dev)
        self.view_generator = view_generator(c.seed, dev)

    @property
    def population(self) -> int:
        return self.config.seeds

    # --- replay -----------------------------------------------------------------------------------

    def _fill_offline(self, data: dict[str, torch.Tensor]) -> None:
        c, dev = self.config, self.device
        self.replay = {key: torch.zeros(c.seeds, c.buffer, *data[key].shape[2:], device=dev) for key in data}
        self.offline = data["r"].shape[1]
        for key, value in data.items():
            self.replay[key][:, :self.offline] = value
        self.filled, self.cursor = self.offline, self.offline

    def _store(self, s, a, r, s2) -> None:
        """Write one step of every environment; online rows cycle after the offline data, which stays."""
        n, c = s.shape[1], self.config
        ring = c.buffer - self.offline
        rows = (self.cursor + torch.arange(n, device=self.device) - self.offline) % ring + self.offline
        for key, value in zip(("s", "a", "r", "s2"), (s, a, r, s2)):
            self.replay[key][:, rows] = value
        self.cursor = self.offline + (self.cursor + n - self.offline) % ring
        self.filled = min(self.filled + n, c.buffer)

    def _sample(self) -> dict[str, torch.Tensor]:
        c = self.config
        idx = torch.randint(0, self.filled, (c.seeds, c.batch), generator=self.generator, device=self.device)
        return {key: value.gather(1, idx if value.dim() == 2 else idx.unsqueeze(-1).expand(-1, -1, 2))
                for key, value in self.replay.items()}

    # --- acting -----------------------------------------------------------------------------------

    def base_sample(self, s: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One flow sample per state (S, B, 2), with the gradient through the chain; under 'backprop_chain' with
        ``clip_samples``, clamped to the action box as Diffusion-QL's ``Diffusion.sample`` does (no gradient
        outside it)."""
        noise = torch.randn(s.shape, generator=generator, device=s.device)
        a = self.flow.sample(noise, cond=s)
        if self.config.clip_samples and self.config.method == "backprop_chain":
            a = a.clamp(-1.0, 1.0)
        return a

    def on_the_fly(self, s: torch.Tensor, generator: torch.Generator, critic: list[torch.Tensor]) -> torch.Tensor:
        """EXPO's on-the-fly policy (arXiv 2507.07986): N base samples a_i per state and their edits
        a_i + ã_i, ã_i ~ π_edit(·|s, a_i), |ã| ≤ β; the candidate with the highest twin-min Q. (S, B, 2)."""
        S, B, N = s.shape[0], s.shape[1], self.config.samples
        s_rep = s.unsqueeze(2).expand(S, B, N, 2).reshape(S, B * N, 2)
        base = self.base_sample(s_rep, generator)
        edit, _ = self.editor.sample(torch.cat([s_rep, base], -1), generator)
        candidates = torch.cat([base.view(S, B, N, 2), (base + edit).view(S, B, N, 2)], 2)
        s_all = s.unsqueeze(2).expand(S, B, 2 * N, 2).reshape(S, B * 2 * N, 2)
        q = self.critic.estimate(s_all, candidates.reshape(S, B * 2 * N, 2), critic).view(S, B, 2 * N)
        return select_max_q(candidates, q)

    def act(self, s: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The acting policy's action (no gradient): one flow sample, or EXPO's on-the-fly choice."""
        with torch.no_grad():
            if self.config.method == "expo":
                return self.on_the_fly(s, generator, self.critic.target_params)
            return self.base_sample(s, generator)

    def _rollout(self, generator: torch.Generator, episodes: int | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Fresh episodes of the current policy: (normalized mean return (S,), fraction ending nearer the
        better goal (S,), end positions (S, episodes, 2))."""
        c = self.config
        p = starts((c.seeds, episodes or c.envs), generator, self.device)
        total = torch.zeros(p.shape[:2], device=self.device)
        for _ in range(c.horizon):
            p = move(p, self.act(p, generator))
            total += reward(p, self.goals, self.peaks)
        return total.mean(-1) / self.best_return, self._nearer_better(p), p

    def _nearer_better(self, p: torch.Tensor) -> torch.Tensor:
        d = (p.unsqueeze(-2) - self.goals).pow(2).sum(-1)
        return (d[..., 0] < d[..., 1]).to(torch.float32).mean(-1)

    # --- learning ---------------------------------------------------------------------------------

    def _imitate(self, batch: dict[str, torch.Tensor] | None = None) -> None:
        """One flow-matching step on a replay batch (offline data only, before online)."""
        batch = self._sample() if batch is None else batch
        loss = self.flow.loss(batch["a"], self.generator, cond=batch["s"]).sum()
        self.flow_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.flow_opt.step()

    def _update(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One critic update and one policy update of every seed; returns, per seed (S,): the twin-min target
        Q of the acting policy's next actions that the backup uses (mean over the batch), the fraction of
        those actions outside the action box, and the mean |edit|."""
        c, b = self.config, self._sample()
        s, a, r, s2 = b["s"], b["a"], b["r"], b["s2"]
        with torch.no_grad():
            next_a = (self.on_the_fly(s2, self.generator, self.critic.target_params) if c.method == "expo"
                      else self.base_sample(s2, self.generator))
            next_q = self.critic.estimate(s2, next_a, self.critic.target_params)
            target = r + c.gamma * next_q
        critic_loss = (self.critic.values(s, a) - target.unsqueeze(1)).pow(2).mean((1, 2)).sum()
        frozen = self.critic.frozen()
        imitation = self.flow.loss(a, self.generator, cond=s)
        if c.method == "expo":
            # EXPO (arXiv 2507.07986; the authors' update_actor / update_edit_actor): the base only imitates
            # the buffer; the edit policy maximizes α·H + mean_k Q_k(s, a + ã) at the buffer's actions a,
            # ã = β·tanh(u); α is tuned toward the target entropy.
            edit, log_pi = self.editor.sample(torch.cat([s, a], -1), self.generator)
            q_edit = self.critic.values(s, a + edit, frozen).mean(1)
            alpha = self.log_alpha.exp()
            edit_loss = (alpha.detach().unsqueeze(-1) * log_pi - q_edit).mean(-1)
            alpha_loss = -(alpha * (log_pi.detach().mean(-1) + self.target_entropy))
            policy_loss = imitation + edit_loss + alpha_loss
            edit_size = edit.detach().abs().mean((1, 2))
        else:
            # Diffusion-QL (arXiv 2208.06193, eq. 3): L = L_bc − η·Q(s, a_θ)/E|Q|, a_θ through every Euler step
            q = self.critic.estimate(s, self.base_sample(s, self.generator), frozen)
            policy_loss = imitation - c.q_weight * q.mean(-1) / q.detach().abs().mean(-1).clamp_min(1e-6)
            edit_size = torch.zeros_like(imitation)
        for opt in (self.critic_opt, self.flow_opt, self.edit_opt):
            opt.zero_grad(set_to_none=True)
        (critic_loss + policy_loss.sum()).backward()
        self.critic_opt.step()
        self.flow_opt.step()
        if c.method == "expo":
            self.edit_opt.step()
        self.critic.update_targets(c.tau)
        outside = (next_a.abs() > 1.0).any(-1).to(torch.float32).mean(-1)
        return next_q.mean(-1), outside, edit_size

    def step(self) -> dict[str, torch.Tensor]:
        """One action in every environment, then ``updates`` updates; per-seed metrics (seeds,): return (last
        finished episodes, over the optimal return: the headline), better_goal, q (clamped to ±Q_SHOWN),
        diverged (latched 0/1) and edit (mean |ã|)."""
        c = self.config
        action = self.act(self.pos, self.generator)
        executed = action.clamp(-1.0, 1.0)
        nxt = move(self.pos, executed)
        r = reward(nxt, self.goals, self.peaks)
        self._store(self.pos, executed, r, nxt)
        self.episode_return += r
        self.t += 1
        self.pos = nxt
        if self.t == c.horizon:                     # every environment ends its episode in lockstep
            self.last_return = self.episode_return.mean(-1) / self.best_return
            self.last_better = self._nearer_better(nxt)
            self.episode_return = torch.zeros_like(self.episode_return)
            self.pos = starts((c.seeds, c.envs), self.generator, self.device)
            self.t = 0
        for _ in range(c.updates):
            q, outside, edit = self._update()
        runaway = ~(q.abs() <= DIVERGED_FACTOR * self.q_bound)      # NaN counts as runaway
        self.diverged = torch.maximum(self.diverged, runaway.to(torch.float32))
        finite = lambda x: torch.nan_to_num(x, nan=0.0, posinf=Q_SHOWN, neginf=-Q_SHOWN)  # noqa: E731
        return {"return": finite(self.last_return), "better_goal": finite(self.last_better),
                "q": finite(q).clamp(-Q_SHOWN, Q_SHOWN), "diverged": self.diverged.clone(),
                "outside": finite(outside), "edit": finite(edit)}

    def metric_bounds(self) -> dict[str, float]:
        return {"q": DIVERGED_FACTOR * self.q_bound}

    def view_state(self) -> SimpleNamespace:
        """End positions (seeds, VIEW_EPISODES, 2) of fresh episodes of every seed's current policy, drawn
        with the view's own generator (never the training one)."""
        _, _, ends = self._rollout(self.view_generator, VIEW_EPISODES)
        return SimpleNamespace(ends=ends.detach().cpu(), goals=self.goals.cpu(), peaks=self.peaks.cpu())
