"""Regularized reward→policy maps: the KL-to-reference bound and the cost of stability.

Xu (2025), "The Policy Cliff" (arXiv 2507.20150; source github.com/SafeAGI-01/PolicyCliff):

- Sec. 3.4 writes the KL-regularized objective J(π) = E[Σ γᵗ(R − β·KL(π(·|s)‖π_base(·|s)))]. Its optimum on a
  bandit is π_β(R) ∝ π_ref·exp(R/β) = softmax((R + β·log π_ref)/β): the entropy-regularized optimum (α = β)
  of the shifted reward R + β·log π_ref. The shift does not depend on R, so the Appendix lemma "Lipschitz
  property of the softmax" (‖softmax(x/α) − softmax(y/α)‖₁ ≤ ‖x − y‖∞/α) applies unchanged:
      TV(π_β(R), π_β(R')) ≤ ‖R − R'‖∞ / (2β)                                  (``kl_tv_bound``)
  and, through the soft Bellman operator as in Prop 4.5's proof, ≤ ‖R − R'‖∞ / (2β(1 − γ)) in an MDP.
  The paper states the bound for entropy regularization only; this is its KL-to-reference version.
  The constant is attained in the limit: two actions at probability ½ each under π_β(R) (any π_ref can be
  balanced by R) and R' = R ± ε on them give TV = ½·tanh(ε/β) → ε/(2β) as ε/β → 0 (``tightest_kl_case``).
- Sec. 4.4 names the price: the soft policy is suboptimal for the reward itself. ``reward_lost`` measures
  it, max R − E_softmax(R/α)[R]; it is non-decreasing in α (d/d(1/α) E[R] = Var_π[R] ≥ 0) and, because
  softmax(R/α) maximizes E[R] + α·H (Sec. 4.4's objective) and the uniform policy over the m best arms scores
  max R + α·log m, it is at most α·(H(softmax) − log m) ≤ α·log(K/m) (``reward_lost_bound``).
"""
from __future__ import annotations

import numpy as np

from .slacker import kl_regularized_policy
from .tie_bandit import softmax_policy, tie_rewards, total_variation


def kl_tv_bound(eps: float | np.ndarray, beta: float) -> float | np.ndarray:
    """TV(π_β(R), π_β(R')) ≤ ‖R − R'‖∞/(2β) for π_β(R) ∝ π_ref·exp(R/β) (Xu 2025, Sec. 3.4 objective +
    Appendix softmax lemma, as derived in the module docstring)."""
    if not beta > 0:
        raise ValueError(f"beta = {beta!r} must be > 0 for the KL bound")
    return np.abs(eps) / (2 * beta)


def kl_tv_ratios(rng: np.random.Generator, beta: float, draws: int = 2000, actions: int = 4,
                 near_tie: float = 0.5) -> np.ndarray:
    """TV(π_β(R), π_β(R')) / (‖R − R'‖∞/(2β)) over ``draws`` random instances: a random reference
    (Dirichlet(1)), a random reward R, half of the time made near-tied (two actions balanced against the
    reference to within ``near_tie``·β), and a random perturbation of sup norm ε ∈ [1e−4, 1]·β, either
    uniform in the cube or at its corners (±ε). Every ratio must be ≤ 1."""
    ratios = np.empty(draws)
    for i in range(draws):
        reference = rng.dirichlet(np.ones(actions))
        reward = rng.normal(size=actions)
        if i % 2:  # make two actions (nearly) tied under π_β: R_a + β·log π_ref(a) equal, up to near_tie·β
            a, b = rng.choice(actions, size=2, replace=False)
            reward[b] = reward[a] + beta * (np.log(reference[a]) - np.log(reference[b])) \
                + rng.uniform(-near_tie, near_tie) * beta
            reward[[c for c in range(actions) if c not in (a, b)]] -= 3 * beta  # the rest well below
        eps = beta * 10 ** rng.uniform(-4, 0)
        step = eps * (rng.choice([-1.0, 1.0], size=actions) if rng.random() < 0.5
                      else rng.uniform(-1, 1, size=actions))
        step *= eps / np.max(np.abs(step))  # sup norm exactly ε
        tv = total_variation(kl_regularized_policy(reward, reference, beta),
                             kl_regularized_policy(reward + step, reference, beta))
        ratios[i] = tv / kl_tv_bound(eps, beta)
    return ratios


def tightest_kl_case(reference: np.ndarray, beta: float, eps: float) -> tuple[float, float]:
    """(TV, bound) for the instance that attains the bound as ε/β → 0: R balances actions 0 and 1 against
    π_ref (π_β(R) puts equal mass on them, the others far below) and R' = R + (ε, −ε, 0, …).
    TV = ½·tanh(ε/β)·(mass on the pair), → ε/(2β)."""
    reference = np.asarray(reference, dtype=float)
    reward = np.full(len(reference), -50.0 * beta)
    reward[0], reward[1] = -beta * np.log(reference[0]), -beta * np.log(reference[1])
    step = np.zeros(len(reference))
    step[0], step[1] = eps, -eps
    tv = total_variation(kl_regularized_policy(reward, reference, beta),
                         kl_regularized_policy(reward + step, reference, beta))
    return tv, float(kl_tv_bound(eps, beta))


def reward_lost(rewards: np.ndarray, alpha: float | np.ndarray) -> float | np.ndarray:
    """The cost of stability: max R − E_{softmax(R/α)}[R] ≥ 0, the expected reward the entropy-regularized
    optimum gives up against the unregularized one (Xu 2025, Sec. 4.4: "suboptimality with respect to the
    immediate reward"). ``alpha`` may be an array; α = 0 costs nothing (the argmax)."""
    rewards = np.asarray(rewards, dtype=float)
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    if np.any(alphas < 0):
        raise ValueError(f"alpha = {alpha!r} must be ≥ 0")
    lost = np.array([0.0 if a == 0 else rewards.max() - softmax_policy(rewards, a) @ rewards for a in alphas])
    return float(lost[0]) if np.ndim(alpha) == 0 else lost


def reward_lost_tie_bandit(arms: int, tied: int, alpha: float) -> float:
    """Closed form of ``reward_lost`` on the tie bandit at ε = 0 (m arms at 1, K − m at 0):
    each top arm has mass e^(1/α)/(m·e^(1/α) + K − m), so the loss is (K − m)/(m·e^(1/α) + K − m)."""
    if not alpha > 0:
        return 0.0
    return float((arms - tied) / (tied * np.exp(1.0 / alpha) + arms - tied))


def reward_lost_bound(arms: int, tied: int, alpha: float | np.ndarray) -> float | np.ndarray:
    """α·log(K/m): softmax(R/α) maximizes E[R] + α·H, and uniform over the m best arms scores max R + α·log m,
    so the loss is at most α·(H(softmax) − log m) ≤ α·log(K/m)."""
    return np.asarray(alpha, dtype=float) * np.log(arms / tied)


def cost_of_stability(arms: int, tied: int, alphas: np.ndarray, eps: float = 0.0) -> dict[str, np.ndarray]:
    """Over ``alphas`` (> 0) on the tie bandit with arm a₂ at 1 + ε: the reward lost, its bound α·log(K/m), and
    the stability the price buys — the Lipschitz constant 1/(2α) of R ↦ softmax(R/α) in TV per unit of ‖ΔR‖∞."""
    alphas = np.asarray(alphas, dtype=float)
    rewards = tie_rewards(arms, tied, eps)
    return {"alpha": alphas, "reward_lost": reward_lost(rewards, alphas),
            "bound": reward_lost_bound(arms, tied, alphas), "lipschitz": 1.0 / (2 * alphas)}
