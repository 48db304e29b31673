"""The Pareto frontier of (synchrony, stability): which settings no other setting beats on both."""
from __future__ import annotations

import numpy as np


def pareto_front(synchrony, stability) -> np.ndarray:
    """A boolean per point: true when no other point is ≥ on both axes and > on one (both maximized).

    Equal points do not dominate each other, so duplicates on the frontier are all kept.
    """
    x, y = np.asarray(synchrony, dtype=float), np.asarray(stability, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"synchrony and stability must be 1-D and of one length; got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("synchrony and stability must be finite")
    at_least = (x[None, :] >= x[:, None]) & (y[None, :] >= y[:, None])   # [i, j]: j ≥ i on both
    better = (x[None, :] > x[:, None]) | (y[None, :] > y[:, None])
    return ~(at_least & better).any(axis=1)


def best_tradeoff(synchrony, stability, lam: float) -> tuple[int, float]:
    """The point maximizing λ·synchrony + (1 − λ)·stability, and that value."""
    if not 0 <= lam <= 1:
        raise ValueError(f"λ = {lam!r} must be in [0, 1]")
    score = lam * np.asarray(synchrony, dtype=float) + (1 - lam) * np.asarray(stability, dtype=float)
    best = int(np.argmax(score))
    return best, float(score[best])
