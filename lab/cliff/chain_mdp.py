"""A small MDP with a tie: from the start state two branches of equal value; one branch's
reward is perturbed by ε. Value iteration, soft value iteration and the inverse-Bellman reward.

Xu (2025), "The Policy Cliff" (arXiv 2507.20150): Q* is 1/(1−γ)-Lipschitz in R (Prop 2.1) but
the greedy policy flips at ε → 0⁺; the soft-optimal policy moves by TV ≤ ε/(2α(1−γ)) (Prop 4.5);
R_Q = Q − γ·P·max Q moves by at most ε(1+γ) when Q moves by ε (Props 2.4/2.5).
Proposition numbers follow the authors' README (github.com/SafeAGI-01/PolicyCliff); in the LaTeX source the
theorem counter also counts assumptions and remarks, so the same results print there as Prop 2.4 (Q*),
Props 2.9/2.10 (discontinuity) and Prop 4.7 ("Lipschitz Continuity of Soft Optimal Policy", Sec. 4.4).
MDPs are arrays: transitions P (S, A, S), rewards R (S, A), discount γ.

Soft value iteration iterates the soft Bellman optimality operator of Xu (2025), Sec. 4.4 (the display after
the entropy-regularized objective J_eff,α): (T Q)(s, a) = R(s, a) + γ·E_s'[α·log Σ_a' exp(Q(s', a')/α)].
With a reference policy π_ref (the KL-regularized objective of Sec. 3.4, E[Σ γᵗ(R − β·KL(π‖π_ref))]) the
log-sum-exp is weighted by π_ref: α·log Σ_a' π_ref(a'|s')·exp(Q(s', a')/α), and π ∝ π_ref·exp(Q/α).
Closed forms where the soft and hard backups differ: ``self_loop_soft_value`` and ``two_branch_soft_value``.
"""
from __future__ import annotations

import numpy as np

from lab.core import Field, LabConfig


class ChainConfig(LabConfig):
    """The chain MDP's parameters, as notebooks and views take them."""

    gamma: float = Field(0.9, ge=0.0, le=0.999, description="discount γ of the chain MDP")
    length: int = Field(2, ge=1, le=100, description="states in each branch")
    alpha: float = Field(0.1, gt=0.0, le=5.0, description="temperature α of soft value iteration")


def _check_gamma(gamma: float) -> None:
    if not 0 <= gamma < 1:
        raise ValueError(f"gamma = {gamma!r} must satisfy 0 ≤ γ < 1")


def two_branch_chain(eps: float = 0.0, length: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(P, R) of a chain: start state 0; action 0 enters branch A, action 1 branch B, each
    ``length`` states long; the last state of A pays 1, of B pays 1 + ε; then an absorbing end."""
    if not (isinstance(length, (int, np.integer)) and 1 <= length <= 100):
        raise ValueError(f"length = {length!r} must be an integer in 1..100")
    n_states, end = 2 * length + 2, 2 * length + 1
    P = np.zeros((n_states, 2, n_states))
    R = np.zeros((n_states, 2))
    P[0, 0, 1], P[0, 1, length + 1] = 1.0, 1.0
    for branch_start, reward in [(1, 1.0), (length + 1, 1.0 + eps)]:
        for i in range(length):
            s = branch_start + i
            P[s, :, s + 1 if i < length - 1 else end] = 1.0  # both actions move on
        R[branch_start + length - 1, :] = reward
    P[end, :, end] = 1.0
    return P, R


def bellman_backup(P: np.ndarray, R: np.ndarray, gamma: float, V: np.ndarray) -> np.ndarray:
    """Q(s, a) = R(s, a) + γ·Σ_s' P(s'|s, a)·V(s')."""
    return R + gamma * P @ V


def value_iteration(P: np.ndarray, R: np.ndarray, gamma: float, tol: float = 1e-12,
                    max_iter: int = 100_000) -> np.ndarray:
    """Q* by value iteration with V(s) = max_a Q(s, a), to a sup-norm change below ``tol``."""
    _check_gamma(gamma)
    Q = np.zeros_like(R, dtype=float)
    for _ in range(max_iter):
        new = bellman_backup(P, R, gamma, Q.max(axis=1))
        if np.max(np.abs(new - Q)) < tol:
            return new
        Q = new
    raise RuntimeError(f"value iteration did not converge to {tol} in {max_iter} iterations")


def soft_state_values(Q: np.ndarray, alpha: float, reference: np.ndarray | None = None) -> np.ndarray:
    """V(s) = α·log Σ_a π_ref(a|s)·exp(Q(s, a)/α), shape (S,); every weight π_ref is 1 when None.

    Without a reference this is the entropy-regularized soft value of Xu (2025), Sec. 4.4; with one, the
    KL-regularized value of Sec. 3.4 (β = α). Computed stably (the max is taken out first)."""
    if not alpha > 0:
        raise ValueError(f"alpha = {alpha!r} must be > 0 for soft values")
    top = Q.max(axis=1)
    weights = np.exp((Q - top[:, None]) / alpha)
    if reference is not None:
        weights = weights * _check_reference(reference, Q.shape)
    return top + alpha * np.log(weights.sum(axis=1))


def _check_reference(reference: np.ndarray, shape: tuple) -> np.ndarray:
    reference = np.broadcast_to(np.asarray(reference, dtype=float), shape)
    if np.any(reference <= 0) or not np.allclose(reference.sum(axis=1), 1.0):
        raise ValueError("reference must give every state a probability vector over actions with every entry > 0")
    return reference


def soft_value_iteration(P: np.ndarray, R: np.ndarray, gamma: float, alpha: float, tol: float = 1e-12,
                         max_iter: int = 100_000, reference: np.ndarray | None = None) -> np.ndarray:
    """Soft Q*: the fixed point of the soft Bellman operator (Xu 2025, Sec. 4.4)
    (T Q)(s, a) = R(s, a) + γ·Σ_s' P(s'|s, a)·V(s'),  V(s') = α·log Σ_a' exp(Q(s', a')/α)   (α > 0),
    or with ``reference`` π_ref (shape (A,) or (S, A)) the KL-regularized V(s') = α·log Σ_a' π_ref·exp(Q/α)
    (Sec. 3.4's objective, α playing β). T is a γ-contraction, so this converges from Q = 0."""
    _check_gamma(gamma)
    if not alpha > 0:
        raise ValueError(f"alpha = {alpha!r} must be > 0 for soft value iteration")
    Q = np.zeros_like(R, dtype=float)
    for _ in range(max_iter):
        new = bellman_backup(P, R, gamma, soft_state_values(Q, alpha, reference))
        if np.max(np.abs(new - Q)) < tol:
            return new
        Q = new
    raise RuntimeError(f"soft value iteration did not converge to {tol} in {max_iter} iterations")


def self_loop_mdp(rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P, R) of one state whose every action loops back to it, paying ``rewards[a]``."""
    rewards = np.asarray(rewards, dtype=float)
    return np.ones((1, len(rewards), 1)), rewards[None, :]


def self_loop_soft_value(rewards: np.ndarray, gamma: float, alpha: float,
                         reference: np.ndarray | None = None) -> float:
    """Closed form of the soft value of ``self_loop_mdp``: V = γV + α·log Σ_a π_ref(a)·exp(r_a/α), so
    V = α·log Σ_a π_ref(a)·exp(r_a/α) / (1 − γ) (π_ref ≡ 1 without a reference). The hard value is
    max r / (1 − γ); with m actions tied at the top and the rest far below they differ by α·log m/(1 − γ)."""
    rewards = np.asarray(rewards, dtype=float)
    weights = np.ones_like(rewards) if reference is None else np.asarray(reference, dtype=float)
    top = rewards.max()
    return float((top + alpha * np.log(np.sum(weights * np.exp((rewards - top) / alpha)))) / (1 - gamma))


def two_branch_soft_value(eps: float, gamma: float, alpha: float, length: int = 2) -> dict[str, float]:
    """Closed form of soft value iteration on ``two_branch_chain`` (both actions of every state but the start
    do the same thing, so each such state adds c = α·log 2 to its value):
    end: V = γV + c ⇒ c/(1−γ);  branch with end reward r, first state: V = c/(1−γ) + γ^(L−1)·r;
    start: Q(A) = γ·V_A, Q(B) = γ·V_B, V_0 = α·log(e^(Q(A)/α) + e^(Q(B)/α)), P(B) = σ(γ^L·ε/α).
    At ε = 0: V_0 = α·log 2/(1−γ) + γ^L, while the hard backup gives V_0 = γ^L."""
    c = alpha * np.log(2.0)
    v_a = c / (1 - gamma) + gamma ** (length - 1) * 1.0
    v_b = c / (1 - gamma) + gamma ** (length - 1) * (1.0 + eps)
    q_a, q_b = gamma * v_a, gamma * v_b
    top = max(q_a, q_b)
    v0 = top + alpha * np.log(np.exp((q_a - top) / alpha) + np.exp((q_b - top) / alpha))
    return {"v_start": float(v0), "q_a": float(q_a), "q_b": float(q_b),
            "p_branch_b": float(1.0 / (1.0 + np.exp(-(q_b - q_a) / alpha))),
            "hard_v_start": float(gamma ** length * max(1.0, 1.0 + eps))}


def greedy_policy(Q: np.ndarray) -> np.ndarray:
    """One-hot greedy policy per state, lowest-index tie-break, shape (S, A)."""
    return np.eye(Q.shape[1])[np.argmax(Q, axis=1)]


def soft_policy(Q: np.ndarray, alpha: float, reference: np.ndarray | None = None) -> np.ndarray:
    """π(a|s) ∝ π_ref(a|s)·exp(Q(s, a)/α), shape (S, A) (α > 0; π_ref ≡ uniform when None): the Boltzmann
    policy of Xu (2025), Sec. 4.4, or the KL-regularized optimum of Sec. 3.4's objective."""
    if not alpha > 0:
        raise ValueError(f"alpha = {alpha!r} must be > 0 for the soft policy")
    z = np.exp((Q - Q.max(axis=1, keepdims=True)) / alpha)
    if reference is not None:
        z = z * _check_reference(reference, Q.shape)
    return z / z.sum(axis=1, keepdims=True)


def inverse_bellman_reward(Q: np.ndarray, P: np.ndarray, gamma: float) -> np.ndarray:
    """R_Q = Q − γ·P·max_a Q: the reward whose optimal Q-function is Q (Xu 2025, Props 2.4/2.5)."""
    _check_gamma(gamma)
    return Q - gamma * P @ Q.max(axis=1)


def policy_tv(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total variation between two policies at every state, shape (S,)."""
    return 0.5 * np.abs(p - q).sum(axis=1)


def chain_sweep(eps: np.ndarray, gamma: float = 0.9, alpha: float = 0.1, length: int = 2) -> dict[str, np.ndarray]:
    """The checks of Xu (2025) on ``two_branch_chain`` over ``eps``, each array of len(eps):
    ``greedy_b`` / ``soft_b``: P(branch B) at the start under the greedy / soft-optimal policy;
    ``q_change`` ≤ ``q_bound`` = |ε|/(1−γ) (Prop 2.1: ‖Q*_ε − Q*_0‖∞);
    ``soft_tv`` ≤ ``soft_bound`` = |ε|/(2α(1−γ)) (Prop 4.5: max over states of TV to ε = 0)."""
    eps = np.asarray(eps, dtype=float)
    q_zero = value_iteration(*two_branch_chain(0.0, length), gamma)
    soft_zero = soft_policy(soft_value_iteration(*two_branch_chain(0.0, length), gamma, alpha), alpha)
    out = {name: np.empty(len(eps)) for name in ["greedy_b", "soft_b", "q_change", "soft_tv"]}
    for i, e in enumerate(eps):
        P, R = two_branch_chain(e, length)
        q = value_iteration(P, R, gamma)
        soft = soft_policy(soft_value_iteration(P, R, gamma, alpha), alpha)
        out["greedy_b"][i] = greedy_policy(q)[0, 1]
        out["soft_b"][i] = soft[0, 1]
        out["q_change"][i] = np.max(np.abs(q - q_zero))
        out["soft_tv"][i] = policy_tv(soft, soft_zero).max()
    return {"eps": eps, **out, "q_bound": np.abs(eps) / (1 - gamma),
            "soft_bound": np.abs(eps) / (2 * alpha * (1 - gamma))}
