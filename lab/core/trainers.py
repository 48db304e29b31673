"""The lab's trainers by name, for the command line and sweeps.

A name picks one of the fixed entries below; nothing a user types is ever imported. Each trainer is
imported only when asked for (the critic lab pulls in gymnasium, the games lab scipy).
"""
from __future__ import annotations

import importlib

from .config import LabConfig
from .trainer import Trainer

# name → (module, class); every config has ``steps`` and ``seed``.
TRAINERS = {
    "cliff": ("lab.cliff.reinforce", "CliffBanditTrainer"),
    "critic": ("lab.critic.sac", "SACTrainer"),
    "synchrony": ("lab.synchrony.controller", "AdaptationController"),
    "lattice": ("lab.games.lattice", "LatticeTrainer"),
    "preference": ("lab.games.trainer", "PreferenceDynamicsTrainer"),
    "repeated": ("lab.games.learners", "QLearningTrainer"),
    "llmrl": ("lab.llmrl.trainer", "LLMRLTrainer"),
    "llmrl-compare": ("lab.llmrl.compare", "CompareTrainer"),
    "agents": ("lab.agents.trainer", "AgentsTrainer"),
    "rlac": ("lab.agents.rlac", "RlacTrainer"),
    "critique-rl": ("lab.agents.critique", "CritiqueTrainer"),
    "agent-r": ("lab.agents.agent_r", "AgentRTrainer"),
    "search-r2": ("lab.agents.search_r2", "SearchR2Trainer"),
    "mmc": ("lab.agents.mmc", "MMCTrainer"),
    "gorl": ("lab.expressive.gorl", "GorlTrainer"),
    "expo": ("lab.expressive.expo", "ExpoTrainer"),
    "pa-rl": ("lab.expressive.pa_rl", "PaRlTrainer"),
    "gpc": ("lab.expressive.gpc", "GpcTrainer"),
    "taco": ("lab.expressive.taco", "TacoTrainer"),
    "two-stage": ("lab.expressive.two_stage", "TwoStageTrainer"),
    "dqc": ("lab.temporal.dqc", "DqcTrainer"),
    "aloe": ("lab.temporal.aloe", "AloeTrainer"),
    "srl": ("lab.temporal.srl", "SrlTrainer"),
    "stableworld": ("lab.temporal.stableworld", "StableWorldTrainer"),
    "fantasy-hsi": ("lab.temporal.fantasy_hsi", "FantasyHsiTrainer"),
    "hinf": ("lab.robust.hinf", "HinfTrainer"),
    "iwocs": ("lab.robust.iwocs", "IwocsTrainer"),
    "lipschitz-gail": ("lab.robust.lipschitz_gail", "LipschitzGailTrainer"),
    "causal-minimax": ("lab.robust.causal_minimax", "CausalMinimaxTrainer"),
    "unstable-directions": ("lab.robust.unstable_directions", "UnstableDirectionsTrainer"),
    "optimistic-ac": ("lab.robust.optimistic_ac", "OptimisticACTrainer"),
}


class UnknownTrainer(ValueError):
    """A trainer name that is not one of TRAINERS."""


def trainer_class(name: str) -> type[Trainer]:
    """The trainer class called ``name``."""
    if name not in TRAINERS:
        raise UnknownTrainer(f"unknown trainer {name!r}; the trainers are: {', '.join(TRAINERS)}")
    module, cls = TRAINERS[name]
    return getattr(importlib.import_module(module), cls)


def config_from_strings(name: str, values: dict[str, str]) -> LabConfig:
    """Trainer ``name``'s config from text values (``{"lr": "3e-3", "twin": "true"}``): each converted
    to its field's type (int, float, true/false, text), then checked like any other entry point —
    a value that does not convert reaches the config as the text it was, and its ``ConfigError``
    names the field and what it allows."""
    config = trainer_class(name).Config
    return config.from_params(**{key: typed_value(config, key, text) for key, text in values.items()})


def typed_value(config: type[LabConfig], name: str, text: str):
    """``text`` converted to the type of ``config``'s field ``name`` (text itself when it does not
    convert, or the field does not exist: the config's own check then names the problem)."""
    field = config.model_fields.get(name)
    kind = field.annotation if field is not None else str
    try:
        if kind is bool:
            return {"true": True, "false": False}[text.lower()]
        if kind in (int, float):
            return kind(text)
    except (KeyError, ValueError):
        pass
    return text
