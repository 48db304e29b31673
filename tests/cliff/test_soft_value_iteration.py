"""Soft value iteration against closed forms where soft and hard backups differ (Xu 2025, arXiv 2507.20150,
Sec. 4.4: the soft Bellman operator; Sec. 3.4: the KL-regularized objective)."""
import numpy as np
import pytest

from lab.cliff.chain_mdp import (self_loop_mdp, self_loop_soft_value, soft_policy, soft_state_values,
                                 soft_value_iteration, two_branch_chain, two_branch_soft_value, value_iteration)


def test_hand_computed_number_on_the_shortest_chain():
    """γ = 0.5, α = 1, branches of length 1, ε = 0: V_soft(start) = log 2/(1 − γ) + γ = 1.886294…, by hand
    (every state adds α·log 2 because its two actions tie); the hard backup gives γ = 0.5."""
    P, R = two_branch_chain(0.0, length=1)
    v_soft = soft_state_values(soft_value_iteration(P, R, 0.5, 1.0), 1.0)[0]
    v_hard = value_iteration(P, R, 0.5).max(axis=1)[0]
    assert v_soft == pytest.approx(2 * np.log(2) + 0.5, abs=1e-10)
    assert v_hard == pytest.approx(0.5, abs=1e-12)
    assert v_soft - v_hard == pytest.approx(np.log(2) / (1 - 0.5), abs=1e-10)  # the hard backup is not it


@pytest.mark.parametrize("gamma, alpha, length, eps", [(0.9, 0.1, 2, 0.0), (0.5, 1.0, 1, 0.0), (0.9, 0.3, 3, 0.05),
                                                       (0.99, 0.05, 2, -0.02), (0.7, 2.0, 4, 0.3)])
def test_chain_matches_its_closed_form_and_differs_from_the_hard_backup(gamma, alpha, length, eps):
    """V_0 = α·log(e^(γV_A/α) + e^(γV_B/α)), V_branch = α·log 2/(1−γ) + γ^(L−1)·r, P(B) = σ(γ^L·ε/α); the hard
    value γ^L·max(1, 1+ε) is lower by at least γ·α·log 2/(1 − γ) (the soft max is at least the max)."""
    P, R = two_branch_chain(eps, length)
    Q = soft_value_iteration(P, R, gamma, alpha)
    exact = two_branch_soft_value(eps, gamma, alpha, length)
    assert soft_state_values(Q, alpha)[0] == pytest.approx(exact["v_start"], abs=1e-9)
    assert Q[0].tolist() == pytest.approx([exact["q_a"], exact["q_b"]], abs=1e-9)
    assert soft_policy(Q, alpha)[0, 1] == pytest.approx(1 / (1 + np.exp(-gamma ** length * eps / alpha)), abs=1e-9)
    hard = value_iteration(P, R, gamma).max(axis=1)[0]
    assert hard == pytest.approx(exact["hard_v_start"], abs=1e-12)
    assert exact["v_start"] - hard >= gamma * alpha * np.log(2) / (1 - gamma) - 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_self_loop_fixed_point_with_and_without_a_reference(seed):
    """One state, every action loops back: V = α·log Σ π_ref·exp(r/α)/(1−γ) (π_ref ≡ 1 for entropy), against
    max r/(1−γ) for the hard backup; random rewards, γ, α and reference per seed."""
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=4)
    gamma, alpha = rng.uniform(0.3, 0.95), rng.uniform(0.05, 2.0)
    reference = rng.dirichlet(np.ones(4))
    P, R = self_loop_mdp(rewards)
    for ref in (None, reference):
        Q = soft_value_iteration(P, R, gamma, alpha, reference=ref)
        v = soft_state_values(Q, alpha, ref)[0]
        assert v == pytest.approx(self_loop_soft_value(rewards, gamma, alpha, ref), rel=1e-9, abs=1e-9)
        expected_policy = (np.ones(4) if ref is None else ref) * np.exp(rewards / alpha)
        np.testing.assert_allclose(soft_policy(Q, alpha, ref)[0], expected_policy / expected_policy.sum(), atol=1e-9)
    hard = value_iteration(P, R, gamma).max(axis=1)[0]
    assert hard == pytest.approx(rewards.max() / (1 - gamma), abs=1e-9)
    # entropy regularization always adds value: α·log Σ exp(r/α) > max r
    assert self_loop_soft_value(rewards, gamma, alpha) > hard + 1e-6


def test_tied_self_loop_differs_by_alpha_log_m_over_one_minus_gamma():
    """m = 3 tied actions and one far below: soft − hard = α·log 3/(1−γ) to 1e−9 (the fourth adds e^(−100))."""
    rewards = np.array([1.0, 1.0, 1.0, -9.0])
    P, R = self_loop_mdp(rewards)
    soft = soft_state_values(soft_value_iteration(P, R, 0.8, 0.1), 0.1)[0]
    assert soft - value_iteration(P, R, 0.8).max() == pytest.approx(0.1 * np.log(3) / 0.2, abs=1e-9)


def test_bad_reference_is_a_clear_error():
    P, R = self_loop_mdp(np.zeros(2))
    with pytest.raises(ValueError, match="reference must give every state a probability vector"):
        soft_value_iteration(P, R, 0.9, 0.1, reference=np.array([1.0, 0.0]))
