"""Repeated-game strategies as data: small finite-state machines.

A strategy is a table: each state has a probability of cooperating, and the next state is
looked up from (state, own action, opponent's action). Memory-one strategies (first move plus
four cooperation probabilities) are 5-state machines; TF2T, Alternator, Grim, defect-once and
the naive prober need a few states each; the predict-then-act agent is a machine over the
opponent's last two moves whose action best-responds, in the given game, to its prediction.
Actions: 0 = cooperate (C, or a game's first option), 1 = defect (D, second option).
The definitions follow the Axelrod library's strategies of the same names, and, as there, every
machine moves on the *realised* actions (after a noise flip, its own and the opponent's), so that
matches score the same: exactly without noise (tests/games/test_repeated.py), and in distribution
under noise for every constructor here (tests/games/test_strategies_noise.py; the strategies that
Axelrod lacks — Defect Once, Predict Then Act — against small Axelrod players written there).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .payoff_check import payoff_table

C, D = 0, 1


@dataclass(frozen=True)
class Strategy:
    name: str
    cooperate: np.ndarray     # (S,) probability of playing C in each state
    transition: np.ndarray    # (S, 2, 2) next state from (state, own action, opponent's action)
    start: int = 0

    def __post_init__(self):
        states = len(self.cooperate)
        if self.transition.shape != (states, 2, 2) or not np.all((self.transition >= 0) & (self.transition < states)):
            raise ValueError(f"{self.name}: transition must be a ({states}, 2, 2) table of states 0..{states - 1}")
        if not np.all((self.cooperate >= 0) & (self.cooperate <= 1)):
            raise ValueError(f"{self.name}: cooperation probabilities must lie in [0, 1]")


def memory_one(name: str, first: float, p_cc: float, p_cd: float, p_dc: float, p_dd: float) -> Strategy:
    """First-move cooperation probability, then P(C | own last, opponent's last) for CC, CD, DC, DD.
    States: 0 = first move, 1 + 2·own + opponent = the last outcome."""
    transition = np.zeros((5, 2, 2), dtype=int)
    for own in (C, D):
        for other in (C, D):
            transition[:, own, other] = 1 + 2 * own + other
    return Strategy(name, np.array([first, p_cc, p_cd, p_dc, p_dd], dtype=float), transition)


def _machine(name: str, cooperate, next_on_opponent, start: int = 0) -> Strategy:
    """A machine whose next state depends only on the opponent's action: next_on_opponent[s] = (on C, on D)."""
    table = np.asarray(next_on_opponent, dtype=int)
    return Strategy(name, np.asarray(cooperate, dtype=float), np.repeat(table[:, None, :], 2, axis=1), start)


def cooperator() -> Strategy:
    return _machine("Cooperator", [1.0], [[0, 0]])


def defector() -> Strategy:
    return _machine("Defector", [0.0], [[0, 0]])


def tit_for_tat() -> Strategy:
    """C first, then copy the opponent's last move."""
    return _machine("Tit For Tat", [1.0, 0.0], [[0, 1], [0, 1]])


def suspicious_tit_for_tat() -> Strategy:
    """D first, then copy the opponent's last move."""
    return _machine("Suspicious Tit For Tat", [1.0, 0.0], [[0, 1], [0, 1]], start=1)


def generous_tit_for_tat(forgive: float = 1 / 3) -> Strategy:
    """TFT that forgives a defection with probability ``forgive`` (Axelrod's GTFT value for 3,0,5,1)."""
    return _machine("Generous Tit For Tat", [1.0, forgive], [[0, 1], [0, 1]])


def win_stay_lose_shift() -> Strategy:
    """C first; repeat after R or T, switch after S or P."""
    return memory_one("Win-Stay Lose-Shift", 1.0, 1.0, 0.0, 0.0, 1.0)


def grim_trigger() -> Strategy:
    """Cooperate until the opponent defects once, then defect forever (Axelrod's Grudger).
    Notebook 04 uses it as a machine that encodes the unforgiving play Akata et al. (arXiv 2305.16867)
    report for GPT-4 in the Prisoner's Dilemma; its scores there are arithmetic of this machine, not a
    reproduction of their experiment."""
    return _machine("Grudger", [1.0, 0.0], [[0, 1], [1, 1]])


def random_player(p: float = 0.5) -> Strategy:
    return _machine("Random", [p], [[0, 0]])


def tit_for_two_tats() -> Strategy:
    """Defect only after two consecutive defections of the opponent."""
    return _machine("Tit For 2 Tats", [1.0, 1.0, 0.0], [[0, 1], [0, 2], [0, 2]])


def alternator() -> Strategy:
    """C first, then the opposite of its own last *realised* move: C, D, C, D, … without noise.

    As Axelrod's ``Alternator`` (which reads its own history): the next state follows the move that
    was actually played, so after a noise flip it alternates from the flipped move — not a clock that
    keeps its old phase (which repeats a move with probability ≈ 2ε instead of ε).
    States: 0 = play C, 1 = play D; next state = 1 − own realised action."""
    transition = np.zeros((2, 2, 2), dtype=int)
    transition[:, C, :], transition[:, D, :] = 1, 0
    return Strategy("Alternator", np.array([1.0, 0.0]), transition)


def defect_once() -> Strategy:
    """D in the first round, then C forever (Akata et al.'s defect-once opponent)."""
    return _machine("Defect Once", [0.0, 1.0], [[1, 1], [1, 1]])


def always_first_option() -> Strategy:
    return _machine("Always First Option", [1.0], [[0, 0]])


def naive_prober(p: float = 0.1) -> Strategy:
    """C first; then TFT, but defects with probability ``p`` when TFT would cooperate."""
    return _machine("Naive Prober", [1.0, 1.0 - p, 0.0], [[1, 2], [1, 2], [1, 2]])


def predict_then_act(payoff: np.ndarray) -> Strategy:
    """Predict the opponent's next move from its last two — alternating if they differ, repeating if
    not — and best-respond to the prediction in ``payoff`` (own payoffs, (own action, opponent's)).
    A machine that encodes the behaviour Akata et al. (arXiv 2305.16867) report for GPT-4 under social
    chain-of-thought prompting (predict, then act): it illustrates their finding, it does not reproduce
    it. In a Prisoner's Dilemma D is the best response to either prediction, so there it is Always Defect.
    States: 0 = no history (plays its own best outcome's action), 1/2 = one opponent move seen
    (C/D), 3 + 2·previous + last = two moves seen. ``payoff``: a (2, 2) table of finite numbers, else a
    ``ConfigError`` naming it."""
    payoff = payoff_table(payoff, "payoff", (2, 2)).astype(float)
    best_response = payoff.argmax(axis=0)                   # own action against each opponent action
    first = np.unravel_index(payoff.argmax(), payoff.shape)[0]
    cooperate = [1.0 - first, 1.0 - best_response[C], 1.0 - best_response[D]]
    for previous in (C, D):
        for last in (C, D):
            predicted = 1 - last if previous != last else last
            cooperate.append(1.0 - best_response[predicted])
    seen_one = [[1, 2]]
    after_one = [[3 + 2 * C + C, 3 + 2 * C + D], [3 + 2 * D + C, 3 + 2 * D + D]]
    after_two = [[3 + 2 * last + C, 3 + 2 * last + D] for previous in (C, D) for last in (C, D)]
    return _machine("Predict Then Act", cooperate, seen_one + after_one + after_two)
