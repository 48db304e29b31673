"""The agents lab's config: the task, the policy, the group, and one switch per paper."""
from __future__ import annotations

from typing import Literal

from lab.core import Field, LabConfig

from .exact import MAX_EPISODES
from .tasks import TASKS

ADVANTAGES = ("outcome", "salt", "critic", "dapo", "mc")
OBJECTIVES = ("ppo", "sequence", "fiberpo", "dapo")
REWARDS = ("outcome", "holistic", "checklist")


class AgentsConfig(LabConfig):
    """Tiny token agents on multi-step tasks, a population of seeds trained at once."""

    task: Literal[TASKS] = Field("lock", description="'lock' (the first m tokens must match a hidden combination; "
                                 "m spread over the tasks from depth_min to length), 'tree' (one decisive step "
                                 "among neutral forks that merge again) or 'checklist' (hidden properties, "
                                 "judged item by item with noise)")
    vocab: int = Field(4, ge=2, le=16, description="tokens per step")
    length: int = Field(4, ge=2, le=8, description="steps per episode")
    tasks: int = Field(4, ge=1, le=16, description="task instances (the prompt says which)")
    depth_min: int = Field(1, ge=1, le=8, description="lock: the easiest task's depth (tokens that must match)")
    decisive: int = Field(1, ge=0, le=7, description="tree: the step whose token decides the reward")
    task_seed: int = Field(0, ge=0, le=2**31 - 1, description="draws the combinations and decisive tokens")
    embed: int = Field(16, ge=4, le=128, description="embedding width")
    hidden: int = Field(32, ge=4, le=256, description="hidden units of the policy's MLP")
    batch_tasks: int = Field(4, ge=1, le=64, description="tasks per rollout batch")
    group: int = Field(4, ge=2, le=64, description="episodes per task (the group G)")
    epochs: int = Field(1, ge=1, le=64, description="optimizer steps on each rollout batch")
    lr: float = Field(1e-2, gt=0.0, le=1.0, description="Adam step size of the policy")
    clip_eps: float = Field(0.2, gt=0.0, le=10.0, description="PPO's token ratio clip ε")
    advantage: Literal[ADVANTAGES] = Field(
        "outcome", description="step advantages: 'outcome' (GRPO: the episode's group-normalised reward at every "
        "step), 'salt' (the mean over the group's trajectories through the same step), 'critic' (GAE on a critic "
        "trained with the policy), 'dapo' (a critic fitted to the reference policy's rollouts, then frozen) or "
        "'mc' (ProAct: values from random rollouts)")
    objective: Literal[OBJECTIVES] = Field(
        "ppo", description="policy loss: 'ppo' (the clipped token surrogate), 'sequence' (one clipped ratio per "
        "episode), 'fiberpo' (a trajectory gate and per-token residual gates) or 'dapo' (β·log π/π_ref regressed "
        "on the advantages)")
    reward: Literal[REWARDS] = Field(
        "outcome", description="checklist task: 'outcome' (1 when the judge passes every item), 'holistic' (the "
        "fraction of items met plus one noisy score) or 'checklist' (CM2: the weighted item verdicts)")
    critic_lr: float = Field(1e-2, gt=0.0, le=1.0, description="'critic', 'mc': Adam step size of the critic")
    gae_lambda: float = Field(1.0, ge=0.0, le=1.0, description="'critic', 'mc': GAE's λ (1: r − V(s_t); 0: one-step TD)")
    dapo_beta: float = Field(0.1, gt=0.0, le=10.0, description="DAPO: β scaling log π/π_ref in the quadratic loss")
    dapo_critic_steps: int = Field(200, ge=1, le=10_000, description="DAPO: Adam steps fitting the critic to the "
                                   "reference policy's rollouts before training")
    mc_rollouts: int = Field(16, ge=1, le=256, description="ProAct: random rollouts M per state")
    mc_weight: float = Field(1.0, ge=0.0, le=1.0, description="ProAct: weight w of the MC value in "
                             "(1 − w)·V_learned + w·V_MC")
    fiber_delta: float = Field(0.3, gt=0.0, le=10.0, description="FiberPO: trajectory budget δ = C⁺ + C⁻")
    fiber_split: float = Field(0.6, gt=0.0, lt=1.0, description="FiberPO: C⁺'s share of δ (the paper: C⁻ < C⁺)")
    fiber_eps: float = Field(0.05, gt=0.0, le=10.0, description="FiberPO: per-token residual gate ε (≪ δ)")
    replay: bool = Field(False, description="ARPO: replace one rollout of an all-failed group by a past success of "
                         "its task")
    replay_size: int = Field(8, ge=1, le=64, description="ARPO: successes kept per task (first in, first out)")
    judge_noise: float = Field(0.0, ge=0.0, le=0.5, description="checklist: probability the judge flips an item's verdict")
    holistic_noise: float = Field(0.3, ge=0.0, le=10.0, description="checklist 'holistic': std of the single score's noise")
    seeds: int = Field(8, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(100, ge=1, le=100_000, description="training steps (rollout batches)")

    def problems(self) -> list[str]:
        found = []
        if self.vocab ** self.length > MAX_EPISODES:
            found.append(f"vocab^length = {self.vocab}^{self.length} = {self.vocab ** self.length} episodes; the lab "
                         f"enumerates them for exact values and allows at most {MAX_EPISODES}")
        if self.task == "lock" and self.depth_min > self.length:
            found.append(f"'depth_min' = {self.depth_min} must be at most 'length' = {self.length}")
        if self.task == "tree" and self.decisive >= self.length:
            found.append(f"'decisive' = {self.decisive} must be a step, below 'length' = {self.length}")
        if self.reward != "outcome" and self.task != "checklist":
            found.append(f"'reward' = '{self.reward}' is a checklist reward; 'task' = '{self.task}' has only 'outcome'")
        if self.replay and self.reward != "outcome":
            found.append(f"'replay' stores episodes with reward > 0.1 as successes, which a '{self.reward}' reward "
                         "gives to partial ones: use it with 'reward' = 'outcome'")
        if self.batch_tasks > self.tasks:
            found.append(f"'batch_tasks' = {self.batch_tasks} must be at most 'tasks' = {self.tasks}")
        return found
