"""When does cooperating with Tit For Tat pay? The critical discount factor of the repeated PD.

Against Tit For Tat the opponent's next move is one's own last move, so a player who discounts
the future by γ faces a two-state decision problem (TFT about to play C, or D). Its stationary
deterministic policies give, from TFT's opening C (the standard folk-theorem computation, e.g.
Axelrod, *The Evolution of Cooperation*, 1984, ch. 1–2):

- cooperate always:                     R / (1 − γ)
- defect always:                        T + γ P / (1 − γ)
- alternate D, C, D, C, … (exploit TFT's echo):  (T + γ S) / (1 − γ²)
- cooperate after C, defect after D:    R / (1 − γ) (it never leaves C)

Cooperation is a best response iff R/(1 − γ) is at least the other two, i.e.

    γ ≥ γ* = max((T − R)/(T − P), (T − R)/(R − S)).

With Axelrod's payoffs (R, S, T, P) = (3, 0, 5, 1) the first bound is ½ (enough against
always-defect) but the alternation bound is 2/3, so γ* = 2/3, not ½.
"""
from __future__ import annotations

import numpy as np


def critical_discount_against_tft(R: float, S: float, T: float, P: float) -> float:
    """γ* above which always cooperating is a best response to Tit For Tat in the repeated PD.

    ``R, S, T, P`` with T > R > P > S. Returns max((T − R)/(T − P), (T − R)/(R − S)); a value ≥ 1
    means cooperation never pays for γ < 1 (when 2R ≤ T + S, alternating beats it)."""
    if not T > R > P > S:
        raise ValueError(f"a Prisoner's Dilemma needs T > R > P > S; got T={T:g}, R={R:g}, P={P:g}, S={S:g}")
    return max((T - R) / (T - P), (T - R) / (R - S))


def values_against_tft(R: float, S: float, T: float, P: float, gamma: float) -> dict[str, float]:
    """Discounted values of the stationary policies against Tit For Tat (which opens with C), by
    solving the two-state Bellman equations exactly (no closed form used): policy → value."""
    own = np.array([[R, S], [T, P]], dtype=float)   # [my action, TFT's action]; TFT's action = my last
    values = {}
    for name, act in {"cooperate": (0, 0), "defect": (1, 1), "alternate": (1, 0), "tit for tat": (0, 1)}.items():
        # state s = TFT's next action; I play act[s], get own[act[s], s], the next state is act[s]
        transition = np.zeros((2, 2))
        reward = np.zeros(2)
        for s in (0, 1):
            transition[s, act[s]] = 1.0
            reward[s] = own[act[s], s]
        v = np.linalg.solve(np.eye(2) - gamma * transition, reward)
        values[name] = float(v[0])
    return values
