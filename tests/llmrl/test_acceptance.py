"""The issue's acceptance claims, on small budgets, calibrated against measured runs (per seed).

Measured when written (CPU, one thread): see each test's docstring. The mismatch
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


BASE_SEEDS = (0, 1, 2)


def end_of_run(history, metric):
    """A metric's mean over the last 10 steps, per seed."""
    return history.values(metric)[-10:].mean(0)


def test_with_disjoint_proxy_errors_the_robust_objective_keeps_part_of_the_true_reward_and_still_hacks():
    """A 3-member proxy ensemble with disjoint errors (hack_shared 0: member k rewards only symbol
    10 + k, bonus 1), 150 steps, 8 seeds per base seed; true reward = mean of the last 10 steps.
    Measured, base seeds 0 / 1 / 2:
    - trained on one proxy: true reward 0.000–0.001 in every seed (hack tokens 100 %);
    - robust (½ mean + ½ min): true reward per seed 0.59 0.12 0.64 0.66 0.53 0.62 0.36 0.55 /
      0.38 0.06 0.70 0.35 0.55 0.75 0.69 0.33 / 0.48 0.51 0.23 0.71 0.66 0.02 0.67 0.72,
      means 0.51 / 0.48 / 0.50;
    - trained on the true reward: means 0.74 / 0.75 / 0.73 (seeds 0.64–0.85), so robust costs
      0.23 / 0.28 / 0.24 of it;
    - the robust policy still hacks: hack tokens (any member's) 47–88 % / 44–94 % / 54–99 % of its
      tokens, and every member overrates it by 0.18–0.24 on average (the minimum rises too)."""
    for base in BASE_SEEDS:
        runs = {reward: run(150, seeds=8, seed=base, reward=reward) for reward in ("true", "proxy", "robust")}
        true = {reward: end_of_run(h, "true_reward") for reward, h in runs.items()}
        assert (true["proxy"] < 0.05).all(), (base, true["proxy"])
        assert true["robust"].mean() > 0.3, (base, true["robust"])
        assert true["true"].mean() - true["robust"].mean() > 0.15, (base, true)
        assert (end_of_run(runs["robust"], "hack_fraction") > 0.3).all(), base
        for k in range(3):
            assert end_of_run(runs["robust"], f"proxy{k}_minus_true").mean() > 0.1, (base, k)


def test_with_a_shared_proxy_error_the_robust_objective_hacks_as_fully_as_one_proxy():
    """The same ensemble with half of each member's error shared (hack_shared 0.5: every member gives
    0.5 for the fraction of symbol 13, and 0.5 for its own token). 150 steps, 8 seeds per base seed.
    Measured, base seeds 0 / 1 / 2: the robust objective's true reward 0.000–0.002 in every seed (as
    one proxy's: 0.000–0.002), hack tokens ≥ 99.9 %, every member overrating it by 0.50 — the
    minimum over the ensemble is fooled as easily as a single member. (At hack_shared 0.25 it
    splits: mean true reward 0.24 / 0.32 / 0.32, with 5 / 3 / 3 of 8 seeds at ≤ 0.03 and the rest at
    0.14–0.74; at 1 the members are identical.)"""
    for base in BASE_SEEDS:
        robust = run(150, seeds=8, seed=base, reward="robust", hack_shared=0.5)
        assert (end_of_run(robust, "true_reward") < 0.05).all(), base
        assert (end_of_run(robust, "hack_fraction") > 0.9).all(), base
        for k in range(3):
            assert (end_of_run(robust, f"proxy{k}_minus_true") > 0.4).all(), (base, k)
