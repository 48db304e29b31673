"""The agents lab: tiny token policies on multi-step tasks, where outcome-only policy gradients fail.

Files: ``config.py`` (AgentsConfig, every switch), ``tasks.py`` (locks, trees), ``checklist.py`` (CM2's
task and rewards), ``exact.py`` (every episode enumerated: true values and advantages),
``advantages.py`` (GRPO's and SALT's step advantages), ``critic.py`` (a learned step critic, GAE,
ProAct's Monte Carlo values), ``replay.py`` (ARPO), ``fiberpo.py`` (FiberPO's gates) and
``trainer.py`` (AgentsTrainer: the advantages and the loss, each in one place).
"""
from .config import ADVANTAGES, OBJECTIVES, REWARDS, AgentsConfig
from .trainer import AgentsTrainer

__all__ = ["ADVANTAGES", "OBJECTIVES", "REWARDS", "AgentsConfig", "AgentsTrainer"]
