"""Critique-RL's two-stage critic training (Xi et al., "Critique-RL: Training Language Models for Critiquing
through Two-Stage Reinforcement Learning", arXiv 2510.24320), on a toy actor–critic–refine loop.

The toy. An actor answers questions q ∈ {0..questions−1} and is right with probability ``actor_accuracy``
(0.5). Its correctness is hidden from the critic, which sees the question and a *clue*: a bit that equals
"looks right" for a right answer and "looks wrong" for a wrong one with probability ``clue`` (0.8), and the
opposite otherwise. The critic (a per-seed table of logits) writes a critique: a verdict, correct or
incorrect, and — only with "incorrect" — a hint among ``hints``. On "incorrect" the actor refines: a wrong
answer is fixed with probability ``fix_right`` if the hint is the question's hidden error kind, else
``fix_other``; a right answer is broken with probability ``break_prob``. On "correct" the answer stays.

The rewards (the paper's, as its authors' code computes them; ``critique_reward`` below):
- 'indirect' — the baseline the paper diagnoses: r = 1[refined answer correct] (the code's ``r_refine``).
- 'discrimination' — stage I alone: r_dis = 1[verdict = oracle correctness] (the paper's Eq. for r_dis).
- 'two_stage' — Critique-RL: stage I (r_dis) for ``stage1_steps`` steps, then stage II: r_refine + β when
  the verdict is right and −1 when it is wrong (β = 0.2), with a KL penalty to the stage-I critic
  (coefficient ``kl_coef``, 0.01).
- 'stage1_then_indirect' — an ablation, not the paper's: stage I, then r_refine alone (no β, −1 or KL).
Every reward is turned into GRPO's group-normalised advantage over ``group`` critiques of the same answer
(``lab.agents.advantages.group_normalised``) and one REINFORCE step (on-policy, so PPO's ratio is 1) of
log π(verdict) + 1[incorrect]·log π(hint) is taken with Adam.

What reproduces (tests/agents/test_critique.py, base seeds 0, 1, 2, 24 seeds each, defaults, 400 steps;
medians of the last 20 steps). Under the indirect reward the hint becomes helpful (its fix rate rises to ≈ 0.9)
and the verdict drifts to a constant "incorrect": once hints fix wrong answers, flagging a right-looking answer
costs its break probability (0.8 × 0.15) and gains the fix of the wrong answers behind that clue (0.2 × 0.9),
so the indirect reward itself *prefers* flagging everything. "Incorrect" rate 0.89–0.91, balanced verdict
accuracy 0.55–0.56, right answers broken 0.125–0.129. Two stages: discrimination 0.796 (the clue's 0.8 is the
best possible), flips 0.031, "incorrect" rate 0.50 — largely by the reward's definition: with −1 for a wrong
verdict (and r_dis in stage I) following the clue is the optimal verdict (for a right-looking answer "correct"
is worth 0.76 in expectation, "incorrect" −0.58), so this shows the optimiser reaching the optimum the paper's
reward defines, not an emergent property. Stage I alone discriminates as well but its hints never
learn: accuracy 0.59–0.61 against two stages' 0.839. NOT reproduced: the paper's higher final accuracy — the
indirect reward is exactly the accuracy after refinement, so its critic reaches 0.865–0.866, 0.03 above two
stages'; two stages trade that for 4× fewer correct→incorrect flips. With break_prob 0.3 the indirect critic
keeps discriminating (0.78): the drift is the indirect reward's optimum where refinement is cheap. Ablation
'stage1_then_indirect' (1200 steps): stage I's start alone does not hold — discrimination 0.61, "incorrect"
rate 0.80, flips 0.10, against two stages' 0.80, 0.50, 0.03: the stage-II regularisation does the keeping.

Inferred / not the paper's: the toy itself; the stage-II regularisation is taken from the authors' code
(github.com/WooooDyy/Critique-RL, ``RL/Critique-RL/reward/reward_func.py``: ``scores = s + d if d != -1
else d`` with d = 0.2 for a right verdict, −1 for a wrong one; ``examples/step3-Critique-RL-stage2.sh``:
``init_kl_coef=0.01``, stage II a new run from the stage-I critic, which OpenRLHF also takes as the KL
reference; here the same Adam state carries on) — the
full paper text was not available to us, only its abstract and a review quoting the stage-I reward. The
code uses RLOO advantages over 4 critiques per response; we use GRPO's group normalisation (same sign and
ranking within a group).
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer
from lab.llmrl.objectives import k3
from lab.llmrl.trainer import seed_mean

from .advantages import group_normalised

TRAININGS = ("indirect", "discrimination", "two_stage", "stage1_then_indirect")
STAGED = ("two_stage", "stage1_then_indirect")   # the trainings with a stage I of ``stage1_steps`` steps
WRONG_VERDICT = -1.0     # stage II: the reward of a critique whose verdict disagrees with the oracle (the code's)


class CritiqueConfig(LabConfig):
    """A critic judging a half-right actor and hinting its refinement; a population of seeds trained at once."""

    training: Literal[TRAININGS] = Field(
        "indirect", description="the critic's reward: 'indirect' (the refined answer's correctness only), "
        "'discrimination' (stage I only: the verdict's agreement with the oracle), 'two_stage' (Critique-RL: "
        "stage I, then the refined answer's correctness with a discriminability term and a KL to the stage-I "
        "critic) or 'stage1_then_indirect' (an ablation: stage I, then the indirect reward without either)")
    stage1_steps: int = Field(100, ge=1, le=100_000, description="'two_stage', 'stage1_then_indirect': steps of "
                              "stage I before stage II")
    beta: float = Field(0.2, ge=0.0, le=10.0, description="'two_stage' stage II: bonus for a right verdict (the "
                        "authors' code: 0.2; a wrong verdict scores −1)")
    kl_coef: float = Field(0.01, ge=0.0, le=10.0, description="'two_stage' stage II: KL penalty to the stage-I critic")
    questions: int = Field(8, ge=1, le=64, description="questions the actor answers (each has a hidden error kind)")
    hints: int = Field(4, ge=2, le=16, description="hints the critic can give; one per question fixes it best")
    actor_accuracy: float = Field(0.5, ge=0.05, le=0.95, description="probability the actor's answer is right")
    clue: float = Field(0.8, ge=0.5, le=1.0, description="probability the critic's clue shows the answer's "
                        "true correctness (0.5: no information)")
    fix_right: float = Field(0.9, ge=0.0, le=1.0, description="probability the question's own hint fixes a "
                      "wrong answer")
    fix_other: float = Field(0.1, ge=0.0, le=1.0, description="probability another hint fixes a wrong answer")
    break_prob: float = Field(0.15, ge=0.0, le=1.0, description="probability refining a right answer breaks it")
    batch: int = Field(16, ge=1, le=256, description="answers judged per step")
    group: int = Field(4, ge=2, le=64, description="critiques per answer (the group G)")
    lr: float = Field(0.05, gt=0.0, le=1.0, description="Adam step size of the critic's logits")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(400, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.training in STAGED and self.stage1_steps >= self.steps:
            found.append(f"'stage1_steps' = {self.stage1_steps} leaves no stage II: with 'training' = "
                         f"'{self.training}' "
                         f"it must be below 'steps' = {self.steps}")
        if self.fix_other > self.fix_right:
            found.append(f"'fix_other' = {self.fix_other} must be at most 'fix_right' = {self.fix_right} (the "
                         f"question's own hint fixes best)")
        return found


def critique_reward(training: str, stage_two: bool, verdict_right: torch.Tensor, refined_right: torch.Tensor,
                    beta: float) -> torch.Tensor:
    """The critic's reward per critique (S, B), all inputs 0/1 floats (S, B).

    Critique-RL (arXiv 2510.24320, §3): stage I's direct reward r_dis = 1(f(x, y, c) = r_oracle(x, y)), the
    verdict's agreement with the oracle; stage II: r_refine = 1[refined answer correct] plus the authors'
    discriminability regularisation (their ``RefineRewardFunc``): + β for a right verdict, and −1 in place of
    everything for a wrong one. The baseline 'indirect' is r_refine alone; the ablation 'stage1_then_indirect'
    is stage I, then r_refine alone (no discriminability term, no KL)."""
    if training == "discrimination" or (training in STAGED and not stage_two):
        return verdict_right
    if training in ("indirect", "stage1_then_indirect"):
        return refined_right
    return torch.where(verdict_right > 0, refined_right + beta, torch.full_like(refined_right, WRONG_VERDICT))


def refine(right: torch.Tensor, flagged: torch.Tensor, good_hint: torch.Tensor, c: CritiqueConfig,
           u: torch.Tensor) -> torch.Tensor:
    """The actor's refined answer (1 right, 0 wrong) from its answer ``right``, the verdict ``flagged``
    ("incorrect") and whether the hint is the question's own; ``u`` uniform draws. All (S, B) floats."""
    fix = torch.where(good_hint > 0, c.fix_right, c.fix_other)
    after = torch.where(right > 0, (u >= c.break_prob).float(), (u < fix).float())
    return torch.where(flagged > 0, after, right)


class CritiqueTrainer(Trainer):
    """``seeds`` independent critics (verdict and hint logits per seed) trained by the chosen reward."""

    Config = CritiqueConfig

    def __init__(self, config: CritiqueConfig, device=None):
        super().__init__(config, device)
        c, S = config, config.seeds
        self.error = torch.randint(c.hints, (S, c.questions), generator=self.generator, device=self.device)
        # π(verdict | question, clue) — verdict 0 "correct", 1 "incorrect" and π(hint | question), uniform at first.
        self.verdict_logits = torch.zeros(S, c.questions, 2, 2, device=self.device, requires_grad=True)
        self.hint_logits = torch.zeros(S, c.questions, c.hints, device=self.device, requires_grad=True)
        self.optimizer = torch.optim.Adam([self.verdict_logits, self.hint_logits], lr=c.lr)
        self.reference = None            # the stage-I critic, frozen when stage II starts
        self.steps_done = 0

    @property
    def population(self) -> int:
        return self.config.seeds

    def draw(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``batch`` answers per seed, each repeated ``group`` times: question, right (0/1) and clue (1 "looks
        right"), each (S, batch·group)."""
        c, S, g = self.config, self.config.seeds, self.generator
        question = torch.randint(c.questions, (S, c.batch), generator=g, device=self.device)
        right = (torch.rand(S, c.batch, generator=g, device=self.device) < c.actor_accuracy).float()
        shown = (torch.rand(S, c.batch, generator=g, device=self.device) < c.clue).float()
        clue = shown * right + (1 - shown) * (1 - right)
        return (question.repeat_interleave(c.group, 1), right.repeat_interleave(c.group, 1),
                clue.long().repeat_interleave(c.group, 1))

    def log_policy(self, logits_v: torch.Tensor, logits_h: torch.Tensor, question: torch.Tensor,
                   clue: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """log π(verdict | question, clue) (S, B, 2) and log π(hint | question) (S, B, H)."""
        S, B = question.shape
        rows = (question * 2 + clue).unsqueeze(-1).expand(-1, -1, 2)
        log_v = torch.log_softmax(logits_v.reshape(S, -1, 2), -1).gather(1, rows)
        cols = question.unsqueeze(-1).expand(-1, -1, logits_h.shape[-1])
        return log_v, torch.log_softmax(logits_h, -1).gather(1, cols)

    def step(self) -> dict[str, torch.Tensor]:
        c, g = self.config, self.generator
        stage_two = c.training in STAGED and self.steps_done >= c.stage1_steps
        regularised = stage_two and c.training == "two_stage"
        if regularised and self.reference is None:
            self.reference = (self.verdict_logits.detach().clone(), self.hint_logits.detach().clone())
        metrics = self.exact_metrics()
        question, right, clue = self.draw()
        log_v, log_h = self.log_policy(self.verdict_logits, self.hint_logits, question, clue)
        verdict = torch.multinomial(log_v.detach().exp().flatten(0, 1), 1, generator=g).view_as(question)
        hint = torch.multinomial(log_h.detach().exp().flatten(0, 1), 1, generator=g).view_as(question)
        flagged = verdict.float()
        good_hint = (hint == self.error.gather(1, question)).float()
        u = torch.rand(question.shape, generator=g, device=self.device)
        refined = refine(right, flagged, good_hint, c, u)
        verdict_right = (flagged == 1 - right).float()
        reward = critique_reward(c.training, stage_two, verdict_right, refined, c.beta)
        adv = group_normalised(reward, c.group)
        # log π(critique): the verdict's token, and the hint's where the verdict is "incorrect".
        taken_v = log_v.gather(-1, verdict.unsqueeze(-1)).squeeze(-1)
        taken_h = log_h.gather(-1, hint.unsqueeze(-1)).squeeze(-1) * flagged
        loss = -(adv * (taken_v + taken_h)).mean(1)
        if regularised:
            ref_v, ref_h = self.log_policy(*self.reference, question, clue)
            kl = k3(taken_v, ref_v.gather(-1, verdict.unsqueeze(-1)).squeeze(-1))
            kl = kl + k3(taken_h, ref_h.gather(-1, hint.unsqueeze(-1)).squeeze(-1) * flagged) * flagged
            loss = loss + c.kl_coef * kl.mean(1)
        self.optimizer.zero_grad()
        loss.sum().backward()
        self.optimizer.step()
        self.steps_done += 1
        return {**metrics, "reward": seed_mean(reward)}

    @torch.no_grad()
    def exact_metrics(self) -> dict[str, torch.Tensor]:
        """The current critic's expected outcomes over questions and clues, each (S,), by enumeration:
        accuracy after refinement, balanced verdict accuracy, correct→incorrect flips per right answer,
        incorrect→correct fixes per wrong answer, the "incorrect" verdict rate and the hint's fix rate."""
        c = self.config
        flag = torch.softmax(self.verdict_logits, -1)[..., 1]                   # (S, Q, clue): π("incorrect")
        p_hint = torch.softmax(self.hint_logits, -1)
        good = p_hint.gather(-1, self.error.unsqueeze(-1)).squeeze(-1)          # (S, Q)
        hint_fix = good * c.fix_right + (1 - good) * c.fix_other
        flag_right = (c.clue * flag[..., 1] + (1 - c.clue) * flag[..., 0]).mean(1)  # a right answer looks right w.p. clue
        flag_wrong_q = c.clue * flag[..., 0] + (1 - c.clue) * flag[..., 1]            # (S, Q)
        flag_wrong = flag_wrong_q.mean(1)
        flips = flag_right * c.break_prob
        fixes = (flag_wrong_q * hint_fix).mean(1)
        a = c.actor_accuracy
        return {"accuracy": a * (1 - flips) + (1 - a) * fixes,
                "discrimination": 0.5 * (1 - flag_right) + 0.5 * flag_wrong,
                "flips": flips, "fixes": fixes,
                "flagged": a * flag_right + (1 - a) * flag_wrong,
                "hint_fix": hint_fix.mean(1)}
