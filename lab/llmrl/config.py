"""The LLM-RL lab's config: the toy model, the tasks, the mismatch and staleness knobs, and one switch per objective."""
from __future__ import annotations

from typing import Literal

from lab.core import Field, LabConfig

OBJECTIVES = ("grpo", "minirl", "mhpo", "capo", "safe")
NORMALIZATIONS = ("group", "global", "agent")
REWARDS = ("true", "pass", "proxy", "robust")
DIGITS = 10  # tokens 0..9 are digits; tokens 10.. are symbols (worth 0, and the reward ensemble's hack tokens)
ROLLOUT_PASSES = 8  # passes over a batch's tokens alive in a step: sampling μ_old, π_old, π_θ (forward and
                    # backward), the reference


class LLMRLConfig(LabConfig):
    """A tiny autoregressive policy trained by GRPO or a stabilized objective, a population of seeds at once."""

    task: Literal["digit_sum", "checklist", "diverse"] = Field(
        "digit_sum", description="verifiable task: 'digit_sum' (digits summing to the prompt's target), "
        "'checklist' (4 properties of the sequence, the prompt sets two of them) or 'diverse' (many correct "
        "answers — digits whose sum has the prompt's parity — and a correct answer earns 1/(its copies in the "
        "group), so a collapsed policy earns 1/group)")
    length: int = Field(4, ge=2, le=12, description="tokens generated per response")
    vocab: int = Field(16, ge=12, le=64, description="vocabulary size: 10 digits, the rest symbols")
    prompts: int = Field(8, ge=1, le=64, description="distinct prompts")
    classes: int = Field(2, ge=1, le=4, description="prompt classes ('agents'): prompt p is in class p mod classes")
    scale_ratio: float = Field(1.0, ge=0.01, le=1000.0, description="reward scale of the last prompt class relative "
                               "to the first (geometric in between)")
    embed: int = Field(32, ge=4, le=256, description="embedding width")
    hidden: int = Field(64, ge=4, le=512, description="hidden units of the MLP head")
    batch_prompts: int = Field(8, ge=1, le=256, description="prompts per rollout batch")
    group: int = Field(8, ge=2, le=64, description="samples per prompt (the GRPO group G)")
    minibatches: int = Field(1, ge=1, le=32, description="staleness N: optimizer steps per rollout batch")
    lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size")
    objective: Literal[OBJECTIVES] = Field("grpo", description="policy objective: " + ", ".join(OBJECTIVES))
    normalization: Literal[NORMALIZATIONS] = Field(
        "group", description="advantage normalization: per prompt 'group' (GRPO), 'global' over the batch, "
        "or per 'agent' (prompt class, Dr. MAS)")
    clip_eps: float = Field(0.2, gt=0.0, le=10.0, description="ratio clipping ε (GRPO, MiniRL, CAPO, SAFE)")
    kl_coef: float = Field(0.0, ge=0.0, le=10.0, description="β of the k3 KL to the reference (all but "
                         "SAFE, which gates its own)")
    is_cap: float = Field(2.0, ge=1.0, le=1000.0, description="MiniRL: truncation C of the weight π_old/μ_old")
    sampler_noise: float = Field(0.0, ge=0.0, le=10.0, description="mismatch: std of Gaussian noise on μ_old's logits")
    sampler_temperature: float = Field(1.0, gt=0.0, le=10.0, description="mismatch: temperature of μ_old (1 = none)")
    sampler_precision: Literal["fp32", "bf16", "fp16"] = Field(
        "fp32", description="mismatch: precision of μ_old's logits")
    mhpo_c: float = Field(0.2, gt=0.0, le=5.0, description="MHPO: modulator scale c, ψ(r) = c·tanh(log r / c)")
    hazard_coef: float = Field(0.1, ge=0.0, le=10.0, description="MHPO: weight of the hazard penalties")
    hazard_scale_up: float = Field(0.2, gt=0.0, le=10.0, description="MHPO: hazard scale λ₊ for log r > 0")
    hazard_scale_down: float = Field(0.2, gt=0.0, le=10.0, description="MHPO: hazard scale λ₋ for log r < 0")
    hazard_shape: float = Field(2.0, ge=1.0, le=8.0, description="MHPO: Weibull shape k of both hazards")
    capo_kl: float = Field(0.05, gt=0.0, le=10.0, description="CAPO: largest predicted per-token KL shift kept")
    safe_alpha: float = Field(0.1, gt=0.0, le=10.0, description="SAFE: soft-min temperature α of the double critic")
    safe_kl_coef: float = Field(1.0, ge=0.0, le=100.0, description="SAFE: weight of the gated KL hinge")
    safe_tau_base: float = Field(0.3, ge=0.1, le=0.6, description="SAFE: base KL threshold τ_base")
    safe_kp: float = Field(2.0, ge=0.0, le=100.0, description="SAFE: proportional gain on the reward velocity")
    safe_ki: float = Field(0.05, ge=0.0, le=100.0, description="SAFE: integral gain on the reward velocity")
    safe_kd: float = Field(1.0, ge=0.0, le=100.0, description="SAFE: derivative gain on the reward velocity")
    reward: Literal[REWARDS] = Field("true", description="training reward: the 'true' verifier, 'pass' (task "
                                     "'diverse': 1 per correct response, repeats included), one hackable "
                                     "'proxy', or the 'robust' mean + min over the proxy ensemble")
    hack_bonus: float = Field(1.0, ge=0.0, le=10.0, description="proxy k's bonus per unit fraction of hack token k")
    ensemble: int = Field(3, ge=1, le=8, description="proxy reward models in the ensemble (member 0 = 'proxy')")
    hack_shared: float = Field(0.0, ge=0.0, le=1.0, description="share of each proxy's error that all members "
                               "share (a bonus for symbol 10 + ensemble, which every member rewards); the rest is "
                               "each member's own hack token. 0: disjoint errors, 1: identical members")
    robust_lambda: float = Field(0.5, ge=0.0, le=1.0, description="robust reward: λ·mean + (1 − λ)·min")
    entropy_floor: float = Field(0.1, ge=0.0, le=5.0, description="collapse: per-token entropy (nats) below this")
    crash_drop: float = Field(0.3, gt=0.0, le=10.0, description="collapse: true reward (EMA) this far below its best")
    seeds: int = Field(4, ge=1, le=1024, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(200, ge=1, le=100_000, description="training steps (rollout batches)")

    def problems(self) -> list[str]:
        found = []
        shared = int(self.hack_shared > 0)
        if self.vocab < DIGITS + self.ensemble + shared:
            found.append(f"'vocab' = {self.vocab} must be at least 10 digits + 'ensemble' = {self.ensemble} "
                         + ("hack tokens + the shared one" if shared else "hack tokens")
                         + f", i.e. ≥ {DIGITS + self.ensemble + shared}")
        if self.reward == "pass" and self.task != "diverse":
            found.append(f"'reward' = 'pass' needs 'task' = 'diverse' (the only task with a pass/fail verifier); "
                         f"got 'task' = '{self.task}'")
        if self.classes > self.prompts:
            found.append(f"'classes' = {self.classes} must be at most 'prompts' = {self.prompts}")
        if self.classes > self.batch_prompts:
            found.append(f"'classes' = {self.classes} must be at most 'batch_prompts' = {self.batch_prompts} "
                         "(every batch holds every class)")
        if self.minibatches > self.batch_prompts * self.group:
            found.append(f"'minibatches' = {self.minibatches} must be at most the rollouts per batch "
                         f"batch_prompts·group = {self.batch_prompts * self.group}")
        return found

    def memory_parts(self) -> dict[str, float]:
        """A step's float32 (seeds, rollouts, length, width) tensors — embeddings, hidden units and logits
        of π_θ, π_old, μ_old and the reference, kept for backward — and the weights: θ, its grads and
        Adam state, π_old, μ_old and the reference. 16 seeds, 32 prompts × group 16, length 8, hidden
        256, 2 steps on the CPU: 0.75 GB estimated, 0.58 GB of peak RSS."""
        rollouts = self.seeds * self.batch_prompts * self.group * self.length
        width = self.embed + self.hidden + self.vocab
        weights = (self.prompts + self.length + self.vocab) * self.embed + (self.embed + 1) * self.hidden \
            + (self.hidden + 1) * self.vocab
        return {"a step's rollouts (seeds·batch_prompts·group·length)": 4 * ROLLOUT_PASSES * rollouts * width,
                "weights (seeds·hidden·vocab·embed)": 4 * 7 * self.seeds * weights}
