"""Off-policy adversarial imitation with and without a gradient penalty keeping the learned reward locally
Lipschitz (Blondé, Strasser & Kalousis, "Lipschitzness is all you need to tame off-policy generative
adversarial imitation learning", arXiv 2006.16785), on a 2-D point mass.

The paper. Off-policy adversarial imitation (DAC / SAM style) trains an actor-critic on a replay buffer whose
rewards come from a discriminator D(s, a) that separates the expert's pairs from the agent's. The paper shows
that forcing this learned reward to be locally Lipschitz is a *sine qua non* for the method to work, by a gradient
penalty on D; its theory links a Lipschitz reward to a locally Lipschitz value function. The penalty, as the
authors' code applies it (liayn-pytorch, ``grad_pen``: variant 'wgan', ``one_sided_pen``, ``grad_pen_targ`` 1,
``grad_pen_scale`` 10): λ·E_x̂[max(0, ‖∇_x̂ D(x̂)‖₂ − k)²], k = 1, λ = 10, at interpolates
x̂ = ε·x_agent + (1 − ε)·x_expert (ε ~ U[0, 1], one for the state part, one for the action part), added to the
binary cross-entropy (expert 1, agent 0). The reward is the minimax one, r = −log(1 − σ(D) + 1e−8). Discriminator,
reward and penalty live in ``lipschitz_gail_reward.py``.

The toy. A 2-D point mass: position s ∈ [−1.5, 1.5]², action a ∈ [−1, 1]² a velocity, s' = s + 0.2·a (clipped
to the box); episodes of ``horizon`` 12 steps from s₀ ~ U[−1, 1]², ended by the time limit. The expert is a
saturated proportional controller to the origin, a = clip(−2·s, ±1), written in closed form; each seed gets
``demos`` = 2 expert trajectories (24 pairs). Each seed's learner is SAC (the lab's squashed Gaussian actor,
twin ``QCritic``, ``Replay``; fixed α) on ``envs`` copies; one step = one env step of every copy, one
discriminator update on a replay batch against an expert batch, and one SAC update whose rewards are recomputed
from the current discriminator (the authors' "historical patching"). The switch ``gradient_penalty``
('off' the baseline, 'on' the paper) adds the penalty; ``penalty_coef`` λ and ``penalty_target`` k are its knobs.
The baseline's failure needs a discriminator that learns fast: ``disc_lr`` 1e−2 against the learner's 3e−3
(the smallest setting found that shows it within the test budget; at ``disc_lr`` 1e−3 the baseline imitates
too — see below).

Metrics per seed (``step``): imitation_error (the headline: the mean over 16 fixed starts and the 12 steps of
‖s_agent,t − s_expert,t‖, the deterministic policy against the expert from the same start — how far the agent's
state distribution is from the expert's, visit by visit), matched (1 when imitation_error < ``match_radius``
= 0.2, a tenth of the start box's width), final_distance (to the goal), reward_grad_norm (‖∇_(s,a) D‖ at the
replay's agent pairs: how sharp the reward is), q_abs (mean |Q|) and expert_reward (mean r on expert pairs).
``view_state``: each seed's imitation_error when its policy acts on observations with Gaussian noise of σ in
``VIEW_NOISE`` (the robustness curve).

What reproduces (tests/robust/test_lipschitz_gail.py; defaults, 400 steps, 16 seeds, base seeds 0, 1, 2;
means over the last 10 steps). Without the penalty 0, 1 and 0 of 16 seeds match the expert (median error
0.48 / 0.43 / 0.53), the reward's gradient norm at the agent's pairs is ≈ 31 at step 200 and ≈ 50 at step 400
(still growing: ≈ 99 at step 1000, where seed 0's population still has median error 0.36, 1/16 matched — a
failure, not only a delay); with it 16, 16 and 16 of 16 match (median 0.11 / 0.14 / 0.12) and the gradient
norm sits at 1.01 (k = 1) — about 50× smaller. Under observation noise σ = 0.3 the penalized policies keep a
median error of 0.17–0.18 against 0.50–0.53.

What does not reproduce: "Q blows up". The sharp reward gives the agent's own pairs nearly zero reward, so the
baseline's |Q| *collapses* (median 0.6 against 5.1–5.2 with the penalty); nothing diverges here. And the
penalty is no free lunch: with a gentle discriminator (``disc_lr`` 1e−3, 400 steps, base seed 0) the baseline
matches in 16/16 seeds (median error 0.09; 0.04 with 8 demos), with a reward gradient norm of ≈ 11; the
penalty there: 16/16, median 0.12, slightly less precise — the
failure in this toy is a discriminator that outpaces the learner, which the penalty makes harmless.

Inferred (the paper's text on the penalty was not retrievable, its abstract was; the penalty's form, its
coefficient, target, evaluation points and the reward come from the authors' code): no spectral norm, label
smoothing, entropy bonus, absorbing states or n-step returns (all on in the authors' setup); SAC instead of their
TD3-style learner; the toy and its sizes.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator
from lab.critic.actor import SquashedGaussianActor
from lab.critic.critics import QCritic
from lab.critic.networks import init_mlp, polyak
from lab.critic.replay import Replay

from .lipschitz_gail_reward import ACT, OBS, discriminator_loss, input_grad_norm, reward

PENALTIES = ("off", "on")
DT, GAIN, BOX = 0.2, 2.0, 1.5      # time step; the expert's gain; positions stay in [−BOX, BOX]²
REPLAY_CAP = 20_000                # most transitions a seed's replay keeps
EVAL_STARTS = 16                   # fixed start states per seed on which imitation is measured
VIEW_NOISE = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)   # view_state: σ of the observation noise the policy acts on


class LipschitzGailConfig(LabConfig):
    """Each seed: a SAC learner imitating a goal-reaching expert on a 2-D point mass, its reward a discriminator
    trained off-policy on the replay; the switch adds the one-sided gradient penalty on that discriminator."""

    gradient_penalty: Literal[PENALTIES] = Field(
        "off", description="'on': λ·E[max(0, ‖∇D‖ − k)²] at agent–expert interpolates added to the "
        "discriminator's loss (the paper's mechanism); 'off': the plain GAN classifier (the baseline)")
    penalty_coef: float = Field(10.0, gt=0.0, le=1000.0, description="λ, the penalty's coefficient (paper: 10)")
    penalty_target: float = Field(1.0, gt=0.0, le=100.0, description="k, the gradient norm above which the "
                                  "penalty acts (paper: 1)")
    demos: int = Field(2, ge=1, le=256, description="expert trajectories per seed (the demonstrations)")
    horizon: int = Field(12, ge=4, le=100, description="steps per episode (agent, expert and evaluation)")
    envs: int = Field(4, ge=1, le=64, description="env copies per seed, each stepped once per training step")
    batch: int = Field(64, ge=8, le=1024, description="replay and expert pairs per update")
    hidden: int = Field(32, ge=4, le=256, description="hidden width of the actor, critics and discriminator")
    lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size of the actor and critics")
    disc_lr: float = Field(1e-2, gt=0.0, le=1.0, description="Adam step size of the discriminator")
    gamma: float = Field(0.9, gt=0.0, lt=1.0, description="discount")
    tau: float = Field(0.05, gt=0.0, le=1.0, description="Polyak rate of the target critics")
    alpha: float = Field(0.05, ge=0.0, le=10.0, description="SAC's entropy temperature (fixed)")
    learning_starts: int = Field(24, ge=0, le=10_000, description="steps of uniform random actions before "
                                 "the first update")
    match_radius: float = Field(0.2, gt=0.0, le=2.0, description="a seed matches the expert when its mean "
                                "distance to the expert's state at the same time, from the same start, is below this")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(400, ge=1, le=100_000, description="training steps (one env step of every copy and "
                       "one update of every network)")

    def problems(self) -> list[str]:
        found = []
        if self.learning_starts * self.envs < self.batch and self.learning_starts > 0:
            found.append(f"'learning_starts' · 'envs' = {self.learning_starts * self.envs} must be at least "
                         f"'batch' = {self.batch} (the first update samples a batch from the replay)")
        return found

    def memory_parts(self) -> dict[str, float]:
        """The networks (actor, twin critics and their targets, discriminator, with Adam's moments: about 130
        bytes per seeds·hidden²), an update's activations (SAC's and the discriminator's with the penalty's double
        backward: about 36 bytes per seeds·batch·hidden) and the replay (9 float32 per transition, up to
        REPLAY_CAP per seed; filled as it trains). Against a CPU process's peak RSS: 64 seeds, hidden 256, batch 8:
        0.55 GB estimated, 0.54 GB used; batch 1,024: 1.15 GB estimated, 1.12 GB used."""
        return {"networks (seeds·hidden²)": 130 * self.seeds * self.hidden ** 2,
                "activations (seeds·batch·hidden)": 36 * self.seeds * self.batch * self.hidden,
                "replay (seeds·envs·steps)": 36 * self.seeds * min(self.envs * self.steps, REPLAY_CAP)}


# --- the point mass and its expert ---------------------------------------------------------------

def move(state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    """s' = clip(s + DT·a, ±BOX): (..., 2), (..., 2) → (..., 2)."""
    return (state + DT * action).clamp(-BOX, BOX)


def expert_action(state: torch.Tensor) -> torch.Tensor:
    """The expert, a saturated proportional controller to the goal at the origin: a = clip(−GAIN·s, ±1)."""
    return (-GAIN * state).clamp(-1.0, 1.0)


def expert_rollout(start: torch.Tensor, horizon: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The expert's states and actions from starts (..., 2) for ``horizon`` steps: (..., horizon, 2) each."""
    states, actions, s = [], [], start
    for _ in range(horizon):
        a = expert_action(s)
        states.append(s)
        actions.append(a)
        s = move(s, a)
    return torch.stack(states, -2), torch.stack(actions, -2)


def draw_starts(shape: tuple[int, ...], generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """Start positions uniform in [−1, 1]²: (*shape, 2)."""
    return torch.rand(*shape, OBS, generator=generator, device=device) * 2 - 1


# --- the trainer -----------------------------------------------------------------------------------

class LipschitzGailTrainer(Trainer):
    """``seeds`` SAC learners, each with its own discriminator, replay and expert demonstrations; one step = one
    env step of every copy, one discriminator update, one SAC update on rewards from the current discriminator,
    and an evaluation of every seed's deterministic policy against the expert from fixed starts."""

    Config = LipschitzGailConfig

    def __init__(self, config: LipschitzGailConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        states, actions = expert_rollout(draw_starts((c.seeds, c.demos), g, dev), c.horizon)
        self.expert_pairs = torch.cat([states, actions], -1).reshape(c.seeds, -1, OBS + ACT)
        self.eval_start = draw_starts((c.seeds, EVAL_STARTS), g, dev)
        self.eval_expert = expert_rollout(self.eval_start, c.horizon)[0]
        low, high = -torch.ones(ACT, device=dev), torch.ones(ACT, device=dev)
        self.actor = SquashedGaussianActor(c.seeds, OBS, ACT, c.hidden, 2, low, high, g, dev)
        self.critic = QCritic(c.seeds, 2, OBS, ACT, c.hidden, 2, g, dev)
        self.disc = init_mlp((c.seeds,), [OBS + ACT, c.hidden, c.hidden, 1], g, dev)
        self.replay = Replay(c.seeds, min(c.envs * c.steps, REPLAY_CAP), OBS, ACT, dev)
        self.actor_optimizer = torch.optim.Adam(self.actor.params, lr=c.lr)
        self.critic_optimizer = torch.optim.Adam(self.critic.params, lr=c.lr)
        self.disc_optimizer = torch.optim.Adam(self.disc, lr=c.disc_lr)
        self.obs = draw_starts((c.seeds, c.envs), g, dev)
        self.t = 0                     # step within the episode (all copies reset together)
        self.steps_done = 0
        self.view_generator = view_generator(c.seed, dev)

    @property
    def population(self) -> int:
        return self.config.seeds

    def act(self) -> torch.Tensor:
        """Every copy's action: uniform before ``learning_starts``, then a sample of the policy."""
        c = self.config
        if self.steps_done < c.learning_starts:
            return torch.rand(c.seeds, c.envs, ACT, generator=self.generator, device=self.device) * 2 - 1
        with torch.no_grad():
            return self.actor.sample(self.obs, self.generator)[0]

    def collect(self) -> None:
        """One env step of every copy into the replay (episodes end by time limit: never terminal)."""
        c = self.config
        action = self.act()
        next_obs = move(self.obs, action)
        self.t += 1
        ended = self.t == c.horizon
        zeros = torch.zeros(c.seeds, c.envs, device=self.device)
        self.replay.add(self.obs, action, zeros, next_obs, zeros, zeros + float(ended))
        if ended:
            self.t = 0
            next_obs = draw_starts((c.seeds, c.envs), self.generator, self.device)
        self.obs = next_obs

    def update_discriminator(self, agent: torch.Tensor, expert: torch.Tensor) -> None:
        c = self.config
        generator = self.generator if c.gradient_penalty == "on" else None
        loss = discriminator_loss(self.disc, agent, expert, c.penalty_coef, c.penalty_target, generator)
        self.disc_optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.disc_optimizer.step()

    def update_learner(self, obs, action, next_obs, r) -> torch.Tensor:
        """One SAC update (Haarnoja et al., arXiv 1812.05905: twin-Q soft Bellman backup, reparameterized
        actor, fixed α) on rewards r (S, B); returns the online Q on the batch (S, 2, B)."""
        c, g = self.config, self.generator
        with torch.no_grad():
            next_action, next_log_pi = self.actor.sample(next_obs, g)
            target = r + c.gamma * (self.critic.estimate(next_obs, next_action, self.critic.target_params)
                                    - c.alpha * next_log_pi)
        critic_loss, q = self.critic.loss(obs, action, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.sum().backward()
        self.critic_optimizer.step()
        new_action, log_pi = self.actor.sample(obs, g)
        actor_loss = (c.alpha * log_pi - self.critic.estimate(obs, new_action, self.critic.frozen())).mean(-1)
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.sum().backward()
        self.actor_optimizer.step()
        polyak(self.critic.target_params, self.critic.params, c.tau)
        return q.detach()

    def rollout(self, start: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """The deterministic policy's states from starts (S, N, 2) for ``horizon`` steps, (S, N, horizon, 2);
        with ``noise`` (S, N, horizon, 2) the policy acts on s + noise (the state itself is unperturbed)."""
        states, s = [], start
        with torch.no_grad():
            for t in range(self.config.horizon):
                states.append(s)
                seen = s if noise is None else s + noise[..., t, :]
                s = move(s, self.actor.act_deterministic(seen))
        return torch.stack(states, -2)

    def imitation_error(self, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Mean over the fixed starts and the horizon of ‖s_agent,t − s_expert,t‖ (same start): (S,)."""
        return (self.rollout(self.eval_start, noise) - self.eval_expert).norm(dim=-1).mean((-1, -2))

    def step(self) -> dict[str, torch.Tensor]:
        """One env step and (after ``learning_starts``) one update; per-seed metrics (seeds,): imitation_error
        (the headline), matched (1 when below ``match_radius``), final_distance (to the goal), reward_grad_norm
        (‖∇_(s,a) D‖ at the replay's agent pairs), q_abs (mean |Q| on the batch), expert_reward (mean r on
        expert pairs)."""
        c, g = self.config, self.generator
        self.collect()
        self.steps_done += 1
        zeros = torch.zeros(c.seeds, device=self.device)
        q_abs, grad_norm, expert_reward = zeros, zeros, zeros
        if self.steps_done > c.learning_starts:
            obs, action, _, next_obs, _, _ = self.replay.sample(c.batch, g)
            agent = torch.cat([obs, action], -1)
            idx = torch.randint(0, self.expert_pairs.shape[1], (c.seeds, c.batch), generator=g, device=self.device)
            expert = self.expert_pairs.gather(1, idx.unsqueeze(-1).expand(-1, -1, OBS + ACT))
            self.update_discriminator(agent, expert)
            with torch.no_grad():      # the authors' "historical patching": rewards from the current D
                r = reward(self.disc, agent)
                expert_reward = reward(self.disc, expert).mean(-1)
            q_abs = self.update_learner(obs, action, next_obs, r).abs().mean((1, 2))
            grad_norm = input_grad_norm(self.disc, agent).mean(-1)
        states = self.rollout(self.eval_start)
        error = (states - self.eval_expert).norm(dim=-1).mean((-1, -2))
        final = states[..., -1, :].norm(dim=-1).mean(-1)
        return {"imitation_error": error, "matched": (error < c.match_radius).to(torch.float32),
                "final_distance": final, "reward_grad_norm": grad_norm, "q_abs": q_abs,
                "expert_reward": expert_reward}

    def view_state(self) -> dict[str, torch.Tensor]:
        """The robustness curve's data: each seed's imitation error when its policy acts on observations with
        Gaussian noise of σ in ``VIEW_NOISE`` (S, len(VIEW_NOISE)), noise drawn from the view's own generator."""
        c = self.config
        base = torch.randn(c.seeds, EVAL_STARTS, c.horizon, OBS, generator=self.view_generator, device=self.device)
        errors = torch.stack([self.imitation_error(sigma * base) for sigma in VIEW_NOISE], -1)
        return {"noise": torch.tensor(VIEW_NOISE), "imitation_error": errors.detach().clone(),
                "gradient_penalty": c.gradient_penalty}
