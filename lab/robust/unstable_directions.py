"""Unstable directions of a policy's decision boundary across states and time (Korkmaz, "Understanding and
Diagnosing Deep Reinforcement Learning", ICML 2024, arXiv 2406.16979) — a DIAGNOSTIC, not a stabilizer: it
measures where a policy's decision boundary is fragile; it changes nothing in training.

The paper. Deep neural policies change their action under small, non-robust input perturbations. The paper
analyses the *directions* of those perturbations across the states of an episode ("space") and along its time
steps ("time"), finds correlated directions of instability, and reports that policies trained by
"state-of-the-art robust training techniques" (on Atari; state-adversarial training, which methods exactly the
abstract does not say) learn "disjoint unstable directions, with dramatically larger oscillations over time"
than standard training.

The toy. Imitation of a known expert on a 2-D point mass: state (x, y, vx, vy), p' = p + 0.2·v',
v' = 0.8·v + 0.3·u; the expert pushes (one of 5 actions: none, ±x, ±y) against the larger component of
e = p + v, and does nothing inside the dead zone max|e| < 0.15. Each seed draws its own trajectories (expert
with ``explore`` random actions, ``horizon`` steps from random starts) and observes the state with
``distractors`` extra irrelevant N(0, 0.5²) inputs. Each seed's policy is a 2-hidden-layer ReLU MLP
(``lab.critic.networks``) trained by cross-entropy on minibatches of its expert states. The switch
``training``: 'standard', or 'adversarial' (the worst-case state perturbation within an L2 ε-ball, found
by ``attack_steps`` projected-gradient steps, is what the loss sees: Madry et al. 2018's min–max, the
principle of SA-DQN-style state-adversarial training; ε = ``eps``).

The diagnostic (``lab.robust.unstable_directions_diagnostic``; every ``probe_every`` steps, on ``probe_episodes`` held-out expert episodes per seed):
per state s the minimal perturbation that changes the greedy action (``minimal_perturbation``: DeepFool's
linearization, exact for a locally linear ReLU net, then a line search along it for the flip radius r(s));
its unit direction u(s); per time window w of the episodes the second-moment matrix G_w = mean u uᵀ and its
top-``subspace`` eigenvectors V_w (the principal unstable subspace; ``unstable_subspace``); subspaces
compared by overlap(V, V') = ‖Vᵀ V'‖²_F / k, the mean squared cosine of their principal angles
(``subspace_overlap``).

Metrics per seed (``UnstableDirectionsTrainer.step``): accuracy (held-out, clean; the headline), flip_at_eps
(fraction of probe states whose action a perturbation of L2 size ``eps`` changes: the robustness the
adversary buys), margin (median flip radius), concentration (top-k eigenvalue mass of G over all probe
states: how shared the directions are across states), time_overlap (mean overlap of consecutive time
windows' subspaces: across time), time_oscillation (mean |Δ| of the windows' top eigenvalue between
consecutive windows), train_overlap (overlap of the all-states subspace with the previous probe's: across
training), distractor_mass (mean squared length of u in the irrelevant inputs). Diagnostic metrics hold their last probe's value between probes.

What reproduces (tests/robust/test_unstable_directions.py: defaults — 32 irrelevant inputs, ε 0.1, k = 1, 300
steps — 16 seeds, base seeds 0, 1, 2; means over the probes of steps 150–300). The fragility the diagnostic reads
is there: a perturbation of size 0.1 changes the standard policy's action in 82–84% of the probe states (median
flip radius 0.051–0.055); adversarial training brings it to 51–53% (0.095–0.098) at a cost in clean accuracy
(0.81–0.82 → 0.72–0.73). The paper's direction holds: the adversarial policies' unstable directions are less
shared across states (top eigenvalue mass 0.54–0.55 against 0.60–0.62), across consecutive time windows of an
episode (overlap 0.69–0.72 against 0.77–0.87) and across training probes (0.79–0.87 against 0.94–0.97). How,
here: flattened along the task's directions, their minimal perturbations put 4.2–4.7× more length² in the
irrelevant inputs (5.6–5.8% against 1.2–1.4%), where each state's direction is its own. Not reproduced:
"oscillation" read as the change of the top eigenvalue between time windows (no consistent difference). The
input's dimension matters: with 4 irrelevant inputs and ε 0.05 the robustness gain and the training-probe
oscillation stay but across states and time the two trainings do not differ consistently (the expert's
boundary sets the directions; with k = 2 every overlap is ≈ 1 for both).

Inferred (only the abstract of the paper and of its ICLR 2023 predecessor were readable, not the method):
that the unstable direction of a state is its minimal action-changing perturbation, the spectral analysis as
the eigen-decomposition of the directions' second-moment matrix, the comparison of subspaces by principal
angles, the time windows and the oscillation statistics; the toy, the L2 ball and the PGD adversary are ours.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer
from lab.critic.networks import init_mlp, mlp

from .unstable_directions_diagnostic import SCAN, minimal_perturbation, subspace_overlap, unstable_subspace

TRAININGS = ("standard", "adversarial")
ACTIONS = 5                          # none, +x, −x, +y, −y
STATE_DIM = 4                        # x, y, vx, vy
DEAD_ZONE, LOOKAHEAD = 0.15, 1.0     # the expert: e = p + LOOKAHEAD·v, nothing while max|e| < DEAD_ZONE
DISTRACTOR_STD = 0.5
CURVE_EPS = torch.linspace(0.0, 0.2, 21)   # the robustness curve's perturbation sizes (view_state)


class UnstableDirectionsConfig(LabConfig):
    """An MLP policy per seed imitating a point-mass expert, trained 'standard' or 'adversarial'; the diagnostic
    measures each state's minimal action-changing perturbation and the principal subspaces of their directions
    across states, time windows and training."""

    training: Literal[TRAININGS] = Field(
        "standard", description="'standard' (cross-entropy on the expert's states) or 'adversarial' (on the "
        "worst-case state within an L2 ball of radius eps, found by projected gradient steps)")
    eps: float = Field(0.1, gt=0.0, le=1.0, description="ε: the adversary's L2 radius (and where flip_at_eps "
                       "is measured)")
    attack_steps: int = Field(3, ge=1, le=20, description="projected gradient steps of the adversary")
    distractors: int = Field(32, ge=0, le=64, description="irrelevant N(0, 0.5²) inputs beside (x, y, vx, vy) "
                             "(Atari's policies see mostly irrelevant pixels)")
    hidden: int = Field(32, ge=4, le=256, description="width of the policy's two hidden layers")
    lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size")
    batch: int = Field(128, ge=8, le=4096, description="expert states per minibatch")
    episodes: int = Field(64, ge=4, le=4096, description="expert training episodes per seed")
    horizon: int = Field(20, ge=4, le=200, description="steps per expert episode")
    explore: float = Field(0.3, ge=0.0, le=1.0, description="probability the data-collecting expert acts at "
                           "random (the labels stay the expert's)")
    probe_episodes: int = Field(8, ge=1, le=256, description="held-out episodes per seed the diagnostic reads")
    windows: int = Field(4, ge=2, le=50, description="time windows each probe episode is split into")
    subspace: int = Field(1, ge=1, le=16, description="k: dimension of the principal unstable subspace")
    probe_every: int = Field(25, ge=1, le=10_000, description="steps between two diagnostic probes")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(300, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.subspace >= STATE_DIM + self.distractors:
            found.append(f"'subspace' = {self.subspace} must be below the input dimension 4 + 'distractors' = "
                         f"{STATE_DIM + self.distractors} (a subspace of the whole input says nothing)")
        if self.windows > self.horizon:
            found.append(f"'windows' = {self.windows} can be at most 'horizon' = {self.horizon} (one step per "
                         "window at least)")
        return found

    def memory_parts(self) -> dict[str, float]:
        """The expert data (float32 observations of d = 4 + distractors inputs and long labels, built once with a
        stacking copy: about 8 bytes per seeds·episodes·horizon·(d + 2)), a probe's line search (SCAN points per
        held-out state, each with its input and two hidden layers: about 4·(2d + 4·hidden) bytes per
        seeds·probe_episodes·horizon·SCAN) and an update's batch (with the adversary's gradients: about
        20·(hidden + d) bytes per seeds·batch). Against a CPU process's peak RSS over a step and a view: 64 seeds,
        1,024 episodes of 100 steps, 64 distractors: 3.9 GB estimated, 3.76 GB used; 16 seeds, 32 probe episodes
        of 100 steps, hidden 128, 4 distractors: 2.6 GB, 2.41 GB; adversarial, 64 seeds, batch 4,096, hidden
        256: 1.9 GB, 1.61 GB."""
        dim = STATE_DIM + self.distractors
        return {"expert data (seeds·episodes·horizon·distractors)":
                    8 * self.seeds * self.episodes * self.horizon * (dim + 2),
                "probe (seeds·probe_episodes·horizon·hidden)":
                    4 * self.seeds * self.probe_episodes * self.horizon * SCAN * (2 * dim + 4 * self.hidden),
                "batch (seeds·batch·hidden)": 20 * self.seeds * self.batch * (self.hidden + dim)}


# --- the toy ---------------------------------------------------------------------------------------


def expert_action(state: torch.Tensor) -> torch.Tensor:
    """The expert's action for states (..., 4): push against the larger component of e = p + v, none in the
    dead zone. → (...,) long in {0: none, 1: +x, 2: −x, 3: +y, 4: −y}."""
    e = state[..., :2] + LOOKAHEAD * state[..., 2:]
    axis = (e[..., 1].abs() > e[..., 0].abs()).long()                       # 0: x, 1: y
    component = e.gather(-1, axis.unsqueeze(-1)).squeeze(-1)
    push = 1 + 2 * axis + (component > 0).long()                            # against the sign
    return torch.where(e.abs().amax(-1) < DEAD_ZONE, torch.zeros_like(push), push)


def action_force(action: torch.Tensor) -> torch.Tensor:
    """The force (..., 2) of actions (...,)."""
    table = torch.tensor([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], device=action.device)
    return table[action]


def expert_episodes(seeds: int, episodes: int, horizon: int, explore: float, distractors: int,
                    generator: torch.Generator, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Observations (S, E, T, 4 + distractors) along episodes of the exploring expert and the expert's labels
    (S, E, T)."""
    shape = (seeds, episodes)
    p = torch.rand(*shape, 2, generator=generator, device=device) * 2 - 1
    v = torch.rand(*shape, 2, generator=generator, device=device) - 0.5
    states, labels = [], []
    for _ in range(horizon):
        state = torch.cat([p, v], -1)
        label = expert_action(state)
        random_action = torch.randint(0, ACTIONS, shape, generator=generator, device=device)
        acted = torch.where(torch.rand(shape, generator=generator, device=device) < explore, random_action, label)
        states.append(state)
        labels.append(label)
        v = 0.8 * v + 0.3 * action_force(acted)
        p = p + 0.2 * v
    noise = DISTRACTOR_STD * torch.randn(seeds, episodes, horizon, distractors, generator=generator, device=device)
    return torch.cat([torch.stack(states, 2), noise], -1), torch.stack(labels, 2)


# --- the trainer -----------------------------------------------------------------------------------


class UnstableDirectionsTrainer(Trainer):
    """``seeds`` MLP policies imitating the expert, trained 'standard' or 'adversarial'; every
    ``probe_every`` steps the diagnostic of their unstable directions on held-out episodes."""

    Config = UnstableDirectionsConfig

    def __init__(self, config: UnstableDirectionsConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        obs, labels = expert_episodes(c.seeds, c.episodes, c.horizon, c.explore, c.distractors, g, dev)
        self.obs, self.labels = obs.flatten(1, 2), labels.flatten(1, 2)            # (S, N, d), (S, N)
        self.probe_obs, self.probe_labels = expert_episodes(c.seeds, c.probe_episodes, c.horizon, 0.0,
                                                            c.distractors, g, dev)
        dim = STATE_DIM + c.distractors
        self.params = init_mlp((c.seeds,), [dim, c.hidden, c.hidden, ACTIONS], g, dev)
        self.optimizer = torch.optim.Adam(self.params, lr=c.lr)
        self.steps_done = 0
        self.previous_subspace = torch.zeros(c.seeds, dim, c.subspace, device=dev)
        self.diagnostic: dict[str, torch.Tensor] = {}

    @property
    def population(self) -> int:
        return self.config.seeds

    def worst_case_states(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The adversary: x + δ with ‖δ‖₂ ≤ ε maximising the cross-entropy of the expert's label, by
        ``attack_steps`` normalized-gradient ascent steps of size 2.5ε/steps projected on the ball (Madry et al.
        2018), started at a random point of the ball (drawn from the training generator)."""
        c = self.config
        delta = torch.randn(x.shape, generator=self.generator, device=x.device)
        delta = delta / delta.norm(dim=-1, keepdim=True).clamp_min(1e-8) * c.eps * torch.rand(
            x.shape[:-1] + (1,), generator=self.generator, device=x.device)
        for _ in range(c.attack_steps):
            delta.requires_grad_()
            loss = torch.nn.functional.cross_entropy(mlp(self.params, x + delta).flatten(0, 1), labels.flatten(),
                                                     reduction="sum")
            grad, = torch.autograd.grad(loss, delta)
            delta = delta.detach() + 2.5 * c.eps / c.attack_steps * grad / grad.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            delta = delta * (c.eps / delta.norm(dim=-1, keepdim=True).clamp_min(c.eps))
        return (x + delta).detach()

    def fit(self) -> None:
        """One Adam step of every seed on a minibatch of its expert states (clean, or the worst case in the ball)."""
        c = self.config
        index = torch.randint(0, self.obs.shape[1], (c.seeds, c.batch), generator=self.generator, device=self.device)
        x = self.obs.gather(1, index.unsqueeze(-1).expand(-1, -1, self.obs.shape[-1]))
        labels = self.labels.gather(1, index)
        if c.training == "adversarial":
            x = self.worst_case_states(x, labels)
        loss = torch.nn.functional.cross_entropy(mlp(self.params, x).flatten(0, 1), labels.flatten(),
                                                 reduction="none").view(c.seeds, c.batch).mean(-1).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def probe(self) -> dict[str, torch.Tensor]:
        """The diagnostic on the held-out episodes: per-seed metrics (seeds,) and the flip radii (S, N)."""
        c = self.config
        obs = self.probe_obs.flatten(1, 2)                                          # (S, E·T, d)
        u, radius = minimal_perturbation(self.params, obs)
        values, basis = unstable_subspace(u, c.subspace)
        w_values, w_basis = unstable_subspace(self.windowed(u).transpose(1, 2).flatten(2, 3), c.subspace)  # (S, W, ·)
        consecutive = subspace_overlap(w_basis[:, :-1], w_basis[:, 1:])            # (S, W−1)
        train_overlap = (torch.ones(c.seeds, device=self.device) if self.steps_done == 1
                         else subspace_overlap(self.previous_subspace, basis))
        self.previous_subspace = basis
        return {"flip_at_eps": (radius <= c.eps).float().mean(-1), "margin": radius.median(-1).values,
                "concentration": values[..., :c.subspace].sum(-1), "time_overlap": consecutive.mean(-1),
                "time_oscillation": (w_values[:, 1:, 0] - w_values[:, :-1, 0]).abs().mean(-1),
                "train_overlap": train_overlap, "distractor_mass": u[..., STATE_DIM:].pow(2).sum(-1).mean(-1),
                "radius": radius}

    def windowed(self, u: torch.Tensor) -> torch.Tensor:
        """u (S, E·T, d) as (S, E, W, T//W, d), the last T mod W steps of each episode left out."""
        c = self.config
        per = c.horizon // c.windows
        return u.view(c.seeds, c.probe_episodes, c.horizon, -1)[:, :, :per * c.windows].reshape(
            c.seeds, c.probe_episodes, c.windows, per, -1)

    def step(self) -> dict[str, torch.Tensor]:
        """One update, then (every ``probe_every`` steps and at the first) the diagnostic; per-seed metrics:
        accuracy, flip_at_eps, margin, concentration, time_overlap, time_oscillation, train_overlap,
        distractor_mass."""
        self.fit()
        self.steps_done += 1
        if self.steps_done == 1 or self.steps_done % self.config.probe_every == 0:
            self.diagnostic = self.probe()
        with torch.no_grad():
            accuracy = (mlp(self.params, self.probe_obs.flatten(1, 2)).argmax(-1)
                        == self.probe_labels.flatten(1, 2)).float().mean(-1)
        return {"accuracy": accuracy, **{k: v for k, v in self.diagnostic.items() if k != "radius"}}

    def view_state(self) -> dict[str, torch.Tensor]:
        """The robustness curve of the current policies: the fraction of probe states whose action a
        perturbation of L2 size ε changes (S, len(CURVE_EPS)), at the sizes ``eps`` (the last probe's radii;
        nothing is drawn, so no generator is needed)."""
        radius = self.diagnostic["radius"] if self.diagnostic else torch.full(
            (self.config.seeds, 1), torch.inf, device=self.device)
        eps = CURVE_EPS.to(radius.device)
        return {"eps": eps.clone(), "flipped": (radius.unsqueeze(-1) <= eps).float().mean(-2).detach().clone(),
                "training": self.config.training}
