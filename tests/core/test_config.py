"""Configs: typed, bounded, and a bad value is a sentence naming field, value and what is allowed."""
from typing import Literal

import pytest

from lab import ConfigError, Field, LabConfig


class Toy(LabConfig):
    rate: float = Field(0.1, ge=0.0, le=1.0, description="step size")
    steps: int = Field(10, ge=1, le=100, description="how many steps")
    mode: Literal["fast", "slow"] = Field("fast", description="speed")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed")


def test_defaults_are_valid():
    assert Toy.from_params() == Toy()


@pytest.mark.parametrize("params, words", [
    ({"rate": 2.0}, ["'rate' = 2.0", "≥ 0", "≤ 1", "step size"]),
    ({"steps": "ten"}, ["'steps' = 'ten'", "an integer", "≥ 1"]),
    ({"steps": 2.5}, ["'steps' = 2.5", "an integer"]),
    ({"mode": "medium"}, ["'mode' = 'medium'", "one of 'fast', 'slow'"]),
    ({"rte": 0.2}, ["unknown parameter 'rte'", "rate, steps, mode, seed"]),
])
def test_bad_values_name_field_value_and_allowed(params, words):
    with pytest.raises(ConfigError) as err:
        Toy.from_params(**params)
    message = str(err.value)
    assert message.startswith("Toy: ")
    for word in words:
        assert word in message


def test_replace_checks_too():
    config = Toy()
    assert config.replace(rate=0.5).rate == 0.5
    with pytest.raises(ConfigError, match="'rate' = -1"):
        config.replace(rate=-1)


def test_assignment_is_validated_and_a_refused_value_leaves_the_config_as_it_was():
    config = Toy()
    with pytest.raises(ConfigError, match="Toy: 'steps' = 0 is not allowed"):
        config.steps = 0
    assert config.steps == 10
