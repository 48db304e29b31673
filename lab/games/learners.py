"""Learning agents in the repeated game, batched over seeds.

- ``memory_one_gradient``: a policy-gradient learner over memory-one strategies. Against a
  memory-one opponent the discounted payoff is exact — the play is a Markov chain on the four
  outcomes — so its gradient is exact too (Press & Dyson 2012 for the chain; here with a
  discount δ): V(p) = (1−δ)·v₀ᵀ(I − δM(p))⁻¹r, ascended on the logits of p by autograd.
- ``q_learning``: tabular Q-learning (Watkins 1989) over the last k joint moves against a
  strategy machine, ε-greedy, every seed at once.
"""
from __future__ import annotations

import numpy as np
import torch

from .repeated import Game2x2
from .strategies import Strategy


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


def q_learning(opponent: Strategy, game: Game2x2, memory: int = 1, episodes: int = 300, turns: int = 50,
               seeds: int = 16, alpha: float = 0.1, gamma: float = 0.9, epsilon: float = 0.1,
               seed: int = 0) -> dict[str, np.ndarray]:
    """Q-learning over the last ``memory`` joint outcomes (0..3, 4 = none yet) against ``opponent``.
    Returns the Q-tables (seeds, 5^memory, 2) and the learner's cooperation rate per episode."""
    for name, value, low, high in [("memory", memory, 1, 4), ("alpha", alpha, 0, 1), ("gamma", gamma, 0, 0.999),
                                   ("epsilon", epsilon, 0, 1)]:
        if not low <= value <= high:
            raise ValueError(f"{name} = {value!r} must lie in [{low}, {high}]")
    rng = np.random.default_rng(seed)
    states, index = 5 ** memory, np.arange(seeds)
    Q = np.zeros((seeds, states, 2))
    cooperation = np.zeros(episodes)
    for episode in range(episodes):
        history = np.full((seeds, memory), 4)                 # last outcomes, oldest first
        machine = np.full(seeds, opponent.start)
        cooperated = 0
        for _ in range(turns):
            s = (history * 5 ** np.arange(memory)[::-1]).sum(1)
            greedy = Q[index, s].argmax(1)
            explore = rng.random(seeds) < epsilon
            action = np.where(explore, rng.integers(0, 2, seeds), greedy)
            other = (rng.random(seeds) >= opponent.cooperate[machine]).astype(int)
            machine = opponent.transition[machine, other, action]
            reward = game.row[action, other]
            history = np.concatenate([history[:, 1:], (2 * action + other)[:, None]], axis=1)
            s_next = (history * 5 ** np.arange(memory)[::-1]).sum(1)
            target = reward + gamma * Q[index, s_next].max(1)
            # Q-learning (Watkins 1989): Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a))
            Q[index, s, action] += alpha * (target - Q[index, s, action])
            cooperated += (action == 0).sum()
        cooperation[episode] = cooperated / (seeds * turns)
    return {"Q": Q, "cooperation": cooperation}
