"""RLAC's views (``lab.agents.rlac``; arXiv 2511.01758): what the generator learns under each verifier.

Three figures from the History of an ``RlacTrainer`` run, each the median over seeds over the
interquartile band: the exact probability that all K facts are right (thin lines per seed) with the
mean per-fact accuracy; the reward the generator is trained on beside the true quantity it claims to
measure (the per-fact accuracy for the fraction rewards 'frozen_rm' and 'all', P(all right) for the
pass/fail verdicts; their distance is the gap) and the fraction of facts steered confidently wrong; and
the validator calls per output beside the fraction of outputs that carry a wrong fact and pass the
verification.
"""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.agents.rlac import FRACTION_REWARDS, RlacConfig, RlacTrainer
from lab.core import History

from .agents import _empty, _layout, _ready, add_median_band, add_seed_lines, one_of
from .labview import LabView

COLORS = {"accuracy": "#1f77b4", "fact_accuracy": "#17becf", "reward": "#d62728", "calls": "#7f7f7f",
          "missed": "#ff7f0e", "steered_wrong": "#9467bd"}

ABOUT = ("A generator states K = 8 binary facts for each of 4 prompts; each fact is right or wrong against a "
         "hidden truth, and a validator can check one fact per call. The generator's 'accuracy' is exact: the "
         "probability that all 8 facts are right. The view starts on a reward model fitted once, on 8 initial "
         "outputs per prompt (64 calls), then frozen: it is not hacked (its score stays below the per-fact "
         "accuracy it predicts) but mis-specified — it steers about a quarter of the facts to confidently wrong "
         "(second figure), and the all-facts accuracy stays near 0.05. The knob is 'critic'. 'fixed' checks facts "
         "0 and 1 only: those are learned, the other six stay wrong (0.02). 'all' checks every fact: 0.95, at "
         "8 calls per output. 'rlac' is the paper's game: a trained critic picks the one fact most likely to be "
         "wrong in this output, the validator checks only that, the critic wins when it fails, the generator "
         "when it passes: 0.91–0.93 with one call per output, its reward tracking P(all right) (measured over "
         "300 steps, 24 seeds, base seeds 0–2), reaching 0.8 on 5× fewer validator calls than checking all. "
         "The critic is a table per prompt, so it can memorise each prompt's answer key. 'random' checks one "
         "fact at random with an untrained critic: 0.68 — the adversary's training closes the rest. Turn "
         "'rm_samples' up to 300 — as many labels as RLAC's 2400 calls — and the reward model matches or beats "
         "RLAC (0.935–0.954): RLAC wins only against a reward model given far fewer labels.")
VIEW_START = dict(critic="frozen_rm", seeds=16, steps=300)
ENABLED_BY = {
    "checks": ("critic", one_of("fixed")),
    **dict.fromkeys(("rm_samples", "rm_ridge"), ("critic", one_of("frozen_rm"))),
    "critic_lr": ("critic", one_of("rlac")),
}


def accuracy_figure(history: History | None, config: RlacConfig) -> go.Figure:
    """The exact all-facts-right probability per seed (thin lines, at most ``MAX_SEED_LINES``), its median
    over the interquartile band, and the mean per-fact accuracy's median and band."""
    fig = go.Figure(layout=_layout(f"True accuracy: all {config.facts} facts right (per seed, thin) and per fact",
                                   xaxis_title="step", yaxis_title="probability (exact, from the policy)"))
    fig.update_yaxes(range=[-0.02, 1.02])
    if not _ready(history):
        return _empty(fig)
    add_seed_lines(fig, history, "accuracy")
    add_median_band(fig, history, "accuracy", "all facts right", COLORS["accuracy"])
    add_median_band(fig, history, "fact_accuracy", "facts right (mean)", COLORS["fact_accuracy"])
    return fig


def reward_figure(history: History | None, config: RlacConfig) -> go.Figure:
    """What the generator is trained on (its batch's mean reward; the reward model's score for 'frozen_rm')
    beside the true quantity that reward claims to measure (the per-fact accuracy for a fraction reward,
    P(all facts right) for a pass/fail verdict): a reward far above it is a verifier being gamed. Also the
    fraction of facts steered confidently wrong (below their initial odds, right w.p. < 0.1)."""
    fraction = config.critic in FRACTION_REWARDS
    claimed, label = (("fact_accuracy", "true: facts right (mean)") if fraction
                      else ("accuracy", "true: all facts right"))
    fig = go.Figure(layout=_layout("The reward the generator is trained on vs what it claims to measure<br><sup>"
                                   f"the distance is the gap; critic '{config.critic}'</sup>",
                                   xaxis_title="step", yaxis_title="reward / probability / fraction"))
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "reward", "training reward", COLORS["reward"])
    add_median_band(fig, history, claimed, label, COLORS[claimed])
    add_median_band(fig, history, "steered_wrong", "facts steered wrong", COLORS["steered_wrong"])
    return fig


def cost_figure(history: History | None, config: RlacConfig) -> go.Figure:
    """Side by side: validator calls per output during training, and the fraction of outputs with a wrong
    fact that the verification passes (the reward model checks nothing: it passes every one)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=[
        "validator calls per output", "outputs with a wrong fact that pass"])
    if not _ready(history):
        _empty(fig, row=1, col=1)
    else:
        add_median_band(fig, history, "calls", "calls", COLORS["calls"], row=1, col=1)
        add_median_band(fig, history, "missed", "missed", COLORS["missed"], row=1, col=2)
    fig.update_yaxes(range=[-0.2, config.facts + 0.5], row=1, col=1)
    fig.update_yaxes(range=[-0.02, 1.02], row=1, col=2)
    fig.update_xaxes(title_text="step")
    note = (f"; the reward model cost {config.rm_samples * config.facts} calls per prompt once, before training"
            if config.critic == "frozen_rm" else "")
    fig.update_layout(**_layout(f"What the verification costs and what it lets through<br><sup>{note.lstrip('; ')}"
                                "</sup>"))
    return fig


FIGURES = [accuracy_figure, reward_figure, cost_figure]

TAB_TEXT = (
    "## RLAC: an adversarial critic picks the one check (arXiv 2511.01758)\n"
    "A generator states 8 binary facts per prompt against a hidden truth; a validator checks one fact per "
    "call. Accuracy is exact: the probability that all 8 facts are right.\n\n"
    "**The failure:** a reward model fitted once on the initial outputs (8 per prompt: 64 validator calls "
    "per prompt) and frozen is under-fitted: some facts get weights of the wrong sign, and the generator is "
    "steered to state 23–24% of the facts confidently wrong; the all-facts accuracy ends at 0.04–0.07. It is "
    "*not* hacked — its score stays 0.02–0.04 below the per-fact accuracy it predicts. A fixed critic "
    "checking facts 0 and 1 learns those two and leaves the rest: 0.02, its pass verdict overstating P(all "
    "right) by 0.97. **The knob:** `critic`. **The difference** (300 steps, 24 seeds, base seeds 0–2): "
    "`rlac` reaches 0.91–0.93 (0.98–0.99 per fact) with **one** validator call per output, its reward "
    "tracking P(all right); checking `all` 8 facts reaches 0.95 at 8 calls — RLAC needs more steps but "
    "reaches all-facts accuracy 0.8 on 5.0–5.1× fewer validator calls (4.5–4.7× at K = 16); an untrained "
    "critic checking one `random` fact reaches 0.68.\n\n"
    "**At matched validator calls the reward model is not worse.** RLAC's lead over the default reward "
    "model is at a 37× smaller label budget (64 calls per prompt up front against RLAC's 2400 over 300 "
    "steps). Fitted on as many labels as RLAC spends to reach 0.8 (≈ 1700 calls per prompt) the reward "
    "model ends at 0.915–0.954, on all of RLAC's 2400 at 0.935–0.954 (`rm_samples=300`) — as good as or better "
    "than RLAC on every seed: the truth here is linear in the facts.\n\n"
    "**What does not reproduce or is inferred:** only the abstract was available; the update rule (REINFORCE "
    "with group-normalised advantages for both players) and the toy's critic and reward model are ours. "
    "The critic is a table φ[prompt, fact, value said], so it can memorise each prompt's hidden truth (an "
    "answer key) — nothing here tests a critic on unseen prompts. No reward hacking appears, and no label "
    "saving over a reward model. The call saving over checking every fact does not grow with K here (the "
    "paper: up to 5–6× on longer biographies).")


def rlac_view(**values) -> LabView:
    """The live RLAC view: accuracy, reward vs truth, calls and missed errors from the History; ``values``
    start controls away from VIEW_START."""
    return LabView("Agents: RLAC's adversarial critic", RlacTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)
