"""The cliff chain of ALOE's toy (``lab.temporal.aloe``): its transition tensor, the exact values of a policy,
and episodes played into the buffer with an expert who takes over next to the cliff."""
from __future__ import annotations

import torch

STEP, JUMP, BACK = 0, 1, 2
ACTIONS = 3
START = 1


# --- the chain and its exact values ---------------------------------------------------------------


def chain_transitions(seeds: int, states: int, generator: torch.Generator, device) -> torch.Tensor:
    """Each seed's transition tensor P (S, N, A, N + 2) over the cells 0 … N−1, the goal N and the cliff
    N + 1: slip ~ U[0.1, 0.4] and jump success ~ U[0.3, 0.8] per seed and cell."""
    n = states
    slip = 0.1 + 0.3 * torch.rand(seeds, n, generator=generator, device=device)
    land = 0.3 + 0.5 * torch.rand(seeds, n, generator=generator, device=device)
    p = torch.zeros(seeds, n, ACTIONS, n + 2, device=device)
    cell = torch.arange(n, device=device)
    to = lambda x: torch.where(x < 0, n + 1, x.clamp(max=n))  # noqa: E731  cliff below 0, goal at or past n
    seeds_ix = torch.arange(seeds, device=device)[:, None]
    p[seeds_ix, cell, STEP, to(cell + 1)] += 1 - slip
    p[seeds_ix, cell, STEP, cell] += slip
    p[seeds_ix, cell, JUMP, to(cell + 2)] += land
    p[seeds_ix, cell, JUMP, to(cell - 1)] += 1 - land
    p[seeds_ix, cell, BACK, to(cell - 1)] += 1.0
    return p


def true_values(p: torch.Tensor, pi: torch.Tensor, gamma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """V^π (S, N) and Q^π (S, N, A) exactly: r(s, a) = P(s, a → goal), V = (I − γP_π)⁻¹ r_π."""
    n = pi.shape[1]
    reward = p[..., n]                                                     # (S, N, A)
    p_pi = torch.einsum("sna,snam->snm", pi, p[..., :n])
    v = torch.linalg.solve(torch.eye(n, device=p.device) - gamma * p_pi, (pi * reward).sum(-1))
    return v, reward + gamma * torch.einsum("snam,sm->sna", p[..., :n], v)


# --- the buffer ------------------------------------------------------------------------------------


def play(p: torch.Tensor, pi: torch.Tensor, episodes: int, horizon: int, intervention: float,
         generator: torch.Generator) -> dict[str, torch.Tensor]:
    """``episodes`` episodes per seed of policy pi (S, N, A) from START; in a fraction ``intervention`` of
    them the expert ('step') acts from the first visit of cell 0 on. Returns states (S, E, T + 1) (goal N,
    cliff N + 1 absorbing), actions and rewards (S, E, T), intervened (S, E)."""
    s_, n = pi.shape[0], pi.shape[1]
    dev = pi.device
    state = torch.full((s_, episodes), START, device=dev, dtype=torch.long)
    flagged = torch.rand(s_, episodes, generator=generator, device=dev) < intervention
    taken = torch.zeros_like(flagged)
    states, actions, rewards = [state], [], []
    seeds_ix = torch.arange(s_, device=dev)[:, None]
    for _ in range(horizon):
        alive = state < n
        cell = state.clamp(max=n - 1)
        taken = taken | (flagged & (state == 0))
        probs = pi[seeds_ix, cell]                                                     # (S, E, A)
        drawn = torch.multinomial(probs.reshape(-1, ACTIONS), 1, generator=generator).reshape(s_, episodes)
        action = torch.where(taken, STEP, drawn)
        move = p[seeds_ix, cell, action]                                               # (S, E, N + 2)
        u = torch.rand(s_, episodes, 1, generator=generator, device=dev)
        nxt = (move.cumsum(-1) < u).sum(-1).clamp(max=n + 1)
        nxt = torch.where(alive, nxt, state)
        rewards.append(((nxt == n) & alive).to(torch.float32))
        actions.append(action)
        state = nxt
        states.append(state)
    return {"states": torch.stack(states, -1), "actions": torch.stack(actions, -1),
            "rewards": torch.stack(rewards, -1), "intervened": taken.to(torch.float32)}
