"""SAFE (arXiv 2602.04651, ``lab/llmrl/safe.py``) against the failure it is meant for: reward hacking, where
the policy drifts far from the reference onto what the reward model overrates.

The stress setting: train on one hackable proxy (``reward="proxy"``: the true reward plus a bonus of 1 per
unit fraction of symbol 10), 8 seeds, 60 steps, otherwise the defaults. Numbers are the mean of the last 10
steps per seed, measured on the CPU at one thread for base seeds 0 / 1 / 2:

- plain GRPO: true reward 0.00 in all 24 seeds (it starts near 0.19), hack tokens 0.99–1.00, KL(π_old ‖ π_ref)
  2.64–3.08 nats per token (≈ log 16: a deterministic policy) — the failure;
- SAFE (defaults): true reward 0.16 0.14 0.17 0.14 0.17 0.13 0.15 0.12 / 0.13 0.14 0.15 0.15 0.16 0.16 0.14
  0.16 / 0.18 0.15 0.12 0.16 0.18 0.14 0.15 0.18, hack tokens 0.50–0.60, KL 0.69–0.91;
- SAFE with its KL hinge off (``safe_kl_coef=0``, the critic alone): true reward 0.00, hack tokens 0.99–1.00,
  KL 2.62–3.07 — like GRPO, so the effect is the hinge's;
- SAFE with its threshold held still (``safe_tau_base=0.6``, PID gains 0): every seed within 0.02 of default
  SAFE in true reward and hack tokens, and within 0.03 in KL. Once the policy has drifted (from about step
  25; at step 20 a scratch run of base 0 had KL 0.13 against τ 0.46) the KL sits above τ's ceiling (0.6), so
  the hinge is on, and a linear hinge's gradient does not depend on τ: here the PID-controlled threshold is
  inert (pinned below).

The honest baseline is GRPO with a fixed KL penalty β. β = 0.1 costs GRPO as much true reward as SAFE costs
when both train on the *true* reward (60 steps, means of 8 seeds: SAFE 0.28 / 0.28 / 0.28, GRPO β = 0.1
0.27 / 0.27 / 0.27), yet on the proxy it keeps only 0.04 / 0.05 / 0.06 (per seed 0.02–0.09, hack tokens
0.85–0.96) to SAFE's 0.15 / 0.15 / 0.16. At 150 steps (base seed 0, true reward when trained on the true
reward / on the proxy): β = 0 0.74 / 0.00, β = 0.03 0.65 / 0.04, β = 0.1 0.53 / 0.10, β = 0.3 0.37 / 0.17,
β = 0.5 0.30 / 0.21, β = 1 0.23 / 0.21; SAFE 0.54 / 0.26 — no β tried reaches SAFE's pair. What SAFE prevents
is the *crash* (0.19 → 0.00), not hacking as such: about half its tokens are hack tokens.
The edge does not come from SAFE's entropy gate: with the gate held at a constant 0.1 (a patched controller,
150 steps) SAFE reaches 0.52 / 0.29, 0.50 / 0.27, 0.51 / 0.31 for base seeds 0 / 1 / 2 (SAFE: 0.54 / 0.26,
0.55 / 0.24, 0.54 / 0.29) — the same trade-off.

SAFE is not for large steps or heavy staleness, where GRPO's failure is a premature entropy collapse (150
steps, means of 8 seeds, base 0 / 1 / 2; GRPO at the default lr 3e-3 reaches 0.74 / 0.75 / 0.73): lr 0.1:
GRPO 0.36 / 0.34 / 0.46, SAFE 0.18 / 0.14 / 0.14; lr 0.03 with 8 mini-batches: GRPO 0.32 / 0.23 / 0.17, SAFE
0.16 / 0.18 / 0.18. Its gate opens as the entropy falls and the hinge holds the entropy up, but the true
reward lower still (pinned at 60 steps in the last test).
"""
import numpy as np
import pytest

from lab import Run
from lab.llmrl import LLMRLConfig, LLMRLTrainer
from lab.llmrl.compare import CompareConfig, CompareTrainer

BASE_SEEDS = (0, 1, 2)
SEEDS = 8
STRESS = dict(reward="proxy", seeds=SEEDS, steps=60)   # notebook 08: with objective="safe", versus="grpo"
METRICS = ("true_reward", "hack_fraction", "kl_ref")
BETA = 0.1   # GRPO's KL penalty that costs as much true reward as SAFE when both train on the true reward


def end_of_run(history, members=slice(None), metrics=METRICS):
    """Each metric's mean over the last 10 steps, per seed."""
    return {m: history.values(m)[-10:, members].mean(0) for m in metrics}


def single(objective: str, base: int, **knobs):
    """One objective alone on the stress setting: its end-of-run metrics."""
    config = LLMRLConfig.from_params(objective=objective, seed=base, **STRESS, **knobs)
    return end_of_run(Run(LLMRLTrainer(config, "cpu"), config.steps, progress=False).run())


def pair(base: int, metrics=METRICS, **params):
    """SAFE and GRPO on the same seeds (``CompareTrainer``): their end-of-run metrics."""
    config = CompareConfig.from_params(objective="safe", versus="grpo", seed=base, **{**STRESS, **params})
    history = Run(CompareTrainer(config, "cpu"), config.steps, progress=False).run()
    return end_of_run(history, slice(0, SEEDS), metrics), end_of_run(history, slice(SEEDS, 2 * SEEDS), metrics)


@pytest.fixture(scope="module")
def runs():
    """Per base seed, on the proxy: SAFE, plain GRPO, GRPO with β = 0.1, SAFE without its hinge, SAFE with τ
    held still; and on the true reward: SAFE and GRPO with β = 0.1."""
    out = {}
    for base in BASE_SEEDS:
        safe, grpo = pair(base)
        true_safe, true_beta = pair(base, reward="true", kl_coef=BETA)
        out[base] = {"safe": safe, "grpo": grpo,
                     "grpo beta": single("grpo", base, kl_coef=BETA),
                     "true: safe": true_safe, "true: grpo beta": true_beta,
                     "hinge off": single("safe", base, safe_kl_coef=0.0),
                     "tau fixed": single("safe", base, safe_tau_base=0.6, safe_kp=0.0, safe_ki=0.0, safe_kd=0.0)}
    return out


def test_plain_grpo_on_a_hackable_proxy_loses_all_true_reward(runs):
    """The failure: every GRPO seed ends on hack tokens only, true reward 0, KL near its maximum log 16."""
    for base, arms in runs.items():
        grpo = arms["grpo"]
        assert (grpo["true_reward"] < 0.02).all(), (base, grpo)
        assert (grpo["hack_fraction"] > 0.95).all(), (base, grpo)
        assert (grpo["kl_ref"] > 2.3).all(), (base, grpo)


def test_safe_keeps_true_reward_and_bounds_the_kl_on_the_same_seeds(runs):
    """SAFE on the same seeds: true reward 0.12–0.18 in every seed (GRPO 0.00), KL below 1 (GRPO ≈ 2.8)."""
    for base, arms in runs.items():
        safe, grpo = arms["safe"], arms["grpo"]
        assert (safe["true_reward"] > 0.08).all() and safe["true_reward"].mean() > 0.11, (base, safe)
        assert (safe["true_reward"] > grpo["true_reward"] + 0.06).all(), (base, safe, grpo)
        assert (safe["hack_fraction"] < 0.75).all(), (base, safe)
        assert (safe["kl_ref"] < 1.2).all(), (base, safe)


def test_safe_beats_the_kl_penalty_that_costs_as_much_true_reward(runs):
    """The honest baseline: GRPO with β = 0.1 learns the true reward as fast as SAFE (means 0.27 vs 0.28), yet
    on the proxy it keeps 0.04–0.06 on average to SAFE's 0.15–0.16, with 0.85–0.96 hack tokens to SAFE's ~0.55."""
    for base, arms in runs.items():
        true_safe, true_beta = arms["true: safe"]["true_reward"], arms["true: grpo beta"]["true_reward"]
        assert abs(true_safe.mean() - true_beta.mean()) < 0.04, (base, true_safe, true_beta)
        safe, beta = arms["safe"], arms["grpo beta"]
        assert safe["true_reward"].mean() - beta["true_reward"].mean() > 0.06, (base, safe, beta)
        assert beta["hack_fraction"].mean() - safe["hack_fraction"].mean() > 0.2, (base, safe, beta)


def test_without_its_kl_hinge_safe_hacks_like_grpo(runs):
    """The knob: safe_kl_coef = 0 leaves SAFE's critic and gives the crash back — the effect is the hinge's."""
    for base, arms in runs.items():
        off = arms["hinge off"]
        assert (off["true_reward"] < 0.02).all(), (base, off)
        assert (off["hack_fraction"] > 0.95).all(), (base, off)


def test_the_pid_threshold_is_inert_in_this_setting(runs):
    """Pinned non-effect: τ held still (τ_base 0.6, PID gains 0) changes no seed's true reward or hack
    fraction by more than 0.02 (asserted: 0.05), since after the first ~25 steps the KL stays above τ's
    ceiling and the linear hinge's gradient does not depend on τ. If the controller ever mattered here, this test would say so."""
    for base, arms in runs.items():
        safe, fixed = arms["safe"], arms["tau fixed"]
        for m in ("true_reward", "hack_fraction"):
            assert np.abs(safe[m] - fixed[m]).max() < 0.05, (base, m, safe[m], fixed[m])
        assert np.abs(safe["kl_ref"] - fixed["kl_ref"]).max() < 0.1, (base, safe["kl_ref"], fixed["kl_ref"])
        assert safe["kl_ref"].mean() > 0.6, (base, safe["kl_ref"])   # above τ's ceiling: why τ cannot act


def test_at_a_large_learning_rate_safe_holds_the_entropy_up_but_not_the_reward():
    """Pinned non-effect against the other failure, lr 0.1 (GRPO's entropy collapses within ~30 steps).
    60 steps, SAFE and GRPO on the same seeds, means of 8 seeds, base 0 / 1 / 2: true reward SAFE
    0.16 / 0.14 / 0.14 (per seed 0.05–0.24), GRPO 0.40 / 0.40 / 0.45 (0.03–0.71); entropy SAFE 0.94 / 0.81 /
    0.64, GRPO 0.02 / 0.02 / 0.02 nats."""
    for base in BASE_SEEDS:
        safe, grpo = pair(base, reward="true", lr=0.1, metrics=("true_reward", "entropy"))
        assert safe["entropy"].mean() > 0.3 and grpo["entropy"].mean() < 0.1, (base, safe, grpo)
        assert safe["true_reward"].mean() < grpo["true_reward"].mean() - 0.1, (base, safe, grpo)
