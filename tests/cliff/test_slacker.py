"""The clever slacker and the tie-breakers that restore the honest action (Xu 2025, arXiv 2507.20150)."""
import numpy as np
import pytest

from lab.cliff.slacker import (HACKY, HONEST, compare_fixes, kl_regularized_policy, slacker_rewards,
                               true_reward, with_tie_breaker)
from lab.cliff.tie_bandit import greedy_argmax


def test_greedy_on_the_tied_training_reward_goes_hacky_and_loses_true_reward():
    """An adverse perturbation of 1e−6 decides the tie: the policy slacks and loses the penalty."""
    r_train, r_true = slacker_rewards(penalty=0.5, noise=1e-6)
    pi = greedy_argmax(r_train)
    assert pi[HACKY] == 1.0
    assert true_reward(pi, r_true) == pytest.approx(0.5)
    assert true_reward(greedy_argmax(r_true), r_true) - true_reward(pi, r_true) == pytest.approx(0.5)


def test_eps_tie_breaker_restores_the_honest_action():
    r_train, r_true = slacker_rewards(penalty=0.5, noise=1e-6)
    pi = greedy_argmax(with_tie_breaker(r_train, 1e-3))
    assert pi[HONEST] == 1.0 and true_reward(pi, r_true) == 1.0
    # a tie-breaker smaller than the adverse noise does not
    assert greedy_argmax(with_tie_breaker(r_train, 1e-7))[HACKY] == 1.0


def test_kl_pull_to_an_honest_reference_keeps_most_mass_honest():
    """π ∝ π_ref·exp(R/β): with a near-tie, the reference's preference survives."""
    r_train, r_true = slacker_rewards(penalty=0.5, noise=1e-6)
    pi = kl_regularized_policy(r_train, np.array([0.9, 0.1]), beta=0.05)
    assert pi[HONEST] == pytest.approx(0.9, abs=1e-3)
    assert true_reward(pi, r_true) > true_reward(greedy_argmax(r_train), r_true) + 0.3
    # a large true advantage still overrides the reference
    assert kl_regularized_policy(np.array([0.0, 1.0]), np.array([0.9, 0.1]), 0.05)[HACKY] > 0.99


def test_compare_fixes_table():
    table = compare_fixes()
    assert table["greedy on R_train"]["p_honest"] == 0.0
    assert table["ε tie-breaker"]["true_reward"] == 1.0
    assert table["KL to honest reference"]["true_reward"] > 0.9


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="penalty = 0 must be > 0"):
        slacker_rewards(0)
    with pytest.raises(ValueError, match="beta = -1 must be > 0"):
        kl_regularized_policy(np.zeros(2), np.array([0.5, 0.5]), -1)
    with pytest.raises(ValueError, match="probability vector"):
        kl_regularized_policy(np.zeros(2), np.array([1.0, 0.0]), 0.1)
