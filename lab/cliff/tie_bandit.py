"""The tie bandit: K arms, m of them tied at the top; arm a₂ (index 1) is perturbed by ε.

Three maps from a reward vector to a policy, after Xu (2025), "The Policy Cliff"
(arXiv 2507.20150): greedy argmax and uniform-over-argmax jump where the optimal arms tie;
softmax(R/α), the optimum of the entropy-regularized objective, is Lipschitz in R.
"""
from __future__ import annotations

import numpy as np


def tie_rewards(arms: int, tied: int, eps: float) -> np.ndarray:
    """Rewards of a K-armed tie bandit: arms 0..m−1 at 1 (arm 1 at 1 + ε), the others at 0."""
    if not (isinstance(arms, (int, np.integer)) and arms >= 2):
        raise ValueError(f"arms = {arms!r} must be an integer ≥ 2")
    if not (isinstance(tied, (int, np.integer)) and 2 <= tied <= arms):
        raise ValueError(f"tied = {tied!r} must be an integer with 2 ≤ tied ≤ arms = {arms}")
    rewards = np.zeros(arms)
    rewards[:tied] = 1.0
    rewards[1] += eps
    return rewards


def greedy_argmax(rewards: np.ndarray) -> np.ndarray:
    """One-hot policy on the first maximizing arm (lowest-index tie-break)."""
    policy = np.zeros(len(rewards))
    policy[int(np.argmax(rewards))] = 1.0
    return policy


def uniform_over_argmax(rewards: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Uniform policy over the arms within ``tol`` ≥ 0 of the maximum."""
    if not tol >= 0:
        raise ValueError(f"tol = {tol!r} must be ≥ 0 (the arms within tol of the maximum count as tied)")
    rewards = np.asarray(rewards, dtype=float)
    best = rewards >= rewards.max() - tol
    return best / best.sum()


def softmax_policy(rewards: np.ndarray, alpha: float) -> np.ndarray:
    """softmax(R/α): the maximizer of E_π[R] + α·H(π) (α > 0)."""
    if not alpha > 0:
        raise ValueError(f"alpha = {alpha!r} must be > 0 for the softmax policy")
    z = (np.asarray(rewards, dtype=float) - np.max(rewards)) / alpha
    weights = np.exp(z)
    return weights / weights.sum()


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """TV(p, q) = ½·Σ|p − q|."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def softmax_tv_bound(eps: float | np.ndarray, alpha: float) -> float | np.ndarray:
    """Xu (2025): softmax(·/α) is Lipschitz, TV(π_R, π_R') ≤ ‖R − R'‖∞ / (2α)."""
    return np.abs(eps) / (2 * alpha)


def sweep(arms: int, tied: int, alpha: float, eps: np.ndarray) -> dict[str, np.ndarray]:
    """π(ε) of the three maps over ``eps`` (each (len(eps), K)), their TV to π(0), and the softmax bound."""
    at_zero = tie_rewards(arms, tied, 0.0)
    maps = {"greedy": greedy_argmax, "uniform": uniform_over_argmax,
            "softmax": lambda r: softmax_policy(r, alpha)}
    out: dict[str, np.ndarray] = {"eps": np.asarray(eps, dtype=float)}
    for name, policy in maps.items():
        out[name] = np.stack([policy(tie_rewards(arms, tied, e)) for e in out["eps"]])
        out[f"tv_{name}"] = np.array([total_variation(p, policy(at_zero)) for p in out[name]])
    out["bound"] = softmax_tv_bound(out["eps"], alpha)
    return out
