"""Soft Actor-Critic on a population of seeds, every seed trained at once.

Haarnoja et al., "Soft Actor-Critic Algorithms and Applications", arXiv 1812.05905: a
tanh-squashed Gaussian actor, a soft Q critic with Polyak-averaged targets, and the
temperature α tuned automatically toward the target entropy H̄ = −dim(A).

Switches on the same trainer, each in its own module with its citation:

- ``critic``: 'single' or 'twin' Q (``critics.py``), 'dsac-t' (``dsac_t.py``), 'stac'
  (``stac.py``), 'hl-gauss' (``hl_gauss.py``), 'flow' (``flow_critic.py``), 'sl-mgac' (``sl_mgac.py``,
  with ``sl_weight``, ``sl_horizon``, ``mg_groups``, ``sl_layer_norm``); ``spectral_norm`` on
  any of them (``spectral.py``). The interface they share is in ``critic_base.py``;
- ``actor``: 'sac' or 'mdpo' (KL to the previous round's policy, ``mdpo.py``);
- ``critic_warmup`` and ``advantage_clip``: AC-Flow's warm-up and clipped advantage (``advantage.py``);
- ``fading_replay``, ``swaddling`` (with ``swaddling_beta``), ``temporal_advantage``, ``bounded_noise``:
  Symphony's fading replay buffer, swaddling cost on action strength, temporal advantage against a
  moving average of Q, and bounded exploration noise (``symphony.py``);
- ``overestimation_every``: Q minus Monte-Carlo returns, recorded as 'overestimation'
  (``overestimation.py``).

Stress axes, for the stress arena (``arena.py``): ``utd`` gradient updates per env step (the
update-to-data ratio that REDQ, Chen et al. arXiv 2101.05982, raises to 20), ``reward_scale`` (to
which SAC's first version, arXiv 1801.01290, reports it is particularly sensitive — its ablations, as
we recall them; not re-checked here) and Student-t noise on the reward the learner stores (the env's
own reward, and so every return, is left as it is), beside ``gamma``, ``tau`` (τ = 1: no target
network, one of the mitigations of the "deadly triad" that van Hasselt et al., arXiv 1812.02648,
measure), ``lr`` and ``hidden``. ``freeze_diverged`` turns a diverging seed into a recorded outcome
instead of a failed run: from the update where its Q or a loss becomes non-finite, or |Q| passes ``divergence_bound``,
the seed is frozen (its weights, targets and α stop changing; its metrics are NaN and 'diverged' is
1) while the other seeds train on.

The equation numbers cited in ``_update`` are those of
the arXiv text as we know it (soft value Eq. 3, J_Q Eq. 5, J_π Eq. 7 with the
reparameterization Eq. 8, J(α) Eq. 18, tanh squashing Appendix C); the paper was not at hand
to re-check them, so the formulas are written out beside each citation.

Every seed has its own actor, critic, temperature, optimizer state, env copies (``envs`` per
seed) and replay buffer, all held as tensors with a leading seed axis and updated by batched
matmuls — no Python loop over seeds. One ``step()`` = one env step of every copy, stored, then
(from ``learning_starts`` on) ``utd`` gradient updates of every seed (one by default); before
that, actions are uniform in the action box. Each seed's losses are summed for one backward pass; because
each seed's loss depends only on its own weights and Adam is elementwise, the seeds stay
independent.
"""
from __future__ import annotations

import copy
import math
from types import SimpleNamespace
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, member_norm
from lab.core.config import shown
from lab.core.run import DIVERGED

from .actor import SquashedGaussianActor
from .advantage import clipped_advantage
from .critics import CRITICS, make_critic
from .envs import ENV_NAMES, GYM_PREFIX, TORCH_ENVS, check_env_name, env_dims, env_options, make_env
from .mdpo import PreviousPolicy
from .overestimation import overestimation
from .replay import Replay
from .symphony import BoundedNoiseActor, TemporalAdvantage, action_strength, swaddling_cost


class SACConfig(LabConfig):
    """Soft Actor-Critic with automatic temperature, a population of seeds trained at once."""

    env: str = Field("pendulum", description="environment: " + ", ".join(ENV_NAMES)
                     + " (a registered gymnasium id with Box spaces)")
    reward_noise: float = Field(1.0, ge=0.0, le=10.0, description="'point-mass' and 'noisy-reward' only: "
                                "reward noise scale (point mass: at the walls, σ(x) = reward_noise·|x|/2)")
    seeds: int = Field(4, ge=1, le=1024, description="independent seeds trained at once")
    envs: int = Field(1, ge=1, le=64, description="env copies per seed, each stepped once per step")
    steps: int = Field(10_000, ge=1, le=1_000_000, description="training steps (env steps per copy)")
    critic: Literal[tuple(CRITICS)] = Field("twin", description="'single' Q, 'twin' Qs with clipped double-Q, "
                                            "'dsac-t' (Duan et al.), 'stac' (Özalp), 'hl-gauss' (categorical), "
                                            "'flow' (flow matching), 'sl-mgac' (supervised returns, groups, "
                                            "layer norm)")
    spectral_norm: bool = Field(False, description="Lipschitz-regularized critic: spectral normalization of its "
                                "hidden layers (Zheng et al. 2023)")
    stac_beta: float = Field(0.5, ge=0.0, le=5.0, description="'stac' only: pessimism β in the value μ − β·σ")
    dropout: float = Field(0.05, ge=0.0, lt=1.0, description="'stac' only: dropout probability in actor and critic")
    hl_bins: int = Field(101, ge=3, le=1001, description="'hl-gauss' only: bins B of the value support")
    hl_v_min: float = Field(-1700.0, ge=-1e6, le=1e6, description="'hl-gauss' only: lower end of the value support")
    hl_v_max: float = Field(100.0, ge=-1e6, le=1e6, description="'hl-gauss' only: upper end of the value support")
    sl_weight: float = Field(1.0, ge=0.0, le=100.0, description="'sl-mgac' only: weight λ of the supervised "
                             "return losses beside TD (0 = TD alone)")
    sl_horizon: int = Field(16, ge=2, le=1000, description="'sl-mgac' only: horizon h of the supervised "
                            "truncated return Σ_{k<h} γ^k·r_{t+k}")
    mg_groups: int = Field(2, ge=1, le=16, description="'sl-mgac' only: state groups G, each with its own "
                           "output head (1 = no decomposition)")
    sl_layer_norm: bool = Field(True, description="'sl-mgac' only: layer normalization of the critic's hidden "
                                "layers")
    flow_steps: int = Field(4, ge=1, le=32, description="'flow' only: Euler steps K of the value read-out")
    actor: Literal["sac", "mdpo"] = Field("sac", description="actor update: 'sac' or 'mdpo' (KL to the previous "
                                          "round's policy, Tomar et al.)")
    mdpo_kl: float = Field(1.0, gt=0.0, le=100.0, description="'mdpo' only: weight 1/t of KL(π ‖ π_previous)")
    mdpo_every: int = Field(100, ge=1, le=100_000, description="'mdpo' only: actor updates per round (re-sync of "
                            "the previous policy)")
    critic_warmup: int = Field(0, ge=0, le=1_000_000, description="critic updates before the actor (and α) start "
                               "learning (AC-Flow warm-up)")
    advantage_clip: float = Field(0.0, ge=0.0, le=100.0, description="actor signal: normalized advantage clipped to "
                                  "±c (AC-Flow); 0 = SAC's plain Q")
    fading_replay: bool = Field(False, description="Symphony's fading replay: sample transitions with probability "
                                "∝ tanh((π·i/n)^e) by age rank i of n (newest half a plateau, oldest fading)")
    swaddling: float = Field(0.0, ge=0.0, le=100.0, description="Symphony's swaddling: weight λ of the cost "
                             "λ·Ωω(|tanh μ|, β) on action strength, in the actor's loss and the soft value (0 = off)")
    swaddling_beta: float = Field(0.05, gt=0.0, le=1.0, description="swaddling > 0 only: temperature β of "
                                  "Ωω(x, β) = ln((1 + x^{1/β})/(1 − x^{1/β})) + β·x·ln x")
    temporal_advantage: bool = Field(False, description="actor signal: Symphony's temporal advantage "
                                     "ReHAE((Q − Q_T)/|Q_T|), Q_T a moving average of the batch-mean Q")
    bounded_noise: bool = Field(False, description="Symphony's bounded noise: the actor's standard normal draw "
                                "clamped to [−e, e]")
    overestimation_every: int = Field(0, ge=0, le=1_000_000, description="steps between overestimation "
                                      "measurements (Q minus Monte-Carlo return; 0 = none)")
    overestimation_states: int = Field(16, ge=1, le=1024, description="replayed (s, a) per seed in an "
                                       "overestimation measurement")
    hidden: int = Field(256, ge=4, le=1024, description="hidden units per layer (actor and critic)")
    layers: int = Field(2, ge=1, le=4, description="hidden layers (actor and critic)")
    lr: float = Field(3e-4, gt=0.0, le=0.1, description="Adam step size of actor, critic and temperature")
    batch: int = Field(256, ge=1, le=4096, description="transitions sampled per seed per update")
    buffer: int = Field(100_000, ge=100, le=1_000_000, description="replay capacity per seed (transitions)")
    utd: int = Field(1, ge=1, le=64, description="gradient updates per env step from learning_starts on "
                     "(update-to-data ratio), each on its own replayed batch")
    reward_scale: float = Field(1.0, ge=1e-3, le=1e3, description="factor c on the reward the learner stores "
                                "(its targets); returns stay in the env's units")
    reward_t_scale: float = Field(0.0, ge=0.0, le=1e3, description="heavy-tailed noise on the learner's reward: "
                                  "scale σ of Student-t noise, stored reward c·(r + σ·t_ν) (0 = none)")
    reward_t_df: int = Field(2, ge=1, le=30, description="reward_t_scale > 0 only: degrees of freedom ν of the "
                             "Student-t noise (1 = Cauchy; ν ≤ 2: infinite variance)")
    freeze_diverged: bool = Field(False, description="a seed whose Q or losses become non-finite, or whose |Q| "
                                  "passes the divergence bound, is frozen and recorded as diverged while the "
                                  "others train on (off: a non-finite metric stops the run)")
    divergence_bound: float = Field(100.0, gt=0.0, le=1e9, description="freeze_diverged only: a seed diverges "
                                    "when |mean Q| on its batch exceeds this × reward_scale / (1 − γ)")
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

    def problems(self) -> list[str]:
        """Options of a switch that is off are errors, not silently ignored: an option moved away from
        its default while its switch is off. (Compared with defaults rather than with the fields given,
        so a config rebuilt from a full dump — what the live views do — stays valid.) Training must
        update: ``learning_starts`` < ``steps``, and the actor must get updates after ``critic_warmup``."""
        try:
            check_env_name(self.env)
        except ValueError as err:
            return [f"'env' = {shown(self.env)} is not allowed: {err}"]
        fields_info, found = type(self).model_fields, []
        noisy_envs = [name for name in TORCH_ENVS if "noise" in env_options(name)]
        for fields, switch, values in ((("stac_beta", "dropout"), "critic", ["stac"]),
                                       (("hl_bins", "hl_v_min", "hl_v_max"), "critic", ["hl-gauss"]),
                                       (("flow_steps",), "critic", ["flow"]),
                                       (("sl_weight", "sl_horizon", "mg_groups", "sl_layer_norm"), "critic",
                                        ["sl-mgac"]),
                                       (("mdpo_kl", "mdpo_every"), "actor", ["mdpo"]),
                                       (("reward_noise",), "env", noisy_envs),
                                       (("divergence_bound",), "freeze_diverged", [True])):
            stray = [f for f in fields if getattr(self, f) != fields_info[f].default]
            if stray and getattr(self, switch) not in values:
                found.append(f"{', '.join(map(repr, stray))} applies only with {switch} = "
                             f"{' or '.join(map(repr, values))} (here {switch} = {shown(getattr(self, switch))})")
        if self.reward_t_df != fields_info["reward_t_df"].default and not self.reward_t_scale:
            found.append("'reward_t_df' applies only with reward_t_scale > 0 (here reward_t_scale = 0)")
        if self.swaddling_beta != fields_info["swaddling_beta"].default and not self.swaddling:
            found.append("'swaddling_beta' applies only with swaddling > 0 (here swaddling = 0)")
        if self.temporal_advantage and self.advantage_clip:
            found.append(f"'temporal_advantage' and 'advantage_clip' = {self.advantage_clip:g} both replace the "
                         f"actor's signal; choose one")
        if self.critic == "hl-gauss" and not self.hl_v_min < self.hl_v_max:
            found.append(f"'hl_v_min' = {self.hl_v_min:g} must be below 'hl_v_max' = {self.hl_v_max:g}")
        if self.learning_starts >= self.steps:
            found.append(f"'learning_starts' = {self.learning_starts} ≥ 'steps' = {self.steps}: updates begin at "
                         f"step learning_starts, so the run would update its networks at most once")
        if self.critic_warmup >= self.utd * self.steps:
            most = f"'steps' = {self.steps}" if self.utd == 1 else f"'utd'·'steps' = {self.utd * self.steps}"
            found.append(f"'critic_warmup' = {self.critic_warmup} ≥ {most}: the actor would never learn")
        elif self.learning_starts < self.steps and self.critic_warmup >= self.updates:
            found.append(f"'critic_warmup' = {self.critic_warmup} ≥ the {self.updates} updates from "
                         f"'learning_starts' = {self.learning_starts} to 'steps' = {self.steps}: "
                         f"the actor would never learn")
        if self.overestimation_every and self.env.startswith(GYM_PREFIX):
            found.append(f"'overestimation_every' needs a torch env that can be set to replayed states "
                         f"({', '.join(map(repr, TORCH_ENVS))}); 'env' = {shown(self.env)} cannot")
        return found

    @property
    def updates(self) -> int:
        """Gradient updates in a run: ``utd`` per step from step max(1, learning_starts) to ``steps``."""
        return self.utd * max(0, self.steps - max(1, self.learning_starts) + 1)

    @property
    def q_bound(self) -> float:
        """|Q| beyond which a seed counts as diverged: ``divergence_bound``·c/(1 − γ). A return is at most
        max|r|/(1 − γ) in size, so the default 100 allows per-step rewards 6× Pendulum's largest, 16.3."""
        return self.divergence_bound * self.reward_scale / (1.0 - self.gamma)

    def memory_parts(self) -> dict[str, float]:
        """Replay buffers, weights with their Adam state, grads and targets, and one update's activations.

        Against the peak RSS of a CPU process after 3 updates (whose replay pages are mostly not yet
        written; a run fills them): seeds 64, batch 256, hidden 256: 1.03 GB estimated, 0.81 GB used
        + 0.23 GB of replay to fill; seeds 256, hidden 64: 1.54 GB, 1.32 GB used; seeds 16, batch
        1024, hidden 512, layers 3: 2.12 GB, 1.02 GB used (activations overestimated there)."""
        obs, act = env_dims(self.env)
        s, h, b, n = self.seeds, self.hidden, self.batch, self.layers - 1
        heads = 1 if self.critic == "single" else 2
        out = {"hl-gauss": self.hl_bins, "sl-mgac": 3 * self.mg_groups}.get(self.critic, 2)
        actor = (obs + 1) * h + n * (h + 1) * h + (h + 1) * 2 * act
        critic = heads * ((obs + act + 1) * h + n * (h + 1) * h + (h + 1) * out)
        return {"replay buffers (seeds·buffer)": 4 * s * self.buffer * (2 * obs + act + 3),
                "networks (seeds·hidden²·layers)": 4 * s * (5 * actor + 5 * critic),
                "activations of an update (seeds·batch·hidden·layers)":
                    4 * s * b * (h * self.layers + out) * heads * ACTIVATIONS}


# Activation tensors of (seeds, batch, hidden·layers) per critic head alive in an update — the
# actor's passes on s and s', the critic's on (s, a) and on the actor's action, the target's on s',
# kept for backward — fitted to the measurements in ``SACConfig.memory_parts``.
ACTIVATIONS = 8


def critic_options(c: SACConfig) -> dict:
    """The keyword options of ``make_critic`` that the config's critic takes."""
    options = {"spectral_norm": c.spectral_norm}
    if c.critic == "dsac-t":
        options["tau_b"] = c.tau
    elif c.critic == "stac":
        options.update(beta=c.stac_beta, dropout=c.dropout)
    elif c.critic == "hl-gauss":
        options.update(bins=c.hl_bins, v_min=c.hl_v_min, v_max=c.hl_v_max)
    elif c.critic == "flow":
        options["steps"] = c.flow_steps
    elif c.critic == "sl-mgac":
        options.update(groups=c.mg_groups, layer_norm=c.sl_layer_norm)
    return options


class SACTrainer(Trainer):
    """``seeds`` independent SAC agents; one step = one env step of every copy + ``utd`` updates."""

    Config = SACConfig

    def __init__(self, config: SACConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        S = c.seeds
        self.env = self._make_env(S * c.envs, c.seed)
        env = self.env
        actor_class = BoundedNoiseActor if c.bounded_noise else SquashedGaussianActor
        self.actor = actor_class(S, env.obs_dim, env.act_dim, c.hidden, c.layers, env.action_low, env.action_high,
                                 g, dev, dropout=c.dropout if c.critic == "stac" else 0.0)
        self.critic = make_critic(c.critic, S, env.obs_dim, env.act_dim, c.hidden, c.layers, g, dev,
                                  **critic_options(c))
        self.previous_policy = PreviousPolicy(self.actor, c.mdpo_every) if c.actor == "mdpo" else None
        self.temporal_advantage = TemporalAdvantage(S, dev) if c.temporal_advantage else None
        self.log_alpha = torch.full((S,), math.log(c.alpha_init), device=dev, requires_grad=True)
        self.target_entropy = -float(env.act_dim)
        self.critic_optimizer = torch.optim.Adam(self.critic.params, lr=c.lr, fused=True)
        self.actor_optimizer = torch.optim.Adam(self.actor.params, lr=c.lr, fused=True)
        self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=c.lr, fused=True)
        self.replay = Replay(S, c.buffer, env.obs_dim, env.act_dim, dev, fading=c.fading_replay)

        self.obs = env.reset(g).view(S, c.envs, env.obs_dim)
        self.running_return = torch.zeros(S * c.envs, device=dev)
        self.last_return = torch.zeros(S * c.envs, device=dev)
        self.finished = torch.zeros(S * c.envs, dtype=torch.bool, device=dev)
        self.steps_done = 0
        self.updates_done = 0
        self.last_eval = None
        self.last_overestimation = None
        self._eval_envs = {}
        self.diverged = torch.zeros(S, dtype=torch.bool, device=dev)      # frozen seeds (freeze_diverged)
        self.diverged_at = torch.full((S,), -1, dtype=torch.long, device=dev)  # their step of divergence

    def _make_env(self, n: int, seed: int):
        c = self.config
        options = {"noise": c.reward_noise} if "noise" in env_options(c.env) else {}
        return make_env(c.env, n, self.device, seed, **options)

    @property
    def population(self) -> int:
        return self.config.seeds

    @property
    def alpha(self) -> torch.Tensor:
        """Each seed's temperature α, (seeds,)."""
        return self.log_alpha.detach().exp()

    def metric_bounds(self) -> dict[str, float]:
        """Plausible magnitudes: the torch envs' rewards are O(10) per step, so |Q| ≲ 10·c/(1 − γ) ≤ 1e4·c
        for γ ≤ 0.999 and reward scale c; Q or a critic loss far beyond is a diverging critic, even while
        finite."""
        c = self.config.reward_scale
        return {"q_mean": 1e6 * c, "critic_loss": 1e12 * c * c}

    def view_state(self) -> SimpleNamespace:
        """What ``value_grids`` needs — config, device, actor, critic, α — copied, the critic's random
        generator (flow and DSAC-T critics sample with it) replaced by one of the copy's own."""
        own = torch.Generator(self.device).manual_seed(0)
        return SimpleNamespace(config=self.config, device=self.device, alpha=self.alpha.clone(),
                               actor=copy.deepcopy(self.actor),
                               critic=copy.deepcopy(self.critic, memo={id(self.generator): own}))

    # --- one step ----------------------------------------------------------------------------

    def step(self) -> dict[str, torch.Tensor]:
        """One env step of every copy, then one update of every seed; per-seed metrics, (seeds,) each:

        episode_return (mean over the seed's copies of the return of their last finished episode;
        until a copy finishes one, the return of its running episode), finished_fraction (the share
        of the seed's copies that have finished an episode: episode_return is a mean of finished
        episodes' returns only where it is 1), alpha, entropy
        (−mean log π on the update batch), critic_loss (the critic's own loss: for 'dsac-t' a
        surrogate that can be negative), actor_loss, q_mean (mean Q of the critic's heads on the
        batch), critic_grad_norm and actor_grad_norm (before the Adam step; losses, Q and norms
        are 0 before ``learning_starts``); q_std (mean σ(s, a) on the batch) for critics with a σ;
        mdpo_kl (the sampled KL(π ‖ π_previous) on the batch) with ``actor = 'mdpo'``;
        eval_return (the last ``evaluate()``, refreshed at step 1 and every ``eval_every`` steps)
        when ``eval_every`` > 0; overestimation (the last measurement, taken at the first step with an
        update, max(1, ``learning_starts``), and every ``overestimation_every`` steps after; 0 before
        the first) when that is > 0. With ``utd`` > 1 the update metrics are
        those of the step's last update. A diverging critic shows up as a non-finite metric, which
        ``Run`` turns into an error naming it; with ``freeze_diverged``, as 'diverged' (1 from the step
        where the seed diverged on) and NaN for every other metric of that seed.
        """
        c, g, env = self.config, self.generator, self.env
        S, E = c.seeds, c.envs
        with torch.no_grad():
            action, _ = self.actor.sample(self.obs, g)                      # (S, E, act_dim)
        if self.steps_done < c.learning_starts:
            u = torch.rand(action.shape, generator=g, device=self.device)
            action = env.action_low + u * (env.action_high - env.action_low)
        out = env.step(action.reshape(S * E, -1))
        self.replay.add(self.obs, action, self._learner_reward(out.reward).view(S, E), out.next_obs.view(S, E, -1),
                        out.terminated.view(S, E), out.done.view(S, E))
        self._track_episodes(out.reward, out.done)
        self.obs = out.obs.view(S, E, -1)
        self.steps_done += 1

        if self.steps_done >= c.learning_starts:
            for _ in range(c.utd):
                metrics = self._update(self.replay.sample(c.batch, g))
                if c.freeze_diverged:
                    self._mark_diverged(metrics)
        else:
            metrics = self._before_learning(self.replay.sample(c.batch, g))
        metrics["episode_return"] = torch.where(self.finished, self.last_return,
                                                self.running_return).view(S, E).mean(1)
        metrics["finished_fraction"] = self.finished.view(S, E).float().mean(1)
        if c.eval_every and (self.steps_done == 1 or self.steps_done % c.eval_every == 0):
            self.last_eval = self.evaluate()
        if c.eval_every:
            metrics["eval_return"] = self.last_eval
        if c.overestimation_every:
            since_first_update = self.steps_done - max(1, c.learning_starts)
            if since_first_update >= 0 and since_first_update % c.overestimation_every == 0:
                self.last_overestimation = overestimation(self, c.overestimation_states)
            metrics["overestimation"] = (torch.zeros(S, device=self.device) if self.last_overestimation is None
                                         else self.last_overestimation)
        if c.freeze_diverged:
            self._mark_diverged(metrics)
            metrics = {name: value.masked_fill(self.diverged, math.nan) for name, value in metrics.items()}
            metrics[DIVERGED] = self.diverged.float()
        return metrics

    def _learner_reward(self, reward: torch.Tensor) -> torch.Tensor:
        """The reward the learner stores and regresses on: c·(r + σ·t_ν), c = ``reward_scale``, t_ν
        Student-t with ν = ``reward_t_df``, drawn as Z₀/√(Σᵢ₌₁^ν Zᵢ²/ν) from ν + 1 standard normals
        (the definition of Student's t; no draw when σ = ``reward_t_scale`` = 0)."""
        c = self.config
        if c.reward_t_scale:
            z = torch.randn((c.reward_t_df + 1, *reward.shape), generator=self.generator, device=self.device)
            reward = reward + c.reward_t_scale * z[0] / z[1:].pow(2).mean(0).sqrt()
        return c.reward_scale * reward

    def _mark_diverged(self, metrics: dict[str, torch.Tensor]) -> None:
        """Freeze the seeds with a non-finite metric (Q, a loss, a gradient norm, a return) or |mean Q|
        beyond ``q_bound``; remember the step where each diverged. Checked after each of a step's
        ``utd`` updates and on the step's metrics."""
        bad = metrics["q_mean"].abs() > self.config.q_bound
        for value in metrics.values():
            bad |= ~torch.isfinite(value)
        self.diverged_at = torch.where(bad & ~self.diverged, self.steps_done, self.diverged_at)
        self.diverged |= bad

    def _step_live(self, optimizer_step, params: list[torch.Tensor]) -> None:
        """``optimizer_step()`` (an optimizer's step, a target update) for the seeds still training: with
        ``freeze_diverged``, the frozen seeds' ``params`` are put back afterwards. Seeds are independent
        (per-seed losses, elementwise Adam), so the others' steps are exactly those they would take alone.
        A frozen seed's own Adam moments and auxiliary critic state (DSAC-T's running σ, spectral norm's
        power-iteration vectors) are left to run on: they reach nothing but its weights, which are put
        back. The put-back is a ``where`` over every seed, not a branch on whether any seed is frozen:
        the step never waits for the device to say so."""
        if not self.config.freeze_diverged:
            optimizer_step()
            return
        kept = [p.detach().clone() for p in params]
        optimizer_step()
        with torch.no_grad():
            for p, old in zip(params, kept):
                p.copy_(torch.where(self.diverged.view(-1, *[1] * (p.dim() - 1)), old, p))

    def _track_episodes(self, reward: torch.Tensor, done: torch.Tensor) -> None:
        """Keep each copy's running return and the return of its last finished episode."""
        self.running_return += reward
        self.last_return = torch.where(done, self.running_return, self.last_return)
        self.finished |= done
        self.running_return = torch.where(done, 0.0, self.running_return)

    def _update(self, batch) -> dict[str, torch.Tensor]:
        """One SAC update of every seed (Haarnoja et al., arXiv 1812.05905, Algorithm 1), with the
        config's critic, actor update, warm-up and advantage switches."""
        c, g = self.config, self.generator
        obs, action, reward, next_obs, terminated, _ = batch                # (S, B, ...)
        alpha = self.alpha[:, None]                                          # (S, 1)

        # Critic: the soft Bellman residual J_Q(θ) = E[½(Q_θ(s,a) − y)²] (Eq. 5), with the soft
        # value V(s') = E_{a'~π}[Q_θ̄(s',a') − α log π(a'|s')] (Eq. 3) from the target critic:
        #   y = r + γ·(1 − terminated)·(Q̂_θ̄(s', a') − α·log π(a'|s')),  a' ~ π(·|s'),
        # Q̂ the critic's estimate (twin: min over heads, the clipped double-Q). Each critic variant
        # regresses toward this backup in its own way (its td_loss; see critics.py).
        # With swaddling (Symphony, Eq. 6 of the later text in symphony.py), the next state's detached cost
        # λ·H*(s') is a policy cost beside α·log π: y = r + γ·(1 − terminated)·(Q̂_θ̄(s', a') − α·log π(a'|s')
        # − λ·H*(s')).
        with torch.no_grad():
            next_action, next_log_pi = self.actor.sample(next_obs, g)
            next_cost = alpha * next_log_pi
            if c.swaddling:
                next_cost = next_cost + c.swaddling * swaddling_cost(action_strength(self.actor, next_obs),
                                                                     c.swaddling_beta)

        def soft_backup(next_value: torch.Tensor) -> torch.Tensor:
            return reward + c.gamma * (1.0 - terminated) * (next_value - next_cost)

        critic_loss, q = self.critic.td_loss(obs, action, next_obs, next_action, soft_backup)
        if c.critic == "sl-mgac":
            critic_loss = critic_loss + c.sl_weight * self._supervised_loss(batch)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.sum().backward()
        critic_grad = member_norm([p.grad for p in self.critic.params])
        self._step_live(self.critic_optimizer.step, self.critic.params)
        self.updates_done += 1

        # Actor: J_π(φ) = E_s[α·log π_φ(f_φ(ε;s)|s) − Q_θ(s, f_φ(ε;s))] (Eq. 7 reparameterized by
        # Eq. 8), Q the estimate of the just-updated critic, whose weights are held fixed.
        #  - advantage_clip > 0: −Q becomes −Â, the normalized advantage clipped to ±c (advantage.py);
        #  - temporal_advantage: −Q becomes −ReHAE((Q − Q_T)/|Q_T|) (Symphony, Eq. 3; symphony.py);
        #  - swaddling > 0: + λ·Ωω(|tanh μ(s)|, β), the cost on action strength (Symphony; symphony.py);
        #  - actor = 'mdpo': + (1/t)·(log π_φ(a|s) − log π_φk(a|s)), the KL to the previous round's
        #    policy (Tomar et al., off-policy MDPO; mdpo.py);
        #  - during the first critic_warmup updates the actor and α wait (AC-Flow warm-up).
        metrics = {}
        learning = self.updates_done > c.critic_warmup
        if self.previous_policy is not None and learning:
            self.previous_policy.before_update()
        train = c.critic == "stac"                                           # dropout in the update passes
        new_action, log_pi, u = self.actor.rsample(obs, g, train=train)
        frozen = self.critic.frozen()
        signal = self.critic.estimate(obs, new_action, frozen, train=train)
        if c.advantage_clip:
            greedy = self.critic.estimate(obs, self.actor.act_deterministic(obs).detach(), frozen)
            signal = clipped_advantage(signal, greedy, c.advantage_clip)
        if self.temporal_advantage is not None:
            signal = self.temporal_advantage(signal)
        if c.swaddling:
            signal = signal - c.swaddling * swaddling_cost(action_strength(self.actor, obs), c.swaddling_beta)
        actor_loss = (alpha * log_pi - signal).mean(1)
        if self.previous_policy is not None:
            kl = self.previous_policy.kl_sample(obs, u).mean(1)
            actor_loss = actor_loss + c.mdpo_kl * kl
            metrics["mdpo_kl"] = kl.detach()
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.sum().backward()
        actor_grad = member_norm([p.grad for p in self.actor.params])
        if learning:
            self._step_live(self.actor_optimizer.step, self.actor.params)

        # Temperature: J(α) = E_a~π[−α·log π(a|s) − α·H̄] (Eq. 18), H̄ = −dim(A), taken in log α
        # (gradient −(log π + H̄) per sample, the same sign as in α, and α stays positive).
        if c.autotune and learning:
            alpha_loss = -(self.log_alpha[:, None] * (log_pi.detach() + self.target_entropy)).mean(1)
            self.alpha_optimizer.zero_grad(set_to_none=True)
            alpha_loss.sum().backward()
            self._step_live(self.alpha_optimizer.step, [self.log_alpha])

        # Targets: θ̄ ← τ·θ + (1 − τ)·θ̄ (Algorithm 1).
        self._step_live(lambda: self.critic.update_targets(c.tau), self.critic.target_params)

        metrics = {
            "q_mean": q.detach().mean((1, 2)),
            "critic_loss": critic_loss.detach(),
            "actor_loss": actor_loss.detach(),
            "alpha": self.alpha,
            "entropy": -log_pi.detach().mean(1),
            "critic_grad_norm": critic_grad,
            "actor_grad_norm": actor_grad,
            **metrics,
        }
        if self.critic.has_std:
            with torch.no_grad():
                metrics["q_std"] = self.critic.std(obs, action).mean(1)
        return metrics

    def _supervised_loss(self, batch) -> torch.Tensor:
        """SL-MGAC's supervised multi-task loss per seed (``sl_mgac.py``): targets the stored reward r_t
        and the truncated return G_t^(h) of the rewards that followed in the same env copy."""
        c = self.config
        truncated, complete = self.replay.truncated_returns(batch.slots, c.sl_horizon, c.gamma, c.envs)
        targets = torch.stack([batch.reward, truncated], dim=-1)
        counted = torch.stack([torch.ones_like(complete), complete], dim=-1)
        return self.critic.supervised_loss(batch.obs, batch.action, targets, counted)

    def _before_learning(self, batch) -> dict[str, torch.Tensor]:
        """The metrics of ``_update`` while only collecting: the policy's entropy on replayed
        states and its α; losses, Q and gradient norms are 0."""
        with torch.no_grad():
            _, log_pi = self.actor.sample(batch.obs, self.generator)
        zero = torch.zeros(self.config.seeds, device=self.device)
        metrics = {"q_mean": zero, "critic_loss": zero, "actor_loss": zero, "alpha": self.alpha,
                   "entropy": -log_pi.mean(1), "critic_grad_norm": zero, "actor_grad_norm": zero}
        if self.previous_policy is not None:
            metrics["mdpo_kl"] = zero
        if self.critic.has_std:
            metrics["q_std"] = zero
        return metrics

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
