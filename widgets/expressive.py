"""The expressive-policies lab's signature view: every seed's actions drawn over the true reward landscape.

A lab of ``lab/expressive`` (issue 20) hands its view a copy of each seed's sampled actions through
``Trainer.view_state()`` (taken between steps by ``Run``); ``landscape_figure`` draws them as one colour per
seed over a heatmap of the true reward (white where it is lowest, grey where highest), so a Gaussian that
averages two modes, a flow that collapses onto one, or a policy that covers both is seen, not inferred. The curves over training reuse the agents labs'
helpers (``widgets.agents``: median over the interquartile band, thin per-seed lines).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

MAX_SEEDS_DRAWN = 8
POINTS_PER_SEED = 64
LANDSCAPE_SCALE = [[0.0, "#ffffff"], [1.0, "#969696"]]   # low reward white, high a mid grey the seeds show on
SEED_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def landscape_figure(title: str, xs: np.ndarray, ys: np.ndarray, reward: np.ndarray,
                     actions: np.ndarray | None, reward_label: str = "reward", marks: np.ndarray | None = None,
                     axis_titles: tuple[str, str] = ("action 1", "action 2")) -> go.Figure:
    """The true ``reward`` on the grid ``xs`` × ``ys`` (shape (len(ys), len(xs))) as a heatmap, with the
    sampled ``actions`` (seeds, n, 2) of the first ``MAX_SEEDS_DRAWN`` seeds over it (at most
    ``POINTS_PER_SEED`` each, one colour per seed) and optional ``marks`` (k, 2), the optima, as stars.
    ``actions`` None (no run yet) draws the landscape alone."""
    fig = go.Figure()
    fig.add_heatmap(x=xs, y=ys, z=reward, colorscale=LANDSCAPE_SCALE, showscale=True,
                    colorbar=dict(title=reward_label, len=0.8), name=reward_label,
                    hovertemplate="(%{x:.2f}, %{y:.2f}): %{z:.2f}<extra>" + reward_label + "</extra>")
    if actions is not None:
        actions = np.asarray(actions, float)
        for seed in range(min(len(actions), MAX_SEEDS_DRAWN)):
            points = actions[seed, :POINTS_PER_SEED]
            fig.add_scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=f"seed {seed}",
                            marker=dict(size=5, color=SEED_COLORS[seed % len(SEED_COLORS)], opacity=0.7),
                            hovertemplate="(%{x:.2f}, %{y:.2f})<extra>seed " + str(seed) + "</extra>")
    else:
        fig.add_scatter(x=[], y=[], mode="markers", name="press Run")
    if marks is not None:
        fig.add_scatter(x=marks[:, 0], y=marks[:, 1], mode="markers", name="optimum",
                        marker=dict(symbol="star", size=14, color="gold", line=dict(color="black", width=1)))
    fig.update_layout(title=title, height=420, uirevision="keep", margin=dict(l=60, r=20, t=70, b=50),
                      xaxis=dict(title=axis_titles[0], range=[xs[0], xs[-1]]),
                      yaxis=dict(title=axis_titles[1], range=[ys[0], ys[-1]], scaleanchor="x"),
                      legend=dict(orientation="h", y=-0.2))
    return fig
