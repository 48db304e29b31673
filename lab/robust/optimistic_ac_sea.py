"""The deep sea (Osband et al., "Behaviour Suite for RL", bsuite's deep_sea), torch-batched: the toy of
``lab.robust.optimistic_ac``.

A depth-d grid; an episode starts at the top-left (row 0, column 0) and every action moves one row down, so an
episode is d actions long. In each cell one of the two actions is "right" (column + 1) and the other "left"
(column − 1, clamped at 0); which index is which is drawn per cell and per member (a combination lock: no
action index is right everywhere). "right" costs ``cost``/d; with probability ``slip`` it fails and moves
left (still paying). Taking right successfully in the bottom-right cell (row d − 1, column d − 1) pays the
treasure 1. The optimal return is 1 − cost (all rights, slip 0); every other policy of the deterministic sea
returns ≤ 0, and a uniformly random one finds the treasure with probability 2^-d per episode.

Several depths ride side by side in one grid of the largest depth N: a member of depth d < N has nothing in
rows ≥ d (no reward, no cost, its episode over). Members are rows of a leading batch dimension B.
The optimum comes from ``lab.cliff.chain_mdp.value_iteration`` on the flattened sea (``optimal_value``).
"""
from __future__ import annotations

import numpy as np
import torch

from lab.cliff.chain_mdp import greedy_policy, value_iteration

TREASURE = 1.0
VI_GAMMA = 0.999     # value_iteration needs γ < 1; its greedy policy is then evaluated undiscounted


class DeepSea:
    """B deep seas of depths ``depths`` (B,) in an N×N grid (N = max depth), each with its own action mapping
    ``right_action`` (B, N, N): the index of the 'right' action in each cell."""

    def __init__(self, depths: torch.Tensor, cost: float, slip: float, generator: torch.Generator):
        self.depths, self.cost, self.slip = depths, cost, slip
        self.size = int(depths.max())
        n, dev = self.size, depths.device
        self.right_action = torch.randint(0, 2, (len(depths), n, n), generator=generator, device=dev)
        rows = torch.arange(n, device=dev)
        self.active = rows[None, :] < depths[:, None]                                          # (B, N)
        self.model = true_model(self.right_action, depths, cost, slip)

    def rollout(self, probs: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """One episode per member under the policy ``probs`` (B, N, N, 2): columns, actions, next columns,
        rewards (B, N) per row (0 in rows past a member's depth), and whether the treasure was reached (B,)."""
        bsz, n, dev = len(probs), self.size, probs.device
        uniform = torch.rand(bsz, n, 2, generator=generator, device=dev)
        holds = uniform[..., 1] >= self.slip                                    # a 'right' that does not slip
        first_action = probs[..., 0].reshape(bsz, n * n)
        right_action = self.right_action.reshape(bsz, n * n)
        col = torch.zeros(bsz, 1, dtype=torch.long, device=dev)
        cols, actions, rights, nexts = [], [], [], []
        for row in range(n):
            cell = row * n + col
            action = (uniform[:, row, None, 0] >= first_action.gather(1, cell)).to(torch.long)
            right = action == right_action.gather(1, cell)
            nxt = torch.where(right & holds[:, row, None], col + 1, col - 1).clamp(0, n - 1)
            cols.append(col), actions.append(action), rights.append(right), nexts.append(nxt)
            col = nxt
        col, right = torch.cat(cols, 1), torch.cat(rights, 1)
        rows = torch.arange(n, device=dev)[None, :]
        goal = (rows == self.depths[:, None] - 1) & (col == self.depths[:, None] - 1)
        treasure = (right & holds & goal).to(torch.float32)
        cost = (self.cost / self.depths[:, None].to(torch.float32)) * right.to(torch.float32)
        reward = (TREASURE * treasure - cost) * self.active.to(torch.float32)
        return {"col": col, "action": torch.cat(actions, 1), "next": torch.cat(nexts, 1), "reward": reward,
                "treasure": treasure.amax(1)}


def true_model(right_action: torch.Tensor, depths: torch.Tensor, cost: float, slip: float
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """The seas' exact transition P (B, N, N, 2, N) over next columns and expected reward R (B, N, N, 2);
    rows ≥ a member's depth have no reward and no cost."""
    bsz, n, _ = right_action.shape
    dev = right_action.device
    cols = torch.arange(n, device=dev)
    up, down = torch.clamp(cols + 1, max=n - 1), torch.clamp(cols - 1, min=0)
    go_up = torch.nn.functional.one_hot(up, n).to(torch.float32)                                # (N, N')
    go_down = torch.nn.functional.one_hot(down, n).to(torch.float32)
    is_right = torch.nn.functional.one_hot(right_action, 2).to(torch.float32)                   # (B, N, N, 2)
    right_p = (1 - slip) * go_up + slip * go_down
    P = (is_right[..., None] * right_p[None, None, :, None, :]
         + (1 - is_right[..., None]) * go_down[None, None, :, None, :])
    rows = torch.arange(n, device=dev)
    corner = ((rows[None, :, None] == depths[:, None, None] - 1)
              & (cols[None, None, :] == depths[:, None, None] - 1)).to(torch.float32)          # (B, N, N)
    R = is_right * ((1 - slip) * TREASURE * corner - cost / depths[:, None, None].to(torch.float32))[..., None]
    active = (rows[None, :] < depths[:, None]).to(torch.float32)[:, :, None, None]
    return P, R * active


def policy_value(probs: torch.Tensor, model: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """The exact expected return V^π(start) (B,) of the policy ``probs`` (B, N, N, 2) on the seas' ``model``
    (P, R), by backward induction over the rows (undiscounted, finite horizon)."""
    P, R = model
    value = torch.zeros(probs.shape[0], probs.shape[1], device=probs.device)
    for row in reversed(range(probs.shape[1])):
        q = R[:, row] + (P[:, row].flatten(1, 2) @ value[:, :, None]).view_as(R[:, row])
        value = (probs[:, row] * q).sum(-1)
    return value[:, 0]


def flat_sea(depth: int, cost: float, slip: float) -> tuple[np.ndarray, np.ndarray]:
    """One sea of ``depth`` (canonical mapping: action 1 is right) as chain_mdp arrays: states (row, col)
    flattened to row·d + col, then an absorbing end state; P (S, 2, S), R (S, 2)."""
    right = torch.ones(1, depth, depth, dtype=torch.long)
    P, R = true_model(right, torch.tensor([depth]), cost, slip)
    states = depth * depth + 1
    flat_P, flat_R = np.zeros((states, 2, states)), np.zeros((states, 2))
    for row in range(depth):
        for col in range(depth):
            s = row * depth + col
            flat_R[s] = R[0, row, col].numpy()
            for a in range(2):
                if row == depth - 1:
                    flat_P[s, a, -1] = 1.0
                else:
                    flat_P[s, a, (row + 1) * depth:(row + 2) * depth] = P[0, row, col, a].numpy()
    flat_P[-1, :, -1] = 1.0
    return flat_P, flat_R


def optimal_value(depth: int, cost: float, slip: float) -> float:
    """V*(start) of a sea of ``depth``: the greedy policy of ``chain_mdp.value_iteration`` (γ = VI_GAMMA) on
    the flattened sea, evaluated exactly and undiscounted by ``policy_value``."""
    P, R = flat_sea(depth, cost, slip)
    greedy = greedy_policy(value_iteration(P, R, VI_GAMMA))[:-1].reshape(1, depth, depth, 2)
    right = torch.ones(1, depth, depth, dtype=torch.long)
    model = true_model(right, torch.tensor([depth]), cost, slip)
    return float(policy_value(torch.tensor(greedy, dtype=torch.float32), model)[0])
