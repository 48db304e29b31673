"""IWOCS: a robust MDP solved as a sequence of static problems (Zouitine, Geist, Rachelson, "Solving robust
MDPs as a sequence of static RL problems", arXiv 2410.06212), exactly, on a windy cliff grid per seed.

The paper. A robust MDP maximises the worst-case value over an uncertainty set 𝒯 of transition models. For
stationary policies and an sa-rectangular 𝒯 the static model (nature fixes one T for the whole episode)
and the dynamic one (nature may change T every step) have the same pessimistic value, and there is no
duality gap: max_π min_T V^π_T = min_T max_π V^π_T = min_T V*_T. So the robust value is the smallest optimal
value over static MDPs, and IWOCS (Incremental WOrst-Case Search) searches for it with static solves only:

    T_0 = the nominal model;  Q_i = min_{j≤i} Q*_{T_j};  π_i = greedy(Q_i);  T_{i+1} ∈ argmin_{T∈𝒯} V^{π_i}_T

— solve the newest model, take the minimum over the models found so far, act greedily on it, search the
worst model for that policy, add it, repeat. V_i = max_a Q_i is an upper bound on the robust value (a min
over a subset of 𝒯); the worst-case value of π_i is a lower bound; under the paper's assumptions the two meet once
no new worst case is found.

The toy (``lab.robust.iwocs_grid``): each seed draws a ``size`` × ``size`` grid with a start, a goal (+1), a
safe corridor between them and random cliffs (−``cliff_penalty``); a wind θ = (direction, strength p) moves
the agent with its wind instead of its action with probability p. The wind grid is 4 directions × ``wind_levels``
strengths in [0, ``max_wind``]; the nominal model is the calm. The uncertainty set 𝒯 is the sa-rectangular
set built from that grid — at every (state, action) nature picks any wind of the grid — which is the set
the paper's theory assumes and the one robust value iteration solves exactly: Q(s, a) = R + γ·min_θ P_θ·V.
Everything is solved exactly (value iteration and policy evaluation with a fixed number of ``sweeps``,
γ^sweeps ≤ 1e-4, batched over seeds and winds; ``lab.cliff.chain_mdp.bellman_backup`` is the backup). The
worst-case search for a fixed policy is robust policy evaluation over 𝒯, whose argmin wind at each (s, a) is
the worst model T_{i+1}.

The switch ``method``: 'nominal' (value iteration on the calm: the baseline), 'domain_randomized' (on the
average of the wind grid's models) or 'iwocs' (one step = one IWOCS iteration: solve the newest worst model,
take the minimum, act greedily, search the next worst model). The switch ``uncertainty``: 'rectangular' (𝒯
above) or 'steady' — the wind grid itself as a static set, one wind per episode, not rectangular: the worst-case
search is then the arg-min over the grid's steady winds, and robust VI (of the rectangular set) is only a
reference policy, not the optimum. Metrics per seed: worst_return (the worst-case discounted return of the
current policy over the set, from the start: the headline), gap (robust VI's policy's worst case over the same
set minus it; under 'rectangular' robust VI's value, the optimum, so gap ≥ 0: the failure), static_worst_return
(the worst over the grid's steady winds), calm_return (in the nominal model), bound (max_a Q_i at the start:
what the training problem promises; for IWOCS its upper bound), robust_vi (robust VI's policy's worst case over
the set, the reference) and models (|{T_j}|).

What reproduces (tests/robust/test_iwocs.py; the defaults — 6 × 6 grids, cliff density 0.2, winds up to 0.3,
γ = 0.9 — 16 seeds, base seeds 0, 1, 2). The nominal policy's worst case is 0.10–0.20 below robust VI's value
(median over seeds; up to 0.43; 11–13 of 16 grids short by > 0.02); the domain-randomized one is 0.012–0.018
short in the median but 7–8 grids stay > 0.02 short (up to 0.24). IWOCS from the calm: after one iteration
within 0.025 of robust VI on every grid, after two equal to it (1e-6) on every grid, and its upper bound
max_a Q_i(start) meets the worst case by the third (the certificate closes). The price of robustness: the
calm return falls from 0.48–0.53 (median) to 0.43–0.48. Under a single steady wind of strength 0.3 (the
robustness curve) the nominal policy's median return is 0.06, the domain-randomized 0.11, robust VI's and
IWOCS's 0.12 (base seed 0).

Where it stops: with ``uncertainty='steady'`` (the wind grid itself, one wind per episode: not rectangular)
IWOCS's set stops growing after a few iterations while its certificate stays open (max over seeds of
bound − worst case 0.10–0.31 after 4 iterations), and against robust VI's policy on the same steady winds it
is better by > 0.02 on 3–5 of 16 seeds, worse on 0–4, the median difference within 0.012 of zero.

Inferred: the full text was not read (the arXiv abstract, the opening of the introduction and a third-party
summary were):
the update Q_i = min_{j≤i} Q*_{T_j} with π_i greedy and the worst-case search T_{i+1} ∈ argmin_T V^{π_i}_T
follow that summary of the meta-algorithm; its stopping rule (stop when the new worst case no longer lowers
the value) is replaced by a fixed number of steps, with the bound − worst-case certificate reported. The
toy, the wind grid and its rectangular set, and the exact solvers are ours; the paper's deep-RL version is
not built.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.cliff.chain_mdp import bellman_backup
from lab.core import Field, LabConfig, Trainer

from .iwocs_grid import draw_layouts, rewards, wind_grid, windy_kernels

METHODS = ("nominal", "domain_randomized", "iwocs")
UNCERTAINTIES = ("rectangular", "steady")
VALUE_TOLERANCE = 1e-4     # γ^sweeps must not exceed this: the solves' error relative to the largest reward



def backup(kernel: torch.Tensor, reward: torch.Tensor, gamma: float, v: torch.Tensor) -> torch.Tensor:
    """Q(s, a) = R(s, a) + γ·Σ_s' P(s'|s, a)·V(s') (``lab.cliff.chain_mdp.bellman_backup``) for batches:
    kernel (seeds, ..., S, A, S), reward (seeds, S, A), v (seeds, S) — one V for every model of a seed, so one
    matrix-vector product per seed — or (seeds, ..., S), one per model. → (seeds, ..., S, A)."""
    s, a, lead, rows = kernel.shape[-3], kernel.shape[-2], kernel.shape[:-3], v.shape[:-1]
    r = reward.reshape(reward.shape[0], *[1] * (len(lead) - 1), s, a).expand(*lead, s, a)
    q = bellman_backup(kernel.reshape(*rows, -1, s), r.reshape(*rows, -1, 1), gamma, v[..., None])
    return q.reshape(*lead, s, a)


class IwocsConfig(LabConfig):
    """A windy cliff grid per seed; a policy solved on the calm, on the wind grid's average, or by IWOCS's
    sequence of worst-case static models; all judged by their worst case over the wind grid's rectangular set."""

    uncertainty: Literal[UNCERTAINTIES] = Field(
        "rectangular", description="the set nature picks from: 'rectangular' (any wind of the grid at every state "
        "and action — the paper's theory; robust VI is exact) or 'steady' (one wind of the grid for the whole "
        "episode — not rectangular: the no-duality-gap argument does not hold)")
    method: Literal[METHODS] = Field(
        "nominal", description="how the policy is solved: 'nominal' (on the calm, the baseline), "
        "'domain_randomized' (on the average wind model) or 'iwocs' (the paper: the minimum over the worst-case "
        "models found so far, one more each step)")
    size: int = Field(6, ge=3, le=12, description="the grid is size × size cells")
    cliff_density: float = Field(0.2, ge=0.0, le=0.8, description="chance that a cell off the safe corridor is a cliff")
    max_wind: float = Field(0.3, gt=0.0, le=0.9, description="strength of the strongest wind in the grid "
                            "(chance the wind moves the agent instead of its action)")
    wind_levels: int = Field(5, ge=2, le=11, description="wind strengths in the grid, evenly from 0 to max_wind")
    cliff_penalty: float = Field(1.0, ge=0.0, le=10.0, description="cost of falling off a cliff (the goal pays 1)")
    gamma: float = Field(0.9, ge=0.5, le=0.99, description="discount γ")
    sweeps: int = Field(100, ge=10, le=5000, description="sweeps of every value iteration and policy evaluation")
    seeds: int = Field(16, ge=1, le=256, description="independent grids solved at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(6, ge=1, le=100_000, description="IWOCS iterations (the other methods re-evaluate)")

    def problems(self) -> list[str]:
        found = []
        if self.gamma ** self.sweeps > VALUE_TOLERANCE:
            need = 1 + int(torch.log(torch.tensor(VALUE_TOLERANCE)) / torch.log(torch.tensor(self.gamma)))
            found.append(f"'sweeps' = {self.sweeps} is too few for 'gamma' = {self.gamma}: value iteration's error "
                         f"γ^sweeps must be ≤ {VALUE_TOLERANCE} (sweeps ≥ {need})")
        return found

    def memory_parts(self) -> dict[str, float]:
        """The wind grid's kernels, float64 (seeds, 4·wind_levels, S, 4, S) with S = size² + 1, and a backup's
        copy of them (about 18 bytes per entry). Against a CPU process's peak RSS over a step and a view:
        'iwocs', 24 seeds, 12 × 12 grids, 11 wind levels: 1.60 GB estimated, 1.54 GB used; 64 seeds, 8 × 8,
        6 levels: 0.47 GB, 0.46 GB."""
        states = self.size ** 2 + 1
        return {"kernels (seeds·wind_levels·size⁴)": 18 * self.seeds * 4 * self.wind_levels * states * 4 * states}


# --- exact solvers, batched over seeds -------------------------------------------------------------


def greedy(q: torch.Tensor) -> torch.Tensor:
    """One-hot greedy policy (..., S, A), lowest-index tie-break (chain_mdp.greedy_policy's rule, in torch)."""
    actions = torch.arange(q.shape[-1], device=q.device)
    return (actions == q.argmax(-1, keepdim=True)).to(q.dtype)


def value_iteration(kernel: torch.Tensor, reward: torch.Tensor, gamma: float, sweeps: int) -> torch.Tensor:
    """Q* of each seed's MDP: kernel (seeds, S, A, S), reward (seeds, S, A) → (seeds, S, A)."""
    q = torch.zeros_like(reward)
    for _ in range(sweeps):
        q = backup(kernel, reward, gamma, q.amax(-1))
    return q


def robust_value_iteration(kernels: torch.Tensor, reward: torch.Tensor, gamma: float, sweeps: int) -> torch.Tensor:
    """The robust Q of the sa-rectangular set of the winds (seeds, K, S, A, S):
    Q(s, a) = R(s, a) + γ·min_θ Σ_s' P_θ(s'|s, a)·max_a' Q(s', a'). → (seeds, S, A)."""
    q = torch.zeros_like(reward)
    for _ in range(sweeps):
        q = backup(kernels, reward, gamma, q.amax(-1)).amin(1)
    return q


def worst_case(kernels: torch.Tensor, reward: torch.Tensor, gamma: float, policy: torch.Tensor,
               sweeps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The worst case of ``policy`` (seeds, S, A) over the rectangular set (robust policy evaluation):
    V (seeds, S) and the worst model T = argmin_T V^π_T, the arg-min wind's row at every (s, a): (seeds, S, A, S)."""
    v = torch.zeros_like(reward[..., 0])
    for _ in range(sweeps):
        q_worst, pick = backup(kernels, reward, gamma, v).min(1)
        v = (q_worst * policy).sum(-1)
    index = pick[:, None, :, :, None].expand(-1, 1, -1, -1, kernels.shape[-1])
    return v, kernels.gather(1, index).squeeze(1)


def evaluate_each_model(kernels: torch.Tensor, reward: torch.Tensor, gamma: float, policy: torch.Tensor,
                        sweeps: int) -> torch.Tensor:
    """V^π under each steady wind of the grid (one model for the whole episode): (seeds, K, S)."""
    v = torch.zeros(kernels.shape[:3], dtype=reward.dtype, device=reward.device)
    for _ in range(sweeps):
        v = (backup(kernels, reward, gamma, v) * policy[:, None]).sum(-1)
    return v


def iwocs_iteration(q: torch.Tensor, newest: torch.Tensor, reward: torch.Tensor, gamma: float, sweeps: int
                    ) -> torch.Tensor:
    """One IWOCS iteration's re-solve (arXiv 2410.06212, the IWOCS meta-algorithm: Q_i = min_{j≤i} Q*_{T_j}, π_i
    greedy in Q_i): the newest worst model T_i (seeds, S, A, S) solved as a static MDP, and the minimum with
    the previous Q_{i−1} (seeds, S, A). The worst-case search T_{i+1} ∈ argmin_T V^{π_i}_T is ``worst_case``."""
    return torch.minimum(q, value_iteration(newest, reward, gamma, sweeps))


# --- the trainer -----------------------------------------------------------------------------------


class IwocsTrainer(Trainer):
    """``seeds`` windy grids; the policy of ``method`` (IWOCS: one iteration per step), judged every step by its
    worst case over the ``uncertainty`` set against robust value iteration's policy."""

    Config = IwocsConfig

    def __init__(self, config: IwocsConfig, device=None):
        super().__init__(config, device)
        c = config
        self.layout = draw_layouts(c.seeds, c.size, c.cliff_density, self.generator, self.device)
        self.direction, self.strength = wind_grid(c.wind_levels, c.max_wind, self.device)
        self.kernels = windy_kernels(self.layout, c.size, self.direction, self.strength)   # (seeds, K, S, A, S)
        self.reward = rewards(self.layout, c.size, c.cliff_penalty)
        self.start = self.layout["start"]
        solve = lambda kernel: value_iteration(kernel, self.reward, c.gamma, c.sweeps)   # noqa: E731
        self.reference_q = {"nominal": solve(self.kernels[:, 0]),
                            "domain_randomized": solve(self.kernels.mean(1)),
                            "robust VI": robust_value_iteration(self.kernels, self.reward, c.gamma, c.sweeps)}
        self.robust_value = self.at_start(self.reference_q["robust VI"].amax(-1))
        self.robust_vi = self.judge(greedy(self.reference_q["robust VI"]))[0]
        self.q = self.reference_q["nominal" if c.method == "iwocs" else c.method].clone()  # IWOCS: T_0 = nominal
        self.iterations = 0
        self.worst_model = self.judge(greedy(self.q))[1]

    @property
    def population(self) -> int:
        return self.config.seeds

    def at_start(self, v: torch.Tensor) -> torch.Tensor:
        """Each seed's value at its start cell: (seeds, ..., S) with S last → (seeds, ...)."""
        index = self.start.reshape(-1, *([1] * (v.dim() - 1))).expand(*v.shape[:-1], 1)
        return v.gather(-1, index).squeeze(-1)

    def judge(self, policy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``policy``'s worst case from the start over the ``uncertainty`` set (seeds,), the worst model
        (seeds, S, A, S) — IWOCS's worst-case search, T ∈ argmin_T V^π_T — and its return under each steady wind
        (seeds, K)."""
        c = self.config
        steady = self.at_start(evaluate_each_model(self.kernels, self.reward, c.gamma, policy, c.sweeps))
        if c.uncertainty == "rectangular":
            v, model = worst_case(self.kernels, self.reward, c.gamma, policy, c.sweeps)
            return self.at_start(v), model, steady
        worst, pick = steady.min(-1)
        index = pick[:, None, None, None, None].expand(-1, 1, *self.kernels.shape[2:])
        return worst, self.kernels.gather(1, index).squeeze(1), steady

    def step(self) -> dict[str, torch.Tensor]:
        """IWOCS: one iteration (re-solve on the newest worst model, minimum, greedy, next worst-case search);
        the other methods keep their policy. Then every seed's policy is judged: metrics (seeds,)."""
        c = self.config
        if c.method == "iwocs":
            self.q = iwocs_iteration(self.q, self.worst_model, self.reward, c.gamma, c.sweeps)
            self.iterations += 1
        worst, self.worst_model, steady = self.judge(greedy(self.q))
        return {"worst_return": worst, "gap": self.robust_vi - worst, "static_worst_return": steady.amin(-1),
                "calm_return": steady[:, 0], "bound": self.at_start(self.q.amax(-1)), "robust_vi": self.robust_vi,
                "models": torch.full_like(worst, 1 + self.iterations)}

    def strength_curve(self, q: torch.Tensor) -> torch.Tensor:
        """The greedy policy of ``q``'s return under a steady wind of each strength from its worst direction:
        (seeds, wind_levels)."""
        c = self.config
        steady = self.at_start(evaluate_each_model(self.kernels, self.reward, c.gamma, greedy(q), c.sweeps))
        return steady.reshape(c.seeds, c.wind_levels, 4).amin(-1)

    def view_state(self) -> dict:
        """The robustness curves: ``strengths`` (wind_levels,) and ``returns`` {method: (seeds, wind_levels)},
        each method's return under a steady wind of each strength blowing from its worst direction — nominal,
        domain-randomized, robust VI and (method 'iwocs') IWOCS after its iterations so far; ``robust_value``
        (seeds,) the rectangular set's robust value, a floor for robust VI's curve."""
        with torch.no_grad():
            returns = {name: self.strength_curve(q) for name, q in self.reference_q.items()}
            if self.config.method == "iwocs":
                returns[f"IWOCS, {self.iterations} iterations"] = self.strength_curve(self.q)
        return {"strengths": self.strength[::4].clone(), "returns": returns, "robust_value": self.robust_value.clone()}
