"""Dr. MAS (agent-wise advantage normalization, arXiv 2602.08847) against the failure it targets: prompt
classes ('agents') whose rewards differ in scale.

The stress setting: 2 prompt classes, class 1's reward 100× class 0's (scale_ratio 100), lr 1e-2, one
mini-batch, 8 seeds × 60 steps per base seed; outcome = each class's true (unscaled) reward over the last
10 steps (``true_reward_agent<k>``). With one global mean and std, class 0's rewards are a small, nearly
constant offset from the batch mean: its advantages are almost all equal and negative, its own reward
differences shrink to ~1/100 of class 1's, and it learns nothing while class 1 learns. Normalizing per
class over the batch ('agent') or per prompt ('group': GRPO's own normalization, and here also Dr. MAS's
exact per-(prompt, agent) grouping, see ``lab/llmrl/advantages.py``) removes the scale exactly, so class 0
learns as class 1 does and as in a balanced run.
"""
import numpy as np

from lab import Run
from lab.llmrl import LLMRLConfig, LLMRLTrainer

BASE_SEEDS = (0, 1, 2)
STRESS = dict(seeds=8, classes=2, scale_ratio=100.0, lr=1e-2, minibatches=1, steps=60)


def class_rewards(normalization: str, base: int) -> tuple[np.ndarray, np.ndarray]:
    """The low-scale and the high-scale class's true reward over the last 10 steps, per seed."""
    config = LLMRLConfig.from_params(normalization=normalization, seed=base, **STRESS)
    history = Run(LLMRLTrainer(config, "cpu"), config.steps, progress=False).run()
    return tuple(history.values(f"true_reward_agent{k}")[-10:].mean(0) for k in (0, 1))


def test_global_normalization_starves_the_low_scale_class_and_agent_wise_normalization_restores_it():
    """Measured per seed (base seeds 0 / 1 / 2; class 0 starts at 0.17–0.20, untrained):

    global  class 0  0.18 0.20 0.26 0.31 0.17 0.19 0.19 0.25 (0.22) / 0.24 0.09 0.20 0.17 0.18 0.37 0.26 0.22
                     (0.22) / 0.21 0.32 0.10 0.09 0.25 0.21 0.28 0.28 (0.22)
            class 1  means 0.72 / 0.66 / 0.70 (seeds 0.56–0.81)
    agent   class 0  0.76 0.65 0.72 0.67 0.79 0.63 0.76 0.69 (0.71) / 0.77 0.63 0.95 0.68 0.88 0.68 0.67 0.62
                     (0.73) / 0.73 0.74 0.65 0.80 0.71 0.56 0.79 0.70 (0.71)
            class 1  means 0.68 / 0.72 / 0.71
    group   class 0  0.70 0.67 0.69 0.75 0.77 0.61 0.51 0.65 (0.67) / 0.67 0.63 0.82 0.54 0.64 0.81 0.65 0.82
                     (0.70) / 0.73 0.74 0.75 0.65 0.62 0.74 0.77 0.57 (0.70)
            class 1  means 0.67 / 0.70 / 0.73

    Balanced control (global, scale_ratio 1): class 0 0.70 / 0.69 / 0.77 — the imbalance, not global
    normalization by itself, starves class 0. Under global normalization class 0 stays at its untrained
    level (at 100 steps too: 0.20 / 0.19 / 0.24), while every agent-wise seed ends above every global one.
    GRPO's per-prompt group normalization already removes a class's scale: Dr. MAS matters against a
    global baseline, not against plain GRPO (group ≈ agent here, within seed noise)."""
    for base in BASE_SEEDS:
        (global_low, global_high), (agent_low, agent_high), (group_low, _) = (
            class_rewards(normalization, base) for normalization in ("global", "agent", "group"))
        assert global_low.mean() < 0.35 and global_high.mean() > 0.5, (base, global_low, global_high)
        assert agent_low.mean() > 0.55 and agent_low.mean() - global_low.mean() > 0.35, (base, agent_low, global_low)
        assert agent_low.min() > global_low.max(), (base, agent_low, global_low)
        assert abs(agent_low.mean() - agent_high.mean()) < 0.1, (base, agent_low, agent_high)
        assert group_low.mean() > 0.55, (base, group_low)
