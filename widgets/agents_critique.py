"""Critique-RL's views (``lab/agents/critique.py``; arXiv 2510.24320): the verdict's drift, the flips it causes,
and what refinement gains — each a median over seeds over the interquartile band, read from the History only."""
from __future__ import annotations

import plotly.graph_objects as go

from lab.agents.critique import STAGED, CritiqueConfig, CritiqueTrainer
from lab.core import History

from .agents import _empty, _layout, _ready, add_median_band, one_of
from .labview import LabView

COLORS = {"discrimination": "#1f77b4", "flagged": "#d62728", "flips": "#d62728", "fixes": "#2ca02c",
          "accuracy": "#000000", "hint_fix": "#9467bd"}

ABOUT = ("A critic judges a half-right actor's answers from a noisy clue (right 80% of the time) and, when it says "
         "\"incorrect\", gives a hint with which the actor refines; refining a right answer breaks it 15% of the "
         "time. Trained on the refined answer's correctness alone ('training' indirect), the critic learns helpful "
         "hints and then flags nearly everything: its verdict's balanced accuracy falls to 0.55 and right answers "
         "are broken at 0.13. Turn 'training' to two_stage (Critique-RL): stage I rewards the verdict's agreement "
         "with the oracle, stage II the refined answer plus that agreement; discrimination stays at 0.80 and "
         "flips at 0.03 (base seeds 0–2, 24 seeds) — by the reward's design: a wrong verdict scores −1, so "
         "following the clue is optimal. Final accuracy is 0.03 lower than indirect's: the indirect "
         "reward is that accuracy. Raise 'break_prob' to 0.3 and the indirect critic keeps discriminating.")
VIEW_START = dict(seeds=16, steps=400)

# The options that act only while a switch is on; their controls are disabled (at their default) meanwhile.
ENABLED_BY = {"stage1_steps": ("training", one_of("two_stage", "stage1_then_indirect")),
              **dict.fromkeys(("beta", "kl_coef"), ("training", one_of("two_stage")))}

TAB_TEXT = (
    "## Critique-RL: a critic that judges and hints (arXiv 2510.24320)\n"
    "An actor right half the time; a critic that sees a noisy clue of correctness (right 80% of the time), says "
    "\"correct\" or \"incorrect\" and, with \"incorrect\", gives one of 4 hints; the actor then refines (the "
    "question's own hint fixes a wrong answer 90% of the time, another 10%; refining a right answer breaks it 15% "
    "of the time).\n\n"
    "**The failure:** trained on the indirect reward alone (the refined answer's correctness), the critic first "
    "learns helpful hints, then drifts to a constant \"incorrect\" verdict — first figure: the \"incorrect\" rate "
    "climbs to 0.89–0.91 and the verdict's balanced accuracy sinks to 0.55–0.56; second figure: right answers are "
    "broken at 0.13.\n\n"
    "**The knob:** `training` = two_stage — stage I rewards the verdict's agreement with the oracle for "
    "`stage1_steps`; stage II rewards the refined answer's correctness + `beta` (0.2) for a right verdict, −1 for "
    "a wrong one, with a KL (`kl_coef`) to the stage-I critic (the authors' code). `discrimination` is stage I "
    "alone; `stage1_then_indirect` (an ablation) is stage I, then the plain indirect reward.\n\n"
    "**The difference** (400 steps, 24 seeds, base seeds 0–2, medians of the last 20 steps): discrimination "
    "0.55–0.56 → 0.80, correct→incorrect flips 0.125–0.129 → 0.031, \"incorrect\" rate 0.90 → 0.50. Stage I alone "
    "discriminates as well but its hints never learn (accuracy 0.59–0.61; two stages 0.84). Stage I's start alone "
    "does not hold: after it, the plain indirect reward drifts back (1200 steps: discrimination 0.61, flips 0.10, "
    "against two stages' 0.80 and 0.03) — the stage-II regularisation does the keeping. Read the 0.80 for what "
    "it is: with −1 for a wrong verdict (and stage I's verdict reward), following the clue is the optimal "
    "verdict by the reward's definition (a right-looking answer: \"correct\" is worth 0.76 in expectation, "
    "\"incorrect\" −0.58), so it shows the optimiser reaching that optimum, not a property the critic "
    "discovers.\n\n"
    "**Not reproduced:** the paper's higher final accuracy. The indirect reward *is* the accuracy after "
    "refinement, and on this toy flagging everything maximises it (0.866 vs two stages' 0.839). The drift is that "
    "reward's optimum where refinement is cheap: at `break_prob` 0.3 the indirect critic keeps discriminating "
    "(0.78). Only the abstract and the authors' code were available: the stage-II regularisation is the code's.")


def _stage_line(fig: go.Figure, config: CritiqueConfig, **where) -> None:
    """A dashed vertical line where stage II begins (two_stage, stage1_then_indirect)."""
    if config.training in STAGED:
        fig.add_vline(x=config.stage1_steps, line=dict(color="#555", dash="dash", width=1),
                      annotation_text="stage II", **where)


def _figure(title: str, yaxis_title: str) -> go.Figure:
    fig = go.Figure(layout=_layout(title, xaxis_title="step", yaxis_title=yaxis_title))
    fig.update_yaxes(range=[-0.02, 1.02])
    return fig


def verdict_figure(history: History | None, config: CritiqueConfig) -> go.Figure:
    """The verdict: its balanced accuracy against the oracle (0.5 = a constant verdict; the clue caps it at
    ``clue``) and the rate of "incorrect" verdicts."""
    fig = _figure("The verdict: discrimination and \"incorrect\" rate, median and middle half of the seeds<br><sup>"
                  f"balanced accuracy 0.5 is a constant verdict; the clue allows at most {config.clue:g}</sup>",
                  "fraction")
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "discrimination", "discrimination (balanced verdict accuracy)",
                    COLORS["discrimination"])
    add_median_band(fig, history, "flagged", "\"incorrect\" verdicts", COLORS["flagged"])
    _stage_line(fig, config)
    return fig


def flips_figure(history: History | None, config: CritiqueConfig) -> go.Figure:
    """What refinement does: right answers broken (correct→incorrect, per right answer) and wrong answers fixed
    (incorrect→correct, per wrong answer)."""
    fig = _figure("Refinement's flips: correct→incorrect and incorrect→correct, median and middle half<br><sup>"
                  f"a critic that flags every right answer breaks them at break_prob = {config.break_prob:g}</sup>",
                  "rate")
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "flips", "correct→incorrect (per right answer)", COLORS["flips"])
    add_median_band(fig, history, "fixes", "incorrect→correct (per wrong answer)", COLORS["fixes"])
    _stage_line(fig, config)
    return fig


def accuracy_figure(history: History | None, config: CritiqueConfig) -> go.Figure:
    """The actor's accuracy after refinement and the hint's helpfulness (its fix rate on a wrong answer)."""
    fig = _figure("Accuracy after refinement and the hint's fix rate, median and middle half<br><sup>"
                  f"the actor alone is right {config.actor_accuracy:g} of the time</sup>", "fraction")
    fig.add_hline(y=config.actor_accuracy, line=dict(color="#555", dash="dot", width=1))
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "accuracy", "accuracy after refinement", COLORS["accuracy"])
    add_median_band(fig, history, "hint_fix", "hint's fix rate (helpfulness)", COLORS["hint_fix"])
    _stage_line(fig, config)
    return fig


FIGURES = [verdict_figure, flips_figure, accuracy_figure]


def critique_view(**values) -> LabView:
    """The live Critique-RL view, starting on the indirect reward's drift. ``values`` start controls away from
    VIEW_START."""
    return LabView("Agents: Critique-RL — a critic that judges and hints", CritiqueTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)
