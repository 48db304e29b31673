"""ALOE: action-level off-policy evaluation of the current policy from a mixed buffer (Yang et al., "ALOE:
Action-Level Off-Policy Evaluation for Vision-Language-Action Model Post-Training", arXiv 2602.12691), on a
tabular cliff chain.

The paper. A real robot's replay buffer mixes trajectories of historical policies, online rollouts of the
current one and stretches where a human intervened. Progress-style value signals (a value fitted to the
buffer's observed returns) measure the *average* behaviour in the buffer, not the current policy, so they
mislabel the current policy's actions. ALOE evaluates the current policy off-policy instead: a critic over
action chunks trained by chunked TD bootstrapping — the target of a chunk is the rewards it collected plus
γʰ times the current policy's value where it ended — with a pessimistic ensemble of K critics (conservative
aggregation: their minimum), and uses the resulting advantages for advantage-weighted policy improvement.

The toy. A chain of ``states`` cells per seed; an episode starts at cell START (next to a cliff) and ends
at the goal past the last cell (reward 1) or over the cliff below cell 0 (reward 0), or after ``horizon``
steps. Three actions: 'step' (+1, or stays with the cell's slip probability), 'jump' (+2 with the cell's
success probability, else −1) and 'back' (−1); slip and jump odds are drawn per seed and cell. The buffer
holds ``old_episodes`` episodes of an old policy (mostly 'back') and the last ``keep_rounds`` rounds of the
current policy's ``episodes``; in a fraction ``intervention`` of all episodes a human expert takes over for
good once the agent stands at cell 0 (next to the cliff) and walks forward ('step'). The current policy is
a table of logits per seed (cell, action), uniform at first. One step = one round: play ``episodes``
episodes of the current policy (with interventions) into the buffer, estimate its advantages from the
buffer, improve it by the advantage-weighted update π ← π·exp(A/β)/Z (``advantage_weighted_update``). The
switch ``value`` picks the estimate:

- 'progress' (the baseline): the buffer's average observed return — Q(s, a) = mean discounted return after
  (s, a) over the buffer's visits, V(s) the same over visits of s, A = Q − V;
- 'aloe': an ensemble of ``ensemble`` tabular critics, each fitted (``td_iters`` sweeps of fitted
  evaluation per round, warm-started) on its own bootstrap resample of the buffer toward the chunked TD
  target ``chunked_td_target`` with chunk length ``chunk``, V(s) = Σ_a π(a|s)·agg_k Q_k(s, a), agg the
  ``aggregation`` ('min': conservative; 'mean' the ablation), A = agg_k Q_k − V.

The truth is exact: the chain's transition tensor gives V^π and Q^π of the current policy by a linear solve
(``true_values``). Metrics per seed per round: policy_value (V^π at START after the update, the headline),
advantage_rank (Spearman's rank correlation over all (cell, action) pairs between the estimated advantages
and the true A^π of the policy being improved; ties — many here — get average ranks), seen_rank (the same
over the pairs the buffer holds: unseen pairs get A = 0 from the progress value and their last critic value
from ALOE, so the rank over all pairs also scores coverage), value_error (mean |V_est − V^π| over cells),
drop (how much the update lowered V^π(START), ≥ 0) and intervened (the fraction of this round's episodes the
expert took over).

What reproduces (tests/temporal/test_aloe.py: defaults — 10 cells, chunk 4, K = 4 with their minimum, 4 TD
sweeps per round, β = 0.05, 30 rounds — 16 seeds, base seeds 0, 1, 2). The failure: the progress value's
advantages rank the exact A^π at Spearman 0.47–0.50 (mean over rounds; worst seeds 0.21–0.34; over the pairs
the buffer holds 0.51–0.54) and its values miss V^π by 0.084–0.093 per cell. ALOE: rank 0.65–0.68 (worst
seeds 0.40–0.60; over the pairs held 0.68–0.72), value error 0.029–0.031.
Improvement is monotone (no round lowers V^π(start) by over 0.005) in 88–94% of the seeds with ALOE — and
in 94% with the progress value too: the erratic improvement does NOT reproduce; both end at the same
policy value (0.57–0.58). The signature view (value error against chunk length, 4 sweeps from zero): chunk
1 ≈ 0.46, chunks 4–32 ≈ 0.03–0.04, the progress value ≈ 0.08–0.09. Where the paper's knobs do not help in
training (critics warm-started round after round, so propagation is no bottleneck): chunk 1 ranks better
(0.76–0.77) and improves further (0.608–0.618 against the progress value's 0.570–0.580), chunk 16 falls back
toward the progress value (0.49–0.56), and the mean over critics is not worse than their minimum (0.71–0.72).

Inferred (the abstract, the project page and a third-party summary were available, not the equations): the
chunk here is h consecutive buffer steps of primitive actions — the critic is indexed by (cell, first
action) and the h − 1 later actions are the behaviour's (the paper's critic scores a whole action chunk the
policy emits); the ensemble's diversity from bootstrap resamples, the minimum as the aggregation, the
tabular closed form of advantage-weighted improvement (π·exp(A/β)), the intervention rule and the toy are
ours.
"""
from __future__ import annotations

import math
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer
from lab.core.rank_correlation import spearman

from .aloe_chain import ACTIONS, START, chain_transitions, play, true_values

VALUES = ("progress", "aloe")
OLD_POLICY = (0.2, 0.2, 0.6)          # the old policy's probabilities of step, jump, back
VIEW_CHUNKS = (1, 2, 4, 8, 16, 32)    # view_state: chunk lengths of the value-error-vs-chunk view


class AloeConfig(LabConfig):
    """A cliff chain per seed; a buffer mixing an old policy, expert interventions and the current policy;
    the current policy's advantages from the buffer's average return or from ALOE's chunked, conservative
    off-policy evaluation; advantage-weighted improvement."""

    value: Literal[VALUES] = Field("progress", description="the advantage estimate: 'progress' (the buffer's "
                                   "average return, the baseline) or 'aloe' (chunked TD on the current policy, "
                                   "conservative ensemble)")
    chunk: int = Field(4, ge=1, le=64, description="h: steps per chunk of the TD target ('aloe')")
    ensemble: int = Field(4, ge=1, le=16, description="K: critics, each on its own bootstrap resample ('aloe')")
    aggregation: Literal["min", "mean"] = Field("min", description="how the K critics are combined ('aloe'): "
                                                "'min' (conservative) or 'mean'")
    td_iters: int = Field(4, ge=1, le=200, description="fitted TD sweeps over the buffer per round ('aloe')")
    beta: float = Field(0.05, gt=0.0, le=10.0, description="β: temperature of the advantage-weighted update")
    states: int = Field(10, ge=4, le=64, description="cells of the chain")
    gamma: float = Field(0.95, gt=0.0, lt=1.0, description="discount")
    horizon: int = Field(40, ge=4, le=400, description="steps per episode at most")
    episodes: int = Field(16, ge=1, le=256, description="current-policy episodes played per round")
    old_episodes: int = Field(64, ge=0, le=1024, description="episodes of the old policy in the buffer")
    keep_rounds: int = Field(4, ge=1, le=64, description="rounds of current-policy episodes kept in the buffer")
    intervention: float = Field(0.5, ge=0.0, le=1.0, description="fraction of episodes in which the expert "
                                "takes over at cell 0 (next to the cliff)")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(30, ge=1, le=100_000, description="rounds (collect, evaluate, improve)")

    def problems(self) -> list[str]:
        found = []
        if self.chunk > self.horizon:
            found.append(f"'chunk' = {self.chunk} must be at most 'horizon' = {self.horizon}")
        if self.aggregation == "min" and self.value == "aloe" and self.ensemble < 2:
            found.append("'ensemble' must be at least 2 with aggregation 'min' (a minimum over one critic is "
                         "not conservative)")
        return found


    def memory_parts(self) -> dict[str, float]:
        """The mixed buffer (states and actions int64, rewards float32, held twice: the ring and the merged
        copy) and one evaluation's per-entry tensors (targets, indices, each critic's bootstrap weights), over
        seeds·(old_episodes + keep_rounds·episodes)·horizon entries. Against a CPU process's peak RSS over a step
        and a view: 'aloe', 64 seeds, 512 old episodes, 8 rounds of 64, horizon 200: 1.32 GB estimated, 1.23 GB
        used."""
        entries = self.seeds * (self.old_episodes + self.keep_rounds * self.episodes) * (self.horizon + 1)
        return {"buffer (seeds·(old_episodes + keep_rounds·episodes)·horizon)": 2 * 20 * entries,
                "evaluation (the same entries·ensemble)": (28 + 8 * self.ensemble) * entries}


# --- the estimates -------------------------------------------------------------------------------


def chunked_returns(rewards: torch.Tensor, gamma: float, chunk: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Σ_{i<n} γⁱ r_{t+i} with n = min(chunk, T − t), and n itself: (..., T) → (..., T), (T,). One product
    with the banded matrix D[u, t] = γ^(u−t) for t ≤ u < t + chunk (no division by γᵗ, which underflows to 0
    over a long horizon at a small γ)."""
    t = rewards.shape[-1]
    step = torch.arange(t, device=rewards.device)
    lag = step[:, None] - step[None, :]                                                 # u − t
    band = (lag >= 0) & (lag < chunk)
    discount = torch.where(band, gamma ** lag.clamp(min=0).to(rewards.dtype), 0.0)
    return rewards @ discount, (step + chunk).clamp(max=t) - step


def chunked_td_target(rewards: torch.Tensor, states: torch.Tensor, v: torch.Tensor, gamma: float,
                      chunk: int) -> torch.Tensor:
    """ALOE's chunked TD target (arXiv 2602.12691, §Method, "chunking-based temporal-difference
    bootstrapping" onto the current policy's value): y_t = Σ_{i<h} γⁱ r_{t+i} + γʰ V^π(s_{t+h}), h cut at
    the episode's end. rewards (S, B, T), states (S, B, T + 1), v (S, N + 2) with V = 0 at goal and cliff."""
    summed, n = chunked_returns(rewards, gamma, chunk)
    t = rewards.shape[-1]
    ends = states[..., torch.arange(t, device=states.device) + n]
    return summed + gamma ** n.to(rewards.dtype) * v.gather(1, ends.flatten(1)).reshape(ends.shape)


def table_means(values: torch.Tensor, index: torch.Tensor, weights: torch.Tensor, size: int) -> tuple:
    """Weighted means of values (S, ..., M) per index (S, M) in [0, size): (S, ..., size) and the weights'
    sums (S, size) (0 where nothing fell)."""
    lead = values.shape[:-1]
    idx = index.reshape(index.shape[0], *([1] * (len(lead) - 1)), -1).expand_as(values)
    w = weights.reshape(idx.shape[0], *([1] * (len(lead) - 1)), -1).expand_as(values)
    total = torch.zeros(*lead, size, device=values.device).scatter_add(-1, idx, values * w)
    count = torch.zeros(*lead, size, device=values.device).scatter_add(-1, idx, w)
    return total / count.clamp(min=1e-9), count


def progress_advantages(buffer: dict, valid: torch.Tensor, gamma: float, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The baseline: the buffer's average discounted return after (s, a) and after s, A = Q − V (pairs never
    seen get A = 0). Returns A (S, N, A) and V (S, N)."""
    returns, _ = chunked_returns(buffer["rewards"], gamma, buffer["rewards"].shape[-1])
    s, a = buffer["states"][..., :-1], buffer["actions"]
    w = ((s < n).to(torch.float32) * valid[..., None]).flatten(1)
    cell = s.clamp(max=n - 1).flatten(1)
    q, seen = table_means(returns.flatten(1), cell * ACTIONS + a.flatten(1), w, n * ACTIONS)
    v, _ = table_means(returns.flatten(1), cell, w, n)
    q = q.reshape(-1, n, ACTIONS)
    q = torch.where(seen.reshape(q.shape) > 0, q, v[..., None])
    return q - v[..., None], v


def seen_pairs(buffer: dict, valid: torch.Tensor, n: int) -> torch.Tensor:
    """Which (cell, action) pairs the buffer holds at least once: (S, N·A) bool."""
    s, a = buffer["states"][..., :-1], buffer["actions"]
    w = ((s < n).to(torch.float32) * valid[..., None]).flatten(1)
    _, count = table_means(w, (s.clamp(max=n - 1) * ACTIONS + a).flatten(1), w, n * ACTIONS)
    return count > 0


def aggregate(q: torch.Tensor, how: str) -> torch.Tensor:
    """ALOE's conservative value aggregation over the ensemble's first axis (K, S, N, A) → (S, N, A)."""
    return q.min(0).values if how == "min" else q.mean(0)


def aloe_evaluate(q: torch.Tensor, buffer: dict, weights: torch.Tensor, pi: torch.Tensor, gamma: float,
                  chunk: int, iters: int, how: str) -> torch.Tensor:
    """``iters`` sweeps of fitted evaluation of pi: every critic k (K, S, N, A) ← the mean, over its
    bootstrap weights (K, S, B), of the chunked TD targets onto V^π = Σ_a π·agg_k Q_k. Pairs a critic never
    saw keep their value. Returns the new ensemble."""
    n = pi.shape[1]
    s, a = buffer["states"][..., :-1], buffer["actions"]
    alive = (s < n).to(torch.float32)
    index = (s.clamp(max=n - 1) * ACTIONS + a).flatten(1)
    w = (weights[..., None] * alive).flatten(2)                                     # (K, S, B·T)
    for _ in range(iters):
        v = (pi * aggregate(q, how)).sum(-1)
        v = torch.cat([v, torch.zeros_like(v[:, :2])], -1)                           # goal, cliff: 0
        target = chunked_td_target(buffer["rewards"], buffer["states"], v, gamma, chunk).flatten(1)
        fits = [table_means(target, index, w[k], n * ACTIONS) for k in range(q.shape[0])]
        q = torch.stack([torch.where(c > 0, m, qk.flatten(1)).reshape(qk.shape)
                         for (m, c), qk in zip(fits, q)])
    return q


def advantage_weighted_update(logits: torch.Tensor, advantage: torch.Tensor, beta: float) -> torch.Tensor:
    """Advantage-weighted policy improvement (arXiv 2602.12691, §Method: the policy is improved with the
    critic's advantages as weights), in its tabular closed form π_new ∝ π·exp(A/β)."""
    return torch.log_softmax(logits + advantage / beta, -1)


# --- the trainer -----------------------------------------------------------------------------------


class AloeTrainer(Trainer):
    """``seeds`` cliff chains and tabular policies; every step one round of collection into the mixed
    buffer, evaluation of the current policy (the config's ``value``) and advantage-weighted improvement."""

    Config = AloeConfig

    def __init__(self, config: AloeConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.p = chain_transitions(c.seeds, c.states, g, dev)
        self.logits = torch.full((c.seeds, c.states, ACTIONS), -math.log(ACTIONS), device=dev)     # uniform
        old_pi = torch.tensor(OLD_POLICY, device=dev).expand(c.seeds, c.states, ACTIONS)
        self.old = play(self.p, old_pi, c.old_episodes, c.horizon, c.intervention, g)
        ring = c.keep_rounds * c.episodes
        self.recent = {k: torch.zeros(c.seeds, ring, *v.shape[2:], dtype=v.dtype, device=dev)
                       for k, v in self.old.items()}
        self.recent["states"].fill_(c.states)                   # empty slots sit at the goal: never counted
        self.recent_valid = torch.zeros(c.seeds, ring, device=dev)
        self.q = torch.zeros(c.ensemble, c.seeds, c.states, ACTIONS, device=dev)
        self.weights = torch.ones(c.ensemble, c.seeds, c.old_episodes + ring, device=dev)
        self.round = 0

    @property
    def population(self) -> int:
        return self.config.seeds

    def buffer(self) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The mixed buffer (old policy's episodes, then the recent rounds') and each episode's validity."""
        merged = {k: torch.cat([self.old[k], self.recent[k]], 1) for k in ("states", "actions", "rewards")}
        return merged, torch.cat([torch.ones_like(self.old["intervened"]), self.recent_valid], 1)

    def collect(self) -> torch.Tensor:
        """Play this round's episodes of the current policy into the ring; the fraction intervened (S,)."""
        c = self.config
        played = play(self.p, self.logits.exp(), c.episodes, c.horizon, c.intervention, self.generator)
        slot = slice((self.round % c.keep_rounds) * c.episodes, (self.round % c.keep_rounds + 1) * c.episodes)
        for k, v in played.items():
            self.recent[k][:, slot] = v
        self.recent_valid[:, slot] = 1.0
        self.round += 1
        return played["intervened"].mean(-1)

    def estimate(self, buffer: dict, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The config's advantage estimate (S, N, A) and value estimate (S, N) of the current policy."""
        c = self.config
        if c.value == "progress":
            return progress_advantages(buffer, valid, c.gamma, c.states)
        pi = self.logits.exp()
        self.q = aloe_evaluate(self.q, buffer, self.weights * valid, pi, c.gamma, c.chunk, c.td_iters,
                               c.aggregation)
        q = aggregate(self.q, c.aggregation)
        v = (pi * q).sum(-1)
        return q - v[..., None], v

    def step(self) -> dict[str, torch.Tensor]:
        """One round; per-seed metrics (seeds,): policy_value, advantage_rank, seen_rank, value_error, drop,
        intervened."""
        c = self.config
        intervened = self.collect()
        buffer, valid = self.buffer()
        self.weights = torch.poisson(torch.ones_like(self.weights), generator=self.generator)
        v_true, q_true = true_values(self.p, self.logits.exp(), c.gamma)
        advantage, v_est = self.estimate(buffer, valid)
        true_advantage = (q_true - v_true[..., None]).flatten(1)
        rank = spearman(advantage.flatten(1), true_advantage)
        seen_rank = spearman(advantage.flatten(1), true_advantage, seen_pairs(buffer, valid, c.states))
        self.logits = advantage_weighted_update(self.logits, advantage, c.beta)
        v_new, _ = true_values(self.p, self.logits.exp(), c.gamma)
        return {"policy_value": v_new[:, START], "advantage_rank": rank, "seen_rank": seen_rank,
                "value_error": (v_est - v_true).abs().mean(-1),
                "drop": (v_true[:, START] - v_new[:, START]).clamp(min=0), "intervened": intervened}

    def view_state(self) -> dict:
        """The value error (S, len(chunks)) of the current policy's value against the chunk length: chunked
        TD (the config's ensemble and aggregation, ``td_iters`` sweeps from zero on the current buffer) and
        the progress value (the same at every length). Deterministic; touches no training state."""
        c = self.config
        with torch.no_grad():
            buffer, valid = self.buffer()
            pi = self.logits.exp()
            v_true, _ = true_values(self.p, pi, c.gamma)
            chunks = [h for h in VIEW_CHUNKS if h <= c.horizon]
            errors = []
            for h in chunks:
                q = aloe_evaluate(torch.zeros_like(self.q), buffer, self.weights * valid, pi, c.gamma, h,
                                  c.td_iters, c.aggregation)
                errors.append(((pi * aggregate(q, c.aggregation)).sum(-1) - v_true).abs().mean(-1))
            _, v_progress = progress_advantages(buffer, valid, c.gamma, c.states)
            progress = (v_progress - v_true).abs().mean(-1, keepdim=True).expand(-1, len(chunks))
        return {"chunks": torch.tensor(chunks), "aloe": torch.stack(errors, -1).clone(),
                "progress": progress.clone()}
