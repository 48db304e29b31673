"""The KL-to-reference bound TV ≤ ε/(2β) and the cost of stability (Xu 2025, arXiv 2507.20150: Sec. 3.4's
KL-regularized objective, the Appendix lemma on the softmax's Lipschitz constant, Sec. 4.4's cost)."""
import numpy as np
import pytest

from lab.cliff.chain_mdp import policy_tv, soft_policy, soft_value_iteration, two_branch_chain
from lab.cliff.regularized import (cost_of_stability, kl_tv_bound, kl_tv_ratios, reward_lost, reward_lost_bound,
                                   reward_lost_tie_bandit, tightest_kl_case)
from lab.cliff.slacker import kl_regularized_policy
from lab.cliff.tie_bandit import softmax_policy, tie_rewards


@pytest.mark.parametrize("seed", range(5))
def test_kl_policy_is_the_softmax_of_the_shifted_reward(seed):
    """π_ref·exp(R/β)/Z = softmax((R + β·log π_ref)/β): why the entropy bound carries over with β for α."""
    rng = np.random.default_rng(seed)
    reward, reference, beta = rng.normal(size=5), rng.dirichlet(np.ones(5)), rng.uniform(0.01, 1)
    np.testing.assert_allclose(kl_regularized_policy(reward, reference, beta),
                               softmax_policy(reward + beta * np.log(reference), beta), atol=1e-12)


@pytest.mark.parametrize("seed, beta", [(0, 0.01), (1, 0.1), (2, 1.0)])
def test_kl_bound_holds_and_is_nearly_attained_by_random_search(seed, beta):
    """2,000 random (π_ref, R, R') per seed: every TV/(ε/(2β)) ≤ 1, and the largest found is within 1 % of 1.
    Measured maxima: 0.999894 (seed 0, β 0.01), 0.999990 (1, 0.1), 0.999982 (2, 1.0). A false tighter constant,
    ε/(2.2β), fails: the ratio to it, 1.1 × these, is above 1 in 70, 151 and 316 of the 2,000 draws."""
    ratios = kl_tv_ratios(np.random.default_rng(seed), beta)
    assert ratios.max() <= 1 + 1e-9
    assert ratios.max() > 0.99
    assert (ratios * 1.1 > 1).sum() >= 20


@pytest.mark.parametrize("reference", [[0.5, 0.5], [0.9, 0.05, 0.05], [0.01, 0.3, 0.69]])
def test_the_bound_is_attained_in_the_limit_for_any_reference(reference):
    """Two actions balanced against π_ref, R' = R ± ε on them: TV = ½·tanh(ε/β) → ε/(2β); the ratio is
    tanh(x)/x ≈ 1 − x²/3 with x = ε/β: measured 1 − 3.3e−5, 1 − 3.3e−3, 1 − 0.238 at x = 0.01, 0.1, 1."""
    for eps, closeness in [(1e-3, 4e-5), (1e-2, 4e-3), (0.1, 0.25)]:
        tv, bound = tightest_kl_case(np.array(reference), 0.1, eps)
        assert tv <= bound
        assert tv == pytest.approx(0.5 * np.tanh(eps / 0.1), rel=1e-6)
        assert tv / bound > 1 - closeness


@pytest.mark.parametrize("gamma", [0.5, 0.9])
def test_kl_regularized_soft_value_iteration_obeys_the_mdp_bound(gamma):
    """In the chain MDP with a reference (0.8, 0.2) at every state, β = 0.2: TV ≤ ε/(2β(1−γ)) at every state
    (Prop 4.5's argument with the reference's log added to the reward), and the start state does move."""
    reference, beta = np.array([0.8, 0.2]), 0.2
    base = soft_policy(soft_value_iteration(*two_branch_chain(0.0), gamma, beta, reference=reference), beta, reference)
    for eps in [1e-4, 1e-2, 0.3]:
        P, R = two_branch_chain(eps)
        moved = soft_policy(soft_value_iteration(P, R, gamma, beta, reference=reference), beta, reference)
        tv = policy_tv(base, moved)
        assert np.all(tv <= eps / (2 * beta * (1 - gamma)) + 1e-12)
        assert tv[0] > 0


def test_kl_bound_input():
    assert kl_tv_bound(0.02, 0.1) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="beta = 0 must be > 0"):
        kl_tv_bound(0.1, 0)


@pytest.mark.parametrize("arms, tied, alpha, expected", [(3, 2, 1.0, 1 / (2 * np.e + 1)), (5, 2, 0.5, 3 / (2 * np.e ** 2 + 3)),
                                                         (4, 2, 0.25, 2 / (2 * np.e ** 4 + 2))])
def test_reward_lost_has_its_closed_form_on_the_tie_bandit(arms, tied, alpha, expected):
    """(K − m)/(m·e^(1/α) + K − m): K = 3, m = 2, α = 1 gives 1/(2e + 1) = 0.155362."""
    assert reward_lost(tie_rewards(arms, tied, 0.0), alpha) == pytest.approx(expected, abs=1e-12)
    assert reward_lost_tie_bandit(arms, tied, alpha) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_reward_lost_grows_with_alpha_and_stays_under_alpha_log_k_over_m(seed):
    """Random rewards (6 arms, the best two tied): the loss is non-decreasing over 60 α in [1e−3, 10], starts
    near 0, ends near max R − mean R, and never exceeds α·log(K/m)."""
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=6)
    rewards[1] = rewards[0] = rewards.max() + 0.5
    alphas = np.logspace(-3, 1, 60)
    lost = reward_lost(rewards, alphas)
    assert np.all(np.diff(lost) >= -1e-12) and lost[-1] > lost[0]
    assert lost[0] < 1e-6 and lost[-1] > 0.8 * (rewards.max() - rewards.mean())
    assert np.all(lost <= reward_lost_bound(6, 2, alphas) + 1e-12)
    assert reward_lost(rewards, 0.0) == 0.0


def test_cost_of_stability_table():
    """The trade-off: α = 0.1 → 1/(2α) = 5 and loss 2.27e−5; α = 1 → 0.5 and 0.155 (K = 3, m = 2)."""
    out = cost_of_stability(3, 2, np.array([0.1, 1.0]))
    assert out["lipschitz"].tolist() == [5.0, 0.5]
    assert out["reward_lost"] == pytest.approx([2 * 0 + 1 / (2 * np.exp(10) + 1), 1 / (2 * np.e + 1)], rel=1e-9)
