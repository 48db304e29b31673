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
