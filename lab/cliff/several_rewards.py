"""Several reward models mixed by state-dependent class weights.

Xu (2025), "The Policy Cliff" (arXiv 2507.20150), multi-reward analysis: with reward models R_1..R_K and class
weights w_k(s) ≥ 0, Σ_k w_k(s) = 1, the policy optimizes R_eff(s, a) = Σ_k w_k(s)·R_k(s, a).
The map (R_1..R_K) ↦ R_eff is 1-Lipschitz in max-norm, yet the greedy policy still jumps on
states where R_eff ties: a tiny change of one model, or of the weights, flips it there.
Shapes: rewards (K, S, A), weights (K, S).
"""
from __future__ import annotations

import numpy as np


def check_weights(weights: np.ndarray) -> np.ndarray:
    """The weights as an array, refused unless non-negative and summing to 1 in every state."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or np.any(weights < 0) or not np.allclose(weights.sum(axis=0), 1.0):
        raise ValueError("weights must be a (K, S) array of non-negative class weights "
                         f"summing to 1 in every state; got sums {np.round(weights.sum(axis=0), 6).tolist()}")
    return weights


def effective_reward(rewards: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """R_eff(s, a) = Σ_k w_k(s)·R_k(s, a), shape (S, A)."""
    rewards, weights = np.asarray(rewards, dtype=float), check_weights(weights)
    if rewards.shape[:2] != weights.shape:
        raise ValueError(f"rewards of shape {rewards.shape} need weights of shape {rewards.shape[:2]}, "
                         f"got {weights.shape}")
    return np.einsum("ks,ksa->sa", weights, rewards)


def greedy_actions(reward: np.ndarray) -> np.ndarray:
    """The greedy action per state (lowest-index tie-break), shape (S,)."""
    return np.argmax(reward, axis=1)


def two_model_example() -> tuple[np.ndarray, np.ndarray]:
    """A 4-state, 2-action example: model 0 ('helpful') prefers action 0, model 1 ('harmless')
    action 1. States 0 and 3 are clear-cut; states 1 and 2 are 'ambiguous', weighted half-half,
    where the two models' preferences cancel exactly, so R_eff ties."""
    rewards = np.array([
        [[1.0, 0.0], [1.0, 0.0], [0.8, 0.2], [1.0, 0.0]],   # helpful
        [[0.0, 1.0], [0.0, 1.0], [0.2, 0.8], [0.0, 1.0]],   # harmless
    ])
    weights = np.array([[0.9, 0.5, 0.5, 0.1],
                        [0.1, 0.5, 0.5, 0.9]])
    return rewards, weights


def lipschitz_ratio(rng: np.random.Generator, n_models: int = 3, n_states: int = 5, n_actions: int = 4,
                    draws: int = 500) -> float:
    """max over random draws of ‖R_eff − R_eff'‖∞ / max_k ‖R_k − R_k'‖∞ (≤ 1: the effective-reward map is 1-Lipschitz)."""
    worst = 0.0
    for _ in range(draws):
        weights = rng.dirichlet(np.ones(n_models), size=n_states).T
        rewards = rng.normal(size=(n_models, n_states, n_actions))
        moved = rewards + rng.normal(scale=rng.uniform(1e-4, 1.0), size=rewards.shape)
        change = np.max(np.abs(effective_reward(moved, weights) - effective_reward(rewards, weights)))
        worst = max(worst, change / np.max(np.abs(moved - rewards)))
    return worst
