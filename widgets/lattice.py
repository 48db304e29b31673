"""The cooperation-collapse lab's figures and its LabView declaration (after Weng & Lee, arXiv 2601.05509)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.core import History
from lab.games.lattice import LatticeConfig, LatticeTrainer, tau_inits

from .labview import LabView
from .live import thin

ABOUT = ("Deep Q-learners play the Prisoner's Dilemma with their 4 neighbours on a periodic lattice "
         "(S = −Dr, T = 1 + Dr), exploring by Boltzmann sampling annealed from τ_init to τ_final. "
         "Each τ_init of the sweep trains its own lattices at once. With one shared network, the more "
         "the agents explore early, the less they cooperate at the end: watch the grids turn red "
         "and the right end of the τ_init curve fall. Switch 'sharing' to compare, or tick 'augment' for "
         "Weng & Lee's remedy: each agent also sees the learning progress and its current τ.")
VIEW_START = dict(size=10, dr=0.8, tau_init=5.0, tau_points=5, seeds=4, steps=1500)
MAX_GRIDS = 4
C_BLUE, D_RED = "#1f77b4", "#d62728"


def _layout(title: str, xaxis: str, yaxis: str, **extra) -> dict:
    return dict(title=title, xaxis_title=xaxis, yaxis_title=yaxis, height=360, uirevision="keep",
                margin=dict(l=60, r=20, t=50, b=50), **extra)


def shown_lattices(config: LatticeConfig) -> list[int]:
    """Which lattices the grid figure shows: seed 0 of up to MAX_GRIDS τ_init values, lowest to highest."""
    points = np.unique(np.linspace(0, config.tau_points - 1, min(MAX_GRIDS, config.tau_points)).round().astype(int))
    return [int(p) * config.seeds for p in points]


def lattice_figure(grids: np.ndarray | None, tau_inits: list[float], config: LatticeConfig) -> go.Figure:
    """The lattices' current actions, C blue and D red, one panel per τ_init shown."""
    titles = [f"τ_init = {t:g}" for t in tau_inits]
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.03)
    for col in range(len(titles)):
        z = grids[col] if grids is not None else np.full((config.size, config.size), np.nan)
        fig.add_heatmap(z=z, zmin=0, zmax=1, showscale=False, colorscale=[[0, D_RED], [1, C_BLUE]],
                        hovertemplate="(%{y}, %{x}): %{z}<extra>1 = C, 0 = D</extra>", row=1, col=col + 1)
        fig.update_xaxes(showticklabels=False, row=1, col=col + 1)
        fig.update_yaxes(showticklabels=False, scaleanchor=f"x{col + 1 if col else ''}", row=1, col=col + 1)
    fig.update_layout(title="The lattices now (seed 0 of each τ_init): C blue, D red", height=300,
                      margin=dict(l=20, r=20, t=70, b=20), uirevision="keep")
    return fig


def cooperation_against_tau_figure(history: History | None, config: LatticeConfig) -> go.Figure:
    """Cooperation over the last 10% of the run against τ_init: mean over seeds, 95% bootstrap interval."""
    held = f"{config.sharing} networks" + (", state augmentation" if config.augment else "")
    fig = go.Figure(layout=_layout(f"Cooperation at the end against exploration ({held})",
                                   "τ_init", "cooperation (last 10% of steps)",
                                   xaxis_type="log", yaxis_range=[-0.03, 1.03]))
    if history is None or not len(history):
        fig.add_scatter(x=[], y=[], mode="markers", name="press Run")
        return fig
    final = history.final("cooperation", by="tau_init")
    fig.add_scatter(x=final["tau_init"], y=final["mean"], mode="lines+markers", name="mean over seeds",
                    error_y=dict(type="data", symmetric=False, array=final["hi"] - final["mean"],
                                 arrayminus=final["mean"] - final["lo"]),
                    hovertemplate="τ_init %{x:g}: %{y:.2f}<extra>95% interval over seeds</extra>")
    return fig


def cooperation_over_time_figure(history: History | None, config: LatticeConfig) -> go.Figure:
    """Cooperation during training, mean over seeds, one line per τ_init."""
    fig = go.Figure(layout=_layout("Cooperation during training", "step", "cooperation",
                                   yaxis_range=[-0.03, 1.03], legend=dict(orientation="h", y=-0.25)))
    if history is None or not len(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    labels = np.asarray(history.members["tau_init"])
    values = history.values("cooperation")
    for tau in np.unique(labels):
        steps, mean = thin(history.steps, values[:, labels == tau].mean(axis=1))
        fig.add_scatter(x=steps, y=mean, mode="lines", name=f"τ_init = {tau:g}")
    return fig


def lattice_view() -> LabView:
    """The live cooperation-collapse view: the lattices as grids, cooperation against τ_init, and over time."""
    view = LabView("Cooperation collapse under shared policies", LatticeTrainer,
                   [cooperation_against_tau_figure, cooperation_over_time_figure], ABOUT, values=VIEW_START)

    def grids_now(history: History | None, config: LatticeConfig) -> go.Figure:
        shown = shown_lattices(config)
        actions = view.view_state()
        taus = [tau_inits(config)[i // config.seeds] for i in shown]
        grids = actions[shown].cpu().numpy() if actions is not None else None
        return lattice_figure(grids, taus, config)

    view.figure_fns.insert(0, grids_now)
    return view


def lattice_tab():
    """The dashboard tab: the cooperation-collapse lab, live."""
    import panel as pn

    return pn.Column(
        pn.pane.Markdown("## Cooperation collapse\nAfter Weng & Lee, *How Exploration Breaks Cooperation in "
                         "Shared-Policy Multi-Agent RL* (arXiv 2601.05509): a spatial Prisoner's Dilemma played "
                         "by Double DQN agents whose Q-network is shared, per agent, or per group."),
        lattice_view().panel(), sizing_mode="stretch_width")
