"""The issue's acceptance claims, on small budgets, calibrated against measured runs (per seed).

Measured when written (CPU, one thread): see each test's docstring. The mismatch claim is a
true-reward deficit against a no-mismatch control, not an entropy floor — see the first test.
Each stabilizer against the failure it is for: tests/llmrl/test_stabilizer_*.py.
"""
import numpy as np

from lab import Run
from lab.llmrl import LLMRLConfig, LLMRLTrainer
from lab.llmrl.collapse import collapse_vs_control
from lab.llmrl.compare import CompareConfig, CompareTrainer

BASE_SEEDS = (0, 1, 2)


def run(steps: int, **params):
    config = LLMRLConfig.from_params(steps=steps, **params)
    return Run(LLMRLTrainer(config, "cpu"), steps, progress=False).run()


def test_mismatch_costs_plain_grpo_true_reward_and_minirl_recovers_part_of_it():
    """Sampler temperature 3 (strong mismatch) against the no-mismatch control (temperature 1), 8
    mini-batches per rollout batch, lr 1e-2, 100 steps; GRPO and MiniRL on the same seeds
    (CompareTrainer), 8 seeds per base seed; true reward = mean of the last 10 steps. Measured per seed
    on two CPUs (one thread); the runs are chaotic, so float rounding alone sends seeds elsewhere.

    AMD EPYC (AVX2), 2026-11-30:
    base 0  GRPO   mismatch 0.48 0.61 0.76 0.51 0.50 0.70 0.46 0.81 (0.61)
                   control  0.83 0.78 0.61 0.75 0.80 0.77 0.88 0.87 (0.79)
            MiniRL mismatch 0.66 0.73 0.72 0.71 0.69 0.67 0.74 0.72 (0.70)
                   control  0.74 0.75 0.72 0.66 0.67 0.91 0.74 0.86 (0.76)
    base 1  GRPO   mismatch 0.57 0.57 0.77 0.45 0.73 0.79 0.54 0.44 (0.61)
                   control  0.68 0.72 0.92 0.80 0.92 0.83 0.88 0.93 (0.84)
            MiniRL mismatch 0.74 0.72 0.61 0.60 0.65 0.76 0.72 0.68 (0.69)
                   control  0.89 0.65 0.80 0.83 0.68 0.91 0.82 0.91 (0.81)
    base 2  GRPO   mismatch 0.71 0.82 0.52 0.68 0.47 0.57 0.64 0.59 (0.63)
                   control  0.81 0.93 0.80 0.74 0.73 0.76 0.89 0.81 (0.81)
            MiniRL mismatch 0.65 0.58 0.62 0.69 0.63 0.61 0.79 0.68 (0.66)
                   control  0.79 0.71 0.71 0.58 0.74 0.74 0.92 0.84 (0.75)

    Intel Xeon (AVX-512), 2026-12-03:
    base 0  GRPO   mismatch 0.69 0.68 0.63 0.45 0.65 0.58 0.74 0.69 (0.64)
                   control  0.39 0.90 0.88 0.93 0.84 0.97 0.95 0.75 (0.83)
            MiniRL mismatch 0.60 0.74 0.63 0.67 0.71 0.70 0.65 0.74 (0.68)
                   control  0.84 0.95 0.71 0.91 0.86 0.71 0.81 0.78 (0.82)
    base 1  GRPO   mismatch 0.63 0.62 0.71 0.36 0.66 0.47 0.41 0.52 (0.55)
                   control  0.84 0.74 0.89 0.67 0.57 0.37 0.90 0.94 (0.74)
            MiniRL mismatch 0.78 0.65 0.78 0.72 0.47 0.81 0.85 0.67 (0.72)
                   control  0.87 0.82 0.95 0.74 0.82 0.93 0.84 0.87 (0.86)
    base 2  GRPO   mismatch 0.69 0.89 0.53 0.67 0.54 0.55 0.72 0.68 (0.66)
                   control  0.65 0.72 0.77 0.72 0.54 0.67 0.92 0.85 (0.73)
            MiniRL mismatch 0.67 0.68 0.67 0.75 0.64 0.65 0.75 0.76 (0.70)
                   control  0.71 0.68 0.78 0.78 0.74 0.64 0.71 0.70 (0.72)

    What holds on both, pooled over the 24 seeds (± one standard error over seeds), and is asserted:
    - mismatch costs GRPO true reward against its control: 0.18 / 0.23 / 0.18 (0.20 ± 0.03) on AMD,
      0.19 / 0.19 / 0.07 (0.15 ± 0.04) on Intel;
    - under the same mismatch MiniRL earns more than GRPO on the same seeds, getting part of that back:
      0.10 / 0.08 / 0.03 (0.07 ± 0.03) on AMD, 0.04 / 0.17 / 0.04 (0.08 ± 0.03) on Intel;
    - MiniRL hardly collapses against its control (``collapse_vs_control``: at the last step, true-reward
      EMA below every control seed's and entropy below the control's median): 0 / 0 / 0 of 8 on AMD,
      0 / 0 / 1 on Intel.
    What held on AMD only, so is no longer asserted:
    - MiniRL's own deficit is smaller than GRPO's (each against its own control): MiniRL 0.05 / 0.13 /
      0.09, a reduction of 0.13 / 0.10 / 0.09 (0.11 ± 0.03) on AMD; on Intel MiniRL 0.14 / 0.14 / 0.02, a
      reduction of 0.04 / 0.05 / 0.05 (0.05 ± 0.05: within noise, as MiniRL's control there is the higher);
    - GRPO collapses against the control: 4 / 4 / 3 of 8 on AMD, 0 / 1 / 2 on Intel, where single weak
      control seeds (0.39 at base 0, 0.37 at base 1) set the "below every control seed" bar low.
    The old absolute flag (entropy < 0.1) fires for GRPO in 8/8 seeds with *and* without mismatch, and
    for MiniRL in 6–7/8 with and 8/8 without (AMD) — it measures convergence, not failure."""
    common = dict(seeds=8, lr=1e-2, minibatches=8, objective="grpo", versus="minirl", steps=100)
    grpo, minirl = slice(0, 8), slice(8, 16)
    grpo_deficits, minirl_gains, minirl_collapsed = [], [], 0
    for base in BASE_SEEDS:
        runs = {t: Run(CompareTrainer(CompareConfig.from_params(sampler_temperature=t, seed=base, **common), "cpu"),
                       100, progress=False).run() for t in (3.0, 1.0)}
        reward = {t: end_of_run(h, "true_reward") for t, h in runs.items()}
        grpo_deficits.append(reward[1.0][grpo].mean() - reward[3.0][grpo].mean())
        minirl_gains.append(reward[3.0][minirl].mean() - reward[3.0][grpo].mean())
        state, _ = collapse_vs_control(*(runs[t].values(m)[:, minirl] for t in (3.0, 1.0)
                                         for m in ("entropy", "true_reward")))
        minirl_collapsed += int(state[-1].sum())
    assert np.mean(grpo_deficits) > 0.08, grpo_deficits
    assert np.mean(minirl_gains) > 0.03, minirl_gains
    assert minirl_collapsed <= 3, minirl_collapsed


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
