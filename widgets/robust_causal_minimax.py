"""Causal minimax's views (``lab.robust.causal_minimax``; arXiv 2107.01876): which stable features to transfer
when a mutable mechanism shifts. Not reinforcement learning: supervised regression under dataset shift.

The signature view is ``widgets.robust.robustness_curve_figure``: each predictor's test error against the
coefficient γ of the mutable mechanism M = γ·Y + noise, per seed (thin lines), median and middle half — the
worst case is the maximum over the curve; the two training environments are marked. Two curves over training
from the History, each the median over seeds over the interquartile band: the three predictors'
worst-environment errors, and the deployed predictor's worst-environment error beside its error in the
training environments (the trade).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.core import History
from lab.robust.causal_minimax import CausalMinimaxConfig, CausalMinimaxTrainer

from .agents import _empty, _layout, _ready, add_median_band, add_seed_lines
from .labview import LabView
from .robust import robustness_curve_figure

NAMES = {"ols": "OLS (all features, pooled)", "stable_all": "whole stable set, do(M)",
         "causal_minimax": "causal minimax subset"}
COLORS = {"worst_ols": "#d62728", "worst_stable_all": "#2ca02c", "worst_minimax": "#1f77b4",
          "worst_error": "#9467bd", "train_error": "#ff7f0e"}

ABOUT = ("Not reinforcement learning: linear regression of Y under a shift of one mutable mechanism. Per seed, "
         "a small structural causal model (coefficients perturbed ±25%): X0 → Y; M = γ·Y + noise is mutable "
         "(γ = 0.5 and 1.5 in the two training environments, anywhere in [−3, 3] at test); X1 = a·Y + b·M + "
         "d·M·Y + noise and X2 = c·Y + noise are stable. The view starts on 'stable_all' — the paper's whole "
         "stable set, least squares under do(M) — whose error grows with |γ|: worst case 2.3–2.6 (median over "
         "16 seeds, base seeds 0–2), against 0.54–0.66 in the training environments; OLS on everything is "
         "best in training (0.29–0.32) and worst under the shift (6.1–7.2). The knob is 'predictor': "
         "'causal_minimax' fits every stable subset, estimates each one's worst-case risk by replacing M's "
         "mechanism over |γ| ≤ shift_budget, and keeps the least: it drops X1 in every seed and its worst "
         "case falls to 0.64–0.67 (≤ 0.38× the stable set's, ≤ 0.14× OLS's, every seed). Set 'interaction' "
         "d to 0 (an additive SCM) and the whole stable set is flat in γ and optimal again.")
VIEW_START = dict(predictor="stable_all", seeds=16, steps=200)
ENABLED_BY = {}    # every option acts under all three predictors (all three are fitted in every run)


def robustness_now(state: dict | None, config: CausalMinimaxConfig) -> go.Figure:
    """Each predictor's test MSE against γ, per seed, from ``state`` (``CausalMinimaxTrainer.view_state()``;
    None or before the first step: empty axes), the training environments marked."""
    errors = None
    if state is not None and not np.isnan(state["errors"].cpu().numpy()).all():
        values = state["errors"].cpu().numpy()
        errors = {NAMES[name]: values[:, i] for i, name in enumerate(NAMES)}
    gammas = (state["gammas"].cpu().numpy() if state is not None
              else np.linspace(-config.shift_budget, config.shift_budget, config.grid))
    fig = robustness_curve_figure(
        "Test error against the mutable mechanism's coefficient γ (M = γ·Y + noise)<br><sup>deployed: "
        f"'{config.predictor}'; dotted: the training environments; the worst case is each curve's maximum</sup>",
        gammas, errors, return_label="test MSE", strength_label="γ, the mutable mechanism's coefficient")
    for gamma in (config.alpha_low, config.alpha_high):
        fig.add_vline(x=gamma, line=dict(color="#7f7f7f", dash="dot"))
    fig.update_yaxes(type="log")
    return fig


def worst_figure(history: History | None, config: CausalMinimaxConfig) -> go.Figure:
    """The three predictors' worst-environment errors over training, median over the interquartile band."""
    fig = go.Figure(layout=_layout("Worst-environment test error of each predictor<br><sup>largest test MSE over "
                                   f"|γ| ≤ {config.shift_budget}</sup>", xaxis_title="step",
                                   yaxis_title="worst-environment MSE", yaxis_type="log"))
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "worst_ols", NAMES["ols"], COLORS["worst_ols"])
    add_median_band(fig, history, "worst_stable_all", NAMES["stable_all"], COLORS["worst_stable_all"])
    add_median_band(fig, history, "worst_minimax", NAMES["causal_minimax"], COLORS["worst_minimax"])
    return fig


def deployed_figure(history: History | None, config: CausalMinimaxConfig) -> go.Figure:
    """The deployed predictor's worst-environment error per seed (thin lines) and its median, beside its
    error in the training environments: what robustness costs in distribution."""
    fig = go.Figure(layout=_layout(f"The deployed predictor ('{config.predictor}'): worst case and training "
                                   "environments", xaxis_title="step", yaxis_title="test MSE", yaxis_type="log"))
    if not _ready(history):
        return _empty(fig)
    add_seed_lines(fig, history, "worst_error")
    add_median_band(fig, history, "worst_error", "worst environment", COLORS["worst_error"])
    add_median_band(fig, history, "train_error", "training environments", COLORS["train_error"])
    return fig


FIGURES = [worst_figure, deployed_figure]

TAB_TEXT = (
    "## Causal minimax: which stable features to transfer (arXiv 2107.01876)\n"
    "**Not reinforcement learning**: supervised linear regression under a shift of one mutable mechanism. "
    "Per seed a small structural causal model: X0 → Y; M = γ·Y + noise is mutable (γ = 0.5, 1.5 in training, "
    "[−3, 3] at test); X1 = a·Y + b·M + d·M·Y + noise is a stable child of Y *and* of M (the paper's "
    "K ∩ Ch(Y)); X2 = c·Y + noise a stable child of Y only. Coefficients are perturbed ±25% per seed.\n\n"
    "**The failure:** ordinary least squares on everything leans on M, a strong proxy of Y in training: best "
    "there (MSE 0.29–0.32, median over 16 seeds, base seeds 0–2), worst under the shift (6.1–7.2). The "
    "paper's whole stable set — least squares under do(M), M shuffled and X1 regenerated — is invariant in "
    "its conditional but not in its risk: through X1 the shift of M still moves X1's relation to Y, and "
    "its worst case is 2.3–2.6. **The knob:** `predictor` = `causal_minimax` fits every stable subset, "
    "estimates each one's worst-case risk by replacing M's mechanism over |γ| ≤ `shift_budget` (regenerating "
    "X1), and keeps the least. **The difference:** it drops X1 in all 48 seeds; worst case 0.64–0.67, at most "
    "0.38× the stable set's and 0.14× OLS's in every seed, at about the stable set's error in training. "
    "With `interaction` d = 0 the SCM is additive and the whole stable set is flat in γ and optimal — minimax "
    "keeps X1 (the paper's graphical condition made a knob).\n\n"
    "**What is inferred:** the abstract and the authors' code were available, not the paper's text, so not "
    "its own example: the toy is ours, on the local structure of the authors' simulation (Y → M → X ← Y). "
    "An additive linear SCM cannot show the effect (given x_M the stable set's residual is the same in every "
    "environment), hence the one interaction term. Predictors are linear (the authors fit an MLP), the "
    "adversary is the family γ·Y + noise on a grid (they train a network J by gradient ascent), X1's "
    "mechanism is known when regenerating (as in their simulation), and the 8 subsets are searched "
    "exhaustively rather than by equivalence classes.")


def causal_minimax_view(**values) -> LabView:
    """The live causal-minimax view: the robustness curve (from the trainer's view_state), the three
    predictors' worst-environment errors and the deployed predictor's trade; ``values`` start controls away
    from VIEW_START."""
    view = LabView("Robust: causal minimax — which invariance to transfer", CausalMinimaxTrainer, list(FIGURES),
                   ABOUT, values={**VIEW_START, **values}, enabled_by=ENABLED_BY)

    def robustness(history: History | None, config: CausalMinimaxConfig) -> go.Figure:
        return robustness_now(view.view_state(), config)

    view.figure_fns.insert(0, robustness)
    return view
