"""The Qwen paper's central claim (Zheng et al., arXiv 2512.01374, §2.3–2.4), checked exactly by
enumerating every response of a tiny policy (``lab/llmrl/first_order.py``): the token-level
surrogate's gradient against the true sequence-level gradient as the sampler's mismatch and the
policy's staleness grow, with and without the IS correction.

Three base seeds (0, 1, 2) × 2 policies each; the numbers in the docstrings are per policy,
listed as base seed·member: 0·0, 0·1, 1·0, 1·1, 2·0, 2·1.
"""
import numpy as np
import pandas as pd
import pytest
import torch

from lab.llmrl.first_order import CORRECTIONS, ExactProblem, agreement, first_order_config, sweep

BASE_SEEDS = (0, 1, 2)
NOISES = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
STALENESS = (0, 1, 2, 4, 8)
LR = 0.01
IS, NO_IS = CORRECTIONS[True], CORRECTIONS[False]


def config(seed: int):
    return first_order_config(seed=seed, seeds=2)


def tables(run, axis: str) -> dict[str, pd.DataFrame]:
    """Each measured value as a (policy, correction) × axis table over the base seeds."""
    rows = pd.concat([run(seed) for seed in BASE_SEEDS])
    rows["policy"] = rows.base_seed.astype(str) + "·" + rows.seed.astype(str)
    return {value: rows.pivot_table(index=["policy", "correction"], columns=axis, values=value)
            for value in ("relative_error", "cosine", "residual")}


@pytest.fixture(scope="module")
def mismatch() -> dict[str, pd.DataFrame]:
    """Over the sampler's logit noise σ (NOISES), no staleness."""
    return tables(lambda seed: sweep(noises=NOISES, staleness=(0,), config=config(seed)), "noise")


@pytest.fixture(scope="module")
def staleness() -> dict[str, pd.DataFrame]:
    """Over Adam steps of π_θ past π_old (STALENESS, step size LR), no mismatch."""
    return tables(lambda seed: sweep(noises=(0.0,), staleness=STALENESS, lr=LR, config=config(seed)), "staleness")


def is_increasing(values) -> bool:
    return bool(np.all(np.diff(np.asarray(values)) > 0))


def test_enumeration_is_the_exact_expectation_and_the_sampler_a_distribution():
    """The score-function sum Σ_y π(y) R(y) ∇log π(y) equals autograd of Σ_y π(y) R(y) (to float
    precision, every weight of every policy), and the perturbed sampler μ_old — one noise draw
    per prefix — sums to 1 over the responses of each prompt, even at σ = 1."""
    problem = ExactProblem(config(0))
    by_enumeration = problem.true_gradient(problem.weights)
    by_autograd = torch.autograd.grad(problem.expected_reward(problem.weights).sum(),
                                      list(problem.weights.values()))
    for mine, exact in zip(by_enumeration, by_autograd):
        torch.testing.assert_close(mine, exact, rtol=1e-4, atol=1e-7)
    c = problem.config
    log_mu = problem.sampler_token_log_probs(problem.weights, noise=1.0)
    total = log_mu.sum(-1).exp().view(c.seeds, c.prompts, -1).sum(-1)
    torch.testing.assert_close(total, torch.ones_like(total))


def test_surrogate_gradient_is_the_true_gradient_without_mismatch_or_staleness(mismatch, staleness):
    """At μ_old = π_old = π_θ the token-level gradient equals the true sequence-level gradient, with
    and without the correction (both weights are then 1): the identity Σ_t ∇log π(y_t) = ∇log π(y).
    Measured relative error 1.8e-7–2.6e-7 (float32) for every policy, against 0.024–0.042 with the
    correction at the smallest mismatch (σ = 0.05) and 0.062–0.098 after one stale Adam step."""
    for table in (mismatch, staleness):
        exact = table["relative_error"][0.0 if table is mismatch else 0]
        assert exact.max() < 1e-5, exact
    assert mismatch["relative_error"][0.05].min() > 1e-2
    assert staleness["relative_error"][1].min() > 1e-2


def test_error_grows_with_mismatch_at_first_order(mismatch):
    """The relative error rises monotonically with the sampler's noise σ for every policy, with and
    without the correction, and linearly at small σ (err(0.1)/err(0.05) = 1.96–2.00): the
    surrogate's gradient is off by O(σ). KL(π_old ‖ μ_old) is 0.0034–0.0036 nats per response at
    σ = 0.05 and 1.24–1.44 at σ = 1.

    Relative error at σ = 0.05 / 0.1 / 0.2 / 0.5 / 1.0, token IS | no IS:
      0·0  0.024 0.048 0.094 0.22 0.39 | 0.074 0.15 0.28 0.64 1.02
      0·1  0.032 0.064 0.13  0.34 0.84 | 0.071 0.14 0.28 0.75 1.84
      1·0  0.025 0.049 0.097 0.23 0.43 | 0.074 0.15 0.28 0.61 0.98
      1·1  0.033 0.065 0.13  0.35 0.86 | 0.061 0.12 0.25 0.72 2.03
      2·0  0.027 0.053 0.11  0.26 0.49 | 0.091 0.18 0.35 0.76 1.16
      2·1  0.042 0.084 0.17  0.45 1.08 | 0.082 0.16 0.33 0.90 2.24
    Cosine at σ = 0.2: 0.989–0.996 with IS, 0.947–0.971 without; at σ = 1: 0.76–0.94 vs 0.39–0.69."""
    error = mismatch["relative_error"]
    for key, row in error.iterrows():
        assert is_increasing(row.values), (key, row.values)
    slope = error[0.1] / error[0.05]
    assert slope.between(1.8, 2.2).all(), slope


def test_error_grows_with_staleness_and_the_surrogate_follows_the_moved_policy(staleness):
    """The relative error rises monotonically with the number of stale Adam steps (lr 0.01;
    KL(π_θ ‖ π_old) 0.006–0.009 nats per response after 1 step, 0.52–0.63 after 8), linearly at
    first (err(2)/err(1) = 1.81–2.08). With no mismatch the two corrections coincide (weight 1).

    Relative error after 1 / 2 / 4 / 8 steps (cosine after 8 steps):
      0·0 0.086 0.18 0.35 0.61 (0.80)   0·1 0.068 0.13 0.30 1.19 (0.39)   1·0 0.075 0.15 0.33 0.98 (0.53)
      1·1 0.098 0.20 0.44 0.72 (0.69)   2·0 0.062 0.13 0.30 1.07 (0.38)   2·1 0.091 0.16 0.27 0.69 (0.75)

    It would fail if the surrogate's gradient were taken at π_old's weights: that is exactly the
    stale true gradient ∇J_seq(π_old), whose error against ∇J_seq(π_θ) after one step is about 3×
    the surrogate's (base seed 0: 0.263, 0.253 vs 0.086, 0.068; asserted below as more than 2×):
    the ratio π_θ/π_old follows the moved policy to first order."""
    error = staleness["relative_error"]
    for key, row in error.iterrows():
        assert is_increasing(row.values), (key, row.values)
    slope = error[2] / error[1]
    assert slope.between(1.6, 2.4).all(), slope
    pd.testing.assert_frame_equal(error.xs(IS, level="correction"), error.xs(NO_IS, level="correction"), atol=1e-6)

    problem = ExactProblem(config(0))
    log_old = problem.token_log_probs(problem.weights).detach()
    stale_true = problem.true_gradient(problem.weights)
    (_, moved), = problem.stale_path((1,), LR)
    true = problem.true_gradient(moved)
    _, surrogate_error = agreement(problem.surrogate_gradient(moved, log_old, log_old, True)[0], true)
    _, stale_error = agreement(stale_true, true)
    assert (surrogate_error < stale_error / 2).all(), (surrogate_error, stale_error)


def test_is_correction_lowers_the_error_under_mismatch(mismatch, staleness):
    """The paper: the weight π_θ/μ_old (= sg[π_old/μ_old] · π_θ/π_old) is what makes the token-level
    objective the first-order approximation of J_seq under training–inference mismatch. Measured:

    - the corrected gradient is closer to the true one at every σ > 0 for every policy: its relative
      error is 0.29–0.54 of the uncorrected one's (σ = 0.05 … 1; per policy at σ = 0.1: 0.33, 0.46,
      0.34, 0.53, 0.30, 0.51);
    - the objective: the residual J_seq − (J_token − (L − 1)·E_μ[R]) is second order in σ with the
      correction — it grows 3.7–5.2× from σ = 0.05 to 0.1 (0·0 3.5e-6 → 1.8e-5, …, 2·1 3.2e-5 →
      1.3e-4) — while without it the residual has a first-order part, E_π[R] − E_μ[R] (growth 2.0–2.2×,
      except 2·1, where that part nearly vanishes: 1.9e-5 → 7.4e-6);
    - what the correction does not do: the gradient's error stays first order (previous test),
      since the prefixes and the rest of each response are still drawn from μ_old; the correction
      removes the part from the token's own distribution."""
    error = mismatch["relative_error"]
    ratio = error.xs(IS, level="correction") / error.xs(NO_IS, level="correction")
    assert (ratio[[0.05, 0.1, 0.2, 0.5, 1.0]] < 0.7).all().all(), ratio
    residual = mismatch["residual"].xs(IS, level="correction")
    assert residual[0.0].max() < 1e-6
    growth = residual[0.1] / residual[0.05]
    assert growth.between(3.0, 6.0).all(), growth


def test_figure_draws_each_policy_and_the_mean_of_a_sweep():
    """The widget's 2×2 figure from a small grid: per panel one line per policy and correction plus
    the two means, which are the frame's own means (the mismatch panels at staleness 0, the
    staleness panels at σ = 0)."""
    from widgets.llmrl_first_order import first_order_figure
    frame = sweep(noises=(0.0, 0.1), staleness=(0, 1), config=first_order_config(seeds=2))
    fig = first_order_figure(frame)
    assert len(fig.data) == 4 * 2 * (2 + 1)
    means = [t for t in fig.data if t.showlegend is not False and t.mode == "lines+markers"]
    first = means[0]                                  # top left: cosine vs σ, corrected
    expected = frame[(frame.staleness == 0) & (frame.correction == IS)].groupby("noise").cosine.mean()
    np.testing.assert_allclose(first.y, expected.values)
    assert {t.name for t in means} == {IS, NO_IS}
