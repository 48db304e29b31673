"""The issue's acceptance claims, on small budgets, calibrated against measured runs (per seed).

Measured when written (8 seeds each, CPU, seed 0): see each test's docstring. The mismatch
claim holds by the stated criterion but is weaker than it reads — see the first test.
"""
import numpy as np

from lab import Run
from lab.llmrl import LLMRLConfig, LLMRLTrainer


def run(steps: int, **params):
    config = LLMRLConfig.from_params(steps=steps, **params)
    return Run(LLMRLTrainer(config, "cpu"), steps, progress=False).run()


def test_plain_grpo_collapses_under_mismatch_and_staleness_and_minirl_does_not():
    """Sampler temperature 3 (strong mismatch), 8 mini-batches per rollout batch, lr 1e-2, 60 steps;
    collapse = entropy below 0.1 nats/token or a 0.3 reward crash. Measured (seeds 0..7):
    GRPO collapsed 7/8 (entropies 0.03 0.08 0.00 0.03 0.21 0.14 0.12 0.03), MiniRL 1/8 (0.40 0.19
    0.55 0.41 0.38 0.31 0.18 0.36); with base seeds 1 and 2: 7/8 vs 0/8 and 8/8 vs 2/8.

    Caveat, measured too: GRPO *without* any mismatch also falls below the floor here (8/8,
    reward 0.64–0.87), because this task's optimum is nearly deterministic, and MiniRL's truncated
    weights make it learn more slowly (reward 0.49–0.62 vs plain GRPO's 0.38–0.72 under mismatch).
    So the test shows that the correction keeps entropy up under mismatch, not a
    mismatch-specific reward crash — that we did not reproduce in this toy."""
    common = dict(seeds=8, lr=1e-2, minibatches=8, sampler_temperature=3.0)
    plain = run(60, objective="grpo", **common).values("collapsed")[-1]
    corrected = run(60, objective="minirl", **common).values("collapsed")[-1]
    assert plain.sum() >= 6, plain
    assert corrected.sum() <= 2, corrected


def test_agent_wise_normalization_balances_gradient_norms_across_reward_scales():
    """Two prompt classes ('agents') with rewards 10× apart, 30 steps. Median per seed of
    ‖∇ agent 1‖ / ‖∇ agent 0‖ measured: global 3.83 3.36 3.93 4.11; agent-wise 1.01 1.00 1.01 0.97."""
    ratios = {}
    for normalization in ("global", "agent"):
        history = run(30, seeds=4, classes=2, scale_ratio=10.0, normalization=normalization)
        ratios[normalization] = np.median(history.values("grad_norm_agent1") / history.values("grad_norm_agent0"), 0)
    assert (ratios["global"] > 2.5).all(), ratios
    assert (np.abs(ratios["agent"] - 1) < 0.25).all(), ratios


def test_capo_masks_a_small_fraction_of_tokens_in_normal_training():
    """Default settings, 150 steps. Measured mean masked fraction per seed: 1.3%, 1.3%, 1.1%, 1.3%
    (largest single step 5.5–8.6%); the policy still learns (true reward 0.69–0.74 at the end)."""
    history = run(150, seeds=4, objective="capo")
    masked = history.values("capo_masked")
    assert (masked.mean(0) > 0.001).all() and (masked.mean(0) < 0.05).all(), masked.mean(0)
    assert (history.values("true_reward")[-10:].mean(0) > 0.5).all()


def test_safe_threshold_stays_in_range_and_moves():
    """Default settings, 150 steps. Measured per seed: τ ranges over [0.20, 0.59], [0.20, 0.54],
    [0.16, 0.53], [0.28, 0.60]. (The clip to [0.1, 0.6] is part of the controller; the test checks
    that it holds and that the PID actually moves τ inside it.)"""
    tau = run(150, seeds=4, objective="safe").values("safe_threshold")
    assert (tau >= 0.1 - 1e-6).all() and (tau <= 0.6 + 1e-6).all()   # float32
    assert (tau.max(0) - tau.min(0) > 0.1).all(), (tau.min(0), tau.max(0))


def test_robust_objective_hacks_less_than_a_single_hackable_reward():
    """A 3-member proxy ensemble, each member fooled by its own token (bonus 1). Hacking = proxy
    member 0 − true reward, mean of the last 10 steps of 150. Measured per seed: single proxy
    1.00 1.00 1.00 1.00 (true reward 0); robust (½ mean + ½ min) 0.16 0.38 0.21 0.24."""
    hacking = {}
    for reward in ("proxy", "robust"):
        hacking[reward] = run(150, seeds=4, reward=reward).values("hacking")[-10:].mean(0)
    assert (hacking["robust"] < hacking["proxy"] - 0.3).all(), hacking
    assert (hacking["proxy"] > 0.8).all(), hacking
