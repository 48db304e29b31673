"""TACO's views (``lab.expressive.taco``; arXiv 2512.02834): which of K sampled chunks is executed, and what
that does to success across sampling noises.

The signature view is ``widgets.expressive.landscape_figure`` over the true demonstration density at context
0: each seed's K candidates per episode (small dots) and the chunks executed (large, outlined), with the
success region drawn as a circle. Two curves over training from the History, each the median over seeds
over the interquartile band: the success rate (thin lines per seed) with its spread over noise seeds (the
failure), and where the executed chunks land (off the demos' support, in the redundant mode) with the CFN's
rank correlation against the true density.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from lab.core import History
from lab.expressive.taco import SUCCESS_X, TacoConfig, TacoTrainer, demo_density

from .agents import _empty, _layout, _ready, add_median_band, add_seed_lines
from .expressive import MAX_SEEDS_DRAWN, SEED_COLORS, landscape_figure
from .labview import LabView

COLORS = {"success": "#2ca02c", "spread": "#d62728", "off_support": "#ff7f0e", "minority": "#9467bd",
          "count_rank": "#1f77b4"}
GRID = np.linspace(-1.6, 1.6, 81)

ABOUT = ("A flow policy per seed is fine-tuned on demonstrations from two modes: 70% of them succeed (right), "
         "30% are a redundant mode that fails (left); its 4-step sampler also lands between them. Each "
         "evaluation replays 8 fixed noise draws on 8 contexts. The view starts on 'single' — execute the "
         "policy's one sample — where a noise draw succeeds in almost every context or almost none: success "
         "0.55–0.58 with a spread of 0.47 over noise seeds. The knob is 'selection'. 'taco' samples K = 8 chunks "
         "('candidates') and executes the one a coin-flipping network, fitted on the demos, gives the largest "
         "pseudo-count: success 0.92–0.96, spread 0.06–0.09, chunks off the support from 25% to 1–2% (150 "
         "steps, 16 seeds, base seeds 0–2). The CFN ranks the candidates by true demo density (Spearman "
         "0.77–0.82). Both selections train the same policies: only what is executed differs.")
VIEW_START = dict(selection="single", seeds=16, steps=150)
ENABLED_BY = {}    # 'candidates' also sets what 'single' draws (it executes the first), so it stays enabled


def landscape_now(state: dict | None, config: TacoConfig) -> go.Figure:
    """The demos' density at context 0 with each seed's candidates and executed chunks from ``state``
    (``TacoTrainer.view_state()``; None: the landscape alone) and the success region's circle."""
    xs = ys = GRID
    ax, ay = np.meshgrid(xs, ys)
    actions = torch.tensor(np.stack([ax, ay], -1), dtype=torch.float32)
    density = demo_density(torch.zeros(actions.shape[:-1]), actions, config.minority, config.demo_std).numpy()
    title = (f"Demo density at context 0: each seed's {config.candidates} candidates (dots) and the chunk "
             f"executed (outlined)<br><sup>selection '{config.selection}'; the circle is the success region</sup>")
    candidates = None if state is None else state["candidates"].cpu().numpy()
    fig = landscape_figure(title, xs, ys, density, candidates, reward_label="demo density",
                           marks=np.array([[SUCCESS_X, 0.0]]))
    if state is not None:
        executed = state["executed"].cpu().numpy()
        for seed in range(min(len(executed), MAX_SEEDS_DRAWN)):
            fig.add_scatter(x=executed[seed, :, 0], y=executed[seed, :, 1], mode="markers",
                            name=f"seed {seed}: executed", legendgroup=f"executed {seed}", showlegend=seed == 0,
                            marker=dict(size=11, color=SEED_COLORS[seed % len(SEED_COLORS)],
                                        line=dict(color="black", width=2)))
    r = config.success_radius
    fig.add_shape(type="circle", x0=SUCCESS_X - r, x1=SUCCESS_X + r, y0=-r, y1=r, line=dict(color="#2ca02c", width=2))
    return fig


def success_figure(history: History | None, config: TacoConfig) -> go.Figure:
    """The success rate per seed (thin lines) and its median over the interquartile band, beside the spread
    of the success rate over noise seeds (the failure: large when the noise decides the outcome)."""
    fig = go.Figure(layout=_layout(f"Success and its spread over noise seeds<br><sup>selection '{config.selection}'"
                                   f"{f', K = {config.candidates}' if config.selection == 'taco' else ''}</sup>",
                                   xaxis_title="step", yaxis_title="success rate / std over noise seeds"))
    fig.update_yaxes(range=[-0.02, 1.02])
    if not _ready(history):
        return _empty(fig)
    add_seed_lines(fig, history, "success")
    add_median_band(fig, history, "success", "success", COLORS["success"])
    add_median_band(fig, history, "spread", "spread over noise seeds", COLORS["spread"])
    return fig


def support_figure(history: History | None, config: TacoConfig) -> go.Figure:
    """Where the executed chunks land — off the demos' support, in the redundant mode — and the CFN's
    Spearman correlation between pseudo-count and true density over all candidates."""
    fig = go.Figure(layout=_layout("Executed chunks off the support or in the redundant mode, and the CFN's "
                                   "ranking of density", xaxis_title="step", yaxis_title="fraction / Spearman ρ"))
    fig.update_yaxes(range=[-0.2, 1.02])
    if not _ready(history):
        return _empty(fig)
    add_median_band(fig, history, "off_support", "off the support", COLORS["off_support"])
    add_median_band(fig, history, "minority", "in the redundant mode", COLORS["minority"])
    add_median_band(fig, history, "count_rank", "CFN rank correlation", COLORS["count_rank"])
    return fig


FIGURES = [success_figure, support_figure]

TAB_TEXT = (
    "## TACO: execute the most in-distribution of K chunks (arXiv 2512.02834)\n"
    "A 2-D flow policy per seed is fine-tuned on demonstrations from a successful mode (70%) and a redundant, "
    "failing one (30%); its 4-step sampler also lands between them. A coin-flipping network (Lobel et al. "
    "2023: regress each demo's own ±1 coin flips; ‖f‖²/d estimates 1/n) is fitted on the same demos.\n\n"
    "**The failure:** executing the policy's one sample, a fixed noise draw succeeds in nearly every context "
    "or nearly none — the noise picks the mode. Success 0.55–0.58, its spread over 8 noise seeds 0.47 (of a "
    "possible 0.53, the sample std of 8 rates), a quarter of the executed chunks off the demos' support. **The knob:** `selection` "
    "(and `candidates`, K). **The difference** (150 steps, 16 seeds, base seeds 0–2): `taco` with K = 8 — "
    "success 0.92–0.96, spread 0.06–0.09, 0.6–2.1% off the support; the CFN's pseudo-count ranks the "
    "candidates by true density with Spearman 0.77–0.82 (≈ 0.5 untrained).\n\n"
    "**What is inferred:** only the abstract, the authors' README and third-party summaries were available. "
    "The paper's CFN reads the VLA's internal features of the chunk; ours reads (context, action). The CFN's "
    "size, coin dimension and training, the toy and the noise-seed protocol are ours; the CFN paper's "
    "optimistic prior is left out. Chunks here are single 2-D actions.")


def taco_view(**values) -> LabView:
    """The live TACO view: candidates and executed chunks over the demo density (from the trainer's
    view_state), success and spread, and where the executed chunks land; ``values`` start controls away
    from VIEW_START."""
    view = LabView("Expressive: TACO's test-time chunk selection", TacoTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)

    def landscape(history: History | None, config: TacoConfig) -> go.Figure:
        return landscape_now(view.view_state(), config)

    view.figure_fns.insert(0, landscape)
    return view
