"""Several reward models and the effective reward (Xu 2025, arXiv 2507.20150, multi-reward analysis)."""
import numpy as np
import pytest

from lab.cliff.several_rewards import effective_reward, greedy_actions, lipschitz_ratio, two_model_example


def test_ambiguous_states_tie():
    rewards, weights = two_model_example()
    r_eff = effective_reward(rewards, weights)
    assert r_eff[1, 0] == pytest.approx(r_eff[1, 1]) and r_eff[2, 0] == pytest.approx(r_eff[2, 1])
    assert greedy_actions(r_eff)[[0, 3]].tolist() == [0, 1]


def test_tiny_change_to_one_model_flips_only_the_tied_states():
    """A change of 1e−6 to the harmless model's action 1 flips the policy where R_eff ties."""
    rewards, weights = two_model_example()
    before = greedy_actions(effective_reward(rewards, weights))
    nudged = rewards.copy()
    nudged[1, :, 1] += 1e-6
    after = greedy_actions(effective_reward(nudged, weights))
    assert (before != after).tolist() == [False, True, True, False]


def test_changing_the_weights_shifts_the_policy():
    """Dropping ambiguous examples of one class (re-weighting those states) moves the policy there."""
    rewards, weights = two_model_example()
    reweighted = weights.copy()
    reweighted[:, 1:3] = [[0.45, 0.45], [0.55, 0.55]]
    before = greedy_actions(effective_reward(rewards, weights))
    after = greedy_actions(effective_reward(rewards, reweighted))
    assert before[1:3].tolist() == [0, 0] and after[1:3].tolist() == [1, 1]
    assert before[[0, 3]].tolist() == after[[0, 3]].tolist()


def test_effective_reward_is_one_lipschitz():
    """The effective-reward map is 1-Lipschitz: ‖R_eff − R_eff'‖∞ ≤ max_k ‖R_k − R_k'‖∞, on 500 random instances."""
    ratio = lipschitz_ratio(np.random.default_rng(0))
    assert 0.5 < ratio <= 1 + 1e-12


def test_bad_weights_are_a_clear_error():
    rewards, weights = two_model_example()
    with pytest.raises(ValueError, match="summing to 1"):
        effective_reward(rewards, weights * 2)
    with pytest.raises(ValueError, match="need weights of shape"):
        effective_reward(rewards[:, :3], weights)
