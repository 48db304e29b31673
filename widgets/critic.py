"""The critic-values lab's figures and its LabView declaration."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.core import History
from lab.critic.envs import GYM_PREFIX, TORCH_ENVS, env_options, moves_like_pendulum
from lab.critic.sac import SACConfig, SACTrainer
from lab.critic.value_grid import ValueGrid, value_grid

from .labview import LabView
from .live import add_band, thin

ABOUT = ("Soft Actor-Critic trains every seed of a population at once on a torch-batched Pendulum. "
         "Watch the returns climb from about −1,400 toward −150 while the temperature α falls; switch the "
         "critic from 'twin' to 'single' and watch its Q-values run ahead of the returns. A divergence "
         "stops the run with the metric's name in the status line.")
VIEW_START = dict(seeds=4, steps=10_000, hidden=64, overestimation_every=500)
BAND = "rgba(31,119,180,0.2)"


def one_of(*values):
    """A switch's test: on at these values."""
    return lambda value: value in values


NOISY_ENVS = tuple(name for name in TORCH_ENVS if "noise" in env_options(name))
# The options SACConfig refuses while their switch is off (SACConfig.problems; away from their default,
# or for advantage_clip, with temporal_advantage on): option → (its switch, whether the switch's value
# turns it on). Their controls are disabled meanwhile.
# The tests take any value (a cleared box is None), leaving what is wrong with it to the config's check.
ENABLED_BY = {
    **dict.fromkeys(("stac_beta", "dropout"), ("critic", one_of("stac"))),
    **dict.fromkeys(("hl_bins", "hl_v_min", "hl_v_max"), ("critic", one_of("hl-gauss"))),
    "flow_steps": ("critic", one_of("flow")),
    **dict.fromkeys(("sl_weight", "sl_horizon", "mg_groups", "sl_layer_norm"), ("critic", one_of("sl-mgac"))),
    **dict.fromkeys(("mdpo_kl", "mdpo_every"), ("actor", one_of("mdpo"))),
    "reward_noise": ("env", one_of(*NOISY_ENVS)),
    "divergence_bound": ("freeze_diverged", one_of(True)),
    "reward_t_df": ("reward_t_scale", lambda scale: scale != 0),         # the scale is ≥ 0
    "swaddling_beta": ("swaddling", lambda weight: weight != 0),        # the weight is ≥ 0
    "advantage_clip": ("temporal_advantage", one_of(False)),            # each replaces the actor's signal
    "overestimation_every": ("env", lambda env: not str(env).startswith(GYM_PREFIX)),
}


def _empty(fig: go.Figure) -> go.Figure:
    fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
    return fig


def mean_with_interval(fig: go.Figure, history: History, metric: str, name: str, color: str,
                       since: int = 0) -> go.Figure:
    """``metric``'s mean over seeds as a line over its 95% bootstrap band, from step ``since`` on."""
    summary = history.summary(metric, n_boot=200)
    summary = summary[summary["step"] >= since]
    steps, mean, lo, hi = thin(summary["step"].to_numpy(), summary["mean"].to_numpy(),
                               summary["lo"].to_numpy(), summary["hi"].to_numpy())
    add_band(fig, steps, lo, hi, BAND, "95% interval")
    fig.add_scatter(x=steps, y=mean, mode="lines", name=name, line=dict(width=3, color=color))
    return fig


def first_finished_step(history: History) -> int | None:
    """The first recorded step from which every seed's episode_return is a mean of finished episodes
    (each of its env copies has finished one; a seed frozen by freeze_diverged, NaN, holds no one
    back), or None before."""
    fraction = history.values("finished_fraction")
    finished = np.flatnonzero(np.nan_to_num(fraction, nan=1.0).min(axis=1) >= 1)
    return int(history.steps[finished[0]]) if len(finished) else None


def returns_figure(history: History | None, config: SACConfig) -> go.Figure:
    """Episode return (the evaluation return when recorded): mean over seeds with a 95% bootstrap band.
    The return of finished episodes only: nothing is drawn before every seed has finished one."""
    fig = go.Figure(layout=dict(title="Episode return (mean over seeds, 95% interval)", xaxis_title="step",
                                yaxis_title="return", height=360, uirevision="keep",
                                margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25)))
    if history is None or not len(history):
        return _empty(fig)
    if "eval_return" in history.metrics:
        return mean_with_interval(fig, history, "eval_return", "mean eval return", "#1f77b4")
    first = first_finished_step(history)
    if first is None:
        fig.add_scatter(x=[], y=[], mode="lines", name="no episode has finished yet")
        return fig
    return mean_with_interval(fig, history, "episode_return", "mean episode return", "#1f77b4", since=first)


PANELS = [("alpha", "temperature α"), ("entropy", "entropy"), ("critic_loss", "critic loss"),
          ("q_mean", "mean Q on the batch"), ("critic_grad_norm", "critic gradient norm"),
          ("actor_grad_norm", "actor gradient norm")]


def diagnostics_figure(history: History | None, config: SACConfig) -> go.Figure:
    """α, entropy, critic loss, mean Q and gradient norms: mean over seeds, one panel each."""
    fig = make_subplots(rows=2, cols=3, subplot_titles=[title for _, title in PANELS],
                        horizontal_spacing=0.08, vertical_spacing=0.18)
    for i, (metric, _) in enumerate(PANELS):
        row, col = divmod(i, 3)
        if history is not None and len(history) and metric in history.metrics:
            steps, values = thin(history.steps, history.values(metric).mean(axis=1))
        else:
            steps, values = [], []
        fig.add_scatter(x=steps, y=values, mode="lines", showlegend=False, line=dict(color="#1f77b4"),
                        row=row + 1, col=col + 1)
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_layout(title="Training diagnostics (mean over seeds)", height=480, uirevision="keep",
                      margin=dict(l=50, r=20, t=70, b=40))
    return fig


def landscape_figure(grid: ValueGrid | None, config: SACConfig) -> go.Figure:
    """Seed 0's critic over Pendulum's (angle, velocity): V(s), the greedy torque, and σ when it has one."""
    panels = ["V(s)", "greedy torque"] + (["critic σ"] if grid is not None and grid.std is not None else [])
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=panels, horizontal_spacing=0.1)
    if grid is None:
        fig.add_heatmap(z=[[np.nan]], showscale=False, row=1, col=1)
        fig.update_layout(title="Value landscape (Pendulum; press Run)" if moves_like_pendulum(config.env)
                          else f"Value landscape: drawn for Pendulum's state only (env = {config.env})")
    else:
        layers = [(grid.value, "Viridis", "V"), (grid.action, "RdBu", "torque")]
        if grid.std is not None:
            layers.append((grid.std, "Magma", "σ"))
        for col, (z, scale, name) in enumerate(layers, start=1):
            fig.add_heatmap(z=z.T, x=grid.angle, y=grid.velocity, colorscale=scale, name=name,
                            colorbar=colorbar_under(fig.get_subplot(1, col).xaxis.domain),
                            hovertemplate=f"θ %{{x:.2f}}, θ̇ %{{y:.1f}}: {name} %{{z:.2f}}<extra></extra>",
                            row=1, col=col)
        fig.update_xaxes(title_text="angle θ (0 = upright)")
        fig.update_yaxes(title_text="angular velocity", row=1, col=1)
        fig.update_layout(title="What seed 0's critic believes now")
    fig.update_layout(height=420, uirevision="keep", margin=dict(l=60, r=20, t=70, b=110))
    return fig


def colorbar_under(domain: tuple[float, float]) -> dict:
    """A horizontal colourbar as wide as the heatmap whose x ``domain`` is given, at the bottom of the
    figure below the axis titles: it covers no other heatmap, whatever the figure's width."""
    left, right = domain
    return dict(orientation="h", x=(left + right) / 2, xanchor="center", len=right - left, lenmode="fraction",
                y=0, yref="container", yanchor="bottom", ypad=8, thickness=10)


def overestimation_figure(history: History | None, config: SACConfig) -> go.Figure:
    """Q(s, a) minus the discounted Monte-Carlo (soft) return from the same (s, a): mean over seeds, 95% band,
    from the first measurement on (at max(1, learning_starts), the first step with an update)."""
    fig = go.Figure(layout=dict(title=f"Overestimation of the '{config.critic}' critic: Q − Monte-Carlo return",
                                xaxis_title="step", yaxis_title="Q − return", height=360, uirevision="keep",
                                margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25)))
    fig.add_hline(y=0, line=dict(color="#999", dash="dot"))
    if history is None or not len(history) or "overestimation" not in history.metrics:
        fig.add_scatter(x=[], y=[], mode="lines", name="set overestimation_every > 0 and press Run")
        return fig
    first = max(1, config.learning_starts)   # the first measurement: the metric is 0 before it
    if history.steps[-1] < first:
        fig.add_scatter(x=[], y=[], mode="lines", name=f"measured from step {first:,} on, when learning starts")
        return fig
    return mean_with_interval(fig, history, "overestimation", "mean over seeds", "#d62728", since=first)


def critic_view() -> LabView:
    """The live SAC view: seed 0's value landscape, returns with intervals, overestimation, diagnostics."""
    view = LabView("Critic values: SAC on a population of seeds", SACTrainer,
                   [returns_figure, overestimation_figure, diagnostics_figure], ABOUT, values=VIEW_START,
                   enabled_by=ENABLED_BY)

    def landscape_now(history: History | None, config: SACConfig) -> go.Figure:
        state = view.view_state() if moves_like_pendulum(config.env) and history is not None and len(history) else None
        return landscape_figure(value_grid(state, 0, 31, 31, actions=4) if state is not None else None, config)

    view.figure_fns.insert(0, landscape_now)
    return view


def critic_tab():
    """The dashboard tab: SAC's population trained live, with the critic's diagnostics."""
    import panel as pn

    return pn.Column(
        pn.pane.Markdown("## Critic values\nMost instability in actor-critic RL starts in the critic. Soft Actor-Critic "
                         "(Haarnoja et al., arXiv 1812.05905) on a torch-batched Pendulum, every seed at once."),
        critic_view().panel(), sizing_mode="stretch_width")
