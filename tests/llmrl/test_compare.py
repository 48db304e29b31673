"""The composite trainer: two objectives on the same seeds, one population."""
import numpy as np
import pytest
import torch

from lab import ConfigError, Run
from lab.llmrl import LLMRLConfig, LLMRLTrainer
from lab.llmrl.compare import CompareConfig, CompareTrainer


def test_both_halves_start_from_the_same_seeds_and_match_a_plain_trainer():
    config = CompareConfig.from_params(seeds=3, objective="grpo", versus="minirl", sampler_noise=0.5, steps=3)
    pair = CompareTrainer(config, "cpu")
    assert pair.population == 6
    assert pair.members() == {"seed": [0, 1, 2] * 2, "objective": ["grpo"] * 3 + ["minirl"] * 3}
    first, second = pair.trainers
    for name, weight in first.weights.items():
        torch.testing.assert_close(weight, second.weights[name])           # the same initial weights per seed
    alone = LLMRLTrainer(LLMRLConfig.from_params(seeds=3, objective="minirl", sampler_noise=0.5, steps=3), "cpu")
    metrics, plain = pair.step(), alone.step()
    # Step 1 draws the same prompts and samples in both halves (identical weights, identical random stream) ...
    torch.testing.assert_close(metrics["true_reward"][:3], metrics["true_reward"][3:])
    torch.testing.assert_close(metrics["entropy"][:3], metrics["entropy"][3:])
    # ... and the second half is exactly the plain trainer of its objective.
    for name, value in plain.items():
        torch.testing.assert_close(metrics[name][3:], value, msg=name)
    assert (metrics["truncated_frac"][:3] == 0).all()                       # GRPO's half: zero-filled
    assert set(metrics) == set(plain)


def test_a_history_of_the_pair_splits_by_objective():
    config = CompareConfig.from_params(seeds=2, objective="capo", versus="safe", steps=5)
    history = Run(CompareTrainer(config, "cpu"), 5, progress=False).run()
    assert history.population == 4 and len(history) == 5
    objective = np.asarray(history.members["objective"])
    tau = history.values("safe_threshold")
    assert (tau[:, objective == "capo"] == 0).all() and (tau[:, objective == "safe"] >= 0.1 - 1e-6).all()
    final = history.final("true_reward", by="objective")
    assert list(final["objective"]) == ["capo", "safe"]


def test_versus_none_trains_one_objective_and_the_same_one_twice_is_an_error():
    config = CompareConfig.from_params(seeds=2, versus="none", steps=1)
    trainer = CompareTrainer(config, "cpu")
    assert trainer.population == 2 and trainer.members()["objective"] == ["grpo", "grpo"]
    assert trainer.step()["entropy"].shape == (2,)
    with pytest.raises(ConfigError, match="'versus' = 'grpo' is the same as 'objective'"):
        CompareConfig.from_params(objective="grpo", versus="grpo")
    with pytest.raises(ConfigError, match="'versus' = 'ppo' is not allowed: must be one of 'none', 'grpo'"):
        CompareConfig.from_params(versus="ppo")


def test_collapse_vs_control_flags_only_seeds_worse_than_every_control_seed_and_as_converged():
    from lab.llmrl.collapse import collapse_vs_control
    steps = 30
    control_reward = np.tile([0.6, 0.7, 0.8], (steps, 1))
    control_entropy = np.tile([0.05, 0.10, 0.20], (steps, 1))   # median 0.10
    # seed 0: converged (entropy 0.01) onto a worse answer from step 10 on → collapsed;
    # seed 1: as worse, but still exploring (entropy 1.0) → not collapsed;
    # seed 2: converged and as good as the control → not collapsed (convergence is not collapse);
    # seed 3: converged onto a worse answer, then recovered → not collapsed at the end.
    reward = np.tile([0.6, 0.3, 0.7, 0.6], (steps, 1))
    reward[10:, 0] = 0.2
    reward[5:12, 3], reward[12:, 3] = 0.1, 0.8
    entropy = np.tile([1.0, 1.0, 0.01, 0.01], (steps, 1))
    entropy[10:, 0] = 0.01
    state, onset = collapse_vs_control(entropy, reward, control_entropy, control_reward)
    assert state[-1].tolist() == [True, False, False, False]
    assert state[:, 3].any() and onset[3] == -1
    assert onset[0] == 10                                     # its EMA falls below the worst control seed at once
    assert (onset[1:] == -1).all()
    state, _ = collapse_vs_control(control_entropy, control_reward, control_entropy, control_reward)
    assert not state.any()                                    # the control never collapses against itself
