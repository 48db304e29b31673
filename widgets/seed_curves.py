"""Curves of a quantity against a sweep, per seed, for several variants: the shape of the time lab's
horizon–error view and the robustness lab's return–strength view.

``variant_curves_figure`` draws each variant's seeds as thin lines, its median thick and the middle half of the
seeds as a band, so a variant whose seeds scatter and one whose seeds agree are seen side by side.
"""
from __future__ import annotations

import warnings

import numpy as np
import plotly.graph_objects as go

from .agents import MAX_SEED_LINES, _fill

VARIANT_COLORS = ["#d62728", "#2ca02c", "#1f77b4", "#9467bd", "#ff7f0e", "#8c564b"]


def variant_curves_figure(title: str, xs: np.ndarray, values: dict[str, np.ndarray] | None, x_label: str,
                          y_label: str, x_type: str = "linear", y_type: str = "linear") -> go.Figure:
    """``values`` maps a variant's name to its values (seeds, len(xs)), drawn against ``xs``: one thin line per seed
    (the first ``MAX_SEED_LINES``), the median over seeds thick, the middle half of the seeds as a band. None or {}
    (no run yet) draws empty axes."""
    fig = go.Figure()
    xs = np.asarray(xs, float)
    for i, (name, rows) in enumerate((values or {}).items()):
        color = VARIANT_COLORS[i % len(VARIANT_COLORS)]
        rows = np.asarray(rows, float)
        for seed, row in enumerate(rows[:MAX_SEED_LINES]):
            fig.add_scatter(x=xs, y=row, mode="lines", line=dict(color=color, width=1), opacity=0.35,
                            name=f"{name}: seed {seed}", legendgroup=name, showlegend=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, median, high = np.nanpercentile(rows, [25, 50, 75], axis=0)
        fig.add_scatter(x=np.concatenate([xs, xs[::-1]]), y=np.concatenate([high, low[::-1]]),
                        fill="toself", fillcolor=_fill(color), line=dict(width=0), hoverinfo="skip",
                        name=f"{name}: middle half of the seeds", legendgroup=name)
        fig.add_scatter(x=xs, y=median, mode="lines+markers", line=dict(color=color, width=3),
                        name=f"{name}: median", legendgroup=name)
    if not values:
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
    fig.update_layout(title=title, height=400, uirevision="keep", margin=dict(l=60, r=20, t=70, b=50),
                      xaxis=dict(title=x_label, type=x_type), yaxis=dict(title=y_label, type=y_type),
                      legend=dict(orientation="h", y=-0.2))
    return fig
