"""Stability maps: where in (η, β) each algorithm converges, is slow, cycles or diverges.

One batched run per algorithm: every (β, η) cell is a member of the population, all on the
same game, so a whole map costs one trajectory.
"""
from __future__ import annotations

import numpy as np
import torch

from .batch import GameBatch
from .regularized import equilibrium, minimax_winner

VERDICTS = ("converged", "slow", "cycling", "diverged")
CONVERGED_KL = 1e-6
# A step of the KL counts as a rise or a fall only beyond float noise: |ΔKL| > NOISE_RTOL·KL + NOISE_ATOL.
NOISE_RTOL, NOISE_ATOL = 1e-9, 1e-14
# The KL oscillates when the tail both rises and falls, each in at least two separate runs of steps,
# and the smaller of the two totals is at least OSCILLATION of the tail's total variation.
OSCILLATION = 0.01


def _runs(mask: np.ndarray) -> np.ndarray:
    """Number of maximal runs of True along axis 0."""
    return mask[0].astype(int) + (mask[1:] & ~mask[:-1]).sum(0)


def verdicts(kl: np.ndarray) -> np.ndarray:
    """The verdict of every column of a KL(π*, π_k) trajectory of shape (iterations+1, cells).

    Read over the tail, the last fifth of the steps, with ΔKL below float noise counted as no move:

    - *converged*: the KL stays below 1e−6 over the whole tail;
    - *diverged*: it ends above its starting KL — by a drift or by oscillating around a point
      farther from π* than μ — or it rises over the tail without ever falling (MWU at β = 0: its
      iterate orbits π*, but KL(π*, π_k) grows at every step, ΔKL = log E_π exp(η(P − ½)π) ≥ 0);
    - *cycling*: its distance to π* oscillates — the tail has at least two separate rises and two
      separate falls, and the smaller of total rise and total fall is ≥ 1 % of the total variation;
    - *slow* otherwise: monotone (up to noise) and not farther than it started, but not arrived.
      Slow says nothing of where the fall ends: Nash-MP's provably reaches π*, while constant-step
      Nash-MD's levels off at a biased point (its decrements say so only over longer runs).
    """
    kl = np.asarray(kl, dtype=float)
    steps = kl.shape[0] - 1
    tail = kl[-max(2, steps // 5 + 1):]
    delta = np.diff(tail, axis=0)
    noise = NOISE_RTOL * np.abs(tail[:-1]) + NOISE_ATOL
    up, down = delta > noise, delta < -noise
    rise, fall = np.where(up, delta, 0).sum(0), np.where(down, -delta, 0).sum(0)
    oscillating = ((_runs(up) >= 2) & (_runs(down) >= 2)
                   & (np.minimum(rise, fall) >= OSCILLATION * (rise + fall)) & (rise + fall > 0))
    rising = up.any(0) & ~down.any(0)
    return np.select([tail.max(0) < CONVERGED_KL, (kl[-1] > kl[0]) | rising, oscillating],
                     ["converged", "diverged", "cycling"], default="slow")


def target(P, mu, beta: float) -> np.ndarray:
    """π*: the β-regularized equilibrium, or the Minimax Winner at β = 0."""
    return equilibrium(P, mu, beta) if beta > 0 else minimax_winner(P)


def stability_map(algorithm, P, mu, etas, betas, iterations: int = 500, device=None,
                  return_kl: bool = False) -> dict[str, np.ndarray]:
    """Run ``algorithm`` from μ for every (β, η) cell; returns the grid's verdicts and final KL.

    The distance to π*_β is KL(π*_β, π_k) (π* the Minimax Winner when β = 0); see ``verdicts``
    for what each verdict means. Shapes: (len(betas), len(etas)); with ``return_kl`` also the
    whole trajectory "kl", (iterations+1, len(betas), len(etas)).
    """
    etas, betas = np.asarray(etas, dtype=float), np.asarray(betas, dtype=float)
    beta_grid, eta_grid = np.meshgrid(betas, etas, indexing="ij")
    cells = beta_grid.size
    game = GameBatch.from_numpy(np.broadcast_to(P, (cells, *np.shape(P))), np.broadcast_to(mu, (cells, len(mu))),
                                beta_grid.ravel(), device)
    star = torch.as_tensor(np.stack([target(P, mu, b) for b in beta_grid.ravel()]), device=game.P.device)
    eta = torch.as_tensor(eta_grid.ravel(), device=game.P.device)[:, None]
    state, kl = {"log_pi": game.log_mu.clone()}, []
    for _ in range(iterations + 1):
        kl.append(torch.xlogy(star, star).sum(-1) - (star * state["log_pi"]).sum(-1))
        state = algorithm.step(game, state, eta)
    kl = torch.stack(kl).cpu().numpy()                                   # (iterations+1, cells)
    result = {"verdict": verdicts(kl).reshape(beta_grid.shape), "final_kl": kl[-1].reshape(beta_grid.shape),
              "etas": etas, "betas": betas}
    if return_kl:
        result["kl"] = kl.reshape(-1, *beta_grid.shape)
    return result


def describe(verdict, values, name: str = "β") -> str:
    """One sentence for a column of verdicts along ``values`` (sorted ascending), built from the
    verdicts themselves: "converged for every β", or "slow for β ≤ 0.01; converged for β ≥ 0.0215"."""
    verdict, values = list(np.asarray(verdict)), np.asarray(values, dtype=float)
    if not verdict:
        raise ValueError("no verdicts to describe")
    runs, start = [], 0
    for i in range(1, len(verdict) + 1):
        if i == len(verdict) or verdict[i] != verdict[start]:
            runs.append((verdict[start], values[start], values[i - 1], start == 0, i == len(verdict)))
            start = i
    if len(runs) == 1:
        return f"{runs[0][0]} for every {name} ({values[0]:.3g} to {values[-1]:.3g})"
    parts = []
    for label, low, high, first, last in runs:
        if low == high:
            parts.append(f"{label} at {name} = {low:.3g}")
        elif first:
            parts.append(f"{label} for {name} ≤ {high:.3g}")
        elif last:
            parts.append(f"{label} for {name} ≥ {low:.3g}")
        else:
            parts.append(f"{label} for {low:.3g} ≤ {name} ≤ {high:.3g}")
    return "; ".join(parts)
