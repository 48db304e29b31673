"""The paper's controlled multi-reward perturbation experiment, in miniature (Xu 2025, arXiv 2507.20150, Sec. 5
"Multi-Reward Instability: Evidence from Controlled Perturbation Experiments"; the setup and what differs are in
lab/cliff/several_rewards.py). Seeds 0–9, 200 prompt types, 50,000 prompts (~15,000 ambiguous), δ = 0.01, 200 removed.
"""
import numpy as np
import pytest

from lab.cliff.several_rewards import class_weights, perturbation_experiment, remove_ambiguous, safety_boundary_data

SEEDS = range(10)


@pytest.fixture(scope="module")
def runs():
    return [perturbation_experiment(seed) for seed in SEEDS]


def test_a_small_orm_change_moves_the_greedy_policy_by_a_jump(runs):
    """Model-1 vs Model-2 (safety ORM changed by sup norm 0.01), greedy (β = 0): prompt types whose action flips,
    per seed 0–9: 3, 0, 2, 1, 3, 0, 2, 1, 2, 3 — a jump (TV = 1) in 8 of 10 seeds; never more than 3 of 200 types."""
    flips = [int((run["by_beta"][0.0]["tv_reward"] > 0.5).sum()) for run in runs]
    assert sum(f > 0 for f in flips) >= 7
    assert max(flips) <= 10  # a few tied types, not the whole policy
    for run in runs:  # a flip is a whole jump, as Prop 2.4's deterministic cliff says
        tv = run["by_beta"][0.0]["tv_reward"]
        assert set(np.unique(tv)) <= {0.0, 1.0}


def test_at_the_papers_kl_coefficient_the_policy_is_still_nearly_a_cliff(runs):
    """β = 0.001 (the experiment's init_kl_coef): the largest per-type TV per seed 0–9 is
    0.84, 0.25, 0.86, 0.60, 1.00, 0.18, 0.54, 0.50, 0.79, 0.99 — above 0.5 in 7 seeds; the bound δ/(2β) = 5 says nothing."""
    largest = [run["by_beta"][0.001]["tv_reward"].max() for run in runs]
    assert sum(t > 0.5 for t in largest) >= 6


@pytest.mark.parametrize("beta", [0.001, 0.01, 0.1])
def test_kl_regularized_policy_obeys_the_bound_under_both_perturbations(runs, beta):
    """TV ≤ ‖ΔR_eff‖∞/(2β) per type (Appendix softmax lemma with Sec. 3.4's KL objective); ‖ΔR_eff‖∞ ≤ δ under
    the ORM change (Lemma 'Properties of the Effective Reward Mapping'), and per type ≤ TV(w, w')·spread of the ORMs
    under the data change. At β = 0.1 the largest TV per seed is 0.022–0.034 (ORM, bound 0.05) and 0.007–0.014 (data)."""
    for run in runs:
        r = run["by_beta"][beta]
        assert run["reff_change_reward"] <= run["delta"] + 1e-12
        assert np.all(r["tv_reward"] <= run["reff_change_reward"] / (2 * beta) + 1e-12)
        assert np.all(run["reff_change_data"] <= run["reff_bound_data"] + 1e-12)
        assert np.all(r["tv_data"] <= run["reff_bound_data"] / (2 * beta) + 1e-12)
    if beta == 0.1:
        assert max(run["by_beta"][beta]["tv_reward"].max() for run in runs) < 0.04


def test_removing_ambiguous_prompts_changes_only_the_ambiguous_types(runs):
    """A tabular policy cannot generalize: types without removed prompts keep their weights and their policy
    exactly (this is where the miniature differs from the paper, whose shifts showed on other benchmarks).
    Greedy flips from the data change per seed 0–9: 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 (≈ 1.3 % of the ambiguous prompts)."""
    flips = []
    for run in runs:
        outside = ~run["data"]["ambiguous"]
        assert np.all(run["reff_change_data"][outside] == 0)
        for beta, r in run["by_beta"].items():
            assert np.all(r["tv_data"][outside] == 0), beta
        flips.append(int((run["by_beta"][0.0]["tv_data"] > 0.5).sum()))
    assert flips == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]


def test_remove_ambiguous_takes_exactly_that_many_from_the_boundary():
    rng = np.random.default_rng(0)
    data = safety_boundary_data(rng, types=20, prompts=2000)
    after = remove_ambiguous(rng, data, 50)
    assert data["counts"].sum() - after.sum() == 50
    assert np.all(after[:, ~data["ambiguous"]] == data["counts"][:, ~data["ambiguous"]])
    assert np.all(after >= 0)
    np.testing.assert_allclose(class_weights(after).sum(axis=0), 1.0)
    with pytest.raises(ValueError, match="more than the"):
        remove_ambiguous(rng, data, 10**6)


def test_through_a_shared_fit_the_data_change_reaches_held_out_prompts(runs):
    """With the smooth fitted r̂ (this lab's model of generalization), removing 200 ambiguous prompts moves r̂ at
    every held-out prompt (‖Δr̂‖∞ 9e−5 … 5.2e−4 per seed) and flips the greedy action on held-out prompts in 5 of
    10 seeds — flips per seed 0–9: 1, 0, 2, 1, 0, 1, 0, 1, 0, 0; the ORM change: 0, 3, 3, 1, 1, 2, 2, 2, 0, 2."""
    data_flips = [int((run["held_out"]["by_beta"][0.0]["tv_data"] > 0.5).sum()) for run in runs]
    orm_flips = [int((run["held_out"]["by_beta"][0.0]["tv_reward"] > 0.5).sum()) for run in runs]
    assert data_flips == [1, 0, 2, 1, 0, 1, 0, 1, 0, 0]
    assert orm_flips == [0, 3, 3, 1, 1, 2, 2, 2, 0, 2]
    for run in runs:
        held = run["held_out"]
        assert held["reff_change_data"] > 0
        for beta in (0.001, 0.01, 0.1):
            r = held["by_beta"][beta]
            assert np.all(r["tv_reward"] <= held["reff_change_reward"] / (2 * beta) + 1e-12)
            assert np.all(r["tv_data"] <= held["reff_change_data"] / (2 * beta) + 1e-12)


def test_the_papers_large_benchmark_shifts_are_not_reproduced_here(runs):
    """The jumps are real but few: the held-out refusal rate moves by at most 0.0008 (a flip or two of 2,001
    prompts) under either perturbation in every seed, greedy — the paper reports large shifts on its benchmarks.
    Many near-tied responses (the paper's action degeneracy) would be needed; this miniature has three actions."""
    for run in runs:
        refusal = run["held_out"]["by_beta"][0.0]["refusal"]
        assert abs(refusal["model 2"] - refusal["model 1"]) < 0.001
        assert abs(refusal["model 3"] - refusal["model 1"]) < 0.001
