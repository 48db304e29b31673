"""The engine core: configs, device & seeding, trainers, runs, histories, recorded results."""
from .config import ConfigError, Field, LabConfig
from .device import device, environment, seed_everything
from .history import History, RunFileError
from .results import record, recorded, results_to
from .run import NonFiniteMetric, Run
from .trainer import Trainer, member_norm, view_generator

__all__ = ["ConfigError", "Field", "LabConfig", "device", "environment", "seed_everything", "History",
           "RunFileError", "record", "recorded", "results_to", "NonFiniteMetric", "Run", "Trainer",
           "member_norm", "view_generator"]
