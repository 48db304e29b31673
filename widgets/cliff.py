"""The Policy Cliff lab's figures and its LabView declaration."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.cliff.chain_mdp import chain_sweep
from lab.cliff.reinforce import CliffBanditConfig, CliffBanditTrainer
from lab.cliff.tie_bandit import softmax_policy, sweep, tie_rewards, uniform_over_argmax
from lab.core import History

from .labview import LabView
from .live import thin

MAX_SEED_LINES = 16
ABOUT = ("Softmax bandit policies learn by REINFORCE on arms whose rewards tie up to ε. "
         "With entropy bonus α = 0 the learned π(a₂) jumps across ε = 0 and splits between seeds; "
         "with α > 0 every seed settles on softmax(R/α), a smooth curve. Turn α to 0 and back.")


def _layout(title: str, xaxis: str, yaxis: str) -> dict:
    return dict(title=title, xaxis_title=xaxis, yaxis_title=yaxis, height=360, uirevision="keep",
                margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25))


def policy_against_eps(history: History | None, config: CliffBanditConfig) -> go.Figure:
    """π(a₂) of every member against ε, over the theory's curves for the same bandit."""
    grid = np.linspace(-config.eps_max, config.eps_max, 201)
    fig = go.Figure(layout=_layout("π(a₂) per seed against ε", "ε (reward added to arm a₂)", "π(a₂)"))
    rewards = [tie_rewards(config.arms, config.tied, e) for e in grid]
    fig.add_scatter(x=grid, y=[uniform_over_argmax(r)[1] for r in rewards], mode="lines",
                    name="uniform over argmax (α = 0)", line=dict(color="#999", dash="dash", shape="hv"))
    if config.alpha > 0:
        fig.add_scatter(x=grid, y=[softmax_policy(r, config.alpha)[1] for r in rewards], mode="lines",
                        name=f"softmax(R/α), α = {config.alpha:g}", line=dict(color="#1f77b4"))
    if history is not None and len(history):
        eps = np.asarray(history.members["eps"])
        jitter = (np.asarray(history.members["seed"]) / max(config.seeds, 1) - 0.5) * 0.3 * (
            2 * config.eps_max / max(config.n_eps - 1, 1))
        fig.add_scatter(x=eps + jitter, y=history.last("pi_a2"), mode="markers", name="learned, per seed",
                        marker=dict(color="#d62728", size=6, opacity=0.7))
    fig.update_yaxes(range=[-0.03, 1.03])
    return fig


def seeds_over_training(history: History | None, config: CliffBanditConfig) -> go.Figure:
    """π(a₂) over training for each seed at the ε closest to 0: they split when α = 0."""
    fig = go.Figure(layout=_layout("π(a₂) over training, ε closest to 0", "step", "π(a₂)"))
    fig.update_yaxes(range=[-0.03, 1.03])
    if history is None or not len(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    eps = np.asarray(history.members["eps"])
    members = np.flatnonzero(eps == eps[np.argmin(np.abs(eps))])[:MAX_SEED_LINES]
    steps, values = thin(history.steps, history.values("pi_a2")[:, members])
    for column, member in zip(values.T, members):
        fig.add_scatter(x=steps, y=column, mode="lines", line=dict(width=1.2), showlegend=False,
                        name=f"seed {history.members['seed'][member]}")
    fig.layout.title = f"π(a₂) over training, ε = {eps[members[0]]:+.3g} ({len(members)} seeds)"
    return fig


def cliff_view() -> LabView:
    """The live 'learning the cliff' view, for notebooks (display it) and the dashboard."""
    return LabView("Learning the cliff", CliffBanditTrainer, [policy_against_eps, seeds_over_training], ABOUT)


def tie_bandit_figure(arms: int = 3, tied: int = 2, alpha: float = 0.1, eps_max: float = 0.05) -> go.Figure:
    """Total variation between π(ε) and π(0) for the three maps, beside the bound ε/(2α).

    The argmax maps jump at ε = 0 (uniform over argmax by (m−1)/m); softmax(R/α) stays under
    the Lipschitz bound of Xu (2025).
    """
    out = sweep(arms, tied, alpha, np.linspace(-eps_max, eps_max, 401))
    fig = go.Figure(layout=_layout(f"Tie bandit: K = {arms}, m = {tied}, α = {alpha:g}",
                                   "ε (reward added to arm a₂)", "TV(π(ε), π(0))"))
    for key, name, color in [("greedy", "greedy argmax (lowest index)", "#ff7f0e"),
                             ("uniform", "uniform over argmax", "#7f7f7f"),
                             ("softmax", "softmax(R/α)", "#1f77b4")]:
        fig.add_scatter(x=out["eps"], y=out[f"tv_{key}"], mode="lines", name=name, line=dict(color=color))
    fig.add_scatter(x=out["eps"], y=out["bound"], mode="lines", name="bound |ε|/(2α)",
                    line=dict(color="#1f77b4", dash="dot"))
    fig.update_yaxes(range=[-0.03, 1.03])
    return fig


def chain_mdp_figure(gamma: float = 0.9, alpha: float = 0.1, eps_max: float = 0.05) -> go.Figure:
    """The chain MDP's start state: P(branch B) under the greedy and the soft-optimal policy against
    ε, with the soft policy's TV to ε = 0 and its bound ε/(2α(1−γ)) (Xu 2025, Prop 4.5)."""
    out = chain_sweep(np.linspace(-eps_max, eps_max, 161), gamma, alpha)
    fig = go.Figure(layout=_layout(f"Chain MDP, γ = {gamma:g}, α = {alpha:g}", "ε (reward added to branch B)",
                                   "probability / TV"))
    fig.add_scatter(x=out["eps"], y=out["greedy_b"], mode="lines", name="greedy: P(branch B)",
                    line=dict(color="#ff7f0e", shape="hv"))
    fig.add_scatter(x=out["eps"], y=out["soft_b"], mode="lines", name="soft-optimal: P(branch B)",
                    line=dict(color="#1f77b4"))
    fig.add_scatter(x=out["eps"], y=out["soft_tv"], mode="lines", name="soft: max TV to ε = 0",
                    line=dict(color="#2ca02c"))
    fig.add_scatter(x=out["eps"], y=out["soft_bound"], mode="lines", name="bound |ε|/(2α(1−γ))",
                    line=dict(color="#2ca02c", dash="dot"))
    fig.update_yaxes(range=[-0.03, 1.03])
    return fig


def cliff_tab():
    """The dashboard tab: the tie bandit's theory, then learning the cliff live."""
    import panel as pn

    return pn.Column(
        pn.pane.Markdown("## The Policy Cliff\n"
                         "After Xu (2025), *The Policy Cliff* (arXiv 2507.20150): the map from rewards to "
                         "optimal policies jumps where optimal actions tie; entropy regularization makes it "
                         "Lipschitz. Below: the jump on a tie bandit, then policies learning it live."),
        pn.pane.Plotly(tie_bandit_figure(), sizing_mode="stretch_width"),
        cliff_view().panel(),
        sizing_mode="stretch_width",
    )
