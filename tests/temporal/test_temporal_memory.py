"""The time labs' memory estimates (``memory_parts``; calibrated against a CPU process's peak RSS in each
config's docstring): every default fits the default 2 GB budget, and a setting whose tensors would not fit
(tens to hundreds of GB, each field within its own bounds) is refused with the part and its fields named."""
import pytest

from lab.core import ConfigError
from lab.temporal import AloeConfig, DqcConfig, FantasyHsiConfig, SrlConfig, StableWorldConfig

TOO_LARGE = [
    (StableWorldConfig, {"seeds": 256, "scenes": 256, "horizon": 8192}, "rollout (seeds·scenes·horizon"),
    (AloeConfig, {"seeds": 256, "old_episodes": 1024, "keep_rounds": 64, "episodes": 256, "horizon": 400},
     "buffer (seeds·(old_episodes + keep_rounds·episodes)·horizon)"),
    (DqcConfig, {"seeds": 256, "trajectories": 1024, "trajectory_length": 256}, "dataset windows"),
    (SrlConfig, {"seeds": 256, "batch": 1024, "hidden": 256, "decision_interval": 16}, "activations"),
    (FantasyHsiConfig, {"seeds": 256, "episodes": 1024, "horizon": 512, "segment_steps": 32}, "rollout"),
]


@pytest.mark.parametrize("config", [StableWorldConfig, AloeConfig, DqcConfig, SrlConfig, FantasyHsiConfig])
def test_the_defaults_fit_the_default_budget(config, monkeypatch):
    monkeypatch.delenv("LAB_MEMORY_BUDGET", raising=False)
    assert sum(config().memory_parts().values()) < 0.1e9


@pytest.mark.parametrize("config, fields, part", TOO_LARGE)
def test_a_setting_that_cannot_fit_is_refused_naming_its_fields(config, fields, part, monkeypatch):
    monkeypatch.delenv("LAB_MEMORY_BUDGET", raising=False)
    with pytest.raises(ConfigError, match="estimated memory .* exceeds the budget of 2 GB") as err:
        config(**fields)
    assert part in str(err.value)
