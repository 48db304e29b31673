"""Stability maps: where in (η, β) each algorithm converges, cycles or diverges.

One batched run per algorithm: every (β, η) cell is a member of the population, all on the
same game, so a whole map costs one trajectory.
"""
from __future__ import annotations

import numpy as np
import torch

from .batch import GameBatch
from .regularized import equilibrium

VERDICTS = ("converged", "slow", "cycling", "diverged")
CONVERGED_KL = 1e-6


def stability_map(algorithm, P, mu, etas, betas, iterations: int = 500, device=None) -> dict[str, np.ndarray]:
    """Run ``algorithm`` from μ for every (β, η) cell; returns the grid's verdicts and final KL.

    Over the last fifth of the run, a cell has *converged* when KL(π*_β, π) stays below 1e−6;
    else it has *diverged* when its final KL exceeds its initial KL; else it is *slow* when the KL
    still falls steadily (the final KL below 90% of the window's first and every step down), and
    *cycling* otherwise — oscillating, or stalled away from π* (as a constant-step Nash-MD is).
    Shapes: (len(betas), len(etas)).
    """
    etas, betas = np.asarray(etas, dtype=float), np.asarray(betas, dtype=float)
    beta_grid, eta_grid = np.meshgrid(betas, etas, indexing="ij")
    cells = beta_grid.size
    game = GameBatch.from_numpy(np.broadcast_to(P, (cells, *np.shape(P))), np.broadcast_to(mu, (cells, len(mu))),
                                beta_grid.ravel(), device)
    log_star = torch.log(torch.as_tensor(np.stack([equilibrium(P, mu, b) for b in beta_grid.ravel()]),
                                         device=game.P.device))
    eta = torch.as_tensor(eta_grid.ravel(), device=game.P.device)[:, None]
    state, kl = {"log_pi": game.log_mu.clone()}, []
    for _ in range(iterations + 1):
        kl.append((log_star.exp() * (log_star - state["log_pi"])).sum(-1))
        state = algorithm.step(game, state, eta)
    kl = torch.stack(kl).cpu().numpy()                                   # (iterations+1, cells)
    tail = kl[-max(1, iterations // 5):]
    falling = (np.diff(tail, axis=0) <= 0).all(0) & (tail[-1] < 0.9 * tail[0])
    verdict = np.select([tail.max(0) < CONVERGED_KL, kl[-1] > kl[0], falling],
                        ["converged", "diverged", "slow"], default="cycling")
    return {"verdict": verdict.reshape(beta_grid.shape), "final_kl": kl[-1].reshape(beta_grid.shape),
            "etas": etas, "betas": betas}
