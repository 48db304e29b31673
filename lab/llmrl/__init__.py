"""The LLM-RL stability lab: a tiny token policy trained by GRPO and the stabilizers of recent papers.

Files: ``config.py`` (LLMRLConfig, every switch), ``policy.py`` (the batched token policy),
``sampler.py`` (the perturbed rollout copy μ_old), ``tasks.py`` (verifiable rewards, prompt
classes, the hackable proxy ensemble), ``advantages.py`` (GRPO / Dr. MAS normalizations),
``objectives.py`` (GRPO, MiniRL, MHPO, k3), ``capo.py``, ``safe.py``, ``collapse.py`` and
``trainer.py`` (LLMRLTrainer, the update in one place).

What reproduces here (tests/llmrl/test_acceptance.py, measured per seed): agent-wise
normalization brings per-agent gradient-norm ratios from ~4 (global, rewards 10× apart) to ~1;
MHPO's modulated ratio stays in (e^{−c}, e^{c}) and is smooth in log r; CAPO masks ~1% of tokens;
SAFE's threshold moves inside [0.1, 0.6]; the robust ensemble reward hacks far less than one
proxy. Under a strong sampler mismatch with staleness, plain GRPO's entropy falls below the
floor in most seeds and MiniRL's does not — but GRPO without any mismatch falls below it too,
since this task's optimum is nearly deterministic and MiniRL learns more slowly; a
mismatch-specific reward crash did not reproduce in this toy.
"""
from .config import LLMRLConfig, NORMALIZATIONS, OBJECTIVES, REWARDS
from .tasks import Task
from .trainer import LLMRLTrainer

__all__ = ["LLMRLConfig", "LLMRLTrainer", "NORMALIZATIONS", "OBJECTIVES", "REWARDS", "Task"]
