"""Environments, registered by id on import: ``StabilityLab/RepeatedGame-v0`` (gymnasium)."""
import gymnasium

ENV_IDS = ["StabilityLab/RepeatedGame-v0"]

if ENV_IDS[0] not in gymnasium.registry:
    gymnasium.register(id=ENV_IDS[0], entry_point="lab.envs.repeated_game:RepeatedGameEnv")
