"""Learning agents in the repeated game, batched over seeds.

- ``memory_one_gradient``: a policy-gradient learner over memory-one strategies. Against a
  memory-one opponent the discounted payoff is exact — the play is a Markov chain on the four
  outcomes — so its gradient is exact too (Press & Dyson 2012 for the chain; here with a
  discount δ): V(p) = (1−δ)·v₀ᵀ(I − δM(p))⁻¹r, ascended on the logits of p by autograd.
- ``naive_learners``: two such learners ascending their own values at once (simultaneous naive
  gradient play; Foerster et al. 2018, "Learning with Opponent-Learning Awareness", call it the
  naive learner).
- ``QLearningTrainer``: tabular Q-learning (Watkins 1989) over the last k joint moves against a
  strategy machine — or against a second Q-learner learning at the same time — ε-greedy,
  every seed at once; one step is one episode.
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


def memory_one_value(p: torch.Tensor, q: torch.Tensor, game: Game2x2, delta: float,
                     column: bool = False) -> torch.Tensor:
    """Discounted mean payoff (1−δ)·Σ_t δ^t·r_t of memory-one p (B, 5) against memory-one q (5,) or (B, 5).

    Outcomes are from p's side (own move first); ``column`` scores p with the game's column payoffs.
    """
    swap = [0, 1, 3, 2, 4]                                   # the opponent sees CD as DC
    q = q[..., swap].expand_as(p)
    def outcome_probs(pc, qc):                               # P(CC), P(CD), P(DC), P(DD)
        return torch.stack([pc * qc, pc * (1 - qc), (1 - pc) * qc, (1 - pc) * (1 - qc)], dim=-1)
    start = outcome_probs(p[:, 0], q[:, 0])                                   # (B, 4)
    M = outcome_probs(p[:, 1:], q[:, 1:])                                     # (B, 4, 4)
    payoff = game.for_player(1 if column else 0)                              # p's payoff, p's move first
    r = torch.as_tensor(payoff.reshape(-1), dtype=p.dtype)                    # CC, CD, DC, DD
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


def naive_learners(game: Game2x2, delta: float = 0.9, seeds: int = 16, steps: int = 300, lr: float = 0.5,
                   seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Two memory-one gradient learners playing each other, each ascending only its own value.

    Returns (row strategies (seeds, 5), column strategies (seeds, 5), values (steps, seeds, 2)).
    """
    if not 0 <= delta < 1:
        raise ValueError(f"delta = {delta!r} must satisfy 0 ≤ δ < 1")
    logits = torch.randn(2, seeds, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    logits.requires_grad_(True)
    optimizer = torch.optim.Adam([logits], lr=lr)
    values = []
    for _ in range(steps):
        p, q = torch.sigmoid(logits)
        # Naive learning: each player's gradient treats the other's strategy as fixed (detached).
        row = memory_one_value(p, q.detach(), game, delta)
        col = memory_one_value(q, p.detach(), game, delta, column=True)
        optimizer.zero_grad()
        (-(row + col).sum()).backward()
        optimizer.step()
        values.append(torch.stack([row, col], dim=-1).detach())
    p, q = torch.sigmoid(logits.detach())
    return p, q, torch.stack(values)


class QLearningConfig(LabConfig):
    """Tabular Q-learning over the last k joint moves against a fixed strategy or a second Q-learner."""

    game: Literal["prisoners-dilemma", "akata-pd", "akata-bos"] = Field("prisoners-dilemma", description="stage game")
    opponent: Literal[OPPONENT_NAMES + ("q-learner",)] = Field(
        "tit-for-tat", description="the opponent: a fixed strategy, or a second Q-learner learning at the same time")
    memory: int = Field(1, ge=1, le=4, description="joint moves the learner remembers (k)")
    alpha: float = Field(0.1, gt=0.0, le=1.0, description="learning rate α")
    gamma: float = Field(0.95, ge=0.0, le=0.999, description="discount γ")
    epsilon: float = Field(0.1, ge=0.0, le=1.0, description="exploration rate ε (ε-greedy)")
    turns: int = Field(50, ge=1, le=10_000, description="rounds per episode")
    seeds: int = Field(16, ge=1, le=1024, description="independent learners")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed")
    steps: int = Field(300, ge=1, le=100_000, description="episodes")


class QLearningTrainer(Trainer):
    """One ``step()`` = one episode for every seed at once; Q (seeds, 5^k, 2); outcomes 0..3, 4 = none yet.

    Against ``opponent = "q-learner"`` a second table (same hyperparameters) learns from the
    column player's side of the same games.
    """

    Config = QLearningConfig

    def __init__(self, config: QLearningConfig, device=None):
        super().__init__(config, device)
        from lab.envs.repeated_game import GAMES, OPPONENTS

        self.game = GAMES[config.game]()
        self.learning_opponent = config.opponent == "q-learner"
        self.opponent = None if self.learning_opponent else OPPONENTS[config.opponent]()
        self.rng = np.random.default_rng(config.seed)
        players = 2 if self.learning_opponent else 1
        self.Q = np.zeros((players, config.seeds, 5 ** config.memory, 2))

    @property
    def population(self) -> int:
        return self.config.seeds

    def _state(self, history: np.ndarray) -> np.ndarray:
        return (history * 5 ** np.arange(self.config.memory)[::-1]).sum(-1)

    def _act(self, states: np.ndarray) -> np.ndarray:
        """ε-greedy actions of every learning player (players, seeds); 0 = C, 1 = D."""
        c, rng = self.config, self.rng
        greedy = np.take_along_axis(self.Q, states[..., None, None], axis=2)[:, :, 0].argmax(-1)
        explore = rng.random(greedy.shape) < c.epsilon
        return np.where(explore, rng.integers(0, 2, greedy.shape), greedy)

    def step(self) -> dict[str, np.ndarray]:
        c, rng = self.config, self.rng
        players = len(self.Q)
        seat, pick = np.arange(players)[:, None], np.arange(c.seeds)[None]
        history = np.full((players, c.seeds, c.memory), 4)          # each side's last outcomes, oldest first
        machine = np.full(c.seeds, self.opponent.start if self.opponent else 0)
        cooperated, total = np.zeros((2, c.seeds)), np.zeros((2, c.seeds))
        for _ in range(c.turns):
            s = self._state(history)                                # (players, seeds)
            moves = self._act(s)
            if self.learning_opponent:
                action, other = moves
            else:
                action = moves[0]
                other = (rng.random(c.seeds) >= self.opponent.cooperate[machine]).astype(int)
                machine = self.opponent.transition[machine, other, action]
            own = np.stack([action, other])[:players]                # each learner's move, then its opponent's
            opp = np.stack([other, action])[:players]
            reward = np.stack([self.game.for_player(0)[action, other], self.game.for_player(1)[other, action]])
            history = np.concatenate([history[..., 1:], (2 * own + opp)[..., None]], axis=-1)
            target = reward[:players] + c.gamma * self.Q[seat, pick, self._state(history)].max(-1)
            # Q-learning (Watkins 1989): Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a))
            self.Q[seat, pick, s, own] += c.alpha * (target - self.Q[seat, pick, s, own])
            cooperated += np.stack([action, other]) == 0
            total += reward
        return {"cooperation": cooperated[0] / c.turns, "mean_reward": total[0] / c.turns,
                "opponent_cooperation": cooperated[1] / c.turns, "opponent_reward": total[1] / c.turns}
