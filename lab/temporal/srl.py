"""SRL: Sequence Reinforcement Learning at slow decision frequencies (Patel & Siegelmann, "Overcoming Slow
Decision Frequencies in Continuous Control: Model-Based Sequence Reinforcement Learning for Model-Free
Control", arXiv 2410.08979, ICLR 2025), on a 1-D double integrator.

The paper. The agent sees the state only every J primitive steps. SRL's actor emits a sequence of J
primitive actions from one observation. Training works at the fine time scale: a critic Q(s, a) learns
primitive-level values by TD (target r + γ Q̄(s', π(s')₀)), a model f(s, a) → s' learns the dynamics, and
"temporal recall" scores every primitive a_j of the sequence at the model's estimate of the state it will
be applied in: ŝ₀ = s, ŝ_{j+1} = f(ŝ_j, a_j) (no gradient through the model), actor loss
−Σ_j Q(ŝ_j, a_j). Acting uses the actor alone (model-free). The baseline is the usual frame-skip agent: one
action repeated J times, its critic trained on J-step macro transitions. The paper's Frequency-Averaged
Score (FAS) is the area under an agent's normalised return against action-sequence length, divided by
the span (authors' notebook: np.trapz(returns + offset, ASL) / (max_return · span)).

The toy. A double integrator per environment: v' = v + dt·u, x' = x + dt·v', u ∈ [−1, 1] (tanh),
dt = ``DT``, reward −(x² + 0.1·v² + 0.01·u²) per primitive, episodes of ``HORIZON`` primitives from
x₀ ~ U[−1, 1], v₀ ~ U[−0.5, 0.5]: reach the origin and hold it. Training data are fresh transitions from
states drawn uniformly in a box each step (no replay buffer, no exploration problem: the toy isolates
learning at a slow decision frequency). Each seed has a deterministic MLP actor (state → J actions for
'srl', → 1 action for 'repeat'), a critic MLP with a Polyak target, and (for 'srl') a linear model of
Δs (the dynamics are linear) with its own, larger step size.
Score: C_lqr / C, C = −R the undiscounted episode cost from fixed evaluation starts, C_lqr that of a
(clipped) discounted LQR controller acting every primitive: the fraction of full-frequency performance kept.

What reproduces (tests/temporal/test_srl.py: defaults, J = 8, 500 steps, 16 seeds, base seeds 0, 1, 2,
score averaged over the last 50 steps; per-seed tables there). Repeating one action for 8 primitives keeps
0.42–0.49 (median) of the full-frequency reference's performance, no seed above 0.66. SRL's sequences keep
0.71 / 0.51 / 0.60: more in every base seed (+0.15 on average) but the gain is modest and seed-dependent,
not the paper's "collapse vs. kept" contrast. The FAS of those agents acting every k ∈ {1, 2, 4, 8}
primitives is clearly higher for SRL: 0.72 / 0.59 / 0.68 against 0.45 / 0.46 / 0.49. A full-frequency agent
(J = 1) scores 0.75 (base seed 0); at J = 16 both fail (repeat 0.17, SRL 0.13). The linear model is
learned quickly; what limits SRL here is probably the DDPG-style actor–critic training (not measured apart).

Inferred / ours: the paper's actor is a GRU (any sequence length, Gaussian SAC policy); ours is a
deterministic MLP emitting exactly J actions (DDPG-style), so FAS here evaluates one agent trained at J
acting every k ≤ J primitives (first k of its sequence, then re-observe; the repeating agent holds its
action k primitives), where the paper's GRU also runs past its training length. Only the abstract and the
authors' code (scripts/sac.py, notebooks/table2.ipynb) were read, not the full text. The model target network of
the authors' code is replaced by the (detached) current model. The toy, data and score are ours.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer
from lab.critic.networks import init_mlp, mlp, polyak

METHODS = ("repeat", "srl")
DT = 0.2
HORIZON = 32                     # primitives per evaluation episode
STATE_BOX = (1.5, 1.5)           # training states ~ U[−1.5, 1.5] × U[−1.5, 1.5]
START_BOX = (1.0, 0.5)           # evaluation starts ~ U[−1, 1] × U[−0.5, 0.5]
COST = (1.0, 0.1, 0.01)          # weights of x², v², u² in the per-primitive cost
EVAL_STARTS = 32                 # fixed evaluation starts per seed
VIEW_INTERVALS = (1, 2, 4, 8, 16)
ERROR_FLOOR = 1e-3               # the view's log axis: excess cost clamped below at this


class SrlConfig(LabConfig):
    """A double integrator controlled every J primitives: the actor's one action repeated J times, or SRL's
    sequence of J actions trained with a learned model's intermediate states."""

    method: Literal[METHODS] = Field(
        "repeat", description="'repeat' (one action held J primitives, the baseline) or 'srl' (a sequence of "
        "J actions, each scored by the critic at the model's predicted state)")
    decision_interval: int = Field(8, ge=1, le=16, description="J: primitives per decision")
    gamma: float = Field(0.95, gt=0.0, lt=1.0, description="discount per primitive")
    hidden: int = Field(32, ge=8, le=256, description="hidden width of actor, critic and model")
    batch: int = Field(128, ge=8, le=1024, description="training transitions per seed per step")
    lr: float = Field(3e-3, gt=0.0, le=0.1, description="Adam step size of the actor and the critic")
    model_lr: float = Field(3e-2, gt=0.0, le=1.0, description="Adam step size of the linear dynamics model "
                            "('srl' only)")
    tau: float = Field(0.05, gt=0.0, le=1.0, description="Polyak rate of the target critic")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(500, ge=1, le=100_000, description="training steps")


    def memory_parts(self) -> dict[str, float]:
        """One update's activations kept for the backward pass: actor, critic and the J critic evaluations of
        temporal recall (about 3J + 8 float32 layers of seeds·batch·hidden). Against a CPU process's peak RSS over
        a step and a view: 'srl', 64 seeds, batch 512, hidden 256, J = 16: 1.88 GB estimated, 1.40 GB used."""
        return {"activations (seeds·batch·hidden·decision_interval)":
                    4 * self.seeds * self.batch * self.hidden * (3 * self.decision_interval + 8)}


# --- the toy -----------------------------------------------------------------------------------------


def env_step(state: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One primitive of the double integrator: states (..., 2), actions (..., 1) in [−1, 1] → next states,
    rewards (...)."""
    x, v, u = state[..., 0], state[..., 1], action[..., 0]
    reward = -(COST[0] * x ** 2 + COST[1] * v ** 2 + COST[2] * u ** 2)
    v_next = v + DT * u
    return torch.stack([x + DT * v_next, v_next], -1), reward


def lqr_gain(gamma: float) -> torch.Tensor:
    """The discounted LQR feedback gain K (1, 2) of the unconstrained double integrator (u = −K s), by Riccati
    iteration: the full-frequency reference controller."""
    a = torch.tensor([[1.0, DT], [0.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([[DT * DT], [DT]], dtype=torch.float64)
    q, r = torch.diag(torch.tensor(COST[:2], dtype=torch.float64)), torch.tensor([[COST[2]]], dtype=torch.float64)
    p = q.clone()
    for _ in range(500):
        k = gamma * torch.linalg.solve(r + gamma * b.T @ p @ b, b.T @ p @ a)
        p = q + k.T @ r @ k + gamma * (a - b @ k).T @ p @ (a - b @ k)
    return k.to(torch.float32)


def rollout(act, starts: torch.Tensor, interval: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``HORIZON`` primitives from ``starts`` (..., 2), observing every ``interval``: ``act(state)`` →
    (..., ≥interval, 1) actions, the first ``interval`` executed. Returns the undiscounted return (...) and the
    final distance ‖s_T‖ (...)."""
    state, total = starts, torch.zeros(starts.shape[:-1], device=starts.device)
    for t in range(HORIZON):
        if t % interval == 0:
            plan = act(state)
        state, reward = env_step(state, plan[..., t % interval, :])
        total = total + reward
    return total, state.norm(dim=-1)


def executed_sequence(actions: torch.Tensor, method: str, interval: int) -> torch.Tensor:
    """What is executed between two decisions: the actor's output (..., n) → (..., interval, 1). 'repeat':
    its one action held ``interval`` primitives; 'srl': its first ``interval`` primitives."""
    if method == "repeat":
        return actions[..., :1, None].expand(*actions.shape[:-1], interval, 1)
    return actions[..., :interval, None]


def temporal_recall_loss(critic: list[torch.Tensor], model: list[torch.Tensor], states: torch.Tensor,
                         actions: torch.Tensor) -> torch.Tensor:
    """SRL's actor loss (arXiv 2410.08979, §3 "temporal recall"; the authors' SACGRU.update_parameters):
    every primitive a_j of the sequence is scored by the critic at the model's estimate of the state it acts
    in, ŝ₀ = s, ŝ_{j+1} = f(ŝ_j, a_j) without gradient; loss −Σ_j Q(ŝ_j, a_j). States (S, B, 2), actions
    (S, B, J) → (S,). The critic's and model's parameters get no gradient from it."""
    critic, model = [p.detach() for p in critic], [p.detach() for p in model]
    state, loss = states, 0.0
    for j in range(actions.shape[-1]):
        a = actions[..., j:j + 1]
        loss = loss - mlp(critic, torch.cat([state, a], -1))[..., 0].mean(-1)
        with torch.no_grad():
            state = state + mlp(model, torch.cat([state, a], -1))
    return loss


# --- the trainer -------------------------------------------------------------------------------------


class SrlTrainer(Trainer):
    """``seeds`` actors, critics (and, for 'srl', models) on the double integrator; each step one update of
    all of them on fresh transitions, then an evaluation at the decision interval J."""

    Config = SrlConfig

    def __init__(self, config: SrlConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        outputs = c.decision_interval if c.method == "srl" else 1
        self.actor = init_mlp((c.seeds,), [2, c.hidden, c.hidden, outputs], g, dev)
        self.critic = init_mlp((c.seeds,), [3, c.hidden, c.hidden, 1], g, dev)
        self.target = [p.detach().clone() for p in self.critic]
        self.model = init_mlp((c.seeds,), [3, 2], g, dev) if c.method == "srl" else []
        self.optimizer = torch.optim.Adam([{"params": self.actor + self.critic},
                                           {"params": self.model, "lr": c.model_lr}], lr=c.lr)
        scale = torch.tensor(START_BOX, device=dev)
        self.starts = (torch.rand(c.seeds, EVAL_STARTS, 2, generator=g, device=dev) * 2 - 1) * scale
        gain = lqr_gain(c.gamma).to(dev)
        lqr = lambda s: (-(s @ gain.T)).clamp(-1, 1).unsqueeze(-2)  # noqa: E731
        self.reference_return = rollout(lqr, self.starts, 1)[0].mean(-1)

    @property
    def population(self) -> int:
        return self.config.seeds

    def act(self, state: torch.Tensor, interval: int | None = None) -> torch.Tensor:
        """The actor's executed primitives at states (S, ..., 2): (S, ..., interval, 1), no gradient."""
        interval = interval or self.config.decision_interval
        shape = state.shape
        with torch.no_grad():
            out = torch.tanh(mlp(self.actor, state.reshape(shape[0], -1, 2)))
        return executed_sequence(out.reshape(*shape[:-1], -1), self.config.method, interval)

    def critic_target(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """The TD target of the critic for a transition held over ``decision_interval`` ('repeat') or one
        primitive ('srl'): Σ γ^i r_i + γ^n Q̄(s_n, π(s_n)₀). States (S, B, 2), actions (S, B, 1) → (S, B)."""
        c = self.config
        held = c.decision_interval if c.method == "repeat" else 1
        total = torch.zeros(state.shape[:-1], device=state.device)
        for i in range(held):
            state, reward = env_step(state, action)
            total = total + c.gamma ** i * reward
        with torch.no_grad():
            next_action = torch.tanh(mlp(self.actor, state))[..., :1]
            bootstrap = mlp(self.target, torch.cat([state, next_action], -1))[..., 0]
        return total + c.gamma ** held * bootstrap

    def losses(self) -> torch.Tensor:
        """Critic TD loss + actor loss (+ model loss for 'srl'), summed over seeds."""
        c, g, dev = self.config, self.generator, self.device
        box = torch.tensor(STATE_BOX, device=dev)
        state = (torch.rand(c.seeds, c.batch, 2, generator=g, device=dev) * 2 - 1) * box
        action = torch.rand(c.seeds, c.batch, 1, generator=g, device=dev) * 2 - 1
        target = self.critic_target(state, action)
        q = mlp(self.critic, torch.cat([state, action], -1))[..., 0]
        loss = (q - target).pow(2).mean(-1)
        actions = torch.tanh(mlp(self.actor, state))
        if c.method == "repeat":
            loss = loss - mlp([p.detach() for p in self.critic], torch.cat([state, actions], -1))[..., 0].mean(-1)
        else:
            next_state, _ = env_step(state, action)
            model_error = mlp(self.model, torch.cat([state, action], -1)) - (next_state - state)
            loss = loss + model_error.pow(2).sum(-1).mean(-1) / DT ** 2
            loss = loss + temporal_recall_loss(self.critic, self.model, state, actions)
        return loss.sum()

    def score(self, returns: torch.Tensor) -> torch.Tensor:
        """The fraction of the full-frequency reference's performance kept, C_lqr / C (C = −R, the episode's
        cost): returns (S,) → (S,), 1 at the reference, → 0 as the cost grows."""
        return self.reference_return / returns

    def step(self) -> dict[str, torch.Tensor]:
        """One update, then an evaluation at J; per-seed metrics (seeds,): score (C_lqr / C), excess_cost
        (C / C_lqr − 1: the view's error), return, final_distance."""
        self.optimizer.zero_grad(set_to_none=True)
        self.losses().backward()
        self.optimizer.step()
        polyak(self.target, self.critic, self.config.tau)
        returns, distance = rollout(self.act, self.starts, self.config.decision_interval)
        score = self.score(returns.mean(-1))
        return {"score": score, "excess_cost": 1 / score - 1, "return": returns.mean(-1),
                "final_distance": distance.mean(-1)}

    def view_state(self) -> dict[str, torch.Tensor]:
        """Each seed's score (C_lqr / C) when the current actor acts every k primitives, k ∈ ``VIEW_INTERVALS``
        (S, len) — the paper's evaluation at several action-sequence lengths — and the excess cost C / C_lqr − 1
        floored at ``ERROR_FLOOR`` (the view's log axis). 'repeat' holds its action k primitives; 'srl'
        executes its first k primitives (NaN for k > J: it has no more). Deterministic, no draws."""
        c, out = self.config, []
        for k in VIEW_INTERVALS:
            if c.method == "srl" and k > c.decision_interval:
                out.append(torch.full((c.seeds,), float("nan"), device=self.device))
                continue
            returns, _ = rollout(lambda s: self.act(s, k), self.starts, k)
            out.append(self.score(returns.mean(-1)))
        score = torch.stack(out, -1).detach().clone()
        return {"intervals": torch.tensor(VIEW_INTERVALS), "score": score,
                "excess_cost": (1 / score - 1).clamp(min=ERROR_FLOOR)}


def frequency_averaged_score(intervals, scores) -> torch.Tensor:
    """The paper's FAS (arXiv 2410.08979; authors' notebook: np.trapz(returns, ASL) / (max · span)): the
    trapezoid area under the normalised score against the action-sequence length, divided by the span of
    lengths. ``intervals`` (n,), scores (..., n) → (...)."""
    x = torch.as_tensor(intervals, dtype=torch.float32)
    y = torch.as_tensor(scores, dtype=torch.float32)
    return torch.trapezoid(y, x, dim=-1) / (x[-1] - x[0])
