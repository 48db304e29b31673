"""The critic-values lab: torch-batched control envs and SAC-family trainers on a population of seeds."""
from .envs import BatchedEnv, GymVectorEnv, Pendulum, PointMass, Step, make_env
from .sac import SACConfig, SACTrainer

__all__ = ["BatchedEnv", "GymVectorEnv", "Pendulum", "PointMass", "SACConfig", "SACTrainer", "Step", "make_env"]
