"""MMC's views (``lab/agents/mmc.py``; arXiv 2504.11009): where the critic points, and what refinement from
there gains — each a median over seeds over the interquartile band, read from the History only.

MMC is a data-construction mechanism, not a stabilizer: the knob changes which labels the critic learns
from (outcome labels vs sibling-pair critiques from a search tree), nothing about training dynamics.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.agents.mmc import MMCConfig, MMCTrainer
from lab.core import History

from .agents import _empty, _fill, _layout, _ready, add_median_band, quartiles
from .labview import LabView
from .live import add_band

COLORS = {"localisation": "#1f77b4", "verdict_accuracy": "#7f7f7f", "step_auroc": "#9467bd",
          "accuracy_r0": "#d62728", "accuracy": "#2ca02c", "rounds": "#2ca02c"}
TAIL = 0.25   # the refinement figure averages each seed over the last quarter of the run's steps

ABOUT = ("MMC (arXiv 2504.11009) is a way of building a critic's training data, not a stabilizer. An actor writes "
         "a 6-step arithmetic chain mod 8 and slips at each step with probability 0.2 (its answer is right 0.31 of "
         "the time); a critic reads the chain and names the first step it judges wrong (σ < 'threshold', ½ = its "
         "calibrated verdict) or \"all right\"; the actor then regenerates from the flagged step, for 3 rounds. The "
         "view starts on a critic trained on outcome labels (every step of a searched path labelled with its final "
         "answer): at ½ it names the first wrong step on about two wrong chains in three, because a right step in a "
         "chain that usually fails scores near ½, and 3 rounds add +0.23. Turn 'critique_data' to mmc — the sibling "
         "pair with the largest gap in value V, the lower one's divergent step being the error — and run again: "
         "localisation 0.97, gain +0.58 (base seeds 0–2, 16 seeds). The outcome critic is miscalibrated, not blind: "
         "its step AUROC (purple) is 1.00 like MMC's; set 'threshold' to 0.3 with outcome labels and it localises "
         "on 1.00 and gains +0.61. Lower 'actor_error' to 0.1 and the outcome critic localises at ½ as well as "
         "MMC's (or better).")
VIEW_START = dict(seeds=16, steps=100)

# No option acts only under the switch: both critics learn from the same search tree (children, rollouts).
ENABLED_BY: dict = {}

TAB_TEXT = (
    "## MMC: critique data from a search tree (arXiv 2504.11009)\n"
    "A data-construction mechanism, not a stabilizer: the knob changes the labels a critic learns from. An actor "
    "writes the intermediate results of a chain x_t = x_{t−1} + a_t mod 8 (6 steps) and writes a wrong value with "
    "probability 0.2 at each step, carrying on from it; a critic (a table of logits over (previous value, operand, "
    "written value)) names the first step it judges wrong — σ below `threshold`, ½ by default, its calibrated "
    "verdict — or \"all right\"; at test time the actor regenerates from the flagged step, 3 rounds. Both critics "
    "are trained on the same search tree: from each selected node, 3 children and 4 rollouts of each, the child of "
    "highest value V (the fraction of rollouts ending right) selected.\n\n"
    "**The failure:** `critique_data` = outcome — every step of every rollout labelled with its final answer. "
    "The critic learns P(the answer ends right | this step), which for a right step in a chain that usually fails "
    "is near ½: at the ½ verdict it names the first wrong step on only 0.65–0.68 of wrong chains (first figure), "
    "and 3 rounds of refinement add +0.22–0.25 (second and third figures).\n\n"
    "**The knob:** `critique_data` = mmc — at each depth the two sibling paths (a shared ancestor, then different "
    "steps) whose values V differ most: the lower-V path's divergent step is its first error, the shared prefix "
    "and the higher-V path's divergent step are right, later steps unlabelled. 0.04 of these labels are wrong "
    "(errors that cancel mislead V), against 0.42 of the outcome labels.\n\n"
    "**The difference** at the ½ verdict (100 steps, 16 seeds, base seeds 0–2, means of the last 25 steps): "
    "localisation 0.65–0.68 → 0.97, verdict accuracy 0.75–0.76 → 0.94, accuracy after 3 rounds 0.54–0.56 → 0.89 "
    "from 0.31 (gain +0.22–0.25 → +0.58, larger on 16/16 seeds).\n\n"
    "**What it is not:** the outcome critic does not lack the information — it ranks every right step above every "
    "wrong one (step AUROC 1.00, purple line, as MMC's), so it is miscalibrated, not blind: with `threshold` 0.3 "
    "it localises on 1.00 of wrong chains and 3 rounds gain +0.61, more than MMC's +0.58 at ½. MMC's data give "
    "a critic whose ½ verdict is right without tuning. With a more reliable actor (`actor_error` 0.1, answers "
    "right 0.55 of the time) the outcome critic localises at ½ as well or better (1.00 vs 0.93; gain +0.44 vs "
    "+0.40). Only the abstract and summaries of the paper were available: the search is one greedy depth-first "
    "MCTS pass, the annotator is replaced by the first differing step, and the actor does not read the "
    "critique's text.")


def _figure(title: str, xaxis_title: str, yaxis_title: str) -> go.Figure:
    fig = go.Figure(layout=_layout(title, xaxis_title=xaxis_title, yaxis_title=yaxis_title))
    fig.update_yaxes(range=[-0.02, 1.02])
    return fig


def add_present(fig: go.Figure, history: History, labels: dict[str, str]) -> go.Figure:
    """Each metric of ``labels`` the History holds as its median over its interquartile band; the empty figure
    when it holds none of them (a run saved before a metric existed lacks it)."""
    present = [name for name in labels if name in history.metrics]
    for name in present:
        add_median_band(fig, history, name, labels[name], COLORS[name])
    return fig if present else _empty(fig)


def localisation_figure(history: History | None, config: MMCConfig) -> go.Figure:
    """Where the critic points, on fresh test chains: on those whose answer is wrong, how often it names the
    first wrong step at its decision threshold; how often its verdict ("all right" or not) matches the answer;
    and, free of any threshold, how often it scores a right step above a wrong one (step AUROC)."""
    fig = _figure(f"The critic ({config.critique_data} labels, judging σ < {config.threshold:g} wrong): first-error "
                  "localisation, verdict accuracy and step AUROC, median and middle half<br><sup>localisation: on "
                  "wrong chains, the critic names their first wrong step; AUROC: right steps ranked above wrong "
                  "ones</sup>", "step", "fraction")
    if not _ready(history):
        return _empty(fig)
    return add_present(fig, history, {"localisation": "first-error localisation",
                                      "verdict_accuracy": "verdict accuracy",
                                      "step_auroc": "step AUROC (no threshold)"})


def accuracy_figure(history: History | None, config: MMCConfig) -> go.Figure:
    """The actor's accuracy before refinement and after ``rounds`` rounds, over training: the gap is the gain."""
    fig = _figure(f"Accuracy before and after {config.rounds} refinement rounds ({config.critique_data} critic), "
                  "median and middle half<br><sup>the gap is what the critic's critiques gain</sup>",
                  "step", "answers right")
    if not _ready(history):
        return _empty(fig)
    return add_present(fig, history, {"accuracy_r0": "before refinement (the actor alone)",
                                      "accuracy": f"after {config.rounds} rounds"})


def rounds_figure(history: History | None, config: MMCConfig) -> go.Figure:
    """Accuracy after 0, 1, …, ``rounds`` refinement rounds, each seed averaged over the last quarter of the
    run's steps: one thin line per seed, the median over seeds over the interquartile band."""
    fig = _figure(f"Accuracy per refinement round ({config.critique_data} critic), last quarter of the run<br><sup>"
                  "thin: one seed; band: middle half of the seeds</sup>", "refinement round", "answers right")
    fig.update_xaxes(dtick=1)
    if not _ready(history):
        return _empty(fig)
    names = [f"accuracy_r{r}" for r in range(config.rounds + 1) if f"accuracy_r{r}" in history.metrics]
    if not names:
        return _empty(fig)
    tail = max(1, int(round(TAIL * len(history))))
    per_seed = np.stack([history.values(name)[-tail:].mean(0) for name in names])          # (rounds + 1, seeds)
    rounds = np.arange(len(names))
    for column in per_seed.T:
        fig.add_scatter(x=rounds, y=column, mode="lines", line=dict(color="#7f7f7f", width=1), opacity=0.4,
                        legendgroup="seeds", showlegend=False, hoverinfo="skip")
    low, median, high = quartiles(per_seed)
    add_band(fig, rounds, low, high, _fill(COLORS["rounds"]), "middle half of the seeds", legendgroup="median")
    fig.add_scatter(x=rounds, y=median, mode="lines+markers", line=dict(color=COLORS["rounds"], width=3),
                    name="median over seeds", legendgroup="median")
    return fig


FIGURES = [localisation_figure, accuracy_figure, rounds_figure]


def mmc_view(**values) -> LabView:
    """The live MMC view, starting on the outcome-trained critic's failure to localise. ``values`` start
    controls away from VIEW_START."""
    return LabView("Agents: MMC — critique data from sibling paths", MMCTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)
