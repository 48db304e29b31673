"""The tie bandit: the argmax maps jump at a tie; softmax(R/α) obeys TV ≤ ε/(2α) (Xu 2025)."""
import numpy as np
import pytest

from lab.cliff.tie_bandit import (greedy_argmax, softmax_policy, sweep, tie_rewards, total_variation,
                                  uniform_over_argmax)


@pytest.mark.parametrize("arms, tied", [(2, 2), (3, 2), (5, 3), (6, 6)])
def test_uniform_over_argmax_jumps_by_m_minus_one_over_m(arms, tied):
    """The discontinuity of the argmax map at a tie: TV(π(0), π(0⁺)) = (m−1)/m."""
    at_zero = uniform_over_argmax(tie_rewards(arms, tied, 0.0))
    above = uniform_over_argmax(tie_rewards(arms, tied, 1e-12))
    assert total_variation(at_zero, above) == pytest.approx((tied - 1) / tied, abs=1e-12)


def test_greedy_flips_from_first_arm_to_second():
    assert greedy_argmax(tie_rewards(3, 2, -1e-9)).tolist() == [1, 0, 0]
    assert greedy_argmax(tie_rewards(3, 2, 0.0)).tolist() == [1, 0, 0]
    assert greedy_argmax(tie_rewards(3, 2, 1e-9)).tolist() == [0, 1, 0]


def test_softmax_tv_at_alpha_0_1_eps_0_01():
    """The issue's worked example: α = 0.1, ε = 0.01 gives TV = 0.0250, under the bound 0.05."""
    tv = total_variation(softmax_policy(tie_rewards(3, 2, 0.01), 0.1), softmax_policy(tie_rewards(3, 2, 0.0), 0.1))
    assert tv == pytest.approx(0.0250, abs=5e-5)
    assert tv <= 0.01 / (2 * 0.1)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
def test_softmax_bound_holds_across_the_sweep(alpha):
    """Lipschitz softmax: TV(π(ε), π(0)) ≤ |ε|/(2α) for every ε, and it is not vacuous (tight near 0)."""
    out = sweep(4, 3, alpha, np.linspace(-0.2, 0.2, 81))
    assert np.all(out["tv_softmax"] <= out["bound"] + 1e-12)
    small = np.abs(out["eps"]) == np.abs(out["eps"][out["eps"] != 0]).min()
    assert np.all(out["tv_softmax"][small] > 0.3 * out["bound"][small])


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="tied = 4 must be"):
        tie_rewards(3, 4, 0.0)
    with pytest.raises(ValueError, match="alpha = 0 must be > 0"):
        softmax_policy(np.zeros(3), 0)
    with pytest.raises(ValueError, match="tol = -0.1 must be ≥ 0"):
        uniform_over_argmax(np.zeros(3), tol=-0.1)
