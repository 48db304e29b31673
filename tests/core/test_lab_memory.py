"""The memory estimates (``memory_parts``) of the time labs (issue 21) and the robustness labs (issue 22), each
calibrated against a CPU process's peak RSS in its config's docstring: every default fits the default 2 GB budget,
and a setting whose tensors would not fit (tens to hundreds of GB, each field within its own bounds) is refused
with the part and its fields named. The optimistic actor-critic's largest setting fits (0.9 GB): it is checked to
be accepted."""
import pytest

from lab.core import ConfigError
from lab.robust import (CausalMinimaxConfig, HinfConfig, IwocsConfig, LipschitzGailConfig, OptimisticACConfig,
                        UnstableDirectionsConfig)
from lab.temporal import AloeConfig, DqcConfig, FantasyHsiConfig, SrlConfig, StableWorldConfig

TOO_LARGE = [
    (StableWorldConfig, {"seeds": 256, "scenes": 256, "horizon": 8192}, "rollout (seeds·scenes·horizon"),
    (AloeConfig, {"seeds": 256, "old_episodes": 1024, "keep_rounds": 64, "episodes": 256, "horizon": 400},
     "buffer (seeds·(old_episodes + keep_rounds·episodes)·horizon)"),
    (DqcConfig, {"seeds": 256, "trajectories": 1024, "trajectory_length": 256}, "dataset windows"),
    (SrlConfig, {"seeds": 256, "batch": 1024, "hidden": 256, "decision_interval": 16}, "activations"),
    (FantasyHsiConfig, {"seeds": 256, "episodes": 1024, "horizon": 512, "segment_steps": 32}, "rollout"),
    (HinfConfig, {"seeds": 256, "episodes": 1024, "horizon": 400}, "episodes (seeds·episodes·horizon)"),
    (IwocsConfig, {"seeds": 256, "size": 12, "wind_levels": 11}, "kernels (seeds·wind_levels·size⁴)"),
    (LipschitzGailConfig, {"seeds": 256, "batch": 1024, "hidden": 256, "learning_starts": 256},
     "activations (seeds·batch·hidden)"),
    (CausalMinimaxConfig, {"seeds": 256, "grid": 101, "eval_samples": 16384}, "test sample (seeds·grid·eval_samples)"),
    (UnstableDirectionsConfig, {"seeds": 256, "episodes": 4096, "horizon": 200, "distractors": 64},
     "expert data (seeds·episodes·horizon·distractors)"),
]


@pytest.mark.parametrize("config", [StableWorldConfig, AloeConfig, DqcConfig, SrlConfig, FantasyHsiConfig,
                                    HinfConfig, IwocsConfig, LipschitzGailConfig, CausalMinimaxConfig,
                                    UnstableDirectionsConfig, OptimisticACConfig])
def test_the_defaults_fit_the_default_budget(config, monkeypatch):
    monkeypatch.delenv("LAB_MEMORY_BUDGET", raising=False)
    assert sum(config().memory_parts().values()) < 0.1e9


@pytest.mark.parametrize("config, fields, part", TOO_LARGE)
def test_a_setting_that_cannot_fit_is_refused_naming_its_fields(config, fields, part, monkeypatch):
    monkeypatch.delenv("LAB_MEMORY_BUDGET", raising=False)
    with pytest.raises(ConfigError, match="estimated memory .* exceeds the budget of 2 GB") as err:
        config(**fields)
    assert part in str(err.value)


def test_the_optimistic_actor_critics_largest_setting_fits(monkeypatch):
    monkeypatch.delenv("LAB_MEMORY_BUDGET", raising=False)
    config = OptimisticACConfig(seeds=256, ladder=8, depth=24, method="hybrid")
    assert 0.5e9 < sum(config.memory_parts().values()) < 2e9
