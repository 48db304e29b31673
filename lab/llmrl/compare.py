"""The same seeds under two objectives: a composite trainer for side-by-side comparisons.

``CompareTrainer`` holds two ``LLMRLTrainer``s built from one config that differ only in the
objective (``objective`` and ``versus``). Both get the same base seed, so seed k starts from the
same weights in both halves and draws the same first prompts and samples; after the first
update their trajectories differ only through the objective. One ``step()`` steps both; its
population is ``2 × seeds`` members labelled ``seed`` (0..seeds−1 in each half) and
``objective``, so one Run, one History and one Stop button drive the pair.

With ``versus = 'none'`` it trains ``objective`` alone (population ``seeds``).

Metrics that only one objective reports (``truncated_frac``: MiniRL, ``capo_masked``: CAPO,
``safe_threshold`` and ``safe_gate``: SAFE) are filled with 0 for the other half's members —
the History holds one column per metric over the whole population, and its NaN guard rejects
NaN. Read those columns only for the members whose ``objective`` label reports them (the views
do).
"""
from __future__ import annotations

from typing import Literal

import pydantic
import torch

from lab.core import Field, Trainer

from .config import OBJECTIVES, LLMRLConfig
from .trainer import LLMRLTrainer

VERSUS = ("none",) + OBJECTIVES

# Which objective reports which extra metric (the others' members get 0 in those columns).
OWN_METRICS = {"truncated_frac": "minirl", "capo_masked": "capo", "safe_threshold": "safe", "safe_gate": "safe"}


class CompareConfig(LLMRLConfig):
    """An LLMRLConfig plus the second objective trained on the same seeds."""

    versus: Literal[VERSUS] = Field("none", description="second objective trained on the same seeds and settings "
                                    "('none' = only 'objective')")

    @pydantic.model_validator(mode="after")
    def _different_objectives(self):
        if self.versus == self.objective:
            raise ValueError(f"'versus' = '{self.versus}' is the same as 'objective': choose another objective "
                             "or 'none'")
        return self

    def single(self, objective: str) -> LLMRLConfig:
        """The plain LLMRLConfig of one half."""
        params = self.model_dump(exclude={"versus"})
        return LLMRLConfig.from_params(**{**params, "objective": objective})

    @property
    def objectives(self) -> list[str]:
        return [self.objective] + ([self.versus] if self.versus != "none" else [])


class CompareTrainer(Trainer):
    """``objective`` and ``versus`` on the same seeds, stepped together; members are [first half, second half]."""

    Config = CompareConfig
    CAPTURABLE = True

    def __init__(self, config: CompareConfig, device=None):
        super().__init__(config, device)
        self.trainers = [LLMRLTrainer(config.single(objective), self.device) for objective in config.objectives]

    @property
    def population(self) -> int:
        return self.config.seeds * len(self.trainers)

    def members(self) -> dict[str, list]:
        seeds = list(range(self.config.seeds))
        return {"seed": seeds * len(self.trainers),
                "objective": [t.config.objective for t in self.trainers for _ in seeds]}

    def step(self) -> dict[str, torch.Tensor]:
        """One step of each half; every metric (2·seeds,), the halves' extra metrics zero-filled."""
        parts = [trainer.step() for trainer in self.trainers]
        names = list(dict.fromkeys(name for part in parts for name in part))
        zeros = torch.zeros(self.config.seeds, device=self.device)
        return {name: torch.cat([part.get(name, zeros) for part in parts]) for name in names}
