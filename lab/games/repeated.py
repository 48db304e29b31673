"""Repeated 2×2 games: payoffs, and one engine that plays a whole population of matches at once.

Every match is a pair of strategy machines (lab.games.strategies). All matches advance one
round per tensor step: each machine's state gives its cooperation probability, actions are
drawn, flipped with probability ``noise``, scored, and the states move on. A random horizon
ends each match after every round with probability ``end_prob``. numpy, vectorized over matches.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lab.core import ConfigError, Field, LabConfig
from lab.core.config import shown

from .payoff_check import payoff_number, payoff_table
from .strategies import Strategy


@dataclass(frozen=True)
class Game2x2:
    """Payoffs indexed [row action, column action]; action 0 = C / first option, 1 = D / second.

    ``row`` and ``column`` are (2, 2) tables of finite numbers, stored as float arrays; anything else
    (NaN, another shape, strings) is a ``ConfigError`` naming the table."""
    name: str
    row: np.ndarray      # (2, 2) the row player's payoffs
    column: np.ndarray   # (2, 2) the column player's payoffs

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise ConfigError(f"'name' = {shown(self.name)} is not allowed: must be a string")
        for table in ("row", "column"):
            object.__setattr__(self, table, payoff_table(getattr(self, table), table, (2, 2)).astype(float))

    def for_player(self, player: int) -> np.ndarray:
        """Player's own payoffs indexed [own action, opponent's action]."""
        return self.row if player == 0 else self.column.T


def prisoners_dilemma(R: float = 3, S: float = 0, T: float = 5, P: float = 1, name: str = "Prisoner's Dilemma") -> Game2x2:
    """The symmetric PD with reward R, sucker S, temptation T, punishment P (Axelrod's 3, 0, 5, 1):
    finite numbers with T > R > P > S, else a ``ConfigError`` naming the payoff."""
    R, S, T, P = (payoff_number(value, key, meaning) for value, key, meaning in (
        (R, "R", "reward for mutual cooperation"), (S, "S", "sucker's payoff"), (T, "T", "temptation to defect"),
        (P, "P", "punishment for mutual defection")))
    if not (T > R > P > S):
        raise ConfigError(f"a Prisoner's Dilemma needs T > R > P > S; got T={T:g}, R={R:g}, P={P:g}, S={S:g}")
    row = np.array([[R, S], [T, P]], dtype=float)
    return Game2x2(name, row, row.T.copy())


def akata_prisoners_dilemma() -> Game2x2:
    """Akata et al. (arXiv 2305.16867): (C,C) = 8,8, (C,D) = 0,10, (D,C) = 10,0, (D,D) = 5,5.

    The lab plays these payoffs with machines that *encode the behaviour the paper reports* for GPT-4
    (Grudger for its unforgiving play; ``predict_then_act`` for its social chain-of-thought, which in
    this game is Always Defect, D being the best response to either move). Their scores (90:10 against
    a one-time defector, 74:74 for Tit For Tat) are arithmetic of those machines, an illustration of
    the paper's findings, not a reproduction of its experiments."""
    return prisoners_dilemma(8, 0, 10, 5, name="Akata PD")


def akata_battle_of_the_sexes() -> Game2x2:
    """Akata et al.: both first option 10,7; both second option 7,10; miscoordination 0,0.

    As with ``akata_prisoners_dilemma``, the lab's players here (Always First Option, Alternator,
    ``predict_then_act``) are hand-built to the behaviour the paper reports, not language models."""
    return Game2x2("Akata BoS", np.array([[10.0, 0.0], [0.0, 7.0]]), np.array([[7.0, 0.0], [0.0, 10.0]]))


@dataclass
class MatchResults:
    actions: np.ndarray   # (matches, turns, 2) actions played, -1 after a match ended
    payoffs: np.ndarray   # (matches, turns, 2) payoffs, 0 after a match ended

    @property
    def scores(self) -> np.ndarray:
        """Total score of each player, (matches, 2)."""
        return self.payoffs.sum(axis=1)

    @property
    def cooperation(self) -> np.ndarray:
        """Fraction of rounds each player cooperated, (matches, 2)."""
        played = self.actions >= 0
        return ((self.actions == 0) & played).sum(axis=1) / np.maximum(played.sum(axis=1), 1)


def _stack(strategies: list[Strategy]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    states = max(len(s.cooperate) for s in strategies)
    cooperate = np.zeros((len(strategies), states))
    transition = np.zeros((len(strategies), states, 2, 2), dtype=int)
    for i, s in enumerate(strategies):
        cooperate[i, : len(s.cooperate)] = s.cooperate
        transition[i, : len(s.cooperate)] = s.transition
    return cooperate, transition, np.array([s.start for s in strategies])


def play(row: list[Strategy], column: list[Strategy], game: Game2x2, turns: int, *, noise: float = 0.0,
         end_prob: float = 0.0, seed: int = 0) -> MatchResults:
    """Play match i between ``row[i]`` and ``column[i]`` for every i at once."""
    if len(row) != len(column) or not row:
        raise ValueError(f"row and column need the same, non-zero number of strategies ({len(row)} vs {len(column)})")
    if not (isinstance(turns, (int, np.integer)) and turns >= 1):
        raise ValueError(f"turns = {turns!r} must be a positive integer")
    for name, value in (("noise", noise), ("end_prob", end_prob)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} = {value!r} must be a probability in [0, 1]")
    rng = np.random.default_rng(seed)
    players = [_stack(row), _stack(column)]
    matches, index = len(row), np.arange(len(row))
    state = [start.copy() for _, _, start in players]
    alive = np.ones(matches, dtype=bool)
    actions = np.full((matches, turns, 2), -1)
    payoffs = np.zeros((matches, turns, 2))
    for t in range(turns):
        move = [(rng.random(matches) >= coop[index, s]).astype(int) for (coop, _, _), s in zip(players, state)]
        if noise:
            move = [np.where(rng.random(matches) < noise, 1 - m, m) for m in move]
        actions[alive, t] = np.stack(move, axis=1)[alive]
        payoffs[alive, t, 0] = game.row[move[0], move[1]][alive]
        payoffs[alive, t, 1] = game.column[move[0], move[1]][alive]
        state = [trans[index, state[p], move[p], move[1 - p]] for p, (_, trans, _) in enumerate(players)]
        if end_prob:
            alive &= rng.random(matches) >= end_prob
    return MatchResults(actions, payoffs)


def round_robin(strategies: list[Strategy], game: Game2x2, turns: int, repetitions: int = 1, *,
                noise: float = 0.0, end_prob: float = 0.0, self_play: bool = True, seed: int = 0) -> np.ndarray:
    """Mean score of strategy i against strategy j, (n, n), from one batched run of every pairing
    (i ≤ j, each ``repetitions`` times). With ``self_play`` False the diagonal is NaN — Axelrod's
    tournaments play self-matches but leave them out of the scores that rank players."""
    pairs = [(i, j) for i in range(len(strategies)) for j in range(i if self_play else i + 1, len(strategies))]
    row = [strategies[i] for i, _ in pairs for _ in range(repetitions)]
    column = [strategies[j] for _, j in pairs for _ in range(repetitions)]
    scores = play(row, column, game, turns, noise=noise, end_prob=end_prob, seed=seed).scores
    scores = scores.reshape(len(pairs), repetitions, 2).mean(axis=1)
    table = np.full((len(strategies), len(strategies)), np.nan)
    for (i, j), (a, b) in zip(pairs, scores):
        table[i, j], table[j, i] = a, b
        if i == j:
            table[i, i] = (a + b) / 2
    return table


class TournamentConfig(LabConfig):
    """A round robin's settings, as notebooks take them."""

    turns: int = Field(200, ge=1, le=100_000, description="rounds per match")
    repetitions: int = Field(10, ge=1, le=10_000, description="matches per pairing")
    noise: float = Field(0.0, ge=0.0, le=0.5, description="probability that an action is flipped")
    end_prob: float = Field(0.0, ge=0.0, le=1.0, description="probability that a match ends after each round")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed")

    def memory_parts(self) -> dict[str, float]:
        """One pairing's record (``play``'s int64 actions and float64 payoffs, 2 players per round); a
        round robin of n strategies records n(n + 1)/2 of them."""
        return {"one pairing's record (repetitions·turns)": 32 * self.repetitions * self.turns}
