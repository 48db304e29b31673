"""The chain MDP with tied branches (Xu 2025, arXiv 2507.20150; proposition numbers as in the lab issue)."""
import numpy as np
import pytest

from lab.cliff.chain_mdp import (chain_sweep, greedy_policy, inverse_bellman_reward, policy_tv, soft_policy,
                                 soft_value_iteration, two_branch_chain, value_iteration)

GAMMAS = [0.5, 0.9, 0.99]


def test_branches_tie_at_eps_zero():
    P, R = two_branch_chain(0.0, length=3)
    Q = value_iteration(P, R, 0.9)
    assert Q[0, 0] == pytest.approx(Q[0, 1], abs=1e-12) and Q[0, 0] == pytest.approx(0.9 ** 3)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("eps", [1e-3, 0.05, -0.3])
def test_q_star_is_lipschitz_in_the_reward(gamma, eps):
    """Prop 2.1: ‖Q*_R' − Q*_R‖∞ ≤ ‖R' − R‖∞ / (1 − γ)."""
    Q0 = value_iteration(*two_branch_chain(0.0), gamma)
    Q1 = value_iteration(*two_branch_chain(eps), gamma)
    change = np.max(np.abs(Q1 - Q0))
    assert 0 < change <= abs(eps) / (1 - gamma) + 1e-10


def test_greedy_policy_flips_at_zero_plus():
    """The cliff: ε = −1e−9 and ε = +1e−9 give different greedy actions at the start."""
    below = greedy_policy(value_iteration(*two_branch_chain(-1e-9), 0.9))[0]
    above = greedy_policy(value_iteration(*two_branch_chain(1e-9), 0.9))[0]
    assert below.tolist() == [1, 0] and above.tolist() == [0, 1]


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_soft_policy_moves_at_most_eps_over_two_alpha_one_minus_gamma(gamma, alpha):
    """Prop 4.5: TV(π_α,R(·|s), π_α,R'(·|s)) ≤ ε / (2α(1−γ)) at every state."""
    for eps in [1e-4, 1e-2, 0.2]:
        pi0 = soft_policy(soft_value_iteration(*two_branch_chain(0.0), gamma, alpha), alpha)
        pi1 = soft_policy(soft_value_iteration(*two_branch_chain(eps), gamma, alpha), alpha)
        tv = policy_tv(pi0, pi1)
        assert np.all(tv <= eps / (2 * alpha * (1 - gamma)) + 1e-12)
        assert tv[0] > 0  # it does move, continuously


@pytest.mark.parametrize("gamma", GAMMAS)
def test_inverse_bellman_reward_recovers_r_and_is_lipschitz(gamma):
    """Props 2.4/2.5: R_{Q*} = R, and ‖Q − Q'‖∞ ≤ ε ⇒ ‖R_Q − R_Q'‖∞ ≤ ε(1+γ)."""
    P, R = two_branch_chain(0.0)
    Q = value_iteration(P, R, gamma)
    np.testing.assert_allclose(inverse_bellman_reward(Q, P, gamma), R, atol=1e-9)
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(300):
        eps = rng.uniform(1e-4, 1.0)
        moved = Q + rng.uniform(-eps, eps, size=Q.shape)
        ratio = np.max(np.abs(inverse_bellman_reward(moved, P, gamma) - inverse_bellman_reward(Q, P, gamma)))
        worst = max(worst, ratio / np.max(np.abs(moved - Q)))
    assert worst <= 1 + gamma + 1e-9
    assert worst > 1.0  # the (1+γ) factor is needed, not slack


def test_chain_sweep_reports_the_cliff_and_both_bounds():
    """Props 2.1 and 4.5 over a sweep: Q* and the soft policy stay within their bounds while the
    greedy policy jumps from branch A to branch B between the two grid points next to ε = 0."""
    out = chain_sweep(np.linspace(-0.02, 0.02, 40), gamma=0.9, alpha=0.1, length=2)
    assert np.all(out["q_change"] <= out["q_bound"] + 1e-10)
    assert np.all(out["soft_tv"] <= out["soft_bound"] + 1e-12)
    assert out["greedy_b"].tolist() == [0.0] * 20 + [1.0] * 20
    assert np.max(np.abs(np.diff(out["soft_b"]))) < 0.05  # the soft policy crosses over continuously
    assert out["soft_b"][0] < 0.5 < out["soft_b"][-1]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="alpha = -0.1 must be > 0"):
        soft_policy(np.zeros((2, 2)), -0.1)
    with pytest.raises(ValueError, match="gamma = 1.0 must satisfy"):
        value_iteration(*two_branch_chain(0.0), 1.0)
    with pytest.raises(ValueError, match="alpha = 0 must be > 0"):
        soft_value_iteration(*two_branch_chain(0.0), 0.9, 0)
    with pytest.raises(ValueError, match="length = 0"):
        two_branch_chain(0.0, length=0)


def test_chain_config_names_gamma_and_its_range():
    from lab import ConfigError
    from lab.cliff.chain_mdp import ChainConfig

    with pytest.raises(ConfigError, match="'gamma' = 1.0 is not allowed: must be a number ≥ 0 and ≤ 0.999"):
        ChainConfig.from_params(gamma=1.0)
