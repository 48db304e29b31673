"""Routing Replay's figure: a top-1 mixture-of-experts token policy trained from a sampler that routes on
noisy router logits, the trainer recomputing its own routing (plain) or replaying the sampler's
(``lab.llmrl.routing.compare``: arms 'control', 'recompute', 'replay'), each arm one population of seeds."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from .live import add_band

# A gradient norm above SPIKE is a spike. The σ = 0 control's largest over 8 seeds × 60 steps: 2.8, 2.1, 3.7 for
# base seeds 0, 1, 2 (tests/llmrl/test_routing.py) — though over 4 seeds, base seed 2, one control seed reached 32.
SPIKE = 20.0
ARMS = {"control": ("rgb(85,85,85)", "control (σ = 0)"), "recompute": ("rgb(214,39,40)", "recompute (plain)"),
        "replay": ("rgb(31,119,180)", "replay (R3)")}   # arm: (colour, label)
MAX_SEED_LINES = 16


def spiking(history: dict[str, torch.Tensor]) -> np.ndarray:
    """Per seed: whether its gradient norm ever went above SPIKE (a NaN or inf counts as one)."""
    return history["grad_norm"].nan_to_num(float("inf")).max(0).values.numpy() > SPIKE


def routing_figure(arms: dict[str, dict[str, torch.Tensor]]) -> go.Figure:
    """Three panels from ``compare``'s histories ((steps, seeds) tensors per metric): each seed's gradient
    norm (log axis, SPIKE dashed; the title counts the seeds above it per arm), the mismatch mean
    |log π_old − log μ_old| (mean over seeds, band: range over seeds) and the true reward (the same)."""
    counts = ", ".join(f"{arm} {int(spiking(h).sum())} of {h['grad_norm'].shape[1]}" for arm, h in arms.items())
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08, subplot_titles=[
        f"gradient norm per seed<br><sup>seeds above {SPIKE:g}: {counts}</sup>",
        "mismatch: mean |log π_old − log μ_old|<br><sup>mean over seeds, band: range</sup>",
        "true reward<br><sup>mean over seeds, band: range</sup>"])
    for arm, h in arms.items():
        color, label = ARMS[arm]
        steps = np.arange(1, h["grad_norm"].shape[0] + 1)
        norms = h["grad_norm"].numpy()
        for j, column in enumerate(norms.T[:MAX_SEED_LINES]):
            fig.add_scatter(x=steps, y=column, mode="lines", line=dict(color=color, width=1), opacity=0.6,
                            name=f"{label}: one line per seed", legendgroup=arm, showlegend=j == 0, row=1, col=1)
        for col, metric in ((2, "log_ratio_abs_mean"), (3, "true_reward")):
            values = h[metric].numpy()
            fill = color.replace("rgb", "rgba").replace(")", ",0.15)")
            add_band(fig, steps, values.min(1), values.max(1), fill, f"{label}: range over seeds", showlegend=False,
                     row=1, col=col)
            fig.add_scatter(x=steps, y=values.mean(1), mode="lines", line=dict(color=color, width=2.5),
                            name=f"{label}: mean over seeds", legendgroup=arm, showlegend=False, row=1, col=col)
    last = max(h["grad_norm"].shape[0] for h in arms.values())
    fig.add_scatter(x=[1, last], y=[SPIKE, SPIKE], mode="lines", line=dict(color="#555", dash="dash", width=1.5),
                    name=f"spike: gradient norm {SPIKE:g}", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_yaxes(range=[0, 1], row=1, col=3)
    fig.update_xaxes(title_text="step")
    fig.update_layout(title="Routing Replay: the sampler routes on noisy router logits; the trainer recomputes "
                            "its own routing or replays the sampler's", height=460,
                      margin=dict(l=60, r=20, t=110, b=90), legend=dict(orientation="h", y=-0.3))
    return fig

