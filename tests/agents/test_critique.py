"""Critique-RL's two-stage critic training (``lab/agents/critique.py``; Xi et al., arXiv 2510.24320): the rewards,
the refinement, the exact metrics, and the claim.

The claim (issue 19, item 2): "Failure: trained on the indirect reward alone, the critic drifts to a constant
verdict. Claim: discrimination stays high and correct→incorrect flips stay rare with two stages." Measured with
CritiqueTrainer at its defaults (8 questions, 4 hints, actor right w.p. 0.5, clue right w.p. 0.8, the right hint
fixes w.p. 0.9, another 0.1, refining a right answer breaks it w.p. 0.15; 16 answers × 4 critiques per step,
Adam 0.05, 400 steps; two_stage: 100 steps of stage I), over base seeds 0, 1, 2, each a population of 24 seeds.
Each seed's number is its exact metric (enumerated over questions and clues) averaged over the last 20 steps;
the table gives the population's median.

    seed  training         accuracy  discrimination  flips (c→i)  fixes (i→c)  "incorrect" rate
    0     indirect         0.866     0.549           0.129        0.862        0.913
    0     two_stage        0.839     0.796           0.031        0.708        0.500
    0     discrimination   0.610     0.796           0.031        0.251        0.500
    1     indirect         0.866     0.556           0.127        0.859        0.904
    1     two_stage        0.839     0.796           0.031        0.708        0.500
    1     discrimination   0.592     0.796           0.031        0.215        0.500
    2     indirect         0.865     0.560           0.125        0.854        0.894
    2     two_stage        0.839     0.796           0.031        0.708        0.500
    2     discrimination   0.600     0.796           0.031        0.232        0.500

What the two-stage numbers test. Stage II scores a wrong verdict −1 (and stage I rewards the verdict's
agreement with the oracle outright), so following the clue is the optimal verdict by the reward's
definition: for a right-looking answer "correct" is worth 0.8 × 1.2 − 0.2 = 0.76 in expectation against
"incorrect"'s −0.8 + 0.2 × (0.9 × 1.2 + 0.1 × 0.2) = −0.58. Two stages' (and stage I's) discrimination
≥ 0.77 therefore mostly tests that the reward was written as the paper writes it and that REINFORCE
reaches its optimum — not an emergent property. The informative parts are the failure (the indirect
reward's own optimum is the constant verdict), the hints' helpfulness that stage II adds, the accuracy
that does NOT improve, and the ablation (which term does the keeping).

The failure happens: under the indirect reward the hint learns to fix (helpfulness rises) and the verdict
drifts to "incorrect" for nearly every answer, so discrimination (balanced verdict accuracy) falls towards 0.5 and right answers are broken at almost the break
probability. Two stages keep discrimination at the clue's own accuracy (0.8, the best any critic can do from
this clue) and flips at 0.2 × 0.15 = 0.03. Stage I alone discriminates as well but its hints never learn, so
accuracy stays near 0.6; stage II adds the helpfulness.

NOT reproduced: the paper's higher final accuracy. Here the indirect reward *is* the accuracy after
refinement, and on this toy flagging every answer maximises it (a wrong answer behind a right-looking clue is
worth fixing at 0.2 × 0.9 > 0.8 × 0.15, the cost of breaking the right ones); two stages give up ≈ 0.03 of
accuracy for 4× fewer flips. The drift needs cheap refinement: with break_prob 0.3 the indirect critic keeps
discriminating (base seed 0: discrimination 0.779, "incorrect" rate 0.530, flips 0.075;
``test_with_costly_refinement_the_indirect_critic_keeps_discriminating``).

Which part of two stages keeps the verdict? An ablation (not in the paper), 'stage1_then_indirect': stage I,
then the plain indirect reward. Stage I's saturated verdict drifts slowly, so at 400 steps it still
discriminates (base seed 0: 0.772, "incorrect" rate 0.54); over 1200 steps the drift is under way while
Critique-RL's regularised stage II holds (medians, 24 seeds):

    seed  1200 steps             accuracy  discrimination  flips (c→i)  "incorrect" rate
    0     two_stage              0.842     0.799           0.030        0.500
    0     stage1_then_indirect   0.862     0.614           0.102        0.801
    1     two_stage              0.842     0.799           0.030        0.500
    1     stage1_then_indirect   0.862     0.613           0.103        0.802
    2     two_stage              0.842     0.799           0.030        0.500
    2     stage1_then_indirect   0.863     0.609           0.105        0.812

(at 2000 steps, base seed 0: 0.564 and 0.884 — back to the indirect critic's constant verdict). So the stage-II
discriminability term, not stage I's starting point, is what keeps discrimination.

Print the numbers: ``.venv/bin/python -m pytest tests/agents/test_critique.py -s``. The file takes 30 s of CPU
time (user, one torch thread; 95 s wall on the shared machine under load), most of it the 1200-step ablation.
"""
from __future__ import annotations

import functools

import pytest
import torch

from host_reads import HostReads

from lab.agents.critique import CritiqueConfig, CritiqueTrainer, critique_reward, refine

SEEDS = (0, 1, 2)
POPULATION = 24
LAST = 20
LONG = 1200        # the ablation's steps
METRICS = ("accuracy", "discrimination", "flips", "fixes", "flagged")


# --- the pieces ----------------------------------------------------------------------------------

def floats(*values):
    return torch.tensor([values], dtype=torch.float32)


def test_the_rewards_of_each_training_on_hand_made_critiques():
    verdict_right = floats(1, 1, 0, 0)
    refined_right = floats(1, 0, 1, 0)
    assert critique_reward("indirect", False, verdict_right, refined_right, 0.2).tolist() == [[1, 0, 1, 0]]
    for training, stage_two in (("discrimination", False), ("discrimination", True), ("two_stage", False)):
        assert critique_reward(training, stage_two, verdict_right, refined_right, 0.2).tolist() == [[1, 1, 0, 0]]
    # Stage II (the authors' RefineRewardFunc): r_refine + β for a right verdict, −1 for a wrong one.
    stage_two = critique_reward("two_stage", True, verdict_right, refined_right, 0.2)
    assert stage_two[0].tolist() == pytest.approx([1.2, 0.2, -1.0, -1.0])


def test_refinement_fixes_breaks_or_keeps():
    c = CritiqueConfig(fix_right=0.9, fix_other=0.1, break_prob=0.15)
    right = floats(1, 1, 0, 0, 0, 0, 1, 0)
    flagged = floats(1, 1, 1, 1, 1, 1, 0, 0)
    good = floats(0, 0, 1, 1, 0, 0, 0, 1)
    u = floats(0.1, 0.2, 0.85, 0.95, 0.05, 0.15, 0.0, 0.0)
    # right & flagged: broken iff u < 0.15; wrong & flagged: fixed iff u < 0.9 (own hint) or < 0.1; not flagged: kept.
    assert refine(right, flagged, good, c, u).tolist() == [[0, 1, 1, 0, 1, 0, 1, 0]]


def test_exact_metrics_of_a_critic_that_flags_everything_and_of_a_perfect_hinter():
    trainer = CritiqueTrainer(CritiqueConfig(seeds=2, clue=0.8, break_prob=0.15, fix_right=0.9), device="cpu")
    with torch.no_grad():
        trainer.verdict_logits[..., 1] = 50.0                          # always "incorrect"
        trainer.hint_logits.zero_().scatter_(-1, trainer.error.unsqueeze(-1), 50.0)   # always the right hint
    m = trainer.exact_metrics()
    assert m["flagged"].tolist() == pytest.approx([1.0, 1.0])
    assert m["discrimination"].tolist() == pytest.approx([0.5, 0.5])
    assert m["flips"].tolist() == pytest.approx([0.15, 0.15])
    assert m["fixes"].tolist() == pytest.approx([0.9, 0.9])
    assert m["accuracy"].tolist() == pytest.approx([0.5 * 0.85 + 0.5 * 0.9] * 2)
    with torch.no_grad():                                              # follow the clue: "incorrect" iff it looks wrong
        trainer.verdict_logits.zero_()
        trainer.verdict_logits[:, :, 0, 1] = 50.0
        trainer.verdict_logits[:, :, 1, 0] = 50.0
    m = trainer.exact_metrics()
    assert m["discrimination"].tolist() == pytest.approx([0.8, 0.8])
    assert m["flips"].tolist() == pytest.approx([0.2 * 0.15] * 2)
    assert m["fixes"].tolist() == pytest.approx([0.8 * 0.9] * 2)


def test_config_errors_name_the_fields():
    with pytest.raises(ValueError, match="stage1_steps"):
        CritiqueConfig(training="two_stage", stage1_steps=50, steps=50)
    with pytest.raises(ValueError, match="fix_other"):
        CritiqueConfig(fix_right=0.2, fix_other=0.5)
    with pytest.raises(ValueError, match="clue"):
        CritiqueConfig(clue=0.3)
    CritiqueConfig(training="indirect", stage1_steps=50, steps=50)    # stage1_steps only matters for two_stage


def test_a_step_never_reads_the_device_in_either_stage():
    trainer = CritiqueTrainer(CritiqueConfig(training="two_stage", seeds=2, stage1_steps=3, steps=10), device="cpu")
    reads = HostReads()
    with reads:
        for _ in range(6):
            trainer.step()
    assert reads.sites == {}
    assert trainer.reference is not None                               # stage II ran, against the stage-I critic


def test_runs_are_deterministic():
    def final():
        trainer = CritiqueTrainer(CritiqueConfig(training="two_stage", seeds=3, stage1_steps=5, steps=20), "cpu")
        for _ in range(19):
            trainer.step()
        return trainer.step()
    a, b = final(), final()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_seeds_are_independent_another_seeds_critic_does_not_change_a_seeds_trajectory():
    """Seed 1's critic is replaced by a different one; seeds 0 and 2 then run bit-identical trajectories
    (metrics and parameters) through both stages — no seed's update reads another's critic. (Training a
    seed alone is not compared: the draws of a population are one tensor per step, so their values depend
    on the population's size; the draws do not depend on the critics, which is what this test needs.)"""
    def run(replace_seed_one):
        trainer = CritiqueTrainer(CritiqueConfig(training="two_stage", seeds=3, stage1_steps=5, steps=20), "cpu")
        if replace_seed_one:
            with torch.no_grad():
                trainer.verdict_logits[1] = 3 * torch.randn(trainer.verdict_logits[1].shape,
                                                            generator=torch.Generator().manual_seed(7))
                trainer.hint_logits[1] = 2.0
        rows = [trainer.step() for _ in range(12)]
        return {k: torch.stack([r[k] for r in rows]) for k in rows[0]}, trainer
    (a, ta), (b, tb) = run(False), run(True)
    others = [0, 2]
    assert all(torch.equal(a[k][:, others], b[k][:, others]) for k in a)
    assert torch.equal(ta.verdict_logits[others], tb.verdict_logits[others])
    assert torch.equal(ta.hint_logits[others], tb.hint_logits[others])
    assert not torch.equal(a["discrimination"][:, 1], b["discrimination"][:, 1])     # seed 1 did change


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(training: str, seed: int, break_prob: float = 0.15, steps: int = 400) -> dict[str, torch.Tensor]:
    """Each seed's metrics averaged over the last LAST steps: {name: (POPULATION,)}."""
    torch.set_num_threads(1)
    config = CritiqueConfig(training=training, seed=seed, seeds=POPULATION, break_prob=break_prob, steps=steps)
    trainer = CritiqueTrainer(config, device="cpu")
    history = [trainer.step() for _ in range(config.steps)]
    out = {k: torch.stack([h[k] for h in history[-LAST:]]).mean(0) for k in METRICS}
    print(f"{seed}  {training:20s} break {break_prob} steps {steps}",
          "  ".join(f"{k} {v.median().item():.3f}" for k, v in out.items()))
    return out


def median(x: torch.Tensor) -> float:
    return x.median().item()


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_indirect_reward_drifts_to_a_constant_verdict_two_stages_keep_discriminating(seed):
    indirect, two = measure("indirect", seed), measure("two_stage", seed)
    # The failure: nearly every answer flagged, discrimination near chance, right answers broken at ~break_prob.
    assert median(indirect["flagged"]) >= 0.85 and median(indirect["discrimination"]) <= 0.6, indirect
    assert median(indirect["flips"]) >= 0.11, indirect
    # Two stages: discrimination at the clue's accuracy (0.8 is the best possible), flips 4× rarer, on every seed.
    # Largely by the reward's definition: with −1 for a wrong verdict (and r_dis in stage I), following the clue
    # is the optimal verdict, so this checks that the optimisation reaches it, not a property it discovers.
    assert median(two["discrimination"]) >= 0.77 and two["discrimination"].min() >= 0.7, two
    assert two["discrimination"].min() > indirect["discrimination"].max()
    assert median(two["flips"]) <= 0.04 and median(two["flips"]) <= 0.35 * median(indirect["flips"])
    assert 0.45 <= median(two["flagged"]) <= 0.55


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_accuracy_is_not_higher_with_two_stages_but_stage_two_adds_the_helpfulness(seed):
    indirect, two, stage_one = measure("indirect", seed), measure("two_stage", seed), measure("discrimination", seed)
    # Not reproduced: the indirect reward is the accuracy itself; two stages cost 0.02–0.04 of it here.
    assert median(indirect["accuracy"]) - 0.06 <= median(two["accuracy"]) <= median(indirect["accuracy"])
    # Stage I alone discriminates but never learns the hints; stage II fixes wrong answers.
    assert median(stage_one["discrimination"]) >= 0.77
    assert median(two["fixes"]) >= median(stage_one["fixes"]) + 0.3
    assert median(two["accuracy"]) >= median(stage_one["accuracy"]) + 0.15


def test_with_costly_refinement_the_indirect_critic_keeps_discriminating():
    """Break probability 0.3: flagging a right-looking answer now costs more than it gains (0.8 × 0.3 > 0.2 × 0.9),
    and the indirect reward itself keeps the verdict discriminating — the drift is the reward's optimum, not noise."""
    costly = measure("indirect", 0, 0.3)
    assert median(costly["discrimination"]) >= 0.72 and 0.4 <= median(costly["flagged"]) <= 0.65, costly


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_stage_two_regularisation_not_stage_one_alone_keeps_the_verdict_over_a_long_run(seed):
    """Ablation (not in the paper): stage I, then the plain indirect reward. The stage-I critic's saturated
    verdict drifts slowly, so at 400 steps it still discriminates; at 1200 the drift is under way, while the
    regularised stage II holds discrimination at the clue's 0.8."""
    two, plain = measure("two_stage", seed, steps=LONG), measure("stage1_then_indirect", seed, steps=LONG)
    assert median(two["discrimination"]) >= 0.78 and median(two["flips"]) <= 0.035, two
    assert median(plain["discrimination"]) <= median(two["discrimination"]) - 0.1, (two, plain)
    assert median(plain["flagged"]) >= 0.7 and median(plain["flips"]) >= 2 * median(two["flips"]), (two, plain)
