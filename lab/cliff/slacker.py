"""The clever slacker and its tie-breakers.

Xu (2025), "The Policy Cliff" (arXiv 2507.20150): when the training reward omits a term,
an honest and a hacky action can tie under it. Whichever way the tie is broken — or the
slightest adverse noise — decides the behaviour, and the hacky choice loses true reward.
Two fixes restore the honest action: an explicit ε tie-breaker in the reward, or a KL pull
toward a reference policy that prefers honesty, whose optimum is π ∝ π_ref·exp(R/β).
Actions: 0 = honest, 1 = hacky.
"""
from __future__ import annotations

import numpy as np

from .tie_bandit import greedy_argmax

HONEST, HACKY = 0, 1


def slacker_rewards(penalty: float, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(R_train, R_true): R_train ties both actions at 1 (plus ``noise`` on the hacky one);
    R_true subtracts the missing ``penalty`` from the hacky action."""
    if not penalty > 0:
        raise ValueError(f"penalty = {penalty!r} must be > 0 (the term R_train is missing)")
    r_train = np.array([1.0, 1.0 + noise])
    r_true = np.array([1.0, 1.0 - penalty])
    return r_train, r_true


def with_tie_breaker(r_train: np.ndarray, eps: float) -> np.ndarray:
    """R_train + ε on the honest action: an explicit tie-breaker."""
    return np.asarray(r_train, dtype=float) + eps * np.eye(len(r_train))[HONEST]


def kl_regularized_policy(reward: np.ndarray, reference: np.ndarray, beta: float) -> np.ndarray:
    """argmax_π E_π[R] − β·KL(π‖π_ref) = π_ref·exp(R/β) / Z (β > 0)."""
    if not beta > 0:
        raise ValueError(f"beta = {beta!r} must be > 0 for the KL-regularized policy")
    reference = np.asarray(reference, dtype=float)
    if np.any(reference <= 0) or not np.isclose(reference.sum(), 1.0):
        raise ValueError("reference must be a probability vector with every entry > 0")
    logits = np.log(reference) + np.asarray(reward, dtype=float) / beta
    weights = np.exp(logits - logits.max())
    return weights / weights.sum()


def true_reward(policy: np.ndarray, r_true: np.ndarray) -> float:
    """Expected true reward E_π[R_true]."""
    return float(np.dot(policy, r_true))


def compare_fixes(penalty: float = 0.5, noise: float = 1e-6, eps: float = 1e-3,
                  reference: tuple[float, float] = (0.9, 0.1), beta: float = 0.05) -> dict[str, dict]:
    """Each policy's probability of the honest action and its true reward: greedy on R_train with
    adverse noise, greedy with the ε tie-breaker, and the KL-regularized policy."""
    r_train, r_true = slacker_rewards(penalty, noise)
    policies = {
        "greedy on R_train": greedy_argmax(r_train),
        "ε tie-breaker": greedy_argmax(with_tie_breaker(r_train, eps)),
        "KL to honest reference": kl_regularized_policy(r_train, np.asarray(reference), beta),
    }
    return {name: {"p_honest": float(pi[HONEST]), "true_reward": true_reward(pi, r_true)}
            for name, pi in policies.items()}
