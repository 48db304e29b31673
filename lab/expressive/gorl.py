"""GoRL (Zhang, Wan, Chen, Yu, Tsang, An, "GoRL: An Algorithm-Agnostic Framework for Online Reinforcement
Learning with Generative Policies", arXiv 2512.02581) on a max-entropy bandit over 2-D actions.

The toy (``gorl_parts``): r(a) = log(½e^{−‖a−m₁‖²/2w²} + ½e^{−‖a−m₂‖²/2w²}), modes (∓gap/2, 0); the objective
E_π[r] + α·H(π) has the optimum π*(a) ∝ exp(r(a)/α), bimodal, known on a grid. One KL estimator for every
policy: KL(π* ‖ p̂), p̂ the seed's sampled actions binned on the grid, blurred, with a uniform floor.

The switch ``policy``:
- 'gaussian' (default, the failure): a diagonal Gaussian per seed, trained by REINFORCE (batch-mean baseline)
  on r plus α times its closed-form entropy. Its max-entropy optimum is the reverse-KL projection of π*
  onto Gaussians: it sits on one mode (or straddles both);
- 'flow_direct': a flow-matching policy (``lab.expressive.flow.FlowPolicy``, ``flow_steps`` Euler steps from
  N(0, I)) trained by backpropagating r and the entropy through the whole sampling chain — the entropy from
  the change of variables, H = H(N(0, I)) + E Σ_k log|det(I + J_k/K)|, J_k = ∂v/∂a at step k (autograd);
- 'gorl': the paper's factorisation. A Gaussian latent policy π_θ(z) per seed and a flow decoder g_φ
  (``FlowPolicy(identity=True)``: zero velocity, a = z at first) that integrates from z to the action.
  Two timescales, in stages (the authors' code, scripts/run_gorl_fm.py): ``latent_steps`` policy-gradient
  steps on the encoder with the decoder frozen, maximising E_z[r(g(z))] − β·KL(π_θ ‖ N(0, I)) (β = α); then
  a buffer of the composed policy's actions is collected and the decoder is refit on it for
  ``decoder_steps`` flow-matching steps, its start points drawn fresh from the fixed prior N(0, I)
  ("fixed-prior refinement"), while the next stage's fresh encoder N(0, I) waits untrained (so the policy
  measured during the refit is the one the next stage starts from).

Divergence (every policy, the same test): a seed whose loss, a gradient or a sampled action is non-finite, or
whose actions leave |a| ≤ ``blowup``, is frozen for good: 'diverged' 1, its other metrics NaN (the
``lab.core.trainer`` convention); the other seeds train on.

What reproduces (tests/expressive/test_gorl.py: defaults, 300 steps, 16 seeds, base seeds 0, 1, 2; one KL
estimator for all, exact samples of π* score 0.03, a Gaussian on one bump 2.7): the Gaussian AVERAGES the
bumps — it straddles both (balance 0.91–0.96), KL 0.46–0.47. The flow trained through its 8-step sampler
diverges in 11–15 of 16 seeds at lr 0.3, where the Gaussian and GoRL lose none; at lr 0.05 none diverges but
most lean onto one bump (balance 0.16–0.38, KL 0.74–1.27). GoRL never diverges, but its KL is NOT lower than
the Gaussian's: 1.33–1.53 (balance 0.72–0.82). Why, in this toy: the decoder is refit on the composed
policy's own actions, which start as a Gaussian's (identity decoder), so the refit map stays near-affine and
the next Gaussian latent stays unimodal — nothing puts a second mode into the decoder's data; and each
stage's KL to N(0, I) re-anchors at the refit policy, so the stages act as repeated trust-region steps that
sharpen the policy past π* (∝ exp(n·r/β) after n ideal stages), and each imperfect refit adds error (median
KL at the end of the three encoder phases of base seed 0: 0.50, 0.89, 1.08, and 1.53 at step 300, after the third refit).

Inferred: the paper's text (Fig. 2) states the KL penalty toward N(0, I); the authors' code penalises
mean(loc²) + mean(scale²) — we use the closed-form KL with β = α. The toy, the sizes, the learning rates and
the stage lengths are ours; PPO is replaced by REINFORCE (a one-step bandit has nothing to clip against).
"""
from __future__ import annotations

import math
from typing import Literal

import torch
from torch.autograd import forward_ad

from lab.core import Field, LabConfig, Trainer, view_generator

from .flow import FlowPolicy, euler
from .gorl_parts import (gaussian_entropy, gaussian_log_prob, kl_to_optimal, kl_to_standard_normal,
                         mode_balance, mode_centres, optimal_grid, reward)

POLICIES = ("gaussian", "flow_direct", "gorl")
VIEW_POINTS = 64


class GorlConfig(LabConfig):
    """A max-entropy bandit over 2-D actions with two reward bumps; a Gaussian, a flow trained through its
    sampler, or GoRL's latent Gaussian + flow decoder; a population of seeds trained at once."""

    policy: Literal[POLICIES] = Field(
        "gaussian", description="'gaussian' (a Gaussian policy, policy gradient), 'flow_direct' (a flow "
        "policy trained by backpropagating through its sampler) or 'gorl' (a Gaussian latent policy with a "
        "KL to N(0, I), decoded by a flow refit on a slower timescale)")
    gap: float = Field(2.0, ge=0.0, le=4.0, description="distance between the two reward bumps")
    width: float = Field(0.35, ge=0.1, le=2.0, description="w: width of each bump")
    alpha: float = Field(1.0, ge=0.05, le=10.0, description="α: entropy temperature; π* ∝ exp(r/α)")
    batch: int = Field(64, ge=2, le=4096, description="actions per seed per step")
    eval_samples: int = Field(512, ge=64, le=16384, description="actions per seed per step for the KL estimate")
    lr: float = Field(0.05, gt=0.0, le=1.0, description="Adam step size of what the policy gradient trains: "
                      "the Gaussian, the direct flow, GoRL's latent policy")
    flow_steps: int = Field(8, ge=1, le=64, description="Euler steps of the flow sampler (both flows)")
    hidden: int = Field(32, ge=4, le=512, description="hidden width of the velocity MLPs")
    decoder_lr: float = Field(0.003, gt=0.0, le=1.0, description="'gorl': Adam step size of the decoder")
    latent_steps: int = Field(50, ge=1, le=10_000, description="'gorl': encoder steps per stage")
    decoder_steps: int = Field(50, ge=1, le=10_000, description="'gorl': decoder refit steps per stage")
    buffer: int = Field(1024, ge=16, le=16384, description="'gorl': actions collected per stage for the refit")
    blowup: float = Field(100.0, ge=1.0, le=1e6, description="an action beyond this magnitude marks its seed diverged")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(300, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.gap / 2 + 3 * self.width > 2.5:
            found.append(f"'gap'/2 + 3·'width' = {self.gap / 2 + 3 * self.width:.2f} must be at most 2.5 "
                         "(the KL grid spans [−2.5, 2.5]²)")
        if self.policy == "gorl" and self.batch > self.buffer:
            found.append(f"'batch' = {self.batch} must be at most 'buffer' = {self.buffer} under 'gorl'")
        return found


class GorlTrainer(Trainer):
    """``seeds`` independent policies on the two-bump bandit; one step = one update of every seed."""

    Config = GorlConfig

    def __init__(self, config: GorlConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.modes = mode_centres(c.gap, dev)
        self.optimal = optimal_grid(self.modes, c.width, c.alpha)
        self.t = 0
        self.diverged = torch.zeros(c.seeds, dtype=torch.bool, device=dev)
        self.view_generator = view_generator(c.seed, dev)
        if c.policy == "flow_direct":
            self.flow = FlowPolicy(c.seeds, 2, g, dev, hidden=c.hidden, steps=c.flow_steps)
            self.params = self.flow.params
            self.optimizer = torch.optim.Adam(self.params, lr=c.lr)
        else:
            self._fresh_gaussian()
        if c.policy == "gorl":
            self.decoder = FlowPolicy(c.seeds, 2, g, dev, hidden=c.hidden, steps=c.flow_steps, identity=True)
            self.decoder_optimizer = torch.optim.Adam(self.decoder.params, lr=c.decoder_lr)
            self.replay = torch.zeros(c.seeds, c.buffer, 2, device=dev)

    def _fresh_gaussian(self) -> None:
        """N(0, I) per seed (μ = 0, log σ = 0) with a fresh Adam: the Gaussian policy, or GoRL's encoder."""
        shape = (self.config.seeds, 2)
        self.mean = torch.zeros(shape, device=self.device, requires_grad=True)
        self.log_std = torch.zeros(shape, device=self.device, requires_grad=True)
        self.params = [self.mean, self.log_std]
        self.optimizer = torch.optim.Adam(self.params, lr=self.config.lr)

    @property
    def population(self) -> int:
        return self.config.seeds

    # --- sampling ------------------------------------------------------------------------------------

    def _gaussian_sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(self.config.seeds, n, 2, generator=generator, device=self.device)
        return self.mean.detach().unsqueeze(1) + self.log_std.detach().exp().unsqueeze(1) * noise

    @torch.no_grad()
    def actions(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n actions per seed of the current policy, no gradient: (S, n, 2)."""
        if self.config.policy == "flow_direct":
            return self.flow.sample(torch.randn(self.config.seeds, n, 2, generator=generator, device=self.device))
        latent = self._gaussian_sample(n, generator)
        return self.decoder.sample(latent) if self.config.policy == "gorl" else latent

    def flow_with_log_det(self, start: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The flow's Euler chain from ``start`` (S, B, 2), differentiable, with Σ_k log|det(I + J_k/K)|, the
        log volume change of the whole map (J_k = ∂v/∂a at step k, by forward-mode autograd: one pass with
        the two unit tangents side by side): (S, B, 2), (S, B)."""
        K, B = self.flow.steps, start.shape[1]
        units = torch.eye(2, device=start.device).repeat_interleave(B, 0).expand(start.shape[0], -1, -1)
        log_dets = []

        def velocity_and_volume(a: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            # v at (a, t) for flow.euler, and, on the side, this step's log|det(I + J/K)|
            with forward_ad.dual_level():
                dual = forward_ad.make_dual(torch.cat([a, a], 1), units)
                v, columns = forward_ad.unpack_dual(self.flow.velocity(dual, torch.cat([t, t], 1)))
            J = torch.stack(columns.split(B, 1), -1)                               # ∂v_i/∂a_j, (S, B, 2, 2)
            step = torch.eye(2, device=a.device) + J / K                           # I + J/K
            log_dets.append((step[..., 0, 0] * step[..., 1, 1] - step[..., 0, 1] * step[..., 1, 0]).abs().log())
            return v[:, :B]

        end = euler(velocity_and_volume, start, K)
        return end, torch.stack(log_dets).sum(0)

    # --- the updates -----------------------------------------------------------------------------------

    def _gaussian_loss(self, rewards: torch.Tensor, latent: torch.Tensor, bonus: torch.Tensor) -> torch.Tensor:
        """REINFORCE with the batch-mean baseline, minus a per-seed bonus (S,): the loss per seed (S,)."""
        advantage = rewards - rewards.mean(-1, keepdim=True)
        return -(advantage * gaussian_log_prob(latent, self.mean, self.log_std)).mean(-1) - bonus

    def _losses(self) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor], torch.optim.Optimizer]:
        """This step's per-seed loss (S,), the actions it drew (S, B, 2), and what it trains."""
        c, g = self.config, self.generator
        if c.policy == "gaussian":
            a = self._gaussian_sample(c.batch, g)
            loss = self._gaussian_loss(reward(a, self.modes, c.width), a, c.alpha * gaussian_entropy(self.log_std))
            return loss, a, self.params, self.optimizer
        if c.policy == "flow_direct":
            a, log_det = self.flow_with_log_det(torch.randn(c.seeds, c.batch, 2, generator=g, device=self.device))
            return -(reward(a, self.modes, c.width) + c.alpha * log_det).mean(-1), a, self.params, self.optimizer
        stage_t = self.t % (c.latent_steps + c.decoder_steps)
        if stage_t == c.latent_steps:
            self._fresh_gaussian()   # the next stage's fresh encoder (authors' pipeline), idle while the decoder refits
        if stage_t < c.latent_steps:
            # GoRL (arXiv 2512.02581, Fig. 2a): policy gradient on the latent policy through the frozen decoder,
            # with a KL penalty toward N(0, I) (β = α here)
            z = self._gaussian_sample(c.batch, g)
            with torch.no_grad():
                a = self.decoder.sample(z)
            penalty = -c.alpha * kl_to_standard_normal(self.mean, self.log_std)
            if stage_t == c.latent_steps - 1:
                self.replay = self.actions(c.buffer, g)   # the rollouts the decoder will be refit on
            return self._gaussian_loss(reward(a, self.modes, c.width), z, penalty), a, self.params, self.optimizer
        # GoRL (arXiv 2512.02581, Fig. 2b): the encoder frozen, the decoder refit by flow matching from the fixed
        # prior N(0, I) to the collected actions (Lipman et al. eq. 23 in FlowPolicy.loss)
        pick = torch.randint(c.buffer, (c.seeds, c.batch, 1), generator=g, device=self.device).expand(-1, -1, 2)
        target = self.replay.gather(1, pick)
        return self.decoder.loss(target, g), target, self.decoder.params, self.decoder_optimizer

    def _guarded_update(self, loss: torch.Tensor, drawn: torch.Tensor, params: list[torch.Tensor],
                        optimizer: torch.optim.Optimizer) -> None:
        """One Adam step of every live seed; a seed with a non-finite loss, gradient or action, or an action
        beyond ``blowup``, joins the diverged and keeps its parameters from then on. No host reads."""
        optimizer.zero_grad(set_to_none=True)
        healthy = torch.where(self.diverged, torch.zeros_like(loss), loss)
        healthy.sum().backward()
        bad = ~torch.isfinite(loss) | ~(drawn.detach().abs() <= self.config.blowup).flatten(1).all(-1)
        for p in params:
            bad = bad | ~torch.isfinite(p.grad).flatten(1).all(-1)
        self.diverged = self.diverged | bad
        keep = [p.detach().clone() for p in params]
        for p in params:
            p.grad = torch.nan_to_num(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
        optimizer.step()
        with torch.no_grad():
            for p, old in zip(params, keep):
                frozen = self.diverged.view(-1, *[1] * (p.dim() - 1))
                p.copy_(torch.where(frozen, old, p))

    def step(self) -> dict[str, torch.Tensor]:
        """One update of every seed; per-seed metrics (S,): kl (KL(π* ‖ p̂) of ``eval_samples`` fresh actions,
        the headline), balance (2·min of the shares left and right of the gap's centre), reward (their mean
        r), diverged (1 for a frozen seed; its other metrics NaN)."""
        c = self.config
        loss, drawn, params, optimizer = self._losses()
        self._guarded_update(loss, drawn, params, optimizer)
        self.t += 1
        a = self.actions(c.eval_samples, self.generator)
        nan = torch.full((c.seeds,), math.nan, device=self.device)
        hide = lambda x: torch.where(self.diverged, nan, x)        # noqa: E731
        return {"kl": hide(kl_to_optimal(a, self.optimal)), "balance": hide(mode_balance(a)),
                "reward": hide(reward(a, self.modes, c.width).mean(-1)),
                "diverged": self.diverged.to(torch.float32)}

    def view_state(self) -> dict:
        """Each seed's sampled actions (S, 64, 2), drawn with the view's own generator, and whether it diverged."""
        return {"actions": self.actions(VIEW_POINTS, self.view_generator).cpu(),
                "diverged": self.diverged.cpu().clone()}
