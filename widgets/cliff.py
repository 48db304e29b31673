"""The Policy Cliff lab's figures and its LabView declaration."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.cliff.chain_mdp import chain_sweep
from lab.cliff.reinforce import CliffBanditConfig, CliffBanditTrainer
from lab.cliff.regularized import cost_of_stability
from lab.cliff.tie_bandit import (greedy_argmax, softmax_policy, sweep, tie_rewards, total_variation,
                                  uniform_over_argmax)
from lab.core import ConfigError, History

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
    the Lipschitz bound of Xu (2025) (Appendix lemma on the softmax; Prop 4.5 with γ = 0). At α = 0 (the
    control's "no regularization") only the argmax maps are drawn: there is no softmax and no bound.
    """
    grid = np.linspace(-eps_max, eps_max, 401)
    if alpha > 0:
        out = sweep(arms, tied, alpha, grid)
    else:
        at_zero = tie_rewards(arms, tied, 0.0)
        out = {"eps": grid}
        for key, policy in [("greedy", greedy_argmax), ("uniform", uniform_over_argmax)]:
            out[f"tv_{key}"] = np.array([total_variation(policy(tie_rewards(arms, tied, e)), policy(at_zero))
                                         for e in grid])
    fig = go.Figure(layout=_layout(f"Tie bandit: K = {arms}, m = {tied}, α = {alpha:g}",
                                   "ε (reward added to arm a₂)", "TV(π(ε), π(0))"))
    for key, name, color in [("greedy", "greedy argmax (lowest index)", "#ff7f0e"),
                             ("uniform", "uniform over argmax", "#7f7f7f"),
                             ("softmax", f"softmax(R/α), α = {alpha:g}", "#1f77b4")]:
        if f"tv_{key}" in out:
            fig.add_scatter(x=out["eps"], y=out[f"tv_{key}"], mode="lines", name=name, line=dict(color=color))
    if "bound" in out:
        fig.add_scatter(x=out["eps"], y=out["bound"], mode="lines", name="bound |ε|/(2α)",
                        line=dict(color="#1f77b4", dash="dot"))
    fig.update_yaxes(range=[-0.03, 1.03])
    return fig


def tie_bandit_for(values: dict) -> go.Figure | None:
    """The tie-bandit figure for the controls' values (``arms``, ``tied``, ``alpha``, ``eps_max``), or None when
    they do not make a valid config (the status line already says why)."""
    try:
        config = CliffBanditConfig.from_params(**values)
    except ConfigError:
        return None
    return tie_bandit_figure(config.arms, config.tied, config.alpha, config.eps_max)


def cost_figure(arms: int = 3, tied: int = 2, alpha: float = 0.1) -> go.Figure:
    """The cost of stability on the tie bandit at ε = 0 against α (log axis): the expected reward the softmax
    gives up, max R − E_softmax(R/α)[R], under its bound α·log(K/m), beside what it buys, the Lipschitz
    constant 1/(2α) of R ↦ softmax(R/α) (Xu 2025, Sec. 4.4: stability "at the cost of" suboptimality)."""
    alphas = np.logspace(-2, 1, 121)
    out = cost_of_stability(arms, tied, alphas)
    fig = go.Figure(layout=_layout(f"The cost of stability: K = {arms}, m = {tied}", "α (log scale)",
                                   "expected reward lost"))
    fig.add_scatter(x=alphas, y=out["reward_lost"], mode="lines", name="reward lost: max R − E_softmax[R]",
                    line=dict(color="#d62728"))
    fig.add_scatter(x=alphas, y=out["bound"], mode="lines", name="bound α·log(K/m)",
                    line=dict(color="#d62728", dash="dot"))
    fig.add_scatter(x=alphas, y=out["lipschitz"], mode="lines", name="TV per unit ‖ΔR‖∞: 1/(2α) (right axis)",
                    line=dict(color="#1f77b4"), yaxis="y2")
    if alpha > 0:
        fig.add_vline(x=alpha, line=dict(color="#999", dash="dash"))
    fig.update_layout(xaxis_type="log", yaxis_range=[0, 1.05 * (out["reward_lost"].max())],
                      yaxis2=dict(title="Lipschitz constant 1/(2α)", overlaying="y", side="right", type="log"))
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


TIE_BANDIT_CONTROLS = ("arms", "tied", "alpha", "eps_max")


def follow_the_controls(live, view: LabView, pane) -> None:
    """Redraw ``pane`` (the tab's top tie-bandit figure) whenever one of ``live``'s controls that shape it
    (arms, tied, α, ε_max) changes, from the view's values once it has taken the change; a value that makes
    no valid config leaves the last figure."""
    import panel as pn

    def redraw(event) -> None:
        fig = tie_bandit_for({**view.values, event.obj.name: event.new})
        if fig is not None:
            pane.object = fig

    for widget in live.select(pn.widgets.Widget):
        if widget.name in TIE_BANDIT_CONTROLS:
            widget.param.watch(redraw, "value")


def cliff_tab():
    """The dashboard tab: the tie bandit's theory (following the controls' K, m, α and ε_max), then learning
    the cliff live."""
    import panel as pn

    view = cliff_view()
    live = view.panel()
    theory = pn.pane.Plotly(tie_bandit_for(view.values), sizing_mode="stretch_width", css_classes=["cliff-tie-bandit"])
    follow_the_controls(live, view, theory)
    return pn.Column(
        pn.pane.Markdown("## The Policy Cliff\n"
                         "After Xu (2025), *The Policy Cliff* (arXiv 2507.20150): the map from rewards to "
                         "optimal policies jumps where optimal actions tie; entropy regularization makes it "
                         "Lipschitz. Below: the jump on a tie bandit at the controls' α (turn α and watch the "
                         "softmax curve and its bound), then policies learning it live."),
        theory,
        live,
        sizing_mode="stretch_width",
    )
