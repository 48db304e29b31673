"""Figures of aggregate statistics over runs and tasks (``lab.core.stats``), drawn the way Agarwal et
al. (2021) draw them: aggregates as intervals per method, probability of improvement per pair of
methods, and performance profiles with their pointwise bands.

Each function takes ``{method name: scores (runs, tasks)}`` and returns a plotly Figure; names are
escaped before they are shown (they may come from a user's sweep).
"""
from __future__ import annotations

import html
from itertools import combinations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from lab.core import stats

TITLES = {"iqm": "IQM", "median": "Median", "mean": "Mean", "optimality_gap": "Optimality gap"}


def _colors(names) -> dict[str, str]:
    return {name: qualitative.Plotly[k % len(qualitative.Plotly)] for k, name in enumerate(names)}


def aggregates_figure(scores: dict[str, np.ndarray], reps: int = 50_000, level: float = 0.95,
                      gamma: float = 1.0) -> go.Figure:
    """One panel per aggregate: each method's point estimate and its stratified-bootstrap interval."""
    figure = make_subplots(rows=1, cols=len(stats.AGGREGATES), subplot_titles=[TITLES[a] for a in stats.AGGREGATES],
                           shared_yaxes=True, horizontal_spacing=0.04)
    colors = _colors(scores)
    for name, matrix in scores.items():
        result = stats.bootstrap_aggregates(matrix, reps=reps, level=level, gamma=gamma)
        label = html.escape(str(name))
        for col, aggregate in enumerate(stats.AGGREGATES, start=1):
            point, low, high = result[aggregate]
            figure.add_trace(go.Scatter(x=[low, high], y=[label, label], mode="lines",
                                        line=dict(color=colors[name], width=8), showlegend=False,
                                        hovertemplate=f"{label}: [{low:.3g}, {high:.3g}]<extra></extra>"), 1, col)
            figure.add_trace(go.Scatter(x=[point], y=[label], mode="markers", marker=dict(color="black", size=9,
                                        symbol="line-ns-open"), showlegend=False,
                                        hovertemplate=f"{label}: {point:.3g}<extra></extra>"), 1, col)
    figure.update_layout(title=f"Aggregates over runs × tasks, {level:.0%} stratified-bootstrap intervals "
                         f"({reps:,} resamples)", height=120 + 40 * len(scores), margin=dict(l=10, r=10, t=70, b=30))
    return figure


def improvement_figure(scores: dict[str, np.ndarray], reps: int = 50_000, level: float = 0.95) -> go.Figure:
    """P(X > Y) with its interval for every pair of methods; 0.5 (no difference) marked."""
    figure = go.Figure()
    for x_name, y_name in combinations(scores, 2):
        point, low, high = stats.bootstrap_improvement(scores[x_name], scores[y_name], reps=reps, level=level)
        label = f"P({html.escape(str(x_name))} > {html.escape(str(y_name))})"
        figure.add_trace(go.Scatter(x=[point], y=[label], mode="markers", showlegend=False,
                                    error_x=dict(type="data", symmetric=False, array=[high - point],
                                                 arrayminus=[point - low]),
                                    hovertemplate=f"{label} = {point:.3f} [{low:.3f}, {high:.3f}]<extra></extra>"))
    figure.add_vline(x=0.5, line_dash="dot", line_color="gray")
    figure.update_layout(title=f"Probability of improvement, {level:.0%} intervals", xaxis=dict(range=[0, 1]),
                         height=140 + 40 * max(1, len(scores) * (len(scores) - 1) // 2),
                         margin=dict(l=10, r=10, t=60, b=30))
    return figure


def profile_figure(scores: dict[str, np.ndarray], taus=None, reps: int = 2_000, level: float = 0.95) -> go.Figure:
    """Fraction of runs × tasks scoring above τ, per method, with its pointwise band."""
    if taus is None:
        pooled = np.concatenate([np.asarray(m, dtype=float).ravel() for m in scores.values()])
        taus = np.linspace(pooled.min(), pooled.max(), 60)
    figure = go.Figure()
    for name, color in _colors(scores).items():
        fraction, low, high = stats.bootstrap_profile(scores[name], taus, reps=reps, level=level)
        label = html.escape(str(name))
        figure.add_trace(go.Scatter(x=np.concatenate([taus, taus[::-1]]), y=np.concatenate([high, low[::-1]]),
                                    fill="toself", line=dict(width=0), fillcolor=color, opacity=0.2,
                                    hoverinfo="skip", showlegend=False))
        figure.add_trace(go.Scatter(x=taus, y=fraction, name=label, line=dict(color=color)))
    figure.update_layout(title="Performance profile: fraction of runs with score > τ", xaxis_title="τ",
                         yaxis=dict(title="fraction of runs", range=[0, 1.02]), margin=dict(l=10, r=10, t=60, b=40))
    return figure
