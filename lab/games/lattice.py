"""Cooperation collapse under shared policies: deep Q-learners on a spatial Prisoner's Dilemma.

After Weng & Lee, "How Exploration Breaks Cooperation in Shared-Policy Multi-Agent RL"
(arXiv 2601.05509). Agents sit on an L×L periodic lattice and play the Prisoner's Dilemma with
their 4 neighbours every step: R = 1 (C meets C), P = 0 (D meets D), S = −Dr (C meets D),
T = 1 + Dr (D meets C); an agent's reward is the sum over its 4 games. Each agent observes
5 bits — its own and its 4 neighbours' previous actions — and picks C or D by Boltzmann
exploration over its Q-values, the temperature annealed exponentially from τ_init to τ_final
over the run. Q-networks are small MLPs (5 → hidden → 2) trained by Double DQN with n-step
returns. Parameters are held three ways:

- ``shared``: one network for every agent of a lattice;
- ``independent``: one network per agent (batched weights with a leading network axis — one
  einsum, no Python loop over agents);
- ``grouped``: G networks, agents assigned to them by a fixed random, balanced partition.

Weng & Lee's remedy for shared-policy collapse, as a switch (``augment``, default off): *state
augmentation with learning progress and exploration signals* — each agent's observation gains the
fraction of training done and the current temperature τ (see ``fingerprint``). Off, the trainer is
exactly the plain one (same parameters, same random stream).

The population is ``tau_points × seeds`` independent lattices stepped at once, each with its own
networks: ``seeds`` lattices for each of ``tau_points`` values of τ_init, log-spaced from
τ_final to τ_init, so a sweep of exploration is one batched run (members are labelled by
``tau_init`` and ``seed``).

Replay (a simple choice, documented here): each lattice keeps its last ``buffer`` lattice
snapshots of actions and rewards. Every step, after acting, each lattice samples ``batch``
past time steps uniformly from its buffer and trains on the transitions of *all* its agents at
those times, so every network — shared, grouped or per-agent — sees ``batch`` time samples of
its own agents per step. n-step returns are taken along the stored trajectory without
off-policy correction (as in Rainbow). The task never ends, so there are no terminal states.

Note: the paper's setup details beyond its abstract (network sizes, schedules, replay sizes)
were not available to us; the defaults here are small, our own, and chosen for speed.
"""
from __future__ import annotations

import math
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer

COOPERATE, DEFECT = 1, 0


def payoffs(actions: torch.Tensor, dr: float) -> torch.Tensor:
    """Each agent's payoff summed over its 4 periodic neighbours.

    ``actions``: (..., L, L) with 1 = C and 0 = D. One game against a neighbour pays
    R = 1 (C,C), S = −Dr (C,D), T = 1 + Dr (D,C), P = 0 (D,D).
    """
    a = actions.to(torch.float32)
    total = torch.zeros_like(a)
    for shift, dim in ((1, -2), (-1, -2), (1, -1), (-1, -1)):
        n = torch.roll(a, shift, dim)
        total += a * n * 1.0 + a * (1 - n) * (-dr) + (1 - a) * n * (1.0 + dr)  # P = 0
    return total


def observe(actions: torch.Tensor) -> torch.Tensor:
    """The 5 bits each agent sees: (own, up, down, left, right) previous actions.

    ``actions``: (..., L, L) → (..., L·L, 5), float.
    """
    a = actions.to(torch.float32)
    bits = [a, torch.roll(a, 1, -2), torch.roll(a, -1, -2), torch.roll(a, 1, -1), torch.roll(a, -1, -1)]
    return torch.stack(bits, dim=-1).flatten(-3, -2)


class LatticeConfig(LabConfig):
    """Double DQN agents on a periodic L×L Prisoner's Dilemma lattice, with shared, independent or grouped Q-networks."""

    size: int = Field(10, ge=4, le=60, description="lattice side L (L×L agents, periodic)")
    dr: float = Field(0.2, ge=0.0, le=1.0, description="dilemma strength Dr: S = −Dr, T = 1 + Dr")
    tau_init: float = Field(1.0, ge=0.1, le=10.0, description="initial Boltzmann temperature τ_init")
    tau_final: float = Field(0.1, ge=0.01, le=10.0, description="final Boltzmann temperature (annealed exponentially)")
    sharing: Literal["shared", "independent", "grouped"] = Field(
        "shared", description="how agents hold Q-network parameters")
    groups: int = Field(4, ge=1, le=64, description="number of networks G when sharing = 'grouped'")
    n_step: int = Field(3, ge=1, le=20, description="n of the n-step return")
    gamma: float = Field(0.9, ge=0.0, le=0.999, description="discount factor γ")
    lr: float = Field(1e-3, gt=0.0, le=0.1, description="Adam step size")
    hidden: int = Field(16, ge=1, le=256, description="hidden units of each Q-network (5 → hidden → 2)")
    batch: int = Field(8, ge=1, le=256, description="past time steps sampled per lattice per update (all agents at each)")
    buffer: int = Field(200, ge=2, le=10_000, description="replay buffer: the last steps kept per lattice")
    target_every: int = Field(50, ge=1, le=10_000, description="steps between copies of the online into the target network")
    tau_points: int = Field(1, ge=1, le=16, description="τ_init values swept at once, log-spaced from tau_final "
                            "to tau_init (1 = tau_init only)")
    seeds: int = Field(4, ge=1, le=256, description="independent lattices per τ_init value")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(2000, ge=1, le=200_000, description="training steps")
    augment: bool = Field(False, description="Weng & Lee's remedy: each agent also observes the learning progress "
                          "(fraction of steps done) and its lattice's current temperature τ")

    def problems(self) -> list[str]:
        found = []
        if self.tau_final > self.tau_init:
            found.append(f"'tau_final' = {self.tau_final} must be at most 'tau_init' = {self.tau_init}")
        elif self.tau_points > 1 and self.tau_init == self.tau_final:
            found.append(f"a sweep ('tau_points' = {self.tau_points}) needs 'tau_init' above "
                         f"'tau_final' = {self.tau_final}")
        if self.sharing == "grouped" and self.groups > self.size ** 2:
            found.append(f"'groups' = {self.groups} must be at most the number of agents "
                         f"size² = {self.size ** 2}")
        if self.buffer < self.n_step + 1:
            found.append(f"'buffer' = {self.buffer} must exceed 'n_step' = {self.n_step}")
        return found

    def memory_parts(self) -> dict[str, float]:
        """Replay (uint8 actions + float32 rewards per agent and kept step), the networks with Adam state,
        grads and targets (grouped and independent ones also gathered per agent), and an update's
        (lattices, batch, agents, hidden) activations (two alive at once). Against a CPU process's peak RSS
        after 3 steps (replay pages not yet written): size 20 independent, 16 lattices, batch 32, hidden
        32: 0.13 GB estimated, 0.13 GB used; size 30 shared, 16 lattices, batch 64, hidden 64, buffer
        2,000: 0.62 GB, 0.24 GB used + 0.14 GB of replay to fill."""
        lattices, agents, h = self.tau_points * self.seeds, self.size ** 2, self.hidden
        nets = {"shared": 1, "independent": agents, "grouped": self.groups}[self.sharing]
        per_net = 4 * ((self.obs_dim() + 3) * h + 2)
        gathered = 0 if self.sharing == "shared" else 2 * lattices * agents * per_net
        return {"replay (tau_points·seeds·buffer·size²)": 5 * lattices * self.buffer * agents,
                "networks (tau_points·seeds·sharing·hidden)": 5 * lattices * nets * per_net + gathered,
                "activations of an update (tau_points·seeds·batch·size²·hidden)": 2 * 4 * lattices * self.batch * agents * h}

    def obs_dim(self) -> int:
        """What each agent's network reads: 5 bits, plus (progress, τ) when ``augment`` is on."""
        return 7 if self.augment else 5


def tau_inits(config: LatticeConfig) -> list[float]:
    """The swept τ_init values: ``tau_points`` of them log-spaced from τ_final to τ_init (4 decimals)."""
    if config.tau_points == 1:
        return [config.tau_init]
    low, high = math.log(config.tau_final), math.log(config.tau_init)
    return [round(math.exp(low + (high - low) * i / (config.tau_points - 1)), 4) for i in range(config.tau_points)]


class LatticeTrainer(Trainer):
    """``tau_points × seeds`` independent lattices; one step = every agent acts once, then one Double DQN update."""

    Config = LatticeConfig

    def __init__(self, config: LatticeConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.n_agents = c.size ** 2
        self.lattices = c.tau_points * c.seeds
        self.tau_inits = torch.tensor(tau_inits(c), dtype=torch.float64, device=dev
                                      ).repeat_interleave(c.seeds)             # (lattices,)
        if c.sharing == "shared":
            self.n_nets = 1
            net_of = torch.zeros(self.n_agents, dtype=torch.long)
        elif c.sharing == "independent":
            self.n_nets = self.n_agents
            net_of = torch.arange(self.n_agents)
        else:  # grouped: a fixed, balanced random partition of the agents into G groups
            self.n_nets = c.groups
            perm = torch.randperm(self.n_agents, generator=g, device=dev).cpu()
            net_of = torch.empty(self.n_agents, dtype=torch.long)
            net_of[perm] = torch.arange(self.n_agents) % c.groups
        self.net_of = net_of.to(dev)                                           # (N,) network of each agent
        counts = torch.bincount(self.net_of, minlength=self.n_nets).to(torch.float32)
        self.sample_weight = (1.0 / counts)[self.net_of]                      # per-network mean in the loss

        def uniform(*shape, fan_in):  # torch.nn.Linear's default initialization, one draw per network
            bound = 1.0 / math.sqrt(fan_in)
            return ((torch.rand(*shape, generator=g, device=dev) * 2 - 1) * bound).requires_grad_()

        S, K, H, D = self.lattices, self.n_nets, c.hidden, c.obs_dim()
        self.params = [uniform(S, K, D, H, fan_in=D), uniform(S, K, H, fan_in=D),
                       uniform(S, K, H, 2, fan_in=H), uniform(S, K, 2, fan_in=H)]
        self.target = [p.detach().clone() for p in self.params]
        self.optimizer = torch.optim.Adam(self.params, lr=c.lr)  # elementwise: networks stay independent

        # Replay: a ring of the last `buffer` lattices of actions (slot k % buffer holds step k's
        # actions; step 0 is the random initial lattice) and of the rewards they earned.
        self.history = torch.zeros(S, c.buffer, self.n_agents, dtype=torch.uint8, device=dev)
        self.rewards = torch.zeros(S, c.buffer, self.n_agents, device=dev)
        init = (torch.rand(S, c.size, c.size, generator=g, device=dev) < 0.5).to(torch.uint8)
        self.history[:, 0] = init.flatten(1)
        self.t = 0          # index of the newest stored lattice
        self.steps_done = 0

    # --- population ------------------------------------------------------------------------

    @property
    def population(self) -> int:
        return self.lattices

    def members(self) -> dict[str, list]:
        seeds = self.config.seeds
        return {"tau_init": [float(t) for t in self.tau_inits],
                "seed": [i % seeds for i in range(self.lattices)]}

    # --- networks --------------------------------------------------------------------------

    def q_values(self, obs: torch.Tensor, params: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Q(o, ·) for every agent: ``obs`` (S, ..., N, D) → (S, ..., N, 2), each agent through its own network
        (D = 5 bits, or 7 with ``augment``: see ``fingerprint``).

        Index 0 of the last axis is D, index 1 is C (the action's value as a bit).
        """
        w1, b1, w2, b2 = self.params if params is None else params              # (S, K, ...)
        shape = obs.shape
        S, N, D = shape[0], shape[-2], shape[-1]
        x = obs.reshape(S, -1, N, D).transpose(1, 2)                           # (S, N, B, D)
        if self.n_nets == 1:                                                   # shared: one matmul per lattice
            x = x.reshape(S, 1, -1, D)                                         # (S, 1, N·B, D)
        elif self.n_nets != N:                                                 # grouped: each agent's network
            w1, b1, w2, b2 = (p[:, self.net_of] for p in (w1, b1, w2, b2))
        # independent (K = N) and grouped: a batched matmul over the (lattice, agent) axes
        h = torch.relu(x @ w1 + b1[:, :, None])
        q = h @ w2 + b2[:, :, None]                                            # (S, N or 1, B or N·B, 2)
        q = q.reshape(S, N, -1, 2).transpose(1, 2)                             # (S, B, N, 2)
        return q.reshape(*shape[:-1], 2)

    def temperature(self, step: int | None = None) -> torch.Tensor:
        """Each lattice's τ, annealed exponentially from its τ_init (step 0) to τ_final (the last step)."""
        c = self.config
        k = self.steps_done if step is None else step
        frac = min(1.0, k / max(1, c.steps - 1))
        return self._annealed(torch.full_like(self.tau_inits, frac)).to(torch.float32)

    def _annealed(self, frac: torch.Tensor) -> torch.Tensor:
        """τ_init·(τ_final/τ_init)^frac for each lattice, ``frac`` (S, ...) the fraction of the schedule done."""
        tau0 = self.tau_inits.reshape(-1, *([1] * (frac.dim() - 1)))
        return tau0 * (self.config.tau_final / tau0) ** frac

    def fingerprint(self, step: torch.Tensor) -> torch.Tensor:
        """Weng & Lee's state augmentation (arXiv 2601.05509v1, abstract: "state augmentation
        with learning progress and exploration signals significantly delays collapse and partially reverses it
        in some regimes"): the two numbers appended to an observation made at training step ``step``,
        (progress, τ) = (min(1, step / (steps − 1)), that lattice's temperature at that step).

        ``step``: (S, ...) integer steps, one row per lattice → (S, ..., 2), float32. The stored copy of the
        paper we could read names the two signals but not their encoding; these are ours: progress as the
        fraction of the annealing schedule done, and τ itself (the quantity that sets exploration), as
        Foerster et al.'s replay fingerprints (arXiv 1702.08887) feed the iteration and ε. A replayed
        observation carries the fingerprint of the step at which it was made, so the target is conditioned on
        the exploration that produced the data; both are deterministic functions of the step, so nothing
        more is stored.
        """
        c = self.config
        frac = (step.to(torch.float64) / max(1, c.steps - 1)).clamp(max=1.0)
        return torch.stack([frac, self._annealed(frac)], dim=-1).to(torch.float32)

    def _augmented(self, obs: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
        """``obs`` (S, ..., N, 5) with each agent's fingerprint of ``step`` (S, ...) appended → (S, ..., N, 7)."""
        if not self.config.augment:
            return obs
        f = self.fingerprint(step)[..., None, :].expand(*obs.shape[:-1], 2)
        return torch.cat([obs, f], dim=-1)

    def actions(self) -> torch.Tensor:
        """The current lattice of actions, (lattices, L, L), 1 = C and 0 = D."""
        c = self.config
        return self.history[:, self.t % c.buffer].reshape(self.lattices, c.size, c.size)

    def view_state(self) -> torch.Tensor:
        """A copy of the lattices of actions, for live views."""
        return self.actions().clone()

    # --- one step ----------------------------------------------------------------------------

    def step(self) -> dict[str, torch.Tensor | float]:
        c, g = self.config, self.generator
        tau = self.temperature()
        obs = observe(self.actions())                                          # (S, N, 5)
        obs = self._augmented(obs, torch.full((self.lattices,), self.steps_done, device=self.device))
        with torch.no_grad():
            q = self.q_values(obs)                                             # (S, N, 2)
            p_coop = torch.sigmoid((q[..., 1] - q[..., 0]) / tau[:, None])     # Boltzmann over 2 actions
            act = (torch.rand(p_coop.shape, generator=g, device=self.device) < p_coop).to(torch.uint8)
        reward = payoffs(act.reshape(self.lattices, c.size, c.size), c.dr).flatten(1)
        self.t += 1
        self.history[:, self.t % c.buffer] = act
        self.rewards[:, self.t % c.buffer] = reward
        self.steps_done += 1

        loss = self._update() if self.t >= c.n_step + 1 else torch.zeros(self.lattices, device=self.device)
        if self.steps_done % c.target_every == 0:
            self.target = [p.detach().clone() for p in self.params]

        gap = (q[..., 1] - q[..., 0]).mean(1)
        return {
            "cooperation": act.to(torch.float32).mean(1),
            "q_gap": gap,
            "payoff": reward.mean(1),
            "loss": loss,
            "tau": tau,
        }

    def _update(self) -> torch.Tensor:
        """One Double DQN update on `batch` sampled past steps per lattice; the per-lattice loss."""
        c, g, dev = self.config, self.generator, self.device
        S, B, N, n = self.lattices, c.batch, self.n_agents, c.n_step
        # A transition of step k: obs from the lattice at k−1, action at k, rewards k … k+n−1,
        # next obs from the lattice at k+n−1. All of k−1 … k+n−1 must still be in the ring.
        lo, hi = max(1, self.t - c.buffer + 2), self.t - n + 1
        k = torch.randint(lo, hi + 1, (S, B), generator=g, device=dev)

        def lattice(ring, offset):                                             # (S, B, N) at steps k + offset
            idx = ((k + offset) % c.buffer)[..., None].expand(S, B, N)
            return ring.gather(1, idx)

        obs = observe(lattice(self.history, -1).reshape(S, B, c.size, c.size))       # (S, B, N, 5)
        action = lattice(self.history, 0).long()                                     # (S, B, N)
        next_obs = observe(lattice(self.history, n - 1).reshape(S, B, c.size, c.size))
        ret = sum(c.gamma ** j * lattice(self.rewards, j) for j in range(n))         # n-step return
        # With `augment`, each observation carries the fingerprint of the step it was made at: the lattice
        # of step j was observed at training step j to choose step j+1's actions (see `fingerprint`).
        obs, next_obs = self._augmented(obs, k - 1), self._augmented(next_obs, k + n - 1)

        # Double DQN with n-step returns (van Hasselt et al. 2016; the learner of Weng & Lee,
        # arXiv 2601.05509): the online network picks the next action, the target network values it,
        #   y = Σ_{j<n} γ^j r_{k+j} + γ^n · Q_target(o_{k+n}, argmax_a Q_online(o_{k+n}, a)),
        # and Q_online(o_k, a_k) is pulled toward y by a Huber loss, averaged over each network's
        # own agents and samples (so 'shared', 'grouped' and 'independent' differ only in which
        # agents' transitions feed which parameters).
        with torch.no_grad():
            best = self.q_values(next_obs).argmax(-1, keepdim=True)
            y = ret + c.gamma ** n * self.q_values(next_obs, self.target).gather(-1, best).squeeze(-1)
        q = self.q_values(obs).gather(-1, action[..., None]).squeeze(-1)
        per = torch.nn.functional.smooth_l1_loss(q, y, reduction="none")             # (S, B, N)
        loss = (per * self.sample_weight).sum((1, 2)) / B                            # (S,) = Σ_nets mean
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.optimizer.step()
        return loss.detach() / self.n_nets
