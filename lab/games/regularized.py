"""The β-regularized preference game and its equilibrium.

J_β(π, π') = P(π ≻ π') − β·KL(π‖μ) + β·KL(π'‖μ), with reference μ. Its unique symmetric
equilibrium satisfies π*(y) ∝ μ(y)·exp(P(y ≻ π*)/β) (Munos et al. 2023; Tiapkin et al.,
arXiv 2505.19731). Here: that fixed point to a residual below 1e−12, exploitability, KL and the
span semi-norm used to measure convergence. numpy, float64, one game at a time.
"""
from __future__ import annotations

import numpy as np

from .preference import check_preference


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max())
    return z / z.sum()


def check_reference(mu, n: int) -> np.ndarray:
    """μ as a float64 probability vector over n actions with every entry > 0."""
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (n,) or np.any(mu <= 0) or not np.isclose(mu.sum(), 1.0):
        raise ValueError(f"reference μ must be a probability vector of {n} positive entries summing to 1")
    return mu


def fixed_point_residual(P: np.ndarray, mu: np.ndarray, beta: float, pi: np.ndarray) -> float:
    """‖π − softmax(log μ + Pπ/β)‖₁, zero exactly at π*_β; evaluated in extended precision so
    that small β does not drown it in rounding error."""
    P, mu, pi = (np.asarray(a, dtype=np.longdouble) for a in (P, mu, pi))
    return float(np.abs(pi - _softmax(np.log(mu) + P @ pi / beta)).sum())


def equilibrium(P, mu, beta: float, tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """π*_β by Newton's method on the logits x: G(x) = x − log μ − P·softmax(x)/β = 0.

    G's Jacobian I − (P − ½)·(diag π − ππᵀ)/β has eigenvalues 1 − iλ (antisymmetric times PSD),
    so it is never singular; a backtracking line search on ‖G‖ makes the iteration global.
    """
    P = check_preference(P)
    mu = check_reference(mu, len(P))
    if not beta > 0:
        raise ValueError(f"beta = {beta!r} must be > 0 for the regularized equilibrium (β = 0: minimax_winner)")
    x = np.log(mu).astype(np.longdouble)
    P_ext, log_mu_ext = P.astype(np.longdouble), np.log(mu.astype(np.longdouble))

    def G(x):  # in extended precision; the Newton direction itself is solved in float64
        return x - log_mu_ext - P_ext @ _softmax(x) / beta

    g = G(x)
    for _ in range(max_iter):
        pi = _softmax(x)
        residual = fixed_point_residual(P, mu, beta, pi)
        if residual < tol:
            return pi.astype(float)
        pi64 = pi.astype(float)
        jacobian = np.eye(len(x)) - P @ (np.diag(pi64) - np.outer(pi64, pi64)) / beta
        step = np.linalg.solve(jacobian, -g.astype(float))
        t, norm = 1.0, np.abs(g).max()
        while t > 1e-10 and np.abs(G(x + t * step)).max() >= (1 - 1e-4 * t) * norm:
            t /= 2
        if t <= 1e-10:  # no decrease left: rounding error dominates
            break
        x = x + t * step
        g = G(x)
    raise RuntimeError(f"equilibrium: residual {residual:.2g} did not get below {tol:g} "
                       f"(β = {beta:g}; smaller β is harder in float64)")


def kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p‖q) over the last axis."""
    return np.sum(p * (np.log(np.clip(p, 1e-300, None)) - np.log(q)), axis=-1)


def exploitability(P, mu, beta: float, pi: np.ndarray) -> np.ndarray:
    """Expl_β(π) = β·log Σ_y μ(y)·exp(P(y ≻ π)/β) + β·KL(π‖μ) − ½ (≥ 0, zero only at π*_β).

    The best response to π gains the first term; J_β(π, π) = ½. Works on a batch of π (…, n)."""
    g = np.einsum("ij,...j->...i", P, pi) / beta + np.log(mu)
    top = g.max(axis=-1)
    log_sum = top + np.log(np.exp(g - top[..., None]).sum(axis=-1))
    return beta * log_sum + beta * kl(pi, mu) - 0.5


def span(log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """The span semi-norm of log p − log q: max − min over actions (zero iff p = q)."""
    d = log_p - log_q
    return d.max(axis=-1) - d.min(axis=-1)


def minimax_winner(P) -> np.ndarray:
    """β = 0: the Minimax Winner, a maximin strategy of the symmetric zero-sum game P − ½,
    by linear programming: maximize v subject to Σ_y π(y)·(P(y ≻ y') − ½) ≥ v for every y'."""
    from scipy.optimize import linprog

    A = check_preference(P) - 0.5
    n = len(A)
    # variables (π_1..π_n, v); minimize −v
    cost = np.r_[np.zeros(n), -1.0]
    upper = np.c_[-A.T, np.ones(n)]                      # v − Σ_y π(y)·A[y, y'] ≤ 0
    result = linprog(cost, A_ub=upper, b_ub=np.zeros(n), A_eq=np.r_[np.ones(n), 0.0][None], b_eq=[1.0],
                     bounds=[(0, None)] * n + [(None, None)], method="highs")
    if not result.success:
        raise RuntimeError(f"minimax_winner: the linear program failed ({result.message})")
    pi = np.clip(result.x[:n], 0, None)
    return pi / pi.sum()
