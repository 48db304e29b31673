"""The time lab's signature view: error against horizon on a log scale, per seed, for each mechanism on and off.

A lab of ``lab/temporal`` (issue 21) hands its view, through ``Trainer.view_state()`` (or from the History), an
error per seed at each horizon for every variant it compares; ``horizon_error_figure`` draws each variant's seeds
as thin lines and its median as a thick one, so drift that grows without bound and drift that stays bounded are
seen side by side.
"""
from __future__ import annotations

import warnings

import numpy as np
import plotly.graph_objects as go

from .agents import _fill

MAX_SEED_LINES = 16
VARIANT_COLORS = ["#d62728", "#2ca02c", "#1f77b4", "#9467bd", "#ff7f0e", "#8c564b"]


def horizon_error_figure(title: str, horizons: np.ndarray, errors: dict[str, np.ndarray] | None,
                         error_label: str = "error", horizon_label: str = "horizon") -> go.Figure:
    """``errors`` maps a variant's name (e.g. "plain window", "StableWorld") to its errors (seeds, len(horizons)),
    drawn against ``horizons`` on log–log axes: one thin line per seed (the first ``MAX_SEED_LINES``), the median
    over seeds thick, the middle half of the seeds as a band. None or {} (no run yet) draws empty axes."""
    fig = go.Figure()
    horizons = np.asarray(horizons, float)
    for i, (name, values) in enumerate((errors or {}).items()):
        color = VARIANT_COLORS[i % len(VARIANT_COLORS)]
        values = np.asarray(values, float)
        for seed, row in enumerate(values[:MAX_SEED_LINES]):
            fig.add_scatter(x=horizons, y=row, mode="lines", line=dict(color=color, width=1), opacity=0.35,
                            name=f"{name}: seed {seed}", legendgroup=name, showlegend=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, median, high = np.nanpercentile(values, [25, 50, 75], axis=0)
        fig.add_scatter(x=np.concatenate([horizons, horizons[::-1]]), y=np.concatenate([high, low[::-1]]),
                        fill="toself", fillcolor=_fill(color), line=dict(width=0), hoverinfo="skip",
                        name=f"{name}: middle half of the seeds", legendgroup=name)
        fig.add_scatter(x=horizons, y=median, mode="lines+markers", line=dict(color=color, width=3),
                        name=f"{name}: median", legendgroup=name)
    if not errors:
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
    fig.update_layout(title=title, height=400, uirevision="keep", margin=dict(l=60, r=20, t=70, b=50),
                      xaxis=dict(title=horizon_label, type="log"), yaxis=dict(title=error_label, type="log"),
                      legend=dict(orientation="h", y=-0.2))
    return fig
