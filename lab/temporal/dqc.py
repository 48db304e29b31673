"""Decoupled Q-chunking (Li, Park, Levine et al., "Decoupled Q-Chunking", arXiv 2512.10926; the authors' code:
github.com/ColinQiyangLi/dqc, ``agents/dqc.py``) on a tabular key-chain with slip.

The paper. One-step TD bootstraps at every step, and its bias compounds over a long horizon. A chunked critic
Q(s, a_{t:t+h}) backs up h steps at once (target Σ_{i<h} γ^i r_{t+i} + γ^h V(s_{t+h})) and bootstraps h times
less, but a policy read from it must emit the whole h-step chunk open-loop. DQC decouples the two lengths: a
partial critic Q_P(s, a_{t:t+hₐ}) over the first hₐ ≪ h actions is distilled from the chunk critic by an
upper expectile over the dataset's completions (an optimistic "best completion"), V by an upper expectile of
Q_P over the dataset's partial chunks (the implicit backup), and the policy samples N partial chunks from a
behaviour-cloned policy and executes the one Q_P ranks best (best-of-N), re-planning every hₐ steps.

The toy. A chain of states 0..L (``length``), the goal L absorbing, reward 1 on reaching it, discount γ.
Each seed draws a key k(s) ∈ {0, 1} per state: the right key moves forward unless it slips (prob ``slip``,
the agent stays), the wrong key moves back one state. Offline data per seed: ``trajectories`` runs of
``trajectory_length`` steps from uniform starts by a noisy behaviour (the right key with prob ``skill``).
Everything is tabular: Q_chunk (states × 2^h chunks), Q_P (states × 2^hₐ), V (states), and the
behaviour-cloned policy is the dataset's empirical chunk counts per state. The true optimal V* comes from
value iteration on the true chain (it does not depend on the keys). The switch ``method`` sets the two
lengths of ONE code path: 'one_step' (h = hₐ = 1: IQL-style one-step TD with best-of-N, the baseline),
'open_loop_chunk' (h = hₐ = ``chunk``: Q-chunking, the whole chunk executed open-loop) and 'dqc'
(h = ``chunk``, hₐ = ``policy_chunk``). One step = one full-batch tabular update (step size ``lr``) of the
three tables over every dataset window, then ``episodes`` evaluation rollouts from state 0 for
``horizon`` steps.

Metrics per seed (``DqcTrainer.step``): success (reached the goal within the horizon, the headline),
value_error (mean |V̂ − V*| over the chain's states, the one-step failure), far_value_error (the same over
the far half of the chain) and replans (decisions per episode step: 1/hₐ).

What reproduces (tests/temporal/test_dqc.py; the defaults, 20 steps, 16 seeds, base seeds 0, 1, 2): success
from state 0 — one_step 0.28–0.30 (its value has reached only ~20 states back from the goal; |V̂ − V*| 0.51
at distances 1–10, 0.33 over the far half), open_loop_chunk 0.04–0.06 (values learnt fast, near error
0.08–0.09, but a slip desynchronises the rest of the chunk; with slip 0 it succeeds 1.00), dqc 0.91–0.93
(near error 0.10–0.12; one seed of base seed 2 fails). Over the far half DQC's values are as far off as
one-step's at 20 steps (0.32 against 0.33: small, not yet converged), but nonzero and ordered, which is all
best-of-N needs; one-step's read exactly 0 there. Where it stops: tabular one-step TD needs only the
order of two keys' values, which arrives before the values: at 80 steps it succeeds 1.00 and DQC 0.87–0.93.

Inferred: the full paper text was not available (its abstract, a third-party summary and the authors' code
were): the losses here are the code's with tables instead of networks, mean-squared rather than binary
cross-entropy and an expectile rather than the code's default quantile for the implicit V backup; no target
table; the toy, κ values and the tabular behaviour cloning are ours.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator

METHODS = ("one_step", "open_loop_chunk", "dqc")
VIEW_EPISODES = 16      # view_state: episodes per start distance


class DqcConfig(LabConfig):
    """A key-chain with slip learnt offline by one-step TD, open-loop Q-chunking or decoupled Q-chunking."""

    method: Literal[METHODS] = Field(
        "one_step", description="'one_step' (critic and policy over 1 action, the baseline), 'open_loop_chunk' "
        "(critic and policy over 'chunk' actions, executed open-loop) or 'dqc' (critic over 'chunk' actions, "
        "policy over 'policy_chunk')")
    length: int = Field(40, ge=4, le=64, description="L: states 0..L, the goal at L, evaluation starts at 0")
    slip: float = Field(0.2, ge=0.0, le=0.9, description="probability that the right key fails (the agent stays)")
    skill: float = Field(0.7, ge=0.0, le=1.0, description="the behaviour's probability of pressing the right key")
    trajectories: int = Field(128, ge=4, le=1024, description="offline trajectories per seed (uniform starts)")
    trajectory_length: int = Field(40, ge=8, le=256, description="steps per offline trajectory")
    chunk: int = Field(8, ge=1, le=10, description="h: actions in the chunk critic's backup")
    policy_chunk: int = Field(2, ge=1, le=10, description="hₐ: actions of the partial critic and policy under 'dqc'")
    gamma: float = Field(0.97, gt=0.0, lt=1.0, description="discount factor γ")
    kappa_d: float = Field(0.7, ge=0.5, lt=1.0, description="upper expectile distilling the partial critic")
    kappa_b: float = Field(0.9, ge=0.5, lt=1.0, description="upper expectile of the implicit value backup")
    lr: float = Field(0.5, gt=0.0, le=1.0, description="tabular step size of each update")
    best_of: int = Field(16, ge=1, le=256, description="N: partial chunks sampled from the cloned policy per decision")
    episodes: int = Field(32, ge=1, le=1024, description="evaluation episodes per seed per step")
    horizon: int = Field(80, ge=1, le=512, description="evaluation steps per episode")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(20, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.method == "dqc" and self.policy_chunk > self.chunk:
            found.append(f"'policy_chunk' = {self.policy_chunk} must not exceed 'chunk' = {self.chunk} with "
                         "method 'dqc' (the partial chunk is a prefix of the critic's chunk)")
        if self.trajectory_length < self.chunk:
            found.append(f"'trajectory_length' = {self.trajectory_length} must be at least 'chunk' = {self.chunk}")
        return found

    def memory_parts(self) -> dict[str, float]:
        """The offline windows (start, chunk, return, next state and two table indices per window, and one
        update's gathered targets and scatter buffers: about 144 bytes per window of
        seeds·trajectories·trajectory_length), and a decision's cloned-policy rows and best-of-N scores for every
        episode (the view runs ``VIEW_EPISODES`` per start distance): seeds·max(episodes, VIEW_EPISODES·length)·
        (2^hₐ + best_of). Against a CPU process's peak RSS over a step and a view: dqc, 64 seeds, 1,024
        trajectories of 128 steps: 1.22 GB estimated, 1.23 GB used; open_loop_chunk with chunk 10, 64 states,
        best_of 64: 0.22 GB, 0.12 GB."""
        batch = self.seeds * max(self.episodes, VIEW_EPISODES * self.length)
        return {"dataset windows (seeds·trajectories·trajectory_length)":
                    144 * self.seeds * self.trajectories * self.trajectory_length,
                "decisions (seeds·episodes·(2^policy_chunk + best_of))":
                    12 * batch * (2 ** self.lengths()[1] + self.best_of)}

    def lengths(self) -> tuple[int, int]:
        """(h, hₐ): the chunk critic's backup length and the policy's chunk length under ``method``."""
        return {"one_step": (1, 1), "open_loop_chunk": (self.chunk, self.chunk),
                "dqc": (self.chunk, self.policy_chunk)}[self.method]


# --- the chain -------------------------------------------------------------------------------------


def chain_step(state: torch.Tensor, action: torch.Tensor, keys: torch.Tensor, slip: float, length: int,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of every chain: states (S, B) long, actions (S, B), keys (S, L) → next states, rewards (S, B).
    The right key moves forward unless it slips (stays), the wrong one moves back; the goal L is absorbing."""
    key = keys.gather(1, state.clamp(max=length - 1))
    moved = (torch.rand(state.shape, generator=generator, device=state.device) >= slip).long()
    nxt = torch.where(action == key, state + moved, (state - 1).clamp(min=0))
    nxt = torch.where(state == length, state, nxt)
    return nxt, ((nxt == length) & (state < length)).to(torch.float32)


def optimal_values(length: int, slip: float, gamma: float, iterations: int = 2000) -> torch.Tensor:
    """V*(s) for s = 0..L by value iteration on the true chain (the same for any keys): (L + 1,)."""
    v = torch.zeros(length + 1, dtype=torch.float64)
    for _ in range(iterations):
        reward = torch.zeros(length + 1, dtype=torch.float64)
        reward[length - 1] = 1.0
        forward = (1 - slip) * (reward[:-1] + gamma * torch.cat([v[1:length], v.new_zeros(1)])) + slip * gamma * v[:-1]
        back = gamma * torch.cat([v[:1], v[:length - 1]])
        v = torch.cat([torch.maximum(forward, back), v.new_zeros(1)])
    return v.to(torch.float32)


def draw_dataset(keys: torch.Tensor, c: DqcConfig, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Each seed's offline trajectories: states (S, n, T + 1), actions (S, n, T), rewards (S, n, T)."""
    seeds, dev = keys.shape[0], keys.device
    state = torch.randint(0, c.length, (seeds, c.trajectories), generator=generator, device=dev)
    states, actions, rewards = [state], [], []
    for _ in range(c.trajectory_length):
        key = keys.gather(1, state.clamp(max=c.length - 1))
        right = torch.rand(state.shape, generator=generator, device=dev) < c.skill
        action = torch.where(right, key, 1 - key)
        state, reward = chain_step(state, action, keys, c.slip, c.length, generator)
        states.append(state), actions.append(action), rewards.append(reward)
    return torch.stack(states, -1), torch.stack(actions, -1), torch.stack(rewards, -1)


def chunk_windows(states, actions, rewards, h: int, gamma: float) -> tuple[torch.Tensor, ...]:
    """Every h-step window of the trajectories, flattened per seed: start states, chunk codes (the actions as
    bits, a_t the lowest), discounted rewards Σ_{i<h} γ^i r_{t+i}, and the state h steps later; each (S, W)."""
    seeds, n, T = actions.shape
    starts = T - h + 1
    bits = torch.stack([actions[..., i:i + starts] << i for i in range(h)]).sum(0)
    ret = sum(gamma ** i * rewards[..., i:i + starts] for i in range(h))
    flat = lambda x: x.reshape(seeds, -1)  # noqa: E731
    return flat(states[..., :starts]), flat(bits), flat(ret), flat(states[..., h:h + starts])


def expectile_mean(table: torch.Tensor, index: torch.Tensor, target: torch.Tensor, kappa: float) -> torch.Tensor:
    """The step toward each entry's κ-expectile of its targets: for entries ``index`` (S, W) of ``table`` (S, K),
    Σ w·(target − table) / Σ w with w = κ where target ≥ table, 1 − κ otherwise; 0 for entries without data."""
    current = table.gather(1, index)
    weight = torch.where(target >= current, kappa, 1 - kappa)
    num = torch.zeros_like(table).scatter_add_(1, index, weight * (target - current))
    den = torch.zeros_like(table).scatter_add_(1, index, weight)
    return num / den.clamp(min=1e-12)


# --- the trainer -----------------------------------------------------------------------------------


class DqcTrainer(Trainer):
    """``seeds`` tabular learners of the key-chain from their own offline data; every step one update of the
    chunk critic, the partial critic and V, then evaluation rollouts of the best-of-N policy."""

    Config = DqcConfig

    def __init__(self, config: DqcConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.h, self.ha = c.lengths()
        self.keys = torch.randint(0, 2, (c.seeds, c.length), generator=g, device=dev)
        states, actions, rewards = draw_dataset(self.keys, c, g)
        s, chunk, ret, after = chunk_windows(states, actions, rewards, self.h, c.gamma)
        n_states = c.length + 1
        self.chunk_index = s * 2 ** self.h + chunk                        # entries of Q_chunk (S, n_states·2^h)
        self.partial_index = s * 2 ** self.ha + chunk % 2 ** self.ha      # entries of Q_P (S, n_states·2^hₐ)
        self.start, self.ret, self.after = s, ret, after
        self.q_chunk = torch.zeros(c.seeds, n_states * 2 ** self.h, device=dev)
        self.q_partial = torch.zeros(c.seeds, n_states * 2 ** self.ha, device=dev)
        self.value = torch.zeros(c.seeds, n_states, device=dev)
        counts = torch.zeros_like(self.q_partial).scatter_add_(1, self.partial_index, torch.ones_like(ret))
        self.cloned = (counts.reshape(c.seeds, n_states, -1) + 1e-3)      # behaviour cloning: chunk counts per state
        self.cloned = self.cloned / self.cloned.sum(-1, keepdim=True)
        self.optimal = optimal_values(c.length, c.slip, c.gamma).to(dev)
        self.view_generator = view_generator(c.seed, dev)

    @property
    def population(self) -> int:
        return self.config.seeds

    def update(self) -> None:
        """One full-batch tabular step of the three tables over every dataset window (arXiv 2512.10926; the
        authors' agents/dqc.py: chunk_critic_loss and action_critic_loss):
          Q_chunk(s_t, a_{t:t+h}) ← Σ_{i<h} γ^i r_{t+i} + γ^h V(s_{t+h})               (h-step backup, V(goal) = 0)
          Q_P(s_t, a_{t:t+hₐ})   ← κ_d-expectile over the data of Q_chunk(s_t, a_{t:t+h})  (optimistic completion)
          V(s_t)                 ← κ_b-expectile over the data of Q_P(s_t, a_{t:t+hₐ})   (implicit max backup)"""
        c = self.config
        target = self.ret + c.gamma ** self.h * self.value.gather(1, self.after) * (self.after < c.length)
        self.q_chunk += c.lr * expectile_mean(self.q_chunk, self.chunk_index, target, 0.5)
        completion = self.q_chunk.gather(1, self.chunk_index)
        self.q_partial += c.lr * expectile_mean(self.q_partial, self.partial_index, completion, c.kappa_d)
        partial = self.q_partial.gather(1, self.partial_index)
        self.value += c.lr * expectile_mean(self.value, self.start, partial, c.kappa_b)

    def decide(self, state: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Best-of-N: N partial chunks sampled from the cloned policy at each state (S, B), the one Q_P ranks
        highest → its code (S, B)."""
        c = self.config
        seeds, batch = state.shape
        probs = self.cloned.gather(1, state[..., None].expand(-1, -1, self.cloned.shape[-1]))
        sampled = torch.multinomial(probs.reshape(seeds * batch, -1), c.best_of, replacement=True,
                                    generator=generator).reshape(seeds, batch, c.best_of)
        scores = self.q_partial.gather(1, (state[..., None] * 2 ** self.ha + sampled).reshape(seeds, -1))
        best = scores.reshape(seeds, batch, c.best_of).argmax(-1, keepdim=True)
        return sampled.gather(2, best).squeeze(2)

    def rollout(self, state: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Episodes from states (S, B), re-planning every hₐ steps for ``horizon`` steps: reached the goal (S, B)."""
        c = self.config
        plan = torch.zeros_like(state)
        for t in range(c.horizon):
            if t % self.ha == 0:
                plan = self.decide(state, generator)
            action = (plan >> (t % self.ha)) & 1
            state, _ = chain_step(state, action, self.keys, c.slip, c.length, generator)
        return (state == c.length).to(torch.float32)

    def value_errors(self) -> torch.Tensor:
        """|V̂(s) − V*(s)| by distance to the goal d = 1..L: (S, L)."""
        return (self.value[:, :-1] - self.optimal[:-1]).abs().flip(1)

    def step(self) -> dict[str, torch.Tensor]:
        """One update, then the evaluation; per-seed metrics (seeds,): success, value_error (mean over states),
        far_value_error (the far half of the chain), replans (decisions per step)."""
        self.update()
        start = torch.zeros(self.config.seeds, self.config.episodes, dtype=torch.long, device=self.device)
        success = self.rollout(start, self.generator).mean(-1)
        errors = self.value_errors()
        far = errors[:, self.config.length // 2:]
        return {"success": success, "value_error": errors.mean(-1), "far_value_error": far.mean(-1),
                "replans": torch.full_like(success, 1.0 / self.ha)}

    def view_state(self) -> dict[str, torch.Tensor]:
        """Each seed's |V̂ − V*| by distance to the goal (S, L) and its success from each start distance
        (S, L; ``VIEW_EPISODES`` episodes per start, the view's own generator, ``horizon`` steps)."""
        c = self.config
        distance = torch.arange(1, c.length + 1, device=self.device)
        start = (c.length - distance).repeat_interleave(VIEW_EPISODES).expand(c.seeds, -1)
        success = self.rollout(start.contiguous(), self.view_generator).reshape(c.seeds, c.length, -1).mean(-1)
        return {"distance": distance, "value_error": self.value_errors().detach().clone(), "success": success}
