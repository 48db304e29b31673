"""Stability Lab's engine: torch and numpy only; never imports a UI library."""
__version__ = "0.1.0"

from .core import (ConfigError, Field, History, LabConfig, NonFiniteMetric, Run, RunFileError, Trainer,
                   device, environment, record, recorded, results_to, seed_everything)
from .core.params import check_parameters, parameter_names

__all__ = ["ConfigError", "Field", "History", "LabConfig", "NonFiniteMetric", "Run", "RunFileError",
           "Trainer", "check_parameters", "device", "environment", "parameter_names", "record", "recorded",
           "results_to", "seed_everything"]
