"""The first-order check's figure: how far the token-level surrogate's gradient is from the true
sequence-level gradient as the sampler's mismatch and the policy's staleness grow
(``lab.llmrl.first_order.sweep``), with and without the IS correction."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.llmrl.first_order import CORRECTIONS

COLORS = {CORRECTIONS[True]: "#1f77b4", CORRECTIONS[False]: "#d62728"}
AXES = (("noise", "staleness", "mismatch: sampler logit noise σ"),
        ("staleness", "noise", "staleness: Adam steps of π_θ past π_old"))
VALUES = (("cosine", "cosine(surrogate, true gradient)"), ("relative_error", "‖ĝ − g‖ / ‖g‖"))


def first_order_figure(frame: pd.DataFrame) -> go.Figure:
    """A 2×2 grid from a ``sweep`` frame: cosine (top) and relative error (bottom) against the
    mismatch at the smallest staleness (left) and against the staleness at the smallest mismatch
    (right). One thin line per policy (base seed × member), the mean over policies thick, one
    colour per correction."""
    fig = make_subplots(rows=2, cols=2, shared_xaxes="columns", horizontal_spacing=0.1, vertical_spacing=0.08,
                        column_titles=[title for _, _, title in AXES])
    for col, (axis, held, title) in enumerate(AXES, start=1):
        rows = frame[frame[held] == frame[held].min()]
        for row, (value, label) in enumerate(VALUES, start=1):
            for correction, color in COLORS.items():
                part = rows[rows.correction == correction]
                for _, policy in part.groupby(["base_seed", "seed"]):
                    policy = policy.sort_values(axis)
                    fig.add_trace(go.Scatter(x=policy[axis], y=policy[value], mode="lines", showlegend=False,
                                             line=dict(color=color, width=0.8), opacity=0.35, hoverinfo="skip"),
                                  row=row, col=col)
                mean = part.groupby(axis)[value].mean()
                fig.add_trace(go.Scatter(x=mean.index, y=mean.values, mode="lines+markers", name=correction,
                                         legendgroup=correction, showlegend=(row, col) == (1, 1),
                                         line=dict(color=color, width=2.5)), row=row, col=col)
            fig.update_yaxes(title_text=label if col == 1 else None, row=row, col=col)
        fig.update_xaxes(title_text=title, row=2, col=col)
    fig.update_layout(title="Token-level surrogate vs the true sequence-level gradient (exact, every response "
                            "enumerated)", height=560, margin=dict(l=70, r=20, t=80, b=60),
                      legend=dict(orientation="h", y=-0.15))
    return fig
