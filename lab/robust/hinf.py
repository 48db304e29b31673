"""H∞ locomotion control (Long et al., "Learning H-Infinity Locomotion Control", arXiv 2404.14405) on a
pendulum balanced near upright with an external force added to its dynamics.

The paper. Robust locomotion policies are usually trained against external forces sampled from a fixed
distribution (domain randomization), which ignores the robot's state and so rarely meets the pushes that hurt
most. The paper trains a *disturber* policy, conditioned on the state, that outputs the force and is
rewarded with the actor's cost C_t = r*_t − r_t (the gap between the task reward and its oracle). A plain
adversary of this kind grows too strong for a learning actor; the "H∞ constraint" bounds the ratio of the
cost to the intensity of the force, E[Σγᵗ C_t] ≤ η·E[Σγᵗ ‖d_t‖₂], and is solved with a Lagrange multiplier:
the disturber maximizes C_t − λ(C_t − η‖d_t‖) and λ ≥ 0 follows the measured violation by dual ascent
(``hinf_disturber_reward``, ``multiplier_step``). Actor and disturber are trained with PPO in the paper.

The toy. The pendulum of ``lab.critic.envs.Pendulum`` (its dynamics; dt = 0.05; the actor's torque clipped to
±2) started near upright (θ₀ ~ U(±0.1), θ̇₀ = 0) for 40 steps; it has fallen once |θ| ≥ 0.5 and earns nothing
after; reward r_t = 1 − (θ_t/0.5)² while up, so the oracle is r* = 1 and C_t = 1 − r_t; the return is the mean
reward in [0, 1]. A 2-D force d = (d_⊥, d_∥), ‖d‖₂ ≤ F = 2.5, acts at the tip in the pole's frame: the
component across the pole is a torque added to the actor's, the component along it turns nothing (a bounded
push's harmless direction, as pushes a legged robot absorbs). F = 2.5 exceeds the actor's torque: a push
across the pole, outward, beats any actor. Per seed: a linear-Gaussian actor u ~ N(w·(θ, θ̇, 1), 0.5²) and a
linear disturber d = squash(V·(θ, θ̇, 1) + 0.5ε) into the disc, both trained by REINFORCE with a per-step
batch-mean baseline and per-seed advantage scaling (16 episodes per update, Adam) — a small policy-gradient
learner instead of the paper's PPO and MLPs, so that 16 seeds train in ~3 s of CPU. The switch
``disturber``: 'randomized' (d uniform in the disc, domain randomization), 'unconstrained' (the disturber on
C_t, λ = 0) or 'hinf' (the disturber on the Lagrangian, λ by dual ascent on the per-step discounted means).

Metrics (``HinfTrainer.step``, per seed): nominal_return (the actor's mean torque, undisturbed, over 4 fixed
starts: the headline); collapsed = nominal_return < 0.5 (a balancing actor scores ≥ 0.9, one that lets the
pole fall from θ₀ = 0.1 about 0.17); worst_return (the worst, over sideways pushes test_force·sign(θ + cθ̇),
c ∈ {0, 0.2}, and constant ±test_force, of the return: bang-bang pushes, the best responses of a bounded
force against a linear controller); train_return; force (mean ‖d‖ while up); outward (mean d_⊥·sign θ while
up: > 0 pushes the pole over, < 0 holds it up); multiplier (λ). ``view_state``: the robustness curve, the
worst return at 11 force bounds from 0 to F.

What reproduces (tests/robust/test_hinf.py; defaults, 80 steps, 16 seeds, base seeds 0, 1, 2). The failure:
the unconstrained disturber pushes outward (+0.86 to +1.16) and every seed collapses (16/16 in each base
seed, nominal return 0.17–0.18). The H∞ constraint: λ rises to 3.9–4.7 and the disturber keeps its full
intensity (‖d‖ ≈ 2.4) but moves it along the pole and slightly inward (outward −0.15 to −0.20); 5–6/16
collapsed (nominal 0.62–0.67). What does not reproduce: a better worst case than domain randomization. The
randomized actors (0–1/16 collapsed, nominal 0.78–0.81) return 0.24–0.25 under the worst push of bound 1
against the H∞ actors' 0.23–0.24. Trained longer (250 steps, base seeds 0, 1, 2; measured, not asserted) the gap opens: randomization
0.70–0.74 (nominal 0.99, 0/16 collapsed), H∞ 0.32–0.38 (nominal 0.78–0.86, 2–4/16 collapsed, λ back down to
0.2–0.5), unconstrained 0.15–0.18 (15/16 collapsed). At F = 1.5 (250 steps, base seed 0; nothing collapses)
randomization's worst case is again the best: 0.90 against H∞ 0.63 and unconstrained 0.61. Why, here: with a
force already at its bound, the Lagrangian leaves only one way to satisfy the constraint — lower the cost — so
with λ > 1 the disturber is paid to make its pushes harmless or helpful, and the actor trains against pushes
that do not test it. η is the disturber's strength: η = 0.2 collapses 11/16, η = 0.4 16/16 (250 steps, base
seed 0). With a 1-D force (no along-the-pole component) the constrained disturber learned to push the pole
upright and the actors leaned on it (undisturbed return ≈ 0.3): the harmless direction is what lets the
constraint weaken the disturber without training a dependent actor.

Inferred (only the abstract and the project page were readable; see /work/notes_s33/t22/papers/hinf.md): the
exact Lagrangian (the disturber's reward C − λ(C − η‖d‖), λ by projected dual ascent), the oracle r* as the
best per-step reward, the norm ‖d‖₂, η, and the discounted per-step means of the dual step. The toy, the
linear policies, REINFORCE for PPO, the along-the-pole force component and the bang-bang worst-case family
are ours.
"""
from __future__ import annotations

import math
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer
from lab.critic.envs import Pendulum

DISTURBERS = ("randomized", "unconstrained", "hinf")
COLLAPSE_RETURN = 0.5              # 'collapsed': undisturbed return below this (a balancing actor scores ≥ 0.9)
PUSH_PHASES = (0.0, 0.2)           # the worst-case family: sideways F·sign(θ + c·θ̇) for these c, and ±F constant
EVAL_STARTS = 4                    # evaluation starts: θ₀ on a grid over ±start_angle, θ̇₀ = 0
VIEW_BOUNDS = 11                   # view_state: force bounds on a grid over [0, force_bound]


class HinfConfig(LabConfig):
    """A linear-Gaussian balance policy per seed trained by policy gradient against an external force:
    random forces, a disturber maximizing the actor's cost, or that disturber under the H∞ constraint."""

    disturber: Literal[DISTURBERS] = Field(
        "unconstrained", description="where the training force comes from: 'randomized' (uniform in the disc "
        "‖d‖ ≤ F, domain randomization), 'unconstrained' (a learned disturber maximizing the actor's cost) or "
        "'hinf' (the same disturber under the H∞ constraint cost ≤ η·force intensity, by a Lagrange multiplier)")
    force_bound: float = Field(2.5, gt=0.0, le=4.0, description="F: the largest force ‖d‖₂ at the tip (its "
                               "component across the pole is a torque; the actor's own torque is at most 2)")
    eta: float = Field(0.1, gt=0.0, le=10.0, description="η: the H∞ bound on the ratio of discounted cost to "
                       "discounted force intensity (disturber 'hinf')")
    multiplier_lr: float = Field(0.5, gt=0.0, le=100.0, description="step size of the Lagrange multiplier's "
                                 "dual ascent (disturber 'hinf')")
    episodes: int = Field(16, ge=2, le=1024, description="episodes per seed per update")
    horizon: int = Field(40, ge=5, le=400, description="steps per episode (dt = 0.05 s)")
    fall_angle: float = Field(0.5, gt=0.0, le=1.5, description="|θ| (rad) past which the pole has fallen: "
                              "the episode's reward is 0 from there on")
    test_force: float = Field(1.0, ge=0.0, le=8.0, description="the force bound of the 'worst_return' metric "
                              "(the robustness curve covers 0 to force_bound)")
    start_angle: float = Field(0.1, ge=0.0, le=1.0, description="θ₀ ~ U(±start_angle), θ̇₀ = 0")
    gamma: float = Field(0.98, gt=0.0, le=1.0, description="discount of returns and of the H∞ sums")
    actor_lr: float = Field(0.05, gt=0.0, le=10.0, description="Adam step size of the actor")
    actor_std: float = Field(0.5, gt=0.0, le=4.0, description="σ of the actor's Gaussian torque")
    disturber_lr: float = Field(0.05, gt=0.0, le=10.0, description="Adam step size of the disturber")
    disturber_std: float = Field(0.5, gt=0.0, le=4.0, description="σ of the disturber's Gaussian draw before "
                                 "it is squashed into the disc ‖d‖ ≤ F")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(80, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.start_angle >= self.fall_angle:
            found.append(f"'start_angle' = {self.start_angle} must be below 'fall_angle' = {self.fall_angle} "
                         "(the pole would start fallen)")
        return found

    def memory_parts(self) -> dict[str, float]:
        """A training step's episodes (float64 states and forces, the actor's and disturber's noises, the
        rewards, advantages and their graph: about 280 bytes per seeds·episodes·horizon) and the view's robustness
        curve (VIEW_BOUNDS bounds × 4 pushes × EVAL_STARTS starts per seed, float64 states kept for every step:
        about 110 bytes per seeds·VIEW_BOUNDS·16·horizon). Against a CPU process's peak RSS over a step and a view:
        'hinf', 64 seeds, 256 episodes, horizon 200: 1.17 GB estimated, 0.92 GB used; 256 seeds, 2 episodes,
        horizon 400 (the view's part): 2.00 GB estimated, 1.93 GB used."""
        return {"episodes (seeds·episodes·horizon)": 280 * self.seeds * self.episodes * self.horizon,
                "robustness curve (seeds·horizon)": 110 * self.seeds * VIEW_BOUNDS * 4 * EVAL_STARTS * self.horizon}


# --- the pieces ------------------------------------------------------------------------------------


def features(state: torch.Tensor) -> torch.Tensor:
    """(θ, θ̇, 1) as float32 from float64 states (..., 2): what both linear policies read."""
    return torch.cat([state, torch.ones_like(state[..., :1])], -1).to(torch.float32)


def hinf_disturber_reward(cost: torch.Tensor, force: torch.Tensor, multiplier: torch.Tensor,
                          eta: float) -> torch.Tensor:
    """The disturber's per-step reward under the H∞ constraint (arXiv 2404.14405, the method's H∞ constraint:
    the disturber maximizes the actor's cost subject to E[Σγᵗ C_t] ≤ η·E[Σγᵗ ‖d_t‖₂], solved with a Lagrange
    multiplier; the Lagrangian max_δ min_{λ≥0} E[Σγᵗ C_t] − λ·E[Σγᵗ (C_t − η‖d_t‖₂)] is our reading of the
    abstract): C_t − λ(C_t − η‖d_t‖). ``cost``, ``force`` (‖d_t‖)
    (T, S, E), ``multiplier`` λ (S,). λ = 0 is the unconstrained disturber."""
    lam = multiplier[:, None]
    return cost - lam * (cost - eta * force)


def multiplier_step(multiplier: torch.Tensor, cost_sum: torch.Tensor, force_sum: torch.Tensor, eta: float,
                    lr: float) -> torch.Tensor:
    """Dual ascent on λ (arXiv 2404.14405's Lagrange multiplier; the rule is inferred):
    λ ← max(0, λ + lr·(E[Σγᵗ C_t] − η·E[Σγᵗ ‖d_t‖])), the violation measured per seed over its episodes (the
    discounted sums divided by Σγᵗ). (S,) each → (S,)."""
    return (multiplier + lr * (cost_sum - eta * force_sum)).clamp_min(0.0)


def discounted_to_go(reward: torch.Tensor, gamma: float) -> torch.Tensor:
    """Σ_{k≥t} γ^{k−t} r_k along the first axis of (T, ...)."""
    t = torch.arange(reward.shape[0], device=reward.device, dtype=reward.dtype)
    lag = t[None, :] - t[:, None]
    weights = torch.where(lag >= 0, gamma ** lag.clamp_min(0), torch.zeros_like(lag))
    return torch.einsum("tk,k...->t...", weights, reward)


def advantage(reward: torch.Tensor, acting: torch.Tensor, gamma: float) -> torch.Tensor:
    """Reward-to-go minus its mean over each seed's episodes, scaled by its spread (per seed): (T, S, E),
    zero where the episode had already ended (``acting`` 0)."""
    to_go = discounted_to_go(reward, gamma)
    centred = (to_go - to_go.mean(-1, keepdim=True)) * acting
    scale = centred.pow(2).sum((0, 2)) / acting.sum((0, 2)).clamp_min(1.0)
    return centred / (scale.sqrt()[None, :, None] + 1e-6)


def force_torque(force: torch.Tensor) -> torch.Tensor:
    """The torque of a 2-D force d = (d_⊥, d_∥) at the pole's tip, in the pole's frame (l = 1, in the actor's
    torque units): d_⊥. The component across the pole turns it; the one along the pole is spent without
    turning it (the harmless direction a bounded push can put its intensity into). (..., 2) → (...,)."""
    return force[..., 0]


class BalanceRollout:
    """The balance task: the pendulum of ``lab.critic.envs.Pendulum`` (its dynamics, dt = 0.05, actor torque
    clipped to ±2) with the torque of an external 2-D force at the tip added to the actor's, started near
    upright; the pole has fallen once |θ| ≥ ``fall_angle`` and stays where it fell (no force acts on it then).
    Reward r_t = 1 − (θ_t/fall_angle)² while up, 0 after: the return (mean reward over the horizon) is in
    [0, 1]."""

    def __init__(self, horizon: int, fall_angle: float, device: torch.device):
        self.pendulum = Pendulum(1, device)
        self.horizon, self.fall_angle = horizon, fall_angle
        self.max_torque = Pendulum.max_torque

    def run(self, start: torch.Tensor, act, push) -> dict[str, torch.Tensor]:
        """Roll states (..., 2) forward ``horizon`` steps; ``act(t, state)`` and ``push(t, state)`` give the actor's
        torque (...,) and the external force (..., 2). Returns per step (T, ...): states before acting, u, d
        (T, ..., 2), up (the pole was up before acting), reward."""
        shape = start.shape[:-1]
        state = start.reshape(-1, 2)
        up = torch.ones(state.shape[0], dtype=torch.bool, device=state.device)
        out = {"state": [], "u": [], "d": [], "up": [], "reward": []}
        for t in range(self.horizon):
            u = act(t, state.reshape(*shape, 2)).reshape(-1).clamp(-self.max_torque, self.max_torque)
            d = push(t, state.reshape(*shape, 2)).expand(*shape, 2).reshape(-1, 2) * up[:, None]
            torque = u + force_torque(d).to(u.dtype)
            moved, _ = self.pendulum.transition(state, torque[:, None])
            still_up = up & (moved[:, 0].abs() < self.fall_angle)
            reward = still_up * (1 - (moved[:, 0] / self.fall_angle).pow(2))
            for key, value in zip(out, (state, u, d, up, reward)):
                out[key].append(value.reshape(*shape, *value.shape[1:]))
            state = torch.where(up[:, None], moved, state)
            up = still_up
        return {key: torch.stack(values) for key, values in out.items()}

    def mean_return(self, start: torch.Tensor, act, push) -> torch.Tensor:
        """The return (mean reward over the horizon) of each start (...,)."""
        return self.run(start, act, push)["reward"].to(torch.float32).mean(0)


def worst_push(bound: torch.Tensor, phase: torch.Tensor, constant: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """The evaluation's pushes, sideways (the force's most harmful direction): bound·sign(θ + c·θ̇) for a
    phase c where ``constant`` is 0, a constant push bound·constant (±1) elsewhere. ``bound``, ``phase`` and
    ``constant`` broadcast with the state's (..., 2) leading dims → forces (..., 2)."""
    direction = torch.where(constant == 0, torch.sign(state[..., 0] + phase * state[..., 1]), constant)
    sideways = bound * direction
    return torch.stack([sideways, torch.zeros_like(sideways)], -1)


def squash(pre: torch.Tensor, bound: float) -> torch.Tensor:
    """The disturber's force from its Gaussian draw z (..., 2): bound·tanh(‖z‖)·z/‖z‖, inside the disc ‖d‖ ≤ bound."""
    norm = pre.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    return bound * torch.tanh(norm) * pre / norm


def linear(weights: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """Each seed's linear policy w·(θ, θ̇, 1): weights (S, 3) or (S, 3, k), states (S, ..., 2) → (S, ...) or
    (S, ..., k)."""
    w = weights.reshape(weights.shape[0], *[1] * (state.dim() - 2), *weights.shape[1:])
    x = features(state)
    return (x * w).sum(-1) if weights.dim() == 2 else (x.unsqueeze(-1) * w).sum(-2)


def gaussian_log_prob(sample: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
    """log N(sample; mean, std²) up to its constant."""
    return -(sample - mean).pow(2) / (2 * std ** 2)


# --- the trainer -----------------------------------------------------------------------------------


class HinfTrainer(Trainer):
    """``seeds`` linear-Gaussian actors (and, for the learned disturbers, linear-Gaussian disturbers) trained
    by policy gradient on the balance task; every step one update of each and an evaluation of the actor
    undisturbed and under the worst of the evaluation pushes at ``force_bound``."""

    Config = HinfConfig

    def __init__(self, config: HinfConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.task = BalanceRollout(c.horizon, c.fall_angle, dev)
        self.actor = (0.1 * torch.randn(c.seeds, 3, generator=g, device=dev)).requires_grad_()
        self.disturber = (0.1 * torch.randn(c.seeds, 3, 2, generator=g, device=dev)).requires_grad_()
        self.multiplier = torch.zeros(c.seeds, device=dev)
        self.actor_optimizer = torch.optim.Adam([self.actor], lr=c.actor_lr)
        self.disturber_optimizer = torch.optim.Adam([self.disturber], lr=c.disturber_lr)
        self.eval_starts = torch.stack([torch.linspace(-c.start_angle, c.start_angle, EVAL_STARTS, device=dev,
                                                       dtype=torch.float64),
                                        torch.zeros(EVAL_STARTS, device=dev, dtype=torch.float64)], -1)
        self.phases = torch.tensor(PUSH_PHASES + (0.0, 0.0), device=dev, dtype=torch.float64)
        self.constant = torch.tensor((0.0,) * len(PUSH_PHASES) + (1.0, -1.0), device=dev, dtype=torch.float64)

    @property
    def population(self) -> int:
        return self.config.seeds

    def training_force(self, t: int, state: torch.Tensor, noise: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
        """The external force during training (S, E, 2): uniform in the disc ‖d‖ ≤ F ('randomized') or the
        disturber's squash(V·(θ, θ̇, 1) + σε)."""
        c = self.config
        if c.disturber == "randomized":
            radius, angle = c.force_bound * uniform[t, ..., 0].sqrt(), 2 * math.pi * uniform[t, ..., 1]
            return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], -1)
        with torch.no_grad():
            return squash(linear(self.disturber, state) + c.disturber_std * noise[t], c.force_bound)

    def rollout(self) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """The episodes of one update: every seed's ``episodes`` from θ₀ ~ U(±start_angle); also the actor's and
        the disturber's Gaussian noises, (T, S, E) and (T, S, E, 2)."""
        c, g, dev = self.config, self.generator, self.device
        shape = (c.horizon, c.seeds, c.episodes)
        actor_noise = torch.randn(shape, generator=g, device=dev)
        force_noise = torch.randn(*shape, 2, generator=g, device=dev)
        uniform = torch.rand(*shape, 2, generator=g, device=dev)
        theta = (torch.rand(c.seeds, c.episodes, generator=g, device=dev, dtype=torch.float64) * 2 - 1) * c.start_angle
        start = torch.stack([theta, torch.zeros_like(theta)], -1)
        with torch.no_grad():
            episodes = self.task.run(
                start, lambda t, s: linear(self.actor, s) + c.actor_std * actor_noise[t],
                lambda t, s: self.training_force(t, s, force_noise, uniform))
        return episodes, actor_noise, force_noise

    def update(self, episodes: dict[str, torch.Tensor], actor_noise: torch.Tensor, force_noise: torch.Tensor) -> None:
        """One policy-gradient step of the actor on the task reward and, for a learned disturber, of the
        disturber on its reward (C_t for 'unconstrained', the H∞ Lagrangian's for 'hinf'); then λ's dual step."""
        c = self.config
        up = episodes["up"].to(torch.float32)
        reward = episodes["reward"].to(torch.float32)
        cost = 1.0 - reward                                  # the oracle reward is 1: upright and up
        mean = linear(self.actor, episodes["state"].transpose(0, 1)).transpose(0, 1)
        taken = mean.detach() + c.actor_std * actor_noise
        loss = -(advantage(reward, up, c.gamma) * gaussian_log_prob(taken, mean, c.actor_std)).sum((0, 2)).sum()
        if c.disturber != "randomized":
            force = episodes["d"].norm(dim=-1).to(torch.float32)
            disturber_reward = hinf_disturber_reward(cost, force, self.multiplier, c.eta)
            pre = linear(self.disturber, episodes["state"].transpose(0, 1)).transpose(0, 1)
            drawn = pre.detach() + c.disturber_std * force_noise
            loss = loss - (advantage(disturber_reward, up, c.gamma)
                           * gaussian_log_prob(drawn, pre, c.disturber_std).sum(-1)).sum((0, 2)).sum()
            if c.disturber == "hinf":
                discount = c.gamma ** torch.arange(c.horizon, device=self.device, dtype=torch.float32)
                norm = discount.sum()
                cost_sum = (discount[:, None, None] * cost).sum(0).mean(-1) / norm
                force_sum = (discount[:, None, None] * force).sum(0).mean(-1) / norm
                self.multiplier = multiplier_step(self.multiplier, cost_sum, force_sum, c.eta, c.multiplier_lr)
        self.actor_optimizer.zero_grad(set_to_none=True)
        self.disturber_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.actor_optimizer.step()
        self.disturber_optimizer.step()

    def returns_under_pushes(self, bounds: torch.Tensor) -> torch.Tensor:
        """Each seed's deterministic actor (its mean torque) at every force bound (B,): the return, averaged
        over the evaluation starts, under the worst of the evaluation pushes → (S, B)."""
        c = self.config
        start = self.eval_starts.expand(c.seeds, bounds.numel(), self.phases.numel(), EVAL_STARTS, 2)
        bound = bounds[None, :, None, None].to(torch.float64)
        phase, constant = self.phases[None, None, :, None], self.constant[None, None, :, None]
        with torch.no_grad():
            returns = self.task.mean_return(start, lambda t, s: linear(self.actor, s),
                                            lambda t, s: worst_push(bound, phase, constant, s))
        return returns.mean(-1).amin(-1)

    def step(self) -> dict[str, torch.Tensor]:
        """One update, then the evaluation; per-seed metrics (seeds,): nominal_return (undisturbed, the
        headline), collapsed (nominal_return < COLLAPSE_RETURN), worst_return (under the worst evaluation push
        of bound test_force), train_return (under the training force), force (mean |d| while up), outward (mean
        push across the pole away from upright while up), multiplier (λ)."""
        c = self.config
        episodes, actor_noise, force_noise = self.rollout()
        self.update(episodes, actor_noise, force_noise)
        evaluated = self.returns_under_pushes(torch.tensor([0.0, c.test_force], device=self.device))
        up = episodes["up"].to(torch.float32)
        d = episodes["d"].to(torch.float32)
        force = (d.norm(dim=-1) * up).sum((0, 2)) / up.sum((0, 2)).clamp_min(1.0)
        theta = episodes["state"][..., 0].to(torch.float32)
        outward = (d[..., 0] * torch.sign(theta) * up).sum((0, 2)) / up.sum((0, 2)).clamp_min(1.0)
        return {"nominal_return": evaluated[:, 0], "collapsed": (evaluated[:, 0] < COLLAPSE_RETURN).to(torch.float32),
                "worst_return": evaluated[:, 1], "train_return": episodes["reward"].to(torch.float32).mean((0, 2)),
                "force": force, "outward": outward, "multiplier": self.multiplier.clone()}

    def view_state(self) -> dict[str, torch.Tensor]:
        """The robustness curve of the current actors: force bounds (B,) over [0, force_bound] and each seed's
        return under the worst evaluation push at each (S, B), keyed by the disturber it was trained with."""
        bounds = torch.linspace(0.0, self.config.force_bound, VIEW_BOUNDS, device=self.device)
        return {"bounds": bounds.clone(), "returns": {self.config.disturber: self.returns_under_pushes(bounds).clone()}}
