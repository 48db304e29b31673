"""IWOCS's toy (``lab.robust.iwocs``): a windy cliff grid per seed, as dense torch arrays with a seed dimension.

A ``size`` × ``size`` grid; cell (row, col) is state row·size + col, and one extra absorbing sink (state
size²). Each seed draws its own layout from the trainer's generator: a start in column 0 and a goal in the
last column, each on a random row; a safe corridor between them (column by column the corridor runs
vertically from its row in that column to a random row of the next, then steps right), so the goal is always
reachable; every other cell is a cliff with probability ``cliff_density``. Actions and wind directions are
N, E, S, W (moving off the grid leaves the agent in place). The goal and every cliff are terminal: any
action there pays +1 (goal) or −``cliff_penalty`` (cliff) and moves to the sink; everything else pays 0.

A wind θ = (direction d, strength p): an action a moves the agent one cell in direction a with probability
1 − p and one cell in direction d with probability p (the wind blows it sideways, back or forward instead).
The wind grid: the 4 directions × ``levels`` strengths evenly from 0 to ``max_wind``; the nominal model is
the calm (p = 0).
"""
from __future__ import annotations

import torch

MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))     # N, E, S, W: actions and wind directions alike


def neighbours(size: int, device: torch.device) -> torch.Tensor:
    """The cell one step in each direction from every cell, staying put at the border: (size², 4)."""
    row, col = torch.meshgrid(torch.arange(size, device=device), torch.arange(size, device=device), indexing="ij")
    out = []
    for dr, dc in MOVES:
        out.append(((row + dr).clamp(0, size - 1) * size + (col + dc).clamp(0, size - 1)).reshape(-1))
    return torch.stack(out, -1)


def draw_layouts(seeds: int, size: int, cliff_density: float, generator: torch.Generator,
                 device: torch.device) -> dict[str, torch.Tensor]:
    """Each seed's layout: ``start`` and ``goal`` cells (seeds,), ``cliff`` (seeds, size²) booleans.

    The corridor rows r_0 (start row), r_1 … r_{size−2} (random), r_{size−1} (goal row): in column c < size−1
    the cells between rows r_c and r_{c+1} are kept free; the rest are cliffs with probability cliff_density."""
    rows = torch.randint(0, size, (seeds, size), generator=generator, device=device)
    lo = torch.minimum(rows[:, :-1], rows[:, 1:])                                 # (seeds, size−1)
    hi = torch.maximum(rows[:, :-1], rows[:, 1:])
    r = torch.arange(size, device=device)[None, :, None]                          # (1, row, 1)
    corridor = (r >= lo[:, None, :]) & (r <= hi[:, None, :])                      # (seeds, row, col < size−1)
    last = r[..., 0] == rows[:, -1:]                                              # (seeds, row): the goal's row
    corridor = torch.cat([corridor, last[..., None]], -1).reshape(seeds, -1)
    cliff = (torch.rand(seeds, size * size, generator=generator, device=device) < cliff_density) & ~corridor
    start, goal = rows[:, 0] * size, rows[:, -1] * size + size - 1
    return {"start": start, "goal": goal, "cliff": cliff}


def wind_grid(levels: int, max_wind: float, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The parameter grid: direction (K,) and strength (K,), K = 4·levels, direction-major within a strength
    (kernel k has strength level k // 4 and direction k % 4)."""
    strength = torch.linspace(0.0, max_wind, levels, device=device, dtype=torch.float64)
    return (torch.arange(4, device=device).repeat(levels), strength.repeat_interleave(4))


def windy_kernels(layout: dict[str, torch.Tensor], size: int, direction: torch.Tensor, strength: torch.Tensor
                  ) -> torch.Tensor:
    """P_θ(s'|s, a) for every seed and every wind θ of the grid: (seeds, K, S, A, S), S = size² + 1."""
    cells, dev = size * size, strength.device
    step = torch.nn.functional.one_hot(neighbours(size, dev), cells + 1).to(torch.float64)   # (cells, 4, S)
    p = strength[:, None, None, None]                                                        # (K, 1, 1, 1)
    moved = (1 - p) * step[None] + p * step[:, direction].permute(1, 0, 2)[:, :, None, :]    # (K, cells, A, S)
    sink = torch.zeros(cells + 1, dtype=torch.float64, device=dev)
    sink[cells] = 1.0
    moved = torch.cat([moved, sink.expand(len(strength), 1, 4, -1)], 1)                      # (K, S, A, S)
    terminal = terminal_mask(layout, size)                                                   # (seeds, S)
    return torch.where(terminal[:, None, :, None, None], sink, moved[None])


def terminal_mask(layout: dict[str, torch.Tensor], size: int) -> torch.Tensor:
    """States that lead to the sink whatever the action (goal, cliffs, the sink itself): (seeds, S)."""
    seeds, cells = layout["cliff"].shape
    mask = torch.cat([layout["cliff"], torch.ones(seeds, 1, dtype=torch.bool, device=layout["cliff"].device)], 1)
    return mask.scatter(1, layout["goal"][:, None], True)


def rewards(layout: dict[str, torch.Tensor], size: int, cliff_penalty: float) -> torch.Tensor:
    """R(s, a): +1 at the goal, −cliff_penalty on a cliff, 0 elsewhere: (seeds, S, A)."""
    seeds, cells = layout["cliff"].shape
    r = torch.cat([-cliff_penalty * layout["cliff"].to(torch.float64),
                   torch.zeros(seeds, 1, dtype=torch.float64, device=layout["cliff"].device)], 1)
    r = r.scatter(1, layout["goal"][:, None], 1.0)
    return r[..., None].expand(-1, -1, 4).contiguous()
