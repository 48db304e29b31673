"""The synchrony–stability lab's figures, its LabView declaration and its dashboard tab
(after Brandt 2025, "Navigating the Synchrony–Stability Frontier in Adaptive Chatbots", arXiv 2510.00339).

- ``frontier_figure``: every swept setting at (synchrony, stability); the Pareto frontier in
  colour, dominated settings grey; hovering a point shows its policy, parameters and metrics.
- ``trajectory_figure``: one dialog, turn by turn: synchrony, stability and coherence per policy.
- ``style_path_figure``: the same dialog in two chosen style dimensions: the user's turns and
  each policy's bot targets, starting at the persona.
- ``controller_view``: the learned adaptation controller (``lab.synchrony.controller``) live:
  its objective per λ over training, and its points against the hand-made frontier.
- ``synchrony_tab``: the dashboard tab (load a dialog file, pick policies, drag parameters).
"""
from __future__ import annotations

import functools
import html
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from lab.core import History
from lab.synchrony import (DIMENSIONS, POLICIES, AdaptationController, AdaptationControllerConfig, Dialogs,
                           Persona, PolicyGrid, Replay, Scaler, best_tradeoff, cosine, default_sweeps,
                           frontier_comparison, load_turn_metrics, policy, replay, shipped_corpus,
                           sweep)
from lab.synchrony.dialog_files import (UPLOAD_LIMITS, DialogFileError, DialogLimits, check_size,
                                        dialogs_from_bytes)
from lab.synchrony.synthetic import PERSONA_RAW

from .labview import LabView
from .live import thin

GREY = "#b0b0b0"
POLICY_COLORS = {"Uncapped": "#d62728", "Cap": "#ff7f0e", "EMA": "#2ca02c", "Dead-Band": "#9467bd",
                 "Hybrid": "#1f77b4", "Hybrid+Radius": "#17becf", "Hybrid+Cache": "#8c564b", "Static": "#7f7f7f"}
SYMBOLS = {"alpha": "α", "cap": "cap", "deadband": "ε", "radius": "r", "cache_eps": "ε_cache"}
TURN_METRICS = ("synchrony", "stability", "coherence")
DEFAULT_CHOSEN = ("Uncapped", "EMA", "Hybrid", "Static")
CONTROLLER_START = dict(steps=600)
ABOUT = ("A small policy chooses, every turn, the step size α_t and the cap of a Hybrid from the state "
         "(cos(u_t, b_{t−1}) and ‖u_t − b_{t−1}‖), trained by REINFORCE to maximize "
         "λ·synchrony + (1 − λ)·stability per turn, for several λ at once. It starts as the paper's Hybrid "
         "(α 0.5, cap 0.25). First figure: the training objective per λ (with exploration noise) beside the "
         "best hand-made setting for that λ (dotted). Second: the deterministic controllers (crosses, coloured "
         "by λ) against the hand-made frontier.")


def _layout(title: str, xaxis: str, yaxis: str, **extra) -> dict:
    return dict(title=title, xaxis_title=xaxis, yaxis_title=yaxis, height=420, uirevision="keep",
                margin=dict(l=60, r=20, t=50, b=50), **extra)


# --- a corpus: dialogs, their scaler and persona, and the hand-made frontier on them ------------

@dataclass
class Corpus:
    """Dialogs in z-space with the scaler fitted on their user turns, a persona, and (lazily) the sweep."""

    name: str
    dialogs: Dialogs
    scaler: Scaler
    persona: Persona
    user: torch.Tensor = field(init=False, repr=False)
    mask: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self):
        self.user, self.mask = self.dialogs.padded(self.scaler)

    @classmethod
    def shipped(cls) -> "Corpus":
        """The shipped synthetic corpus (60 dialogs) with its persona."""
        dialogs, scaler, persona = shipped_corpus()
        return cls("the shipped synthetic corpus", dialogs, scaler, persona)

    @classmethod
    def of(cls, name: str, dialogs: Dialogs) -> "Corpus":
        """A loaded corpus: the scaler is fitted on its user turns; the persona is the synthetic
        corpus's composed assistant style (``PERSONA_RAW``) standardized with that scaler."""
        scaler = Scaler.fit(dialogs.all_user())
        return cls(name, dialogs, scaler, Persona.from_raw(PERSONA_RAW, scaler))

    @property
    def c(self) -> torch.Tensor:
        return self.persona.tensor()

    @cached_property
    def table(self) -> pd.DataFrame:
        """Every setting of ``default_sweeps()`` on these dialogs (``lab.synchrony.sweep``'s table)."""
        return sweep_table(default_sweeps(), self)

    def trainer_options(self) -> dict:
        return {"dialogs": self.dialogs, "scaler": self.scaler, "persona": self.persona}


def sweep_table(grid: PolicyGrid, corpus: Corpus, chosen: int = 0) -> pd.DataFrame:
    """``lab.synchrony.sweep`` of ``grid`` on ``corpus``, with a ``chosen`` column true on the first
    ``chosen`` settings and a ``label`` naming each setting."""
    table = sweep(grid, corpus.user, corpus.mask, corpus.c)
    table["chosen"] = np.arange(len(table)) < chosen
    table["label"] = [setting_label(n, s) for n, s in zip(grid.names, grid.settings)]
    return table


def setting_label(name: str, setting: dict) -> str:
    """``'Hybrid (α 0.5, cap 0.25)'``: the policy and the values of the parameters it tunes."""
    tuned = [f"{SYMBOLS[k]} {setting[k]:.4g}" for k in policy(name).defaults]
    return f"{name} ({', '.join(tuned)})" if tuned else name


def chosen_grid(names, values: dict[str, float]) -> PolicyGrid:
    """The chosen policies, each with those of ``values`` it tunes (raises ValueError on a bad value)."""
    return PolicyGrid.of(*[(n, {k: v for k, v in values.items() if k in policy(n).defaults}) for n in names])


def combined_grid(chosen: PolicyGrid, sweep: PolicyGrid | None = None) -> PolicyGrid:
    """The chosen settings first, then the sweep's (default: ``default_sweeps()``)."""
    sweep = sweep or default_sweeps()
    return PolicyGrid(chosen.names + sweep.names, chosen.settings + sweep.settings)


# --- the frontier ----------------------------------------------------------------------------

def hover_text(rows: pd.DataFrame) -> list[str]:
    """Per setting: its label, whether it is on the frontier, and its metrics."""
    out = []
    for _, r in rows.iterrows():
        label = r["label"] if "label" in r else setting_label(r["policy"], r)
        lines = [f"<b>{label}</b>", "on the Pareto frontier" if r["on_frontier"] else "dominated",
                 f"synchrony {r['synchrony']:.3f} · stability {r['stability']:.3f}",
                 f"coherence {r['coherence']:.3f}"]
        if "register_flip_rate" in r and not pd.isna(r["register_flip_rate"]):
            lines.append(f"register flips {r['register_flip_rate']:.3f} · legibility {r['legibility']:.3f}")
        if r["policy"] == "Hybrid+Cache":
            lines.append(f"cache hits {r['cache_hit_rate']:.3f}")
        out.append("<br>".join(lines))
    return out


def frontier_figure(table: pd.DataFrame, title: str = "The synchrony–stability frontier",
                    controller: pd.DataFrame | None = None) -> go.Figure:
    """Every setting of a sweep table at (synchrony, stability): dominated ones grey, the frontier's
    coloured by policy and joined by a line; ``chosen`` settings (if the table marks any) as large
    diamonds, filled grey when dominated; ``controller`` (a ``frontier_comparison``) as crosses."""
    fig = go.Figure(layout=_layout(title, "synchrony  cos(b_t, u_t)", "stability  cos(b_t, b_{t−1})",
                                   legend=dict(orientation="h", y=-0.18), hovermode="closest"))
    chosen = table["chosen"].to_numpy(bool) if "chosen" in table else np.zeros(len(table), bool)
    swept = table[~chosen]
    dominated = swept[~swept["on_frontier"]]
    fig.add_scatter(x=dominated["synchrony"], y=dominated["stability"], mode="markers", name="dominated",
                    marker=dict(color=GREY, size=7, opacity=0.7), text=hover_text(dominated), hoverinfo="text")
    front = table[table["on_frontier"]].sort_values(["synchrony", "stability"], ascending=[True, False])
    fig.add_scatter(x=front["synchrony"], y=front["stability"], mode="lines", name="Pareto frontier",
                    line=dict(color="#444", width=1), hoverinfo="skip")
    on_front = swept[swept["on_frontier"]]
    for name in POLICIES:
        rows = on_front[on_front["policy"] == name]
        if len(rows):
            fig.add_scatter(x=rows["synchrony"], y=rows["stability"], mode="markers", name=name,
                            marker=dict(color=POLICY_COLORS[name], size=9, line=dict(color="white", width=1)),
                            text=hover_text(rows), hoverinfo="text")
    picked = table[chosen]
    if len(picked):
        colors = [POLICY_COLORS[p] for p in picked["policy"]]
        fig.add_scatter(x=picked["synchrony"], y=picked["stability"], mode="markers+text", name="your settings",
                        marker=dict(symbol="diamond", size=15,
                                    color=[c if f else GREY for c, f in zip(colors, picked["on_frontier"])],
                                    line=dict(color=colors, width=3)),
                        text=list(picked["policy"]), textposition="top center",
                        hovertext=hover_text(picked), hoverinfo="text")
    if controller is not None and len(controller):
        fig.add_scatter(x=controller["synchrony"], y=controller["stability"], mode="markers",
                        name="learned controller",
                        marker=dict(symbol="x", size=11, color=controller["lam"], colorscale="Viridis",
                                    cmin=0, cmax=1, showscale=True, colorbar=dict(title="λ", len=0.6)),
                        text=controller_hover(controller), hoverinfo="text")
    return fig


def controller_hover(comparison: pd.DataFrame) -> list[str]:
    return [f"<b>learned controller</b>, λ = {r.lam:.2f}, seed {r.seed}<br>"
            f"synchrony {r.synchrony:.3f} · stability {r.stability:.3f}<br>"
            f"objective {r.objective:.4f} vs best hand-made {r.best_objective:.4f} ({r.best_policy})<br>"
            f"gap {r.gap:+.4f}" + (" · dominated" if r.dominated else "")
            for r in comparison.itertuples()]


# --- one dialog --------------------------------------------------------------------------------

def turn_metrics(run: Replay, dialog: int) -> dict[str, np.ndarray]:
    """Per-turn synchrony, stability and coherence of every setting on one dialog, each (P, turns)."""
    n = int(run.mask[dialog].sum())
    bot = run.bot[dialog, :, :n]
    return {"synchrony": cosine(bot, run.user[dialog, None, :n]).cpu().numpy(),
            "stability": cosine(bot, run.previous[dialog, :, :n]).cpu().numpy(),
            "coherence": cosine(bot, run.persona).cpu().numpy()}


def run_labels(run: Replay) -> list[str]:
    return [setting_label(n, s) for n, s in zip(run.grid.names, run.grid.settings)]


def trajectory_figure(run: Replay, dialog: int, dialog_id: str | None = None) -> go.Figure:
    """One dialog turn by turn: synchrony, stability and coherence of every setting in ``run``."""
    values = turn_metrics(run, dialog)
    labels = run_labels(run)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=["synchrony cos(b_t, u_t)", "stability cos(b_t, b_{t−1})",
                                        "coherence cos(b_t, c)"])
    turns = np.arange(1, values["synchrony"].shape[1] + 1)
    for row, metric in enumerate(TURN_METRICS, start=1):
        for p, (name, label) in enumerate(zip(run.grid.names, labels)):
            fig.add_scatter(x=turns, y=values[metric][p], mode="lines+markers", name=label, legendgroup=label,
                            showlegend=row == 1, line=dict(color=POLICY_COLORS[name], width=2),
                            marker=dict(size=5),
                            hovertemplate=f"{label}<br>turn %{{x}}: {metric} %{{y:.3f}}<extra></extra>",
                            row=row, col=1)
        fig.update_yaxes(range=[-1.05, 1.05], row=row, col=1)
    fig.update_xaxes(title_text="user turn t", row=3, col=1)
    name = html.escape(dialog_id, quote=False) if dialog_id is not None else f"#{dialog}"
    fig.update_layout(title=f"Dialog {name}, turn by turn", height=620, uirevision="keep",
                      margin=dict(l=60, r=20, t=70, b=50), legend=dict(orientation="h", y=-0.12))
    return fig


def style_path_figure(run: Replay, dialog: int, dims: tuple[str, str] = ("informality", "sentiment_compound"),
                      dialog_id: str | None = None) -> go.Figure:
    """One dialog in two style dimensions (z-space): the user's turns, and each setting's bot targets
    b_0 = c, b_1, …; the persona c as a star."""
    for d in dims:
        if d not in DIMENSIONS:
            raise ValueError(f"no style dimension {d!r}; dimensions: {', '.join(DIMENSIONS)}")
    i, j = (DIMENSIONS.index(d) for d in dims)
    n = int(run.mask[dialog].sum())
    user = run.user[dialog, :n].cpu().numpy()
    c = run.persona.cpu().numpy()
    name = html.escape(dialog_id, quote=False) if dialog_id is not None else f"#{dialog}"
    fig = go.Figure(layout=_layout(f"Dialog {name} in two style dimensions (z-space)",
                                   dims[0], dims[1], legend=dict(orientation="h", y=-0.18)))
    turns = np.arange(1, n + 1)
    for p, (policy_name, label) in enumerate(zip(run.grid.names, run_labels(run))):
        path = np.vstack([c[None], run.bot[dialog, p, :n].cpu().numpy()])
        fig.add_scatter(x=path[:, i], y=path[:, j], mode="lines+markers", name=label,
                        line=dict(color=POLICY_COLORS[policy_name], width=2), marker=dict(size=6),
                        customdata=np.arange(n + 1),
                        hovertemplate=f"{label}<br>b_%{{customdata}}: (%{{x:.2f}}, %{{y:.2f}})<extra></extra>")
    # the user on top: Uncapped's targets are the user's turns themselves
    fig.add_scatter(x=user[:, i], y=user[:, j], mode="lines+markers+text", name="user u_t", text=turns,
                    textposition="top right", textfont=dict(size=9, color="#333"),
                    line=dict(color="black", dash="dot", width=1),
                    marker=dict(symbol="circle-open", color="black", size=11, line=dict(width=2)),
                    hovertemplate="user, turn %{text}: (%{x:.2f}, %{y:.2f})<extra></extra>")
    fig.add_scatter(x=[c[i]], y=[c[j]], mode="markers", name="persona c",
                    marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1)),
                    hovertemplate="persona c: (%{x:.2f}, %{y:.2f})<extra></extra>")
    return fig


def settings_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The chosen settings' metrics, for a table under the figures."""
    rows = table[table["chosen"]]
    return pd.DataFrame({"setting": rows["label"], "synchrony": rows["synchrony"], "stability": rows["stability"],
                         "coherence": rows["coherence"], "register flips": rows["register_flip_rate"],
                         "legibility": rows["legibility"], "cache hits": rows["cache_hit_rate"],
                         "on frontier": rows["on_frontier"]}).round(3).reset_index(drop=True)


# --- the learned controller --------------------------------------------------------------------

def objective_figure(history: History | None, config: AdaptationControllerConfig,
                     table: pd.DataFrame | None = None) -> go.Figure:
    """The training objective λ·synchrony + (1 − λ)·stability per λ (mean over seeds) against the
    step; dotted: the best hand-made setting's objective for that λ (from ``table``)."""
    fig = go.Figure(layout=_layout("Controller objective during training (mean over seeds)", "step",
                                   "λ·synchrony + (1 − λ)·stability", legend=dict(orientation="h", y=-0.2)))
    if history is None or not len(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    lams = np.asarray(history.members["lam"])
    values = history.values("objective")
    steps = history.steps
    for lam in np.unique(lams):
        color = sample_colorscale("Viridis", [float(lam)])[0]  # the colour of λ in the frontier figure
        x, y = thin(steps, values[:, lams == lam].mean(axis=1))
        fig.add_scatter(x=x, y=y, mode="lines", name=f"λ = {lam:.2f}", line=dict(color=color))
        if table is not None:
            best, value = best_tradeoff(table["synchrony"], table["stability"], float(lam))
            fig.add_scatter(x=[steps[0], steps[-1]], y=[value, value], mode="lines", showlegend=False,
                            name=f"best hand-made, λ = {lam:.2f}", line=dict(color=color, dash="dot"),
                            hovertemplate=f"best hand-made for λ = {lam:.2f}: "
                                          f"{setting_label(table['policy'].iloc[best], table.iloc[best])}"
                                          f"<br>objective {value:.4f}<extra></extra>")
    return fig


def controller_frontier_figure(comparison: pd.DataFrame | None, table: pd.DataFrame,
                               config: AdaptationControllerConfig | None = None) -> go.Figure:
    """The hand-made frontier with the learned controllers (a ``frontier_comparison``) on it."""
    return frontier_figure(table, "Learned controllers against the hand-made frontier", controller=comparison)


def controller_view(corpus: Corpus | None = None) -> LabView:
    """The live learned-controller view; ``corpus`` (default: the shipped one) is what it trains on
    and whose hand-made frontier it is drawn against. ``use_corpus(view, corpus)`` switches it."""
    view = LabView("A learned adaptation controller", AdaptationController, [], ABOUT, values=CONTROLLER_START)
    use_corpus(view, corpus or Corpus.shipped())

    def objective(history: History | None, config: AdaptationControllerConfig) -> go.Figure:
        return objective_figure(history, config, view.corpus.table)

    def against_frontier(history: History | None, config: AdaptationControllerConfig) -> go.Figure:
        state = view.view_state()
        comparison = frontier_comparison(state, view.corpus.table) if state is not None else None
        return controller_frontier_figure(comparison, view.corpus.table, config)

    view.figure_fns[:] = [objective, against_frontier]
    return view


def use_corpus(view: LabView, corpus: Corpus) -> None:
    """Make ``view`` train on ``corpus`` from its next run (the current run is stopped and forgotten)."""
    view.reset()
    view.corpus = corpus
    view.trainer_options = corpus.trainer_options()


# --- loading a dialog file ---------------------------------------------------------------------

ARTIFACT_COLUMNS = ("session_id", "user_style_vector")


def load_dialog_bytes(content: bytes, filename: str, limits: DialogLimits = UPLOAD_LIMITS) -> Dialogs:
    """Dialogs from an uploaded file's bytes, within ``limits``: a CSV or JSONL of turns
    (``dialogs_from_bytes``), or the paper's ``turn_level_metrics.csv`` (recognized by its
    ``session_id`` and ``user_style_vector`` columns). Every fault is a ``DialogFileError`` naming
    ``filename``, never a traceback."""
    suffix = Path(filename).suffix.lower()
    check_size(len(content), filename, limits)
    header = content.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if suffix != ".csv" or not all(c in header for c in ARTIFACT_COLUMNS):
        return dialogs_from_bytes(content, filename, suffix, limits=limits)
    handle, temp = tempfile.mkstemp(suffix=suffix, prefix="lab-dialogs-")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
        try:
            return load_turn_metrics(temp)
        except Exception as err:  # noqa: BLE001 - the artifact reader's faults, still a sentence
            message = str(err).replace(temp, filename)
            raise DialogFileError(message if isinstance(err, DialogFileError) else
                                  f"{filename}: could not be read ({type(err).__name__}: {message})") from None
    finally:
        os.unlink(temp)


# --- the dashboard tab -------------------------------------------------------------------------

PARAMETER_SLIDERS = {  # name: (label, start, end, step)
    "alpha": ("α (EMA step)", 0.01, 1.0, 0.01),
    "cap": ("cap (L2 step)", 0.01, 5.0, 0.01),
    "deadband": ("ε (dead-band)", 0.0, 1.5, 0.01),
    "radius": ("r (radius)", 0.05, 5.0, 0.05),
    "cache_eps": ("ε_cache", 0.0, 0.5, 0.001),
}
PAPER_DEFAULTS = {k: v for p in POLICIES.values() for k, v in p.defaults.items()}  # α 0.5, cap 0.25, …
_SHARED_LOCK = threading.Lock()


def shared_shipped_corpus() -> Corpus:
    """The shipped corpus with its sweep table, built once per process and shared by every dashboard
    session (each page used to replay the 121-setting sweep). Sessions only read it: loading a file
    or going back replaces a session's corpus, never changes this one."""
    with _SHARED_LOCK:
        return _shipped_corpus_with_table()


@cache
def _shipped_corpus_with_table() -> Corpus:
    corpus = Corpus.shipped()
    corpus.table  # replayed now, under the lock, rather than lazily by whichever session asks first
    return corpus


def chosen_table(grid: PolicyGrid, corpus: Corpus) -> pd.DataFrame:
    """``sweep_table(combined_grid(grid), corpus, chosen=len(grid))``: the chosen settings and the sweep,
    replayed as one batch (a separate replay of the chosen ones differs in the last float digits, and
    a setting would then dominate its own twin). On the shared shipped corpus each choice is replayed
    once per process: every new page starts from the same one. The caller gets its own copy."""
    if corpus is not shared_shipped_corpus():
        return sweep_table(combined_grid(grid), corpus, chosen=len(grid))
    return _shipped_chosen_table(tuple(zip(grid.names, (tuple(sorted(s.items())) for s in grid.settings)))).copy()


@lru_cache(maxsize=32)
def _shipped_chosen_table(choice: tuple) -> pd.DataFrame:
    grid = PolicyGrid(tuple(name for name, _ in choice), tuple(dict(setting) for _, setting in choice))
    return sweep_table(combined_grid(grid), shared_shipped_corpus(), chosen=len(grid))


ACCEPTED_TYPES = [".csv", ".jsonl", ".ndjson", "application/vnd.ms-excel", "application/x-ndjson", ""]
"""What the browser offers and lets through. FilePond compares MIME types only (Panel turns ``.csv`` into
``text/csv`` and leaves ``.jsonl`` as it is, which matches nothing): Chromium reports .csv as ``text/csv``
(Windows with Excel: ``application/vnd.ms-excel``) and .jsonl/.ndjson as ``""``, an unknown type, so ``""``
must pass. The loader refuses any other suffix with a sentence (``read_records``)."""
UPLOAD_CHUNK_BYTES = 1_000_000
"""One websocket message per chunk (Bokeh refuses a message over 20 MB and closes the session)."""


def filepond_size(limit: int) -> str:
    """``limit`` bytes as FilePond's ``max_file_size``: whole kilobytes, rounded down (FilePond reads
    only an integer with KB/MB/GB, and counts 1 KB as 1,000 bytes: '4000KB' is 4,000,000 bytes)."""
    return f"{limit // 1000}KB"


def dialog_dropper(limits: DialogLimits = UPLOAD_LIMITS, **params):
    """The upload widget: Panel's ``FileDropper`` (FilePond, bundled with Panel and served by this
    server), one file of .csv/.jsonl/.ndjson, sent in chunks of ``UPLOAD_CHUNK_BYTES``. The browser
    refuses a file over ``limits.max_bytes`` before sending anything ("File is too large · Maximum file
    size is 4 MB" in the widget). A client that ignores that is cut off on the server: the chunks past
    the limit are dropped and ``on_refused(name, bytes received)`` is called, if set."""
    return _dialog_dropper_class()(max_bytes=limits.max_bytes, multiple=False, max_files=1,
                                   max_file_size=filepond_size(limits.max_bytes),
                                   accepted_filetypes=list(ACCEPTED_TYPES), chunk_size=UPLOAD_CHUNK_BYTES,
                                   previews=[], width=420, **params)


@cache
def _dialog_dropper_class():
    import panel as pn

    class DialogDropper(pn.widgets.FileDropper):
        """``FileDropper`` that keeps at most ``max_bytes`` of one upload on the server."""

        def __init__(self, max_bytes: int | None = None, on_refused=None, **params):
            super().__init__(**params)
            self.max_bytes, self.on_refused = max_bytes, on_refused
            self._received: dict[str, int] = {}  # bytes so far per file name; -1: refused

        def _process_event(self, event) -> None:
            data = event.data
            if event.event_name == "upload_event" and self.max_bytes is not None:
                name = data["name"]
                so_far = 0 if data["chunk"] == 1 else self._received.get(name, 0)
                if so_far < 0:
                    return  # the rest of a refused file
                so_far += len(data["data"])
                if so_far > self.max_bytes:
                    self._received[name] = -1
                    self._file_buffer.pop(name, None)
                    if self.on_refused is not None:
                        self.on_refused(name, so_far)
                    return
                self._received[name] = so_far
                if data["chunk"] == data["total_chunks"]:
                    del self._received[name]
            super()._process_event(event)

    return DialogDropper


WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="synchrony-work")
"""Where uploads are read and settings replayed, for every session: never the server's event loop
(issue 12: a 48 KB upload froze every session for 20 s)."""


class Jobs:
    """One session's heavy work off the event loop. ``submit(kind, work)`` runs ``work()`` on a worker
    thread; the function it returns is then called on the session's document (where widgets may be
    changed). Of one kind, only the newest job counts: an older one is skipped if it has not started
    and its result dropped if it has. Without a server session (a test building the tab) a job runs at once."""

    def __init__(self, on_error):
        import panel as pn

        document = pn.state.curdoc
        self.document = document if document is not None and document.session_context is not None else None
        self.on_error = on_error  # called on the document with an exception a job did not expect
        self.newest: dict[str, int] = {}

    def cancel(self, kind: str) -> None:
        """Drop the jobs of ``kind`` submitted so far."""
        self.newest[kind] = self.newest.get(kind, 0) + 1

    def submit(self, kind: str, work) -> None:
        self.cancel(kind)
        ticket = self.newest[kind]
        if self.document is None:
            work()()
            return
        WORKERS.submit(self._run, kind, ticket, work)

    def _run(self, kind: str, ticket: int, work) -> None:
        import panel as pn
        from panel.io.state import set_curdoc

        if self.newest[kind] != ticket:
            return
        try:
            apply = work()
        except Exception as err:  # noqa: BLE001 - shown in the page, never a dead worker
            apply = functools.partial(self.on_error, err)

        def on_the_document():
            if self.newest[kind] == ticket:
                apply()

        with set_curdoc(self.document):
            pn.state.execute(on_the_document, schedule=True)


def synchrony_tab():
    """The dashboard tab: load dialogs, pick policies, drag their parameters; one dialog's trajectory,
    the frontier with the chosen settings on it, and the learned controller live. Uploads and replays
    run on ``WORKERS`` (``Jobs``); every user-supplied string is escaped (``markdown_text``)."""
    import panel as pn

    from .panel_front import markdown_text
    from .url_state import link_problems, share

    state = {"corpus": shared_shipped_corpus(), "switching": False}
    upload = dialog_dropper(UPLOAD_LIMITS, css_classes=["synchrony-upload"])
    shipped = pn.widgets.Button(label="Use the synthetic corpus", css_classes=["synchrony-shipped"])
    data_message = pn.pane.Alert("", alert_type="secondary", css_classes=["synchrony-data"],
                                 sizing_mode="stretch_width")
    chooser = pn.widgets.MultiChoice(label="policies", options=list(POLICIES), value=list(DEFAULT_CHOSEN),
                                     css_classes=["synchrony-policies"], width=520)
    sliders = {k: pn.widgets.EditableFloatSlider(label=label, start=lo, end=hi, step=step, value=PAPER_DEFAULTS[k],
                                                 css_classes=[f"control-{k}"], width=200)
               for k, (label, lo, hi, step) in PARAMETER_SLIDERS.items()}
    dialog = pn.widgets.Select(label="dialog", options=[], width=200, css_classes=["synchrony-dialog"])
    dim_x = pn.widgets.Select(label="x dimension", options=list(DIMENSIONS), value="informality", width=200)
    dim_y = pn.widgets.Select(label="y dimension", options=list(DIMENSIONS), value="sentiment_compound", width=200)
    status = pn.pane.Alert("", alert_type="secondary", css_classes=["synchrony-status"], sizing_mode="stretch_width")
    trajectory = pn.pane.Plotly(sizing_mode="stretch_width", css_classes=["synchrony-trajectory"])
    path = pn.pane.Plotly(sizing_mode="stretch_width", css_classes=["synchrony-path"])
    frontier = pn.pane.Plotly(sizing_mode="stretch_width", css_classes=["synchrony-frontier"])
    numbers = pn.pane.DataFrame(index=False, sizing_mode="stretch_width", css_classes=["synchrony-numbers"])
    controller = controller_view(state["corpus"])

    def say(pane, sentence: str, kind: str) -> None:
        pane.object, pane.alert_type = markdown_text(sentence), kind

    jobs = Jobs(lambda err: say(status, f"Could not replay: {type(err).__name__}: {err}", "danger"))

    def describe(corpus: Corpus) -> str:
        d = corpus.dialogs
        return (f"Dialogs: {corpus.name} — {len(d)} dialogs, {int(d.lengths.sum()):,} user turns "
                f"({int(d.lengths.min())}–{int(d.lengths.max())} per dialog); z-space from a scaler fitted on "
                "these turns; persona: a composed assistant style (formal, warm).")

    def update(*_):
        if state["switching"]:
            return
        corpus = state["corpus"]
        names = list(chooser.value)
        if not names:
            say(status, "Pick at least one policy.", "warning")
            return
        try:
            grid = chosen_grid(names, {k: float(s.value) for k, s in sliders.items()})
        except (ValueError, TypeError) as err:
            say(status, f"Not a valid setting: {err}", "danger")
            return
        k = corpus.dialogs.ids.index(dialog.value) if dialog.value in corpus.dialogs.ids else 0
        say(status, f"Replaying {len(grid)} setting(s) and the sweep on {len(corpus.dialogs)} dialogs…", "secondary")
        jobs.submit("view", functools.partial(replay_view, corpus, grid, k, (dim_x.value, dim_y.value)))

    def replay_view(corpus: Corpus, grid: PolicyGrid, k: int, dims: tuple[str, str]):
        """On a worker: the chosen settings with the sweep, one dialog's replay, the figures."""
        table = chosen_table(grid, corpus)
        n = int(corpus.dialogs.lengths[k])
        run = replay(grid, corpus.user[k:k + 1, :n], corpus.mask[k:k + 1, :n], corpus.c)  # that dialog alone
        dialog_id = corpus.dialogs.ids[k]
        figures = (trajectory_figure(run, 0, dialog_id), style_path_figure(run, 0, dims, dialog_id),
                   frontier_figure(table, f"The frontier on {html.escape(corpus.name, quote=False)}: "
                                          f"{len(table) - len(grid)} swept settings and yours"))
        on = int(table["chosen"].values[table["on_frontier"].values].sum())
        sentence = (f"{len(grid)} setting(s) replayed on {len(corpus.dialogs)} dialogs; {on} of them on the "
                    f"frontier. Dialog {dialog_id}: {n} turns.")

        def show():
            if corpus is not state["corpus"]:
                return  # another corpus was loaded meanwhile; its own replay follows
            trajectory.object, path.object, frontier.object = figures
            numbers.object = settings_frame(table)
            say(status, sentence, "secondary")
        return show

    def use(corpus: Corpus, message: str) -> None:
        state["corpus"] = corpus
        ids = list(corpus.dialogs.ids)
        state["switching"] = True  # one update below, not one more from the dialog list changing
        try:
            dialog.param.update(options=ids, value=ids[0])
        finally:
            state["switching"] = False
        say(data_message, message, "success")
        use_corpus(controller, corpus)
        update()

    def read(content: bytes, name: str):
        """On a worker: the uploaded file as a corpus, or what is wrong with it."""
        try:
            corpus = Corpus.of(name, load_dialog_bytes(content, name))
        except ValueError as err:  # DialogFileError, PersonaError, bad vectors: all explained
            return functools.partial(say, data_message, f"Could not load {name}. {err} "
                                     f"Still showing {state['corpus'].name}.", "danger")
        return functools.partial(use, corpus, describe(corpus))

    def on_upload(event):
        """A file arrived whole: FileDropper's ``value`` is {name: bytes, or str for a text/* file it
        decoded as UTF-8}. The newest one is read; the widget's dict is emptied so that a session
        keeps no uploaded file beyond the one being read (a removed file's delete event finds nothing)."""
        if not event.new:
            return
        name, content = list(event.new.items())[-1]
        upload.value.clear()
        upload.mime_type.clear()
        if isinstance(content, str):  # Panel decoded it (strict UTF-8): encoding gives back the same bytes, BOM too
            content = content.encode("utf-8")
        say(data_message, f"Loading {name} ({len(content):,} bytes)…", "secondary")
        jobs.submit("load", functools.partial(read, content, name))

    def on_refused(name: str, received: int):
        """More than the limit arrived from a client that ignored the browser's ``max_file_size``."""
        jobs.cancel("load")
        limit = UPLOAD_LIMITS.max_bytes
        say(data_message, f"Could not load {name}: more than {limit:,} bytes arrived ({received:,} so far, the rest "
                          f"was dropped); a dialog file may have at most {limit:,} bytes ({limit / 1e6:g} MB). "
                          f"Still showing {state['corpus'].name}.", "danger")

    upload.param.watch(on_upload, "value")
    upload.on_refused = on_refused

    def on_shipped(event):
        jobs.cancel("load")  # an upload still being read is dropped
        corpus = shared_shipped_corpus()
        use(corpus, describe(corpus))

    shipped.on_click(on_shipped)
    problems = share({"policies": chooser, **sliders, "x_dimension": dim_x, "y_dimension": dim_y})
    for widget in (chooser, *sliders.values(), dim_x, dim_y):
        widget.param.watch(update, "value")
    dialog.param.watch(update, "value")
    use(state["corpus"], describe(state["corpus"]))

    limits = UPLOAD_LIMITS
    formats = ("CSV or JSONL (UTF-8), one turn per row: `dialog_id`, optional `turn` and `speaker` (only `user` "
               "rows are read), and the style as `vector` (a JSON list of 8), the 8 dimension columns, or `text`; "
               f"or the paper's `turn_level_metrics.csv`. At most {limits.max_bytes / 1e6:g} MB "
               f"(a larger file is refused by the browser before it is sent), {limits.max_turns:,} turns, "
               f"{limits.max_dialogs:,} dialogs, {limits.max_turns_per_dialog:,} turns per dialog.")
    return pn.Column(
        pn.pane.Markdown(
            "## Synchrony and stability\nAfter Brandt, *Navigating the Synchrony–Stability Frontier in Adaptive "
            "Chatbots* (arXiv 2510.00339). A bot's style target b_t mirrors the user's turn u_t (synchrony "
            "cos(b_t, u_t)) but should stay itself (stability cos(b_t, b_{t−1}), coherence cos(b_t, c) with "
            "the persona c). Bounded policies trade a little synchrony for much stability. Pick policies, "
            "drag their parameters, and watch one dialog and the frontier move."),
        pn.Row(pn.Column(pn.pane.Markdown(f"**Dialog file** — {formats}"), pn.Row(upload, shipped),
                         sizing_mode="stretch_width"), sizing_mode="stretch_width"),
        data_message, link_problems(problems),
        pn.Row(chooser, dialog, dim_x, dim_y),
        pn.Row(*sliders.values()),
        status,
        pn.Row(pn.Column(trajectory, sizing_mode="stretch_width"), pn.Column(path, sizing_mode="stretch_width"),
               sizing_mode="stretch_width"),
        frontier, numbers,
        controller.panel(),
        sizing_mode="stretch_width",
    )
