"""Live figures: plotly figures created once and updated in place.

A view's figure functions build a fresh ``go.Figure`` from a History. In JupyterLab,
``update_in_place`` copies its traces into the ``go.FigureWidget`` on screen, so the browser
patches data instead of redrawing; in Panel the pane simply gets the fresh figure. Either way
the user's zoom survives (``uirevision``). ``thin`` bounds the points a trace carries,
whatever the trainer's speed.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

MAX_POINTS = 400  # per trace, on screen


def thin(*columns: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, ...]:
    """Every k-th row of aligned columns so that at most ``max_points`` remain (the last row kept)."""
    n = len(columns[0])
    if n <= max_points:
        return columns
    index = np.unique(np.r_[np.linspace(0, n - 1, max_points).astype(int), n - 1])
    return tuple(np.asarray(c)[index] for c in columns)


def add_band(fig: go.Figure, x, low, high, fillcolor: str, name: str, **where) -> None:
    """A filled band between ``low`` and ``high`` over ``x`` (an interval, a spread); ``where`` passes
    row/col for subplots."""
    x = np.asarray(x)
    fig.add_scatter(x=np.r_[x, x[::-1]], y=np.r_[np.asarray(high), np.asarray(low)[::-1]], fill="toself",
                    fillcolor=fillcolor, line=dict(width=0), name=name, hoverinfo="skip", **where)


def update_in_place(target: go.Figure, fresh: go.Figure) -> None:
    """Make ``target`` show ``fresh``'s traces, patching them when the trace layout is the same."""
    same_shape = len(target.data) == len(fresh.data) and all(
        a.type == b.type for a, b in zip(target.data, fresh.data))
    with target.batch_update():
        if same_shape:
            for live, new in zip(target.data, fresh.data):
                live.update(new.to_plotly_json(), overwrite=True)
        else:
            target.data = ()
            target.add_traces(list(fresh.data))
        target.layout.title = fresh.layout.title
        target.layout.annotations = fresh.layout.annotations
        target.layout.margin = fresh.layout.margin   # room for the title's run line
