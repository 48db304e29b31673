"""Off-policy GAIL with and without the gradient penalty's views (``lab.robust.lipschitz_gail``; arXiv 2006.16785).

The signature view is ``widgets.robust.robustness_curve_figure``: each seed's imitation error (mean distance to the
expert's states, same starts) when its policy acts on observations with Gaussian noise of growing σ, from the
trainer's ``view_state()`` — one curve per penalty setting given (the notebook draws both). Two curves over
training from the History, each the median over seeds over the interquartile band: the imitation error (thin
lines per seed, the match radius dashed), and the failure's mechanism — the reward's gradient norm at the agent's
pairs beside |Q|, on a log axis.
"""
from __future__ import annotations

import plotly.graph_objects as go

from lab.core import History
from lab.robust.lipschitz_gail import LipschitzGailConfig, LipschitzGailTrainer

from .agents import _empty, _layout, _ready, add_median_band, add_seed_lines, one_of
from .labview import LabView
from .robust import robustness_curve_figure

COLORS = {"imitation_error": "#1f77b4", "final_distance": "#9467bd", "reward_grad_norm": "#d62728",
          "q_abs": "#2ca02c", "expert_reward": "#ff7f0e"}

ABOUT = ("Each seed's SAC learner imitates a goal-reaching expert on a 2-D point mass from 2 demonstrations; its "
         "reward is a discriminator trained off-policy on the replay (expert pairs against the agent's). The view "
         "starts with the discriminator unpenalized ('gradient_penalty' off) and learning fast (disc_lr 1e-2): its "
         "reward sharpens (input gradient ≈ 50 and growing at the agent's pairs), the agent's own pairs earn ≈ 0, "
         "and 0–1 of 16 seeds match the expert (median imitation error 0.43–0.53; 400 steps, base seeds 0–2). "
         "The knob is 'gradient_penalty': 'on' adds λ·max(0, ‖∇D‖ − k)² at agent–expert interpolates (λ 10, k 1, "
         "as in the authors' code); 16 of 16 seeds match (median 0.11–0.14), the gradient norm stays at 1.01. "
         "The robustness curve adds observation noise to what the policy sees: at σ 0.3 the penalized policies "
         "keep an error of 0.17–0.18 against 0.50–0.53.")
VIEW_START = dict(gradient_penalty="off", seeds=16, steps=400)
ENABLED_BY = dict.fromkeys(("penalty_coef", "penalty_target"), ("gradient_penalty", one_of("on")))


def label(state: dict) -> str:
    return f"penalty {state['gradient_penalty']}"


def robustness_figure(states: dict | list[dict] | None, config: LipschitzGailConfig | None = None) -> go.Figure:
    """Imitation error against observation noise σ, per seed, for each ``view_state()`` in ``states`` (one, a
    list of them — e.g. penalty off and on — or None before any run: empty axes)."""
    states = [] if states is None else [states] if isinstance(states, dict) else states
    noise = states[0]["noise"].cpu().numpy() if states else []
    errors = {label(s): s["imitation_error"].cpu().numpy() for s in states}
    radius = "" if config is None else f"; matched below {config.match_radius}"
    fig = robustness_curve_figure("Imitation error when the policy sees noisy observations<br><sup>mean distance "
                                  f"to the expert's states from the same starts, per seed{radius}</sup>",
                                  noise, errors, return_label="imitation error",
                                  strength_label="observation noise σ")
    if config is not None:
        fig.add_hline(y=config.match_radius, line=dict(color="gray", dash="dash"))
    return fig


def imitation_figure(history: History | None, config: LipschitzGailConfig) -> go.Figure:
    """The imitation error per seed (thin lines) and its median over the interquartile band, with the distance
    to the goal at the episode's end; the match radius dashed."""
    fig = go.Figure(layout=_layout(f"Imitation error over training<br><sup>gradient penalty "
                                   f"'{config.gradient_penalty}'; a seed matches the expert below the dashed line"
                                   "</sup>", xaxis_title="step", yaxis_title="distance"))
    fig.add_hline(y=config.match_radius, line=dict(color="gray", dash="dash"))
    if not _ready(history):
        return _empty(fig)
    add_seed_lines(fig, history, "imitation_error")
    add_median_band(fig, history, "imitation_error", "imitation error", COLORS["imitation_error"])
    add_median_band(fig, history, "final_distance", "final distance to the goal", COLORS["final_distance"])
    return fig


def sharpness_figure(history: History | None, config: LipschitzGailConfig) -> go.Figure:
    """The failure's mechanism: the reward's gradient norm ‖∇_(s,a) D‖ at the agent's replay pairs (sharpening
    without the penalty, held at k with it), beside |Q| and the reward on expert pairs; log axis."""
    fig = go.Figure(layout=_layout("How sharp the learned reward is, and what Q does<br><sup>‖∇D‖ at the agent's "
                                   "pairs, mean |Q| on the batch, mean reward on expert pairs</sup>",
                                   xaxis_title="step", yaxis_title="value (log)"))
    fig.update_yaxes(type="log")
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "reward_grad_norm", "reward gradient norm", COLORS["reward_grad_norm"])
    add_median_band(fig, history, "q_abs", "|Q|", COLORS["q_abs"])
    add_median_band(fig, history, "expert_reward", "reward on expert pairs", COLORS["expert_reward"])
    return fig


FIGURES = [imitation_figure, sharpness_figure]

TAB_TEXT = (
    "## Lipschitz rewards tame off-policy GAIL (arXiv 2006.16785)\n"
    "A 2-D point mass (s' = s + 0.2·a) imitates a closed-form expert that drives to the origin, from 2 "
    "demonstrations per seed. Each seed's learner is SAC on its own replay; the reward −log(1 − σ(D(s, a))) "
    "comes from a discriminator trained off-policy against the replay and is recomputed from the current D "
    "for every batch.\n\n"
    "**The failure:** with a discriminator that learns fast (`disc_lr` 1e-2 against the learner's 3e-3) the "
    "reward sharpens — its input gradient at the agent's pairs grows from ≈ 31 at step 200 to ≈ 50 at 400 "
    "(≈ 99 at 1000) — the agent's own pairs earn ≈ 0 reward, and 0–1 of 16 seeds match the expert (median "
    "imitation error 0.43–0.53; base seeds 0–2, 400 steps). **The knob:** `gradient_penalty` (with "
    "`penalty_coef` λ and `penalty_target` k): λ·E[max(0, ‖∇D‖ − k)²] at interpolates between agent and expert "
    "pairs, λ 10, k 1, as in the authors' code. **The difference:** 16 of 16 seeds match in every base seed "
    "(median error 0.11–0.14), the reward's gradient norm stays at 1.01, ≈ 50× smaller; under observation "
    "noise σ 0.3 the error is 0.17–0.18 against 0.50–0.53.\n\n"
    "**What does not reproduce:** \"Q blows up\" — here the baseline's |Q| collapses (≈ 0.6 against ≈ 5 "
    "with the penalty), since a sharp reward pays nothing off the expert's pairs. With a gentle discriminator "
    "(`disc_lr` 1e-3) the baseline imitates as well (16/16): the failure is a discriminator that outpaces the "
    "learner, which the penalty makes harmless. **What is inferred:** the paper's text on the penalty was not "
    "retrievable; its form, λ, k and the interpolates come from the authors' code. No spectral norm, label "
    "smoothing or n-step returns (on in their setup); SAC instead of their TD3-style learner; the toy is ours.")


def lipschitz_gail_view(**values) -> LabView:
    """The live view: the robustness curve (from the trainer's view_state), the imitation error and the reward's
    sharpness over training; ``values`` start controls away from VIEW_START."""
    view = LabView("Robust: Lipschitz rewards in off-policy GAIL", LipschitzGailTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)

    def robustness(history: History | None, config: LipschitzGailConfig) -> go.Figure:
        return robustness_figure(view.view_state(), config)

    view.figure_fns.insert(0, robustness)
    return view
