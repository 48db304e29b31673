"""A tiny trainer for the core's tests: noisy geometric decay per member, optionally blowing up or dying."""
import os

import torch

from lab import Field, LabConfig, Trainer


class DecayConfig(LabConfig):
    rate: float = Field(0.1, ge=0.0, le=3.0, description="decay rate; above 2 it diverges")
    members: int = Field(4, ge=1, le=64, description="population size")
    blow_up_at: int = Field(0, ge=0, le=10**6, description="step at which a metric becomes NaN (0 = never)")
    exit_at: int = Field(0, ge=0, le=10**6, description="step at which the process dies, as a killed worker "
                         "would (0 = never)")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed")
    steps: int = Field(50, ge=1, le=10**6, description="steps")


class DecayTrainer(Trainer):
    Config = DecayConfig

    def __init__(self, config, device=None):
        super().__init__(config, device)
        self.x = torch.ones(config.members, device=self.device)
        self.t = 0

    @property
    def population(self):
        return self.config.members

    def metric_bounds(self):
        return {"loss": 1e6}

    def step(self):
        self.t += 1
        noise = torch.randn(self.population, generator=self.generator, device=self.device)
        self.x = (1 - self.config.rate) * self.x + 0.01 * noise
        loss = self.x ** 2
        if self.t == self.config.exit_at:
            os._exit(17)
        if self.t == self.config.blow_up_at:
            loss = loss * float("nan")
        return {"x": self.x.clone(), "loss": loss, "t": float(self.t)}
