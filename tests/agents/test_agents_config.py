"""The agents lab's config refuses what cannot run, naming the fields; every switch runs a step."""
import itertools

import pytest
import torch

from lab.agents import ADVANTAGES, OBJECTIVES, AgentsConfig, AgentsTrainer
from lab.core import ConfigError


@pytest.mark.parametrize("fields, message", [
    (dict(vocab=8, length=5), "vocab^length = 8^5 = 32768 episodes; the lab enumerates them for exact values "
                              "and allows at most 4096"),
    (dict(length=3, depth_min=4), "'depth_min' = 4 must be at most 'length' = 3"),
    (dict(task="tree", length=3, decisive=3), "'decisive' = 3 must be a step, below 'length' = 3"),
    (dict(tasks=2, batch_tasks=3), "'batch_tasks' = 3 must be at most 'tasks' = 2"),
    (dict(reward="holistic"), "'reward' = 'holistic' is a checklist reward; 'task' = 'lock' has only 'outcome'"),
    (dict(task="checklist", reward="checklist", replay=True), "'replay' stores episodes with reward > 0.1"),
])
def test_a_config_that_cannot_run_is_refused_with_the_fields_named(fields, message):
    with pytest.raises(ConfigError) as error:
        AgentsConfig(**fields)
    assert message in str(error.value)


@pytest.mark.parametrize("advantage, objective", itertools.product(ADVANTAGES, OBJECTIVES))
def test_every_advantage_with_every_loss_trains_with_finite_per_seed_metrics(advantage, objective):
    config = AgentsConfig(task="tree", vocab=3, length=4, tasks=3, batch_tasks=2, group=4, seeds=3, epochs=2,
                          advantage=advantage, objective=objective, dapo_critic_steps=2, mc_rollouts=2, replay=True)
    trainer = AgentsTrainer(config, device="cpu")
    for _ in range(2):
        metrics = trainer.step()
    assert {"success", "reward", "zero_adv_groups", "entropy", "seq_drift", "clip_frac", "grad_norm",
            "replayed"} <= set(metrics)
    for name, value in metrics.items():
        assert value.shape == (3,) and torch.isfinite(value).all(), (name, value)
