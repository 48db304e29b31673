"""The repeated-games lab's figures and its LabView declaration."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.core import History
from lab.games import strategies as st
from lab.games.learners import QLearningConfig, QLearningTrainer
from lab.games.repeated import Game2x2, MatchResults, play, prisoners_dilemma, round_robin

from .labview import LabView
from .live import thin

BASIC = [st.cooperator, st.defector, st.tit_for_tat, st.suspicious_tit_for_tat, st.generous_tit_for_tat,
         st.win_stay_lose_shift, st.grim_trigger, st.tit_for_two_tats, st.alternator, st.random_player]
ABOUT = ("A tabular Q-learner remembers the last k joint moves and plays against a fixed strategy. "
         "Against Tit For Tat with a high discount γ it learns to cooperate; against a Defector it defects. "
         "Lower γ, or raise ε, and watch cooperation fall.")


def tournament_figure(table: np.ndarray, names: list[str]) -> go.Figure:
    """The round-robin score matrix: row strategy's mean score against the column strategy."""
    order = np.argsort(-np.nanmean(table, axis=1), kind="stable")
    labels = [names[i] for i in order]
    fig = go.Figure(go.Heatmap(z=table[np.ix_(order, order)], x=labels, y=labels, colorscale="Viridis",
                               colorbar=dict(title="score"),
                               hovertemplate="%{y} vs %{x}: %{z:.1f}<extra></extra>"))
    fig.update_layout(title="Round-robin scores (rows ranked by mean score)", height=480,
                      yaxis=dict(autorange="reversed"), margin=dict(l=160, r=20, t=50, b=120))
    return fig


def match_figure(results: MatchResults, labels: list[str], match: int = 0) -> go.Figure:
    """Round-by-round moves of one match: C green, D red."""
    moves = results.actions[match].T.astype(float)
    moves[moves < 0] = np.nan
    fig = go.Figure(go.Heatmap(z=moves, y=labels, zmin=0, zmax=1, showscale=False,
                               colorscale=[[0, "#2ca02c"], [0.5, "#2ca02c"], [0.5, "#d62728"], [1, "#d62728"]],
                               hovertemplate="round %{x}: %{z}<extra>0 = C, 1 = D</extra>"))
    scores = results.scores[match]
    fig.update_layout(title=f"Moves, round by round (C green, D red) — scores {scores[0]:g} : {scores[1]:g}",
                      xaxis_title="round", height=200, margin=dict(l=160, r=20, t=50, b=40))
    return fig


def cooperation_figure(history: History | None, config: QLearningConfig) -> go.Figure:
    """The learners' cooperation rate per episode: every seed, and the mean."""
    fig = go.Figure(layout=dict(title=f"Cooperation against {config.opponent}", xaxis_title="episode",
                                yaxis_title="cooperation rate", yaxis_range=[-0.03, 1.03], height=360,
                                uirevision="keep", margin=dict(l=60, r=20, t=50, b=50)))
    if history is None or not len(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    steps, values = thin(history.steps, history.values("cooperation"))
    for column in values.T[:16]:
        fig.add_scatter(x=steps, y=column, mode="lines", line=dict(width=1, color="rgba(31,119,180,0.3)"),
                        showlegend=False)
    fig.add_scatter(x=steps, y=values.mean(axis=1), mode="lines", name="mean over seeds",
                    line=dict(width=3, color="#1f77b4"))
    return fig


def learner_view() -> LabView:
    return LabView("A Q-learner in the repeated game", QLearningTrainer, [cooperation_figure], ABOUT)


def repeated_tab():
    """The dashboard tab: a tournament of basic strategies, one match's moves, and a live learner."""
    import panel as pn

    from .url_state import link_problems, share

    players = [make() for make in BASIC]
    names = [p.name for p in players]
    game: Game2x2 = prisoners_dilemma()
    table = round_robin(players, game, 200, repetitions=10)
    first = pn.widgets.Select(label="row player", options=names, value="Tit For Tat", width=220)
    second = pn.widgets.Select(label="column player", options=names, value="Alternator", width=220)
    moves = pn.pane.Plotly(sizing_mode="stretch_width")
    problems = share({"row_player": first, "column_player": second})

    def show_match(*_):
        a, b = players[names.index(first.value)], players[names.index(second.value)]
        moves.object = match_figure(play([a], [b], game, 40), [a.name, b.name])

    first.param.watch(show_match, "value")
    second.param.watch(show_match, "value")
    show_match()
    return pn.Column(
        pn.pane.Markdown("## Repeated games\nThe iterated Prisoner's Dilemma (R, S, T, P = 3, 0, 5, 1), 200 rounds, "
                         "played by a vectorized engine whose scores equal the Axelrod library's."),
        pn.pane.Plotly(tournament_figure(table, names), sizing_mode="stretch_width"),
        link_problems(problems), pn.Row(first, second), moves, learner_view().panel(), sizing_mode="stretch_width")
