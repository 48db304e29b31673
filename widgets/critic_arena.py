"""The critic arena's stability maps, live: one map per critic variant over two stress axes, each cell
coloured by its outcome (learned / slow / overestimating / diverged; ``lab.critic.stability_map``) as
soon as its population of seeds has trained.

``ArenaMap`` computes a map on a thread of its own, one cell at a time, and is safe to use from any
thread: ``start(spec)``, ``stop()`` (taking effect within a chunk of 10 steps of the cell in training,
which is dropped), ``close()``, and ``snapshot()``, one consistent copy of
the rows so far, the state and the figure drawn from them (drawn on the map's thread, never on the
server's event loop). An exception becomes the status line. ``critic_arena_tab()`` is the dashboard
tab: its controls are the spec (a small budget for a quick look: ``steps`` down to 101, ``seeds`` down to
4, one axis value), its Start and Stop, the status line and the figure, put on the page by a periodic
tick that only copies what the thread has drawn; when the page goes away the map stops.
"""
from __future__ import annotations

import atexit
import math
import re
import threading
import time
import weakref
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.core.run import stop_and_join
from lab.critic.arena import BASE, SEEDS
from lab.critic.sac import SACConfig
from lab.critic.stability_map import (AXES, CRITICS, DEFAULT_MAP, DIVERGED_FRACTION, LEARNED_RETURN, OUTCOMES,
                                      MapSpec, map_cells, named_critics, outcome_grid)

COLORS = {"learned": "#2ca02c", "slow": "#9ecae1", "overestimating": "#ffbf00", "diverged": "#d62728"}
TICK_S = 0.25          # how often the page's tick copies the map's state


@dataclass(frozen=True)
class Snapshot:
    """One consistent reading of an ArenaMap."""
    spec: MapSpec | None
    rows: tuple
    state: str            # idle, running, stopping, stopped, finished, failed
    message: str
    figure: go.Figure | None
    version: int          # changes whenever any of the above does


_LIVE: "weakref.WeakSet[ArenaMap]" = weakref.WeakSet()


class ArenaMap:
    """A stability map computed cell by cell on a background thread (see the module docstring)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._spec, self._rows, self._figure = None, (), None
        self._state, self._message, self._version = "idle", "Ready: press Start.", 0
        self._started = 0.0
        self.closed = False

    def start(self, spec: MapSpec) -> bool:
        """Compute ``spec``'s map from scratch; ignored (False) while a map is being computed or after close."""
        with self._lock:
            if self.closed or (self._thread is not None and self._thread.is_alive()):
                return False
            self._stop = threading.Event()
            self._spec, self._rows, self._figure, self._started = spec, (), None, time.perf_counter()
            self._set("running", f"Running: cell 1 of {spec.cells}…")
            self._thread = threading.Thread(target=self._loop, args=(spec, self._stop), daemon=True, name="critic-map")
            _LIVE.add(self)
            self._thread.start()
            return True

    def stop(self) -> None:
        """Stop within a chunk of steps, dropping the cell in training; returns at once."""
        with self._lock:
            self._stop.set()
            if self._state == "running":
                self._set("stopping", f"Stopping: cell {len(self._rows) + 1} of {self._spec.cells} is dropped…")

    def close(self) -> None:
        """The page went away: stop, and start nothing more."""
        self.closed = True
        self.stop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the map's thread; True when it has ended (or never started)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def fail(self, message: str) -> None:
        """Show ``message`` as an error (a bad spec, before anything runs)."""
        with self._lock:
            self._set("failed", message)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self._spec, self._rows, self._state, self._message, self._figure, self._version)

    # --- the map's thread ---------------------------------------------------------------------

    def _loop(self, spec: MapSpec, stop: threading.Event) -> None:
        rows = ()
        try:
            empty = map_figure(spec, ())
            with self._lock:
                self._figure, self._version = empty, self._version + 1
            for row in map_cells(spec, stop=stop):
                rows = rows + (row,)
                figure = map_figure(spec, rows)
                with self._lock:
                    self._rows, self._figure = rows, figure
                    if not stop.is_set():
                        self._set("running", f"Running: {len(rows)} of {spec.cells} cells done; "
                                             f"cell {len(rows) + 1} training…" if len(rows) < spec.cells else
                                             f"Running: {len(rows)} of {spec.cells} cells done.")
                    else:
                        self._version += 1
                if stop.is_set():
                    break
            wall = time.perf_counter() - self._started
            with self._lock:
                if len(rows) == spec.cells:
                    self._set("finished", f"Finished {spec.cells} cells in {wall:.0f} s. {tally(rows)}".rstrip())
                else:
                    self._set("stopped", f"Stopped after {len(rows)} of {spec.cells} cells. {tally(rows)}".rstrip())
        except Exception as err:  # noqa: BLE001 - shown in the status line, never a dead thread's traceback
            with self._lock:
                self._set("failed", f"Failed at cell {len(rows) + 1} of {spec.cells}: {type(err).__name__}: {err}")
        finally:
            _LIVE.discard(self)

    def _set(self, state: str, message: str) -> None:
        self._state, self._message, self._version = state, message, self._version + 1


@atexit.register
def stop_live_maps() -> None:
    """Stop and join the maps still computing at interpreter exit (a daemon thread killed inside torch
    aborts the process); each stops within a chunk of steps."""
    stop_and_join(_LIVE)


def tally(rows) -> str:
    """'single: 4 slow, 2 diverged; twin: …' over the finished cells."""
    parts = []
    for variant in dict.fromkeys(row["variant"] for row in rows):
        outcomes = [row["outcome"] for row in rows if row["variant"] == variant]
        parts.append(f"{variant}: " + ", ".join(f"{outcomes.count(o)} {o}" for o in OUTCOMES if o in outcomes))
    return "; ".join(parts) + ("." if parts else "")


def _label(value) -> str:
    return f"{value:g}"


def _hover(row: dict) -> str:
    iqm = ("return IQM n/a (fewer than 4 seeds left)" if math.isnan(row["return_iqm"]) else
           f"return IQM {row['return_iqm']:.0f} [{row['return_lo']:.0f}, {row['return_hi']:.0f}]")
    over = "n/a" if math.isnan(row["overestimation"]) else f"{row['overestimation']:+.0f}"
    return (f"<b>{row['outcome']}</b><br>diverged {row['diverged']:.2f} [{row['diverged_lo']:.2f}, "
            f"{row['diverged_hi']:.2f}] of {row['seeds']} seeds<br>{iqm} over {row['n_finite']} seeds<br>"
            f"median Q̂ − G {over}<br>{row['wall_s']:.1f} s")


def map_figure(spec: MapSpec, rows) -> go.Figure:
    """One panel per variant over (x, y): each finished cell coloured by its outcome, with its number of
    diverged seeds written in it; cells still to come are blank. Hover: the cell's numbers with their
    95 % intervals."""
    variants = list(spec.variants)
    fig = make_subplots(rows=1, cols=len(variants), subplot_titles=variants, shared_yaxes=True,
                        horizontal_spacing=0.04)
    colors = [COLORS[o] for o in OUTCOMES]
    scale = [[edge / len(colors), color] for i, color in enumerate(colors) for edge in (i, i + 1)]
    x, y = [_label(v) for v in spec.x_values], [_label(v) for v in spec.y_values]
    for col, variant in enumerate(variants, start=1):
        grid = outcome_grid(list(rows), spec, variant)
        codes = np.array([[OUTCOMES.index(o) if o else math.nan for o in line] for line in grid], dtype=float)
        text = np.full(spec.shape, "", dtype=object)
        hover = np.full(spec.shape, "not yet trained", dtype=object)
        for row in rows:
            if row["variant"] == variant:
                text[row["iy"], row["ix"]] = f"{round(row['diverged'] * row['seeds'])}/{row['seeds']}"
                hover[row["iy"], row["ix"]] = _hover(row)
        fig.add_heatmap(z=codes, x=x, y=y, zmin=-0.5, zmax=len(colors) - 0.5, colorscale=scale,
                        showscale=col == len(variants), text=text, texttemplate="%{text}", customdata=hover,
                        hovertemplate=f"{spec.x}=%{{x}} {spec.y}=%{{y}}<br>%{{customdata}}<extra>{variant}</extra>",
                        xgap=2, ygap=2, colorbar=dict(tickvals=list(range(len(OUTCOMES))), ticktext=list(OUTCOMES)),
                        row=1, col=col)
        fig.update_xaxes(type="category", title_text=spec.x, row=1, col=col)
    fig.update_yaxes(type="category", title_text=spec.y, row=1, col=1)
    fixed = ", ".join(f"{k} {_label(v)}" for k, v in spec.fixed.items()) or "nothing else"
    fig.update_layout(title=f"Outcome per cell ({spec.seeds} seeds, diverged seeds written in the cell); "
                            f"fixed: {fixed}; {spec.base.get('steps', BASE['steps'])} steps",
                      height=380, margin=dict(l=60, r=20, t=90, b=50))
    return fig


# --- reading the controls -------------------------------------------------------------------------

def _number(name: str, text: str):
    """A number typed for the SACConfig field ``name``: an int for an integer field."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if SACConfig.model_fields[name].annotation is int:
        if not value.is_integer():
            raise ValueError(f"{name}: {text!r} is not an integer")
        return int(value)
    return value


def parse_values(name: str, text: str) -> tuple:
    """An axis' values typed as '3e-4, 3e-3, 1e-2' (commas or spaces)."""
    if name not in AXES:
        raise ValueError(f"axis {name!r} is not a stress axis; choose from {', '.join(AXES)}")
    words = [w for w in re.split(r"[,\s]+", text.strip()) if w]
    if not words:
        raise ValueError(f"axis {name!r} has no values: type them as 1, 4, 16")
    return tuple(_number(name, w) for w in words)


def parse_fixed(text: str) -> dict:
    """The fixed stress typed as 'tau=1, gamma=0.999' (empty: none)."""
    fixed = {}
    for item in [w for w in re.split(r"[,\s]+", text.strip()) if w]:
        name, sep, value = item.partition("=")
        if not sep or name not in SACConfig.model_fields:
            raise ValueError(f"fixed stress: {item!r} is not 'field=value' with a field of SAC's config")
        fixed[name] = _number(name, value)
    return fixed


def spec_from_controls(x: str, x_text: str, y: str, y_text: str, variants: list[str], fixed_text: str,
                       steps: int, seeds: int, seed: int) -> MapSpec:
    """The map the controls describe; ``ValueError`` (``ConfigError`` included) names what is wrong."""
    return MapSpec(x=x, x_values=parse_values(x, x_text), y=y, y_values=parse_values(y, y_text),
                   variants=named_critics(variants), fixed=parse_fixed(fixed_text), seed=seed,
                   seeds=seeds, base=dict(steps=steps))


ABOUT = ("Each cell is one population of seeds of the critic, trained as one batched run on the arena's small "
         "Pendulum setting (2×32 units, 100 random steps, then learning). Its outcome: **diverged** when at least "
         f"{DIVERGED_FRACTION:.0%} of the seeds ran away (|Q| past a bound no Pendulum return reaches, or NaN); "
         "**overestimating** when the median critic sits above its Monte-Carlo return by more than the whole "
         f"range of Pendulum's returns; **learned** when the return IQM is at least {LEARNED_RETURN:.0f}; "
         "**slow** otherwise. At the default budget of 400 steps nothing learns Pendulum yet: the map shows where "
         "each critic stays stable and where it runs away. Measured on the default map (base seed 0): without a "
         "target network (τ = 1) at γ = 0.999 and 4 updates per step, the twin critic diverges in 5 of 16 seeds at "
         "lr 3e-3, where the single one keeps all 16; at lr 1e-2 both diverge (single 5, twin 11). The default map "
         "takes a few minutes; a smaller one (fewer values, seeds or steps) fills in faster.")


def critic_arena_tab():
    """The dashboard tab (built per browser session)."""
    import panel as pn

    from .panel_front import markdown_text, tick_while_the_page_is_open
    from .url_state import link_problems, share

    arena = ArenaMap()
    text = dict(width=200)
    x = pn.widgets.Select(label="x axis", options=list(AXES), value=DEFAULT_MAP["x"], css_classes=["control-x"],
                          **text)
    x_text = pn.widgets.TextInput(label="x values", value=", ".join(map(_label, DEFAULT_MAP["x_values"])),
                                  css_classes=["control-x_values"], **text)
    y = pn.widgets.Select(label="y axis", options=list(AXES), value=DEFAULT_MAP["y"], css_classes=["control-y"],
                          **text)
    y_text = pn.widgets.TextInput(label="y values", value=", ".join(map(_label, DEFAULT_MAP["y_values"])),
                                  css_classes=["control-y_values"], **text)
    fixed = pn.widgets.TextInput(label="fixed stress", value=", ".join(f"{k}={_label(v)}" for k, v in
                                                                       DEFAULT_MAP["fixed"].items()),
                                 css_classes=["control-fixed"], width=280)
    variants = pn.widgets.MultiChoice(label="critics", options=list(CRITICS), value=["single", "twin"],
                                      css_classes=["control-variants"], width=420)
    steps = pn.widgets.IntInput(label="steps (100 random, then learning)", value=BASE["steps"], start=101,
                                end=100_000, css_classes=["control-steps"], **text)
    seeds = pn.widgets.IntInput(label="seeds per cell", value=SEEDS, start=4, end=64, css_classes=["control-seeds"],
                                **text)
    seed = pn.widgets.IntInput(label="base seed", value=0, start=0, css_classes=["control-seed"], **text)
    start = pn.widgets.Button(label="Start", color="primary", width=90, css_classes=["arena-start"])
    stop = pn.widgets.Button(label="Stop", color="warning", width=90, css_classes=["arena-stop"])
    status = pn.pane.Alert("", alert_type="secondary", css_classes=["arena-status"], sizing_mode="stretch_width")

    problems = share({"x": x, "x_values": x_text, "y": y, "y_values": y_text, "fixed": fixed, "critics": variants,
                      "steps": steps, "seeds": seeds, "seed": seed})

    def controls_spec() -> MapSpec:
        return spec_from_controls(x.value, x_text.value, y.value, y_text.value, list(variants.value), fixed.value,
                                  steps.value, seeds.value, seed.value)

    figure = pn.pane.Plotly(map_figure(controls_spec(), ()), sizing_mode="stretch_width", css_classes=["arena-map"])
    shown = {"version": None}

    def show() -> None:
        snap = arena.snapshot()
        if snap.version == shown["version"]:
            return
        shown["version"] = snap.version
        status.object = markdown_text(snap.message)  # it may echo what a user typed
        status.alert_type = "danger" if snap.state == "failed" else "secondary"
        if snap.figure is not None and figure.object is not snap.figure:
            figure.object = snap.figure

    def on_start(event) -> None:
        try:
            spec = controls_spec()
        except ValueError as err:  # a ConfigError too: it names the field and its range
            arena.fail(f"Not a valid map: {err}")
        else:
            arena.start(spec)
        show()

    def on_stop(event) -> None:
        arena.stop()
        show()

    start.on_click(on_start)
    stop.on_click(on_stop)
    show()
    document = pn.state.curdoc
    if document is not None and document.session_context is not None:
        def close() -> None:
            arena.close()

        def on_error(err: Exception) -> None:
            status.object = markdown_text(f"The map could not be shown: {type(err).__name__}: {err}")
            status.alert_type = "danger"

        tick_while_the_page_is_open(document.session_context, show, close, TICK_S, on_error)
    return pn.Column(
        pn.pane.Markdown("## Critic arena: stability maps\n" + ABOUT), link_problems(problems),
        pn.Row(variants, fixed), pn.Row(x, x_text, y, y_text), pn.Row(steps, seeds, seed),
        pn.Row(start, stop), status, figure, sizing_mode="stretch_width")
