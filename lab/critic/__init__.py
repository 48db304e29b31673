"""The critic-values lab: torch-batched control envs and SAC-family trainers on a population of seeds."""
from .critics import CRITICS, make_critic
from .envs import BatchedEnv, GymVectorEnv, Pendulum, PointMass, Step, make_env
from .overestimation import overestimation
from .sac import SACConfig, SACTrainer
from .value_grid import ValueGrid, value_grid, value_grids

__all__ = ["BatchedEnv", "CRITICS", "GymVectorEnv", "Pendulum", "PointMass", "SACConfig", "SACTrainer", "Step",
           "ValueGrid", "make_critic", "make_env", "overestimation", "value_grid", "value_grids"]
