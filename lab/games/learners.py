"""Learning agents in the repeated game, batched over seeds.

- ``memory_one_gradient``: a policy-gradient learner over memory-one strategies. Against a
  memory-one opponent the discounted payoff is exact — the play is a Markov chain on the four
  outcomes — so its gradient is exact too (Press & Dyson 2012 for the chain; here with a
  discount δ): V(p) = (1−δ)·v₀ᵀ(I − δM(p))⁻¹r, ascended on the logits of p by autograd.
- ``QLearningTrainer``: tabular Q-learning (Watkins 1989) over the last k joint moves against a
  strategy machine, ε-greedy, every seed at once; one step is one episode.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from lab.core import Field, LabConfig, Trainer

from .repeated import Game2x2
from .strategies import Strategy

OPPONENT_NAMES = ("cooperator", "defector", "tit-for-tat", "grim", "win-stay-lose-shift", "alternator",
                  "tit-for-two-tats", "random", "generous-tit-for-tat")


def as_memory_one(strategy: Strategy) -> np.ndarray:
    """[first move, P(C|CC), P(C|CD), P(C|DC), P(C|DD)] (own move first) of a machine whose state
    after the first round depends only on the last outcome; otherwise a ValueError."""
    after = {(own, other): strategy.transition[strategy.start, own, other] for own in (0, 1) for other in (0, 1)}
    for state in range(len(strategy.cooperate)):
        for (own, other), target in after.items():
            if strategy.cooperate[strategy.transition[state, own, other]] != strategy.cooperate[target]:
                raise ValueError(f"{strategy.name} is not a memory-one strategy")
    return np.array([strategy.cooperate[strategy.start]] + [strategy.cooperate[after[o]] for o in sorted(after)])


def memory_one_value(p: torch.Tensor, q: torch.Tensor, game: Game2x2, delta: float) -> torch.Tensor:
    """Discounted mean payoff (1−δ)·Σ_t δ^t·r_t of memory-one p (B, 5) against memory-one q (5,)."""
    swap = [0, 1, 3, 2, 4]                                   # the opponent sees CD as DC
    q = q[swap]
    def outcome_probs(pc, qc):                               # P(CC), P(CD), P(DC), P(DD)
        return torch.stack([pc * qc, pc * (1 - qc), (1 - pc) * qc, (1 - pc) * (1 - qc)], dim=-1)
    start = outcome_probs(p[:, 0], q[0].expand(len(p)))                       # (B, 4)
    M = outcome_probs(p[:, 1:], q[1:].expand_as(p[:, 1:]))                    # (B, 4, 4)
    r = torch.as_tensor(game.row.reshape(-1), dtype=p.dtype)                  # CC, CD, DC, DD
    eye = torch.eye(4, dtype=p.dtype)
    visits = torch.linalg.solve((eye - delta * M).transpose(1, 2), start.unsqueeze(-1)).squeeze(-1)
    return (1 - delta) * visits @ r


def memory_one_gradient(opponent: Strategy, game: Game2x2, delta: float = 0.9, seeds: int = 16,
                        steps: int = 300, lr: float = 0.5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient ascent on V from random logits; returns (final strategies (seeds, 5), values per step)."""
    if not 0 <= delta < 1:
        raise ValueError(f"delta = {delta!r} must satisfy 0 ≤ δ < 1")
    q = torch.as_tensor(as_memory_one(opponent), dtype=torch.float64)
    logits = torch.randn(seeds, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    logits.requires_grad_(True)
    optimizer = torch.optim.Adam([logits], lr=lr)
    values = []
    for _ in range(steps):
        value = memory_one_value(torch.sigmoid(logits), q, game, delta)
        optimizer.zero_grad()
        (-value.sum()).backward()
        optimizer.step()
        values.append(value.detach())
    return torch.sigmoid(logits.detach()), torch.stack(values)


class QLearningConfig(LabConfig):
    """Tabular Q-learning over the last k joint moves against a fixed strategy."""

    game: Literal["prisoners-dilemma", "akata-pd", "akata-bos"] = Field("prisoners-dilemma", description="stage game")
    opponent: Literal[OPPONENT_NAMES] = Field("tit-for-tat", description="the fixed opponent's strategy")
    memory: int = Field(1, ge=1, le=4, description="joint moves the learner remembers (k)")
    alpha: float = Field(0.1, gt=0.0, le=1.0, description="learning rate α")
    gamma: float = Field(0.95, ge=0.0, le=0.999, description="discount γ")
    epsilon: float = Field(0.1, ge=0.0, le=1.0, description="exploration rate ε (ε-greedy)")
    turns: int = Field(50, ge=1, le=10_000, description="rounds per episode")
    seeds: int = Field(16, ge=1, le=1024, description="independent learners")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed")
    steps: int = Field(300, ge=1, le=100_000, description="episodes")


class QLearningTrainer(Trainer):
    """One ``step()`` = one episode for every seed at once; Q (seeds, 5^k, 2); outcomes 0..3, 4 = none yet."""

    Config = QLearningConfig

    def __init__(self, config: QLearningConfig, device=None):
        super().__init__(config, device)
        from lab.envs.repeated_game import GAMES, OPPONENTS

        self.game, self.opponent = GAMES[config.game](), OPPONENTS[config.opponent]()
        self.rng = np.random.default_rng(config.seed)
        self.Q = np.zeros((config.seeds, 5 ** config.memory, 2))

    @property
    def population(self) -> int:
        return self.config.seeds

    def _state(self, history: np.ndarray) -> np.ndarray:
        return (history * 5 ** np.arange(self.config.memory)[::-1]).sum(1)

    def step(self) -> dict[str, np.ndarray]:
        c, rng, index = self.config, self.rng, np.arange(self.config.seeds)
        history = np.full((c.seeds, c.memory), 4)                     # last outcomes, oldest first
        machine = np.full(c.seeds, self.opponent.start)
        cooperated, total = np.zeros(c.seeds), np.zeros(c.seeds)
        for _ in range(c.turns):
            s = self._state(history)
            explore = rng.random(c.seeds) < c.epsilon
            action = np.where(explore, rng.integers(0, 2, c.seeds), self.Q[index, s].argmax(1))
            other = (rng.random(c.seeds) >= self.opponent.cooperate[machine]).astype(int)
            machine = self.opponent.transition[machine, other, action]
            reward = self.game.row[action, other]
            history = np.concatenate([history[:, 1:], (2 * action + other)[:, None]], axis=1)
            target = reward + c.gamma * self.Q[index, self._state(history)].max(1)
            # Q-learning (Watkins 1989): Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a))
            self.Q[index, s, action] += c.alpha * (target - self.Q[index, s, action])
            cooperated += action == 0
            total += reward
        return {"cooperation": cooperated / c.turns, "mean_reward": total / c.turns}
