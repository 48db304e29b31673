"""GPC's views (``lab.expressive.gpc``; arXiv 2510.01068): two biased flow parents and their test-time composition.

The signature view is ``widgets.expressive.landscape_figure`` over the success region (1 inside the target
disc, 0 outside): each seed's actions of the policy that acts — parent 1, parent 2, or their composition
w·v₁ + (1 − w)·v₂ at the searched weight — from the trainer's ``view_state()``, with the parents' demo
centres marked. Beside it the test-time search itself (held-out success against the weight, median over
seeds over the interquartile band, the parents at the ends) and, over training, the success of both parents
and of the searched composition (median over the interquartile band, thin lines per seed for the policy
that acts).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.core import History
from lab.expressive.gpc import TARGET, GpcConfig, GpcTrainer

from .agents import _empty, _fill, _layout, _ready, add_median_band, add_seed_lines, one_of, quartiles
from .expressive import landscape_figure
from .labview import LabView
from .live import add_band

COLORS = {"success_parent_1": "#1f77b4", "success_parent_2": "#ff7f0e", "success_gpc": "#2ca02c"}
GRID = np.linspace(-1.5, 1.5, 121)
NAMES = {"parent_1": "parent 1", "parent_2": "parent 2", "gpc": "GPC composition"}

ABOUT = ("Two flow policies per seed are trained by flow matching on biased demonstrations: parent 1's lie "
         "0.45 to the left of a target disc (radius 0.45), parent 2's 0.45 to the right, so each straddles the "
         "target's edge. The view starts on 'parent_1': its actions land in the target 41–48% of the time "
         "(parent 2 the same; the better parent per seed 0.47–0.54 on average). The knob is 'policy'. 'gpc' "
         "samples with the convex combination w·v₁ + (1 − w)·v₂ of the two parents' velocities, the same noise "
         "and steps, the weight w searched on a grid 0, 0.1, …, 1 on one noise batch and its success measured on "
         "another: 0.98, at least +0.27 over the better parent in every seed (300 steps, 16 seeds, base seeds "
         "0–2); w = 0 and w = 1 are the parents exactly. The middle figure is the search: success against w. "
         "Try 'bias_2' = 0.9 (parent 2 never succeeds): w* moves to 0.6–0.7, where a fixed w = ½ "
         "('weight_search' = 'fixed') falls to 0.90–0.92 and the search keeps 0.97–0.98.")
VIEW_START = dict(policy="parent_1", seeds=16, steps=300)
ENABLED_BY = {
    "weight_search": ("policy", one_of("gpc")),
    "weight": ("weight_search", one_of("fixed")),
}


def success_region(config: GpcConfig) -> np.ndarray:
    """1 inside the target disc, 0 outside, on GRID × GRID (rows: action 2)."""
    ax, ay = np.meshgrid(GRID, GRID)
    return (np.hypot(ax - TARGET[0], ay - TARGET[1]) < config.radius).astype(float)


def landscape_now(state: dict | None, config: GpcConfig) -> go.Figure:
    """The success region with each seed's actions of the policy that acts, from ``state``
    (``GpcTrainer.view_state()``; None: the region alone); crosses at the parents' demo centres."""
    weight = ""
    if config.policy == "gpc" and state is not None:
        w = state["gpc_weight"].cpu().numpy()
        weight = f", w = {np.median(w):.1f} (median; {w.min():.1f}–{w.max():.1f} over seeds)"
    title = (f"Where {NAMES[config.policy]}'s actions land{weight}<br><sup>the grey disc is the target; "
             "crosses: the parents' demo centres</sup>")
    actions = None if state is None else state[config.policy].cpu().numpy()
    fig = landscape_figure(title, GRID, GRID, success_region(config), actions, reward_label="success",
                           marks=np.array([TARGET]))
    fig.add_scatter(x=[TARGET[0] + config.bias_1, TARGET[0] + config.bias_2], y=[TARGET[1]] * 2,
                    mode="markers+text", text=["demos 1", "demos 2"], textposition="bottom center",
                    name="demo centres", marker=dict(symbol="x", size=11, color="black"))
    return fig


def search_figure(state: dict | None, config: GpcConfig) -> go.Figure:
    """The test-time search at the last measurement: held-out success of w·v₁ + (1 − w)·v₂ against w, median
    over seeds over the interquartile band; w = 1 is parent 1, w = 0 parent 2."""
    fig = go.Figure(layout=_layout("The weight search: held-out success against w<br><sup>w = 0 is parent 2, "
                                   "w = 1 parent 1; median over seeds, band: middle half</sup>",
                                   xaxis_title="w (on parent 1)", yaxis_title="success rate"))
    fig.update_yaxes(range=[-0.02, 1.02])
    if state is None:
        return _empty(fig)
    weights = state["weights"].cpu().numpy()
    low, median, high = quartiles(state["success_by_weight"].cpu().numpy().T)
    add_band(fig, weights, low, high, _fill(COLORS["success_gpc"]), "middle half of the seeds")
    fig.add_scatter(x=weights, y=median, mode="lines+markers", line=dict(color=COLORS["success_gpc"], width=3),
                    name="median")
    for key, w in (("success_parent_2", 0.0), ("success_parent_1", 1.0)):
        fig.add_scatter(x=[w], y=[median[0 if w == 0.0 else -1]], mode="markers", name=key.removeprefix("success_"),
                        marker=dict(size=12, color=COLORS[key]))
    return fig


def success_figure(history: History | None, config: GpcConfig) -> go.Figure:
    """Held-out success over training of parent 1, parent 2 and the composition at the searched weight
    (median over the interquartile band), thin lines per seed for the policy that acts."""
    fig = go.Figure(layout=_layout(f"Success over training<br><sup>thin lines: '{config.policy}' per seed; the grid "
                                   f"is measured every {config.eval_every} steps</sup>",
                                   xaxis_title="step", yaxis_title="success rate (held-out noise)"))
    fig.update_yaxes(range=[-0.02, 1.02])
    if not _ready(history):
        return _empty(fig)
    add_seed_lines(fig, history, "success")
    for key in ("success_parent_1", "success_parent_2", "success_gpc"):
        add_median_band(fig, history, key, key.removeprefix("success_").replace("_", " "), COLORS[key])
    return fig


TAB_TEXT = (
    "## GPC: compose two policies' velocities at test time (arXiv 2510.01068)\n"
    "Two 2-D flow policies per seed are trained by flow matching on biased demonstrations — parent 1's "
    "centred 0.45 left of a target disc of radius 0.45, parent 2's 0.45 right — so each covers the target only "
    "partly.\n\n"
    "**The failure:** each parent lands in the target 41–48% of the time (the better of the two per seed "
    "0.47–0.54 on average, at most 0.67). **The knob:** `policy` — `gpc` samples with w·v₁ + (1 − w)·v₂ "
    "(the paper's convex combination of scores; for a straight flow a velocity is affine in the score, so it "
    "is the same thing), the same noise and Euler steps, w searched on the grid 0, 0.1, …, 1 on one noise "
    "batch and the success measured on another. **The difference** (300 steps, 16 seeds, base seeds 0–2): "
    "0.976–0.981, at least +0.27 over the better parent in every seed; w* between 0.3 and 0.7; w = 0 and 1 "
    "reproduce the parents bit for bit. Both parents are Gaussians of the same spread, so the composition is "
    "their product p₁^w·p₂^(1−w), a Gaussian between them — on the target. With symmetric biases a fixed "
    "w = ½ does as well (0.98–0.99); with `bias_2` = 0.9 the search matters (w* 0.6–0.7: 0.97–0.98 against ½'s "
    "0.90–0.92, base seeds 0 and 1).\n\n"
    "**What is inferred:** the full paper text was not available (abstract, project page, a summary and "
    "the authors' code were). The rule and the 0.1-step grid follow the authors' code; including the "
    "endpoints, selecting w on one noise batch and reporting on another, and the toy are ours. The toy is "
    "the easy case for composition (Gaussian parents whose product sits on the target); parents whose "
    "demos are bimodal — a shared target mode plus each its own wrong mode — gain little here (parents "
    "0.42–0.46, composition 0.49–0.51 in a trial, base seeds 0–2): averaging the velocities sends the noise "
    "that each parent sends to its own wrong mode "
    "between the two wrong modes, not to the shared one.")


def gpc_view(**values) -> LabView:
    """The live GPC view: the acting policy's actions over the success region and the weight search (from
    the trainer's view_state), success over training; ``values`` start controls away from VIEW_START."""
    view = LabView("Expressive: GPC's test-time policy composition", GpcTrainer, [success_figure], ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)

    def landscape(history: History | None, config: GpcConfig) -> go.Figure:
        return landscape_now(view.view_state(), config)

    def search(history: History | None, config: GpcConfig) -> go.Figure:
        return search_figure(view.view_state(), config)

    view.figure_fns[:0] = [landscape, search]
    return view
