"""Agent-R's figures and its LabView declaration (``lab/agents/agent_r.py``; arXiv 2501.11425).

The figures draw the per-seed metrics ``AgentRTrainer.step`` records, as the median over seeds over the
interquartile band: success under test-time action noise (with thin per-seed lines), the loop rate
beside the steps it takes to leave a trap after an error, and what training sees — its loss and the
revision trajectories in the data. They read only the History.
"""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.agents.agent_r import AgentRConfig, AgentRTrainer
from lab.core import History

from .agents import _empty, _layout, _ready, add_median_band, add_seed_lines, one_of
from .labview import LabView

COLORS = {"success": "#1f77b4", "loop_rate": "#d62728", "recovery_steps": "#9467bd", "loss": "#ff7f0e",
          "revisions": "#2ca02c", "errors": "#8c564b"}
COUPLE = 2          # "recovery within a couple of steps": the reference line of the recovery panel

ABOUT = ("An agent walks a chain of 6 levels; at each, one of 3 actions advances and the others drop it into a "
         "trap that only the 4th action, backtrack, leaves. At test time the environment replaces the agent's "
         "action by a random one 20% of the time, so errors happen. The view starts on behaviour cloning of the "
         "expert path ('data' = expert): it never saw a trap, and inside one it repeats its advancing action, which "
         "does nothing there — an error costs it about 8 of its 16 steps, about half the episodes hold a loop "
         "(the agent's own action repeated where it changed nothing), success stays near 0.64. Set 'data' to "
         "agent_r and run again: an MCTS with the policy as the actor finds failed and successful paths, and "
         "Agent-R splices each failure's first error, a backtrack, and the successful sibling path into a "
         "revision trajectory to train on. Measured over 150 steps, 24 seeds, base seeds 0–2: recovery "
         "7.8–7.9 → 1.7–1.8 steps, episodes with a loop 0.48–0.49 → 0.27–0.31, success 0.64–0.65 → 0.84–0.85. "
         "'mcts_good' trains on the search's successful paths alone and lands between: recovery 2.5–3.3 steps, "
         "loops 0.40–0.44, success 0.72–0.74.")
VIEW_START = dict(seeds=16, steps=150)
ENABLED_BY = {
    **dict.fromkeys(("round_steps", "mcts_iterations", "mcts_samples", "c_uct"),
                    ("data", one_of("mcts_good", "agent_r"))),
    "good_weight": ("data", one_of("agent_r")),
}


def success_figure(history: History | None, config: AgentRConfig) -> go.Figure:
    """Success under test-time action noise: one thin line per seed (at most ``MAX_SEED_LINES``) and the
    median over seeds over the interquartile band."""
    fig = go.Figure(layout=_layout(f"Success with action noise {config.noise:g} ('{config.data}')<br><sup>fraction "
                                   f"of {config.eval_episodes} test episodes per seed reaching the goal within "
                                   f"{config.horizon} steps</sup>", xaxis_title="step", yaxis_title="success"))
    fig.update_yaxes(range=[-0.02, 1.02])
    if not _ready(history):
        return _empty(fig)
    add_seed_lines(fig, history, "success", opacity=0.4)
    add_median_band(fig, history, "success", "success", COLORS["success"])
    return fig


def loops_recovery_figure(history: History | None, config: AgentRConfig) -> go.Figure:
    """Side by side: the loop rate (episodes in which the agent repeated its own action where it changed
    nothing, whether they then succeeded or not) and the mean steps from falling into a trap to leaving it
    (an open error counted to the limit), with the "couple of steps" line."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=["episodes with a loop", "steps from an error to its recovery"])
    first, last = (int(history.steps[0]), int(history.steps[-1])) if _ready(history) else (0, config.steps)
    fig.add_scatter(x=[first, last], y=[COUPLE, COUPLE], mode="lines", line=dict(color="#555", dash="dash", width=1),
                    name=f"{COUPLE} steps", row=1, col=2)
    if not _ready(history):
        _empty(fig, row=1, col=1)
    else:
        add_median_band(fig, history, "loop_rate", "loop rate", COLORS["loop_rate"], row=1, col=1)
        add_median_band(fig, history, "recovery_steps", "recovery steps", COLORS["recovery_steps"], row=1, col=2)
    fig.update_yaxes(range=[-0.02, 1.02], row=1, col=1)
    fig.update_yaxes(range=[0, config.horizon], row=1, col=2)
    fig.update_xaxes(title_text="step")
    fig.update_layout(**_layout("Loops and recovery under action noise<br><sup>cloned experts repeat their "
                                "advancing action inside a trap; revision trajectories teach the backtrack</sup>"))
    return fig


def data_figure(history: History | None, config: AgentRConfig) -> go.Figure:
    """Side by side: the training loss (NLL of the data's targets) and, for 'agent_r', the revision
    trajectories in the data (a new search every ``round_steps`` steps adds its own)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=["training loss (NLL)", "revision trajectories in the data"])
    if not _ready(history):
        _empty(fig, row=1, col=1)
    else:
        add_median_band(fig, history, "loss", "loss", COLORS["loss"], row=1, col=1)
        add_median_band(fig, history, "revisions", "revisions", COLORS["revisions"], row=1, col=2)
    fig.update_xaxes(title_text="step")
    note = (f"a new search every {config.round_steps} steps" if config.data == "agent_r"
            else "none: 'data' is not agent_r")
    fig.update_layout(**_layout(f"What training sees<br><sup>revisions: {note}</sup>"))
    return fig


FIGURES = [success_figure, loops_recovery_figure, data_figure]


def agent_r_view(**values) -> LabView:
    """The live Agent-R view, starting on behaviour cloning's failure; ``values`` start controls away
    from VIEW_START."""
    return LabView("Agents: Agent-R's revision trajectories", AgentRTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values}, enabled_by=ENABLED_BY)


TAB_TEXT = (
    "## Agent-R: recovering from errors (arXiv 2501.11425)\n"
    "A chain of 6 levels with a trap beside each and a backtrack action out of it; at test time the environment "
    "takes a random action 20% of the time.\n\n"
    "**The failure:** behaviour cloning of the expert path never visits a trap, so in one the agent repeats its "
    "advancing action, which there does nothing: an error costs it 7.8–7.9 of 16 steps, 0.48–0.49 of the episodes "
    "hold a loop (its own action repeated where it changed nothing; every failed episode is one of them), success "
    "0.64–0.65. **The knob:** `data` = agent_r — an MCTS with the policy as the actor; each failed path's first "
    "error is spliced, through a backtrack, onto the best successful path of the same search, and the agent is "
    "fine-tuned on these revision trajectories mixed with the successful ones, a new search every 50 steps. "
    "**The difference** (150 steps, 24 seeds, base seeds 0–2): recovery 1.7–1.8 steps, episodes with a loop "
    "0.27–0.31, success 0.84–0.85 (about 0.05 of the episodes still run out of steps without a loop). The "
    "search's successful paths alone (`mcts_good`) land between: recovery 2.5–3.3 steps, loops 0.40–0.44 "
    "(0.04–0.09 fewer than cloning, 0.12–0.16 more than Agent-R), success 0.72–0.74.\n\n"
    "**Not reproduced / inferred:** only the abstract and the authors' code were read; the toy, the graded search "
    "reward, \"first error\" = the first step into a trap, and backtrack as the revision signal are ours. Agent-R's "
    "own policy errs more often than the cloned one (1.43–1.45 vs 0.63 traps per episode: the search's successful "
    "paths carry detours), and later searches add fewer revisions (about 20 per seed in the first, 5–8 in the "
    "second, 1.5–3 in the third) once the policy is confident.")
