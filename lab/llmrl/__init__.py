"""The LLM-RL stability lab: a tiny token policy trained by GRPO and the stabilizers of recent papers.

Files: ``config.py`` (LLMRLConfig, every switch), ``policy.py`` (the batched token policy),
``sampler.py`` (the perturbed rollout copy μ_old), ``tasks.py`` (verifiable rewards, prompt
classes, the hackable proxy ensemble with disjoint or shared errors), ``advantages.py`` (GRPO /
Dr. MAS normalizations), ``objectives.py`` (GRPO, MiniRL, MHPO, k3), ``capo.py``, ``safe.py``,
``collapse.py`` (the live floor flag, and collapse judged against a control run) and
``trainer.py`` (LLMRLTrainer, the update in one place); ``first_order.py`` checks the
token-level objective against the exact sequence-level gradient of a policy small enough to
enumerate every response.

What reproduces here, each stabilizer against the failure it is for (tests/llmrl/test_stabilizer_*.py,
8 seeds × base seeds 0, 1, 2, true reward at the end): MHPO (hazard 0.03) keeps GRPO from collapsing
onto a wrong answer under lr 3e-2 × 4 mini-batches (0.73 / 0.67 / 0.69 vs 0.43 / 0.39 / 0.54; with
the hazard off it collapses too; on-policy it is GRPO); CAPO's mask does not prevent that collapse,
it deepens it (0.10 / 0.15 / 0.12 vs GRPO's 0.46 / 0.43 / 0.57), and costs nothing at the defaults;
SAFE's KL hinge keeps 0.12–0.18 of the true reward where GRPO on a hackable proxy falls to 0.00 —
more than a fixed β of the same cost — while its PID threshold and entropy gate change nothing
measurable; Dr. MAS's agent-wise normalization lets a prompt class with 100× smaller rewards learn
(0.71 / 0.73 / 0.71 vs 0.22 under a global baseline), as GRPO's own per-prompt normalization does.
On the ``diverse`` task (many right answers, repeats in a group share their reward) training on
pass@1 collapses GRPO onto one answer per prompt (0.14 / 0.23 / 0.13 vs 0.85 / 0.82 / 0.83), a KL
of 0.03 prevents most of it, and under mismatch MiniRL collapses there while GRPO does not.
(tests/llmrl/test_acceptance.py:) Reward hacking, judged by the true reward (8 seeds,
150 steps, base seeds 0, 1, 2): one hackable proxy drives it to 0.00; the robust mean + min over
a 3-member ensemble keeps 0.51 / 0.48 / 0.50 of it when the members' errors are disjoint (the
true reward itself reaches 0.74 / 0.75 / 0.73), yet still writes 44–99 % hack tokens and every
member overrates it; when half of each member's error is shared (``hack_shared`` 0.5) it falls
to 0.00, like one proxy. A strong sampler mismatch (temperature 3) with staleness 8 costs
plain GRPO true reward against the same seeds without mismatch — 0.18 / 0.23 / 0.18 at 100
steps on an AMD EPYC (0.79 → 0.61, 0.84 → 0.61, 0.81 → 0.63), 0.19 / 0.19 / 0.07 on an Intel
Xeon with AVX-512 (its rounding sends these chaotic runs elsewhere) — and under the same
mismatch MiniRL earns more than GRPO on the same seeds, 0.07 / 0.08 pooled over 24 seeds. On
the AMD its own deficit was 0.05 / 0.13 / 0.09 and, judged against the control
(``collapse.collapse_vs_control``), 4 / 4 / 3 of GRPO's 8 seeds ended collapsed onto worse
answers, none of MiniRL's; on the Intel MiniRL's deficit is 0.14 / 0.14 / 0.02 (0.05 below
GRPO's: within noise) and 0 / 1 / 2 of GRPO's seeds collapse (MiniRL's 0 / 0 / 1). An absolute
entropy floor cannot tell: this task's optimum is nearly deterministic, and GRPO without
mismatch crosses it in 8/8 seeds too; a mismatch-specific reward crash did not reproduce — the
failure is a lower plateau. The first-order claim of Zheng et al. (arXiv 2512.01374) holds exactly here
(tests/llmrl/test_first_order.py): with no mismatch and no staleness the token-level gradient is
the sequence-level one, and its error grows linearly with each at first.
"""
from .config import LLMRLConfig, NORMALIZATIONS, OBJECTIVES, REWARDS
from .tasks import Task
from .trainer import LLMRLTrainer

__all__ = ["LLMRLConfig", "LLMRLTrainer", "NORMALIZATIONS", "OBJECTIVES", "REWARDS", "Task"]
