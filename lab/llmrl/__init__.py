"""The LLM-RL stability lab: a tiny token policy trained by GRPO and the stabilizers of recent papers."""
from .config import LLMRLConfig, NORMALIZATIONS, OBJECTIVES, REWARDS
from .tasks import Task
from .trainer import LLMRLTrainer

__all__ = ["LLMRLConfig", "LLMRLTrainer", "NORMALIZATIONS", "OBJECTIVES", "REWARDS", "Task"]
