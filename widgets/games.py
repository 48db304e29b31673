"""The preference-game lab's figures and its LabView declaration."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.core import History
from lab.games.stability import VERDICTS
from lab.games.trainer import PreferenceDynamicsConfig, PreferenceDynamicsTrainer

from .labview import LabView
from .live import thin

COLORS = {"Nash-MP": "#1f77b4", "Nash-MD": "#ff7f0e", "OMD (INPO)": "#d62728", "OMWU": "#2ca02c",
          "Extragradient": "#9467bd"}
ABOUT = ("Each algorithm iterates on the same β-regularized preference games from π₀ = μ. KL(π*, π) and "
         "the exploitability against preference queries N on log scales, beside Nash-MP's rate (1+2β)^(−N/2); "
         "then the first game's trajectories on the simplex. Try η = 2 with β = 0.01: Nash-MP converges, OMD spirals out.")


def _curves_against_queries(history: History | None, metric: str, title: str) -> go.Figure:
    """Mean of ``metric`` over the games against preference queries N, one line per algorithm."""
    fig = go.Figure(layout=dict(title=title, xaxis_title="queries N", yaxis_title=title.split(" against")[0],
                                yaxis_type="log", height=380, uirevision="keep",
                                margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25)))
    if history is None or not len(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    algorithms = np.asarray(history.members["algorithm"])
    queries = np.asarray(history.members["queries_per_iteration"])
    values = history.values(metric)
    for name in dict.fromkeys(algorithms):
        members = algorithms == name
        steps, mean = thin(history.steps, values[:, members].mean(axis=1))
        fig.add_scatter(x=steps * queries[members][0], y=np.maximum(mean, 1e-300), mode="lines", name=name,
                        line=dict(color=COLORS.get(name)))
    return fig


def kl_figure(history: History | None, config: PreferenceDynamicsConfig) -> go.Figure:
    """Mean KL(π*_β, π) over the games against queries N, per algorithm, with Nash-MP's rate."""
    fig = _curves_against_queries(history, "kl_to_star", "KL(π*, π) against preference queries")
    if history is not None and len(history) and "Nash-MP" in history.members["algorithm"]:
        nash_mp_members = np.asarray(history.members["algorithm"]) == "Nash-MP"
        start = history.values("kl_to_star")[0, nash_mp_members].mean()
        n = np.linspace(0, 2 * history.steps[-1], 200)
        fig.add_scatter(x=n, y=start * (1 + 2 * config.beta) ** (-n / 2), mode="lines",
                        name="(1+2β)^(−N/2)", line=dict(color=COLORS["Nash-MP"], dash="dot"))
    return fig


def exploitability_figure(history: History | None, config: PreferenceDynamicsConfig) -> go.Figure:
    """Mean exploitability Expl_β(π) over the games against queries N, per algorithm."""
    return _curves_against_queries(history, "exploitability", "Exploitability against preference queries")


def simplex_figure(history: History | None, config: PreferenceDynamicsConfig) -> go.Figure:
    """Trajectories of the first game on the 3-action simplex (ternary plot)."""
    fig = go.Figure(layout=dict(title="Trajectories on the simplex (first game)", height=380, uirevision="keep",
                                ternary=dict(aaxis_title="π(0)", baxis_title="π(1)", caxis_title="π(2)"),
                                margin=dict(l=40, r=40, t=60, b=40), legend=dict(orientation="h", y=-0.1)))
    if history is None or not len(history) or "pi_0" not in history.metrics:
        fig.add_scatterternary(a=[], b=[], c=[], name="3-action games only" if history is not None else "press Run")
        return fig
    algorithms = np.asarray(history.members["algorithm"])
    first = np.asarray(history.members["game"]) == 0
    coordinates = [history.values(f"pi_{i}") for i in range(3)]
    for name in dict.fromkeys(algorithms):
        member = np.flatnonzero(first & (algorithms == name))[0]
        a, b, c = thin(*(x[:, member] for x in coordinates))
        fig.add_scatterternary(a=a, b=b, c=c, mode="lines+markers", marker=dict(size=3), name=name,
                               line=dict(color=COLORS.get(name)))
    return fig


def stability_figure(maps: dict[str, dict]) -> go.Figure:
    """One panel per algorithm over (η, β): converged / slow / cycling / diverged (lab.games.stability)."""
    fig = make_subplots(rows=1, cols=len(maps), subplot_titles=list(maps), shared_yaxes=True)
    colors = ["#2ca02c", "#9ecae1", "#ffbf00", "#d62728"]
    scale = [[edge / len(colors), color] for i, color in enumerate(colors) for edge in (i, i + 1)]
    for col, (name, result) in enumerate(maps.items(), start=1):
        codes = np.vectorize(VERDICTS.index)(result["verdict"])
        fig.add_heatmap(z=codes, x=result["etas"], y=result["betas"], zmin=-0.5, zmax=len(colors) - 0.5, colorscale=scale,
                        showscale=col == len(maps), customdata=result["verdict"],
                        hovertemplate="η=%{x:.3g} β=%{y:.3g}: %{customdata}<extra></extra>",
                        colorbar=dict(tickvals=list(range(len(VERDICTS))), ticktext=list(VERDICTS)), row=1, col=col)
        fig.update_xaxes(type="log", title_text="η", row=1, col=col)
    fig.update_yaxes(type="log", title_text="β", row=1, col=1)
    fig.update_layout(title="Where each algorithm's last iterate converges", height=360,
                      margin=dict(l=60, r=20, t=80, b=50))
    return fig


def preference_view() -> LabView:
    """The live preference-dynamics view, for notebooks and the dashboard."""
    return LabView("Nash Mirror Prox and its peers", PreferenceDynamicsTrainer,
                   [kl_figure, exploitability_figure, simplex_figure], ABOUT)


EDITOR_MAX_ACTIONS = 50
EDITOR_MAX_CHARS = 60_000  # 50 rows of 50 entries of up to 22 characters with their separators
"""The matrix editor's limits (its text box cuts what is pasted beyond ``EDITOR_MAX_CHARS``; before issue 12
its 5,000-character cap cut a 30 × 30 matrix mid-row and said "could not convert string to float: ''")."""


def editor_matrix(text: str) -> np.ndarray:
    """The preference matrix typed in the editor; a PreferenceError names the row and entry that is not
    a number, or the editor's limit (larger games: the config's, up to 1,000 actions)."""
    from lab.games.preference import PreferenceError, parse_preference

    larger = "larger games: a random or Bradley–Terry game of the config (up to 1,000 actions)"
    if len(text) >= EDITOR_MAX_CHARS:
        raise PreferenceError(f"the text reached the editor's limit of {EDITOR_MAX_CHARS:,} characters and was cut; "
                              f"the editor takes up to {EDITOR_MAX_ACTIONS} actions ({larger})")
    rows = [line for line in text.strip().splitlines() if line.strip()]
    if len(rows) > EDITOR_MAX_ACTIONS:
        raise PreferenceError(f"{len(rows)} rows; the editor takes up to {EDITOR_MAX_ACTIONS} actions ({larger})")
    for i, line in enumerate(rows, start=1):
        for j, entry in enumerate(line.replace(";", ",").split(","), start=1):
            try:
                float(entry)
            except ValueError:
                shown = repr(entry.strip()[:40]) if entry.strip() else "empty"
                raise PreferenceError(f"row {i}, entry {j}: {shown} is not a number") from None
    return parse_preference(text)


def matrix_editor(view: LabView):
    """A small editor for P: CSV rows; 'Use this matrix' makes the view's next run play it (one game,
    uniform μ), 'Use the config's game' goes back. Bad matrices are explained (the text escaped), not run."""
    import panel as pn

    from lab.games.preference import PreferenceError

    from .panel_front import markdown_text

    text = pn.widgets.TextAreaInput(value="0.5, 0, 1\n1, 0.5, 0\n0, 1, 0.5", height=120, width=260,
                                    max_length=EDITOR_MAX_CHARS, css_classes=["matrix-text"])
    use, back = pn.widgets.Button(label="Use this matrix", css_classes=["matrix-use"]), pn.widgets.Button(
        label="Use the config's game")
    message = pn.pane.Markdown("Playing the config's game.", css_classes=["matrix-message"])

    def on_use(event):
        try:
            P = editor_matrix(text.value)
        except PreferenceError as err:
            message.object = f"**Not a preference matrix:** {markdown_text(err)}"
            return
        n = len(P)
        view.trainer_options = {"P": P[None], "mu": np.full((1, n), 1.0 / n)}
        message.object = f"Next run plays this {n}-action matrix (one game, uniform μ); 'game', 'actions' and 'games' are ignored."

    def on_back(event):
        view.trainer_options = {}
        message.object = "Playing the config's game."

    use.on_click(on_use)
    back.on_click(on_back)
    return pn.Column(f"**Edit P** (P[y, y′] = P(y ≻ y′), rows of CSV, up to {EDITOR_MAX_ACTIONS} actions)", text,
                     pn.Row(use, back), message)


def preference_tab():
    """The dashboard tab: the live dynamics, then the stability maps on rock–paper–scissors."""
    import panel as pn

    from lab.games.algorithms import nash_md, nash_mp, omd
    from lab.games.preference import rock_paper_scissors
    from lab.games.stability import stability_map

    grid = np.logspace(-2, 1, 10), np.logspace(-3, 0, 10)
    maps = {m.NAME: stability_map(m, rock_paper_scissors(), np.array([0.6, 0.3, 0.1]), *grid, iterations=300)
            for m in (nash_mp, nash_md, omd)}
    view = preference_view()
    return pn.Column(
        pn.pane.Markdown("## Preference games\nNash learning from human feedback as a game: the β-regularized "
                         "preference game's equilibrium π*, and the algorithms that reach it (Tiapkin et al. 2025, "
                         "arXiv 2505.19731; Munos et al. 2023; Zhang et al. 2024)."),
        pn.Row(pn.Column(view.panel(), sizing_mode="stretch_width"), matrix_editor(view), sizing_mode="stretch_width"),
        pn.pane.Plotly(stability_figure(maps), sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )
