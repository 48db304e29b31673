"""LabView: controls + Run / Pause / Resume / Stop / Reset + progress + status line + live figures.

One definition, two front-ends: ``view.show()`` renders it with ipywidgets in JupyterLab,
``view.panel()`` as Panel components in the dashboard. Both call the methods below, which
only validate, start a background ``Run`` and set its events — they never wait for training —
so the kernel and the server stay responsive. The methods are one small state machine behind
a lock: any number of threads may press any button at once and there is still at most one run.
Errors become a sentence in the status line, never a traceback.

Turning a knob is never silent: while a run is live, changed controls are listed in the status
line as applying to the next run; Run on a paused run with changed controls starts a new run
with them (Resume goes on with the paused one); every figure's title says which run it draws.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from typing import Callable

import plotly.graph_objects as go

from lab.core import ConfigError, History, LabConfig, Run, Trainer


FigureFn = Callable[[History | None, LabConfig], go.Figure]
EnabledBy = dict[str, tuple[str, Callable[[object], bool]]]  # option → (its switch, whether a value of it turns it on)
REFRESH_S = 0.15  # the fastest a figure is redrawn (about 7 times a second)
BUDGET = 0.1      # the share of time that redrawing a view's figures may take, whatever their cost: half
                  # the 20 % target, since drawing also keeps the trainer's Python waiting for the GIL
                  # (benchmarks/README.md: LLM-RL in JupyterLab ×0.79 at 0.2, ×0.86 at 0.1)


class LabView:
    """The state behind a lab's controls; front-end agnostic and thread-safe."""

    def __init__(self, title: str, trainer_cls: type[Trainer], figures: list[FigureFn], about: str = "",
                 values: dict | None = None, enabled_by: EnabledBy | None = None):
        """``values`` start some controls away from the config's defaults (they must be valid).
        ``enabled_by`` names the options that apply only while a switch is on: their controls are
        disabled while it is off, and hold their default then (which is what a config that refuses a
        stray option accepts)."""
        self.title, self.trainer_cls, self.figure_fns, self.about = title, trainer_cls, figures, about
        self.enabled_by: EnabledBy = enabled_by or {}
        self.config_cls = trainer_cls.Config
        self.config: LabConfig = self.config_cls.from_params(**(values or {}))
        self.values = self.config.model_dump()
        self.run: Run | None = None
        self.trainer_options: dict = {}  # extra keyword arguments for the trainer (an edited game, say)
        self.message = "Ready: press Run."
        self.failed = False
        self.closed = False
        self._lock = threading.RLock()

    # --- what the controls call (from any thread) ------------------------------------------

    def set_value(self, name: str, value) -> bool:
        """A control changed: the options of a switch it turned off go back to their defaults, then
        the whole config is checked; a bad value shows in the status line."""
        with self._lock:
            self.values[name] = value
            for option, (switch, _) in self.enabled_by.items():
                if switch == name and not self.applies(option):
                    self.values[option] = self.config_cls.model_fields[option].default
            return self._validate() is not None

    def applies(self, name: str) -> bool:
        """Whether control ``name`` applies with the controls' values now: unless ``enabled_by``
        names its switch and that switch is off."""
        if name not in self.enabled_by:
            return True
        switch, turns_on = self.enabled_by[name]
        return turns_on(self.values[switch])

    def start(self) -> None:
        """Run: start a fresh run with the controls' values. Ignored while a run trains (the status
        line lists changed controls as applying to the next run); on a paused run it resumes when
        the controls are unchanged and starts a new run with them when they changed."""
        with self._lock:
            run = self.run
            if self.closed or (run is not None and run.state == "running" and not run.stopping):
                return
            if run is not None and run.state == "paused" and not self.changes():
                run.resume()
                return
            config = self._validate()
            if config is None:
                return
            try:
                trainer = self.trainer_cls(config, **self.trainer_options)
            except (ValueError, TypeError, RuntimeError) as err:
                return self._fail(f"Could not build the trainer: {err}")
            if run is not None:
                run.stop()   # a paused (or stopping) run is replaced; its thread ends within one step
            self.config = config
            self.run = Run(trainer, config.steps, progress=False).start()
            self.failed = False

    def pause(self) -> None:
        with self._lock:
            if self.run is not None:
                self.run.pause()

    def resume(self) -> None:
        """Go on with the paused run, as it was configured (changed controls wait for the next Run)."""
        with self._lock:
            if self.run is not None:
                self.run.resume()

    def stop(self) -> None:
        """Ask the run to stop; returns at once (it ends within one training step)."""
        with self._lock:
            if self.run is not None:
                self.run.stop()

    def reset(self) -> None:
        """Stop and forget the run; the figures go back to empty."""
        with self._lock:
            self.stop()
            self.run = None
            self._validate()
            if not self.failed:
                self.message = "Ready: press Run."

    def close(self) -> None:
        """The view's page went away: stop the run and let go of it (and its trainer's memory)."""
        with self._lock:
            self.closed = True
            self.stop()
            self.run = None

    def wait(self, timeout: float | None = None) -> History | None:
        """Block until the current run ends (for notebooks that want the live run's History)."""
        run = self.run
        if run is not None:
            run.join(timeout)
            return run.history
        return None

    # --- what the front-ends read ---------------------------------------------------------

    @property
    def history(self) -> History | None:
        run = self.run
        return run.history if run is not None else None

    @property
    def trainer(self) -> Trainer | None:
        """The current run's trainer, or None. Views must not draw from it (its generator and state
        belong to training): they use ``view_state()``."""
        run = self.run
        return run.trainer if run is not None else None

    def view_state(self):
        """The latest copy of the run's ``Trainer.view_state()`` (asking for a fresher one), or None."""
        run = self.run
        if run is None:
            return None
        run.request_view_state()
        latest = run.view_state
        return latest[1] if latest is not None else None

    @property
    def progress(self) -> float:
        run = self.run
        return run.step / run.steps if run is not None else 0.0

    def changes(self) -> list[str]:
        """Controls whose value differs from the live run's config, as 'name old → new'."""
        run = self.run
        if run is None or run.done:
            return []
        drawn = run.trainer.config.model_dump()
        return [f"{name} {_short(drawn[name])} → {_short(value)}" for name, value in self.values.items()
                if name in drawn and value != drawn[name]]

    def status(self) -> tuple[str, bool]:
        """(sentence, is_error) describing the run now."""
        run = self.run
        if run is None or self.failed:
            return self.message, self.failed
        wall = run.history.meta.get("wall_s")
        if run.state == "failed":
            return f"Failed at step {run.step}: {run.error}", True
        changes = self.changes()
        if run.stopping:
            sentence = f"Stopping at step {run.step:,}…"
        elif run.state == "paused":
            sentence = f"Paused at step {run.step:,} of {run.steps:,}: Resume goes on with this run"
            sentence += (f"; Run starts a new one with the changed controls ({', '.join(changes)})."
                         if changes else ".")
            changes = []
        else:
            sentence = {
                "running": f"Running: step {run.step:,} of {run.steps:,}.",
                "stopped": f"Stopped at step {run.step:,} of {run.steps:,}.",
                "finished": f"Finished {run.steps:,} steps" + (f" in {wall:.1f} s." if wall else "."),
            }.get(run.state, "Starting…")
        if changes:
            sentence += f" Changed controls apply to the next run (Stop, then Run): {', '.join(changes)}."
        for warning in run.warnings:
            sentence += f" Warning: {warning}"
        return sentence, False

    def frame(self) -> tuple[History | None, LabConfig, tuple]:
        """What the figures draw now: one snapshot of the History, the config of the run it belongs
        to (the controls' values before any run), and a key that changes when either does."""
        run = self.run
        if run is None:
            config = self._validate(quiet=True) or self.config
            return None, config, (None, config)
        snapshot = run.history.snapshot()
        state_step = run.view_state[0] if run.view_state is not None else None
        return snapshot, run.trainer.config, (id(run), run.done, snapshot.version, state_step)

    def figure(self, i: int, history: History | None, config: LabConfig) -> go.Figure:
        """The i-th figure of ``history`` (a snapshot), its title naming the run's settings."""
        fig = self.figure_fns[i](history, config)
        if history is not None:
            label_run(fig, config)
        return fig

    def figures(self) -> list[go.Figure]:
        """Fresh figures from one snapshot of the current History (empty ones before any run)."""
        history, config, _ = self.frame()
        return [self.figure(i, history, config) for i in range(len(self.figure_fns))]

    # --- front-ends -----------------------------------------------------------------------

    def show(self):
        """The ipywidgets front-end (JupyterLab); displaying the view does the same."""
        from .jupyter_front import jupyter_front
        return jupyter_front(self)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.show())

    def panel(self):
        """The Panel front-end (the dashboard); build it inside a server session."""
        from .panel_front import panel_front
        return panel_front(self)

    # --- internals ------------------------------------------------------------------------

    def _validate(self, quiet: bool = False) -> LabConfig | None:
        try:
            config = self.config_cls.from_params(**self.values)
        except ConfigError as err:
            if not quiet:
                self._fail(str(err))
            return None
        if not quiet and self.failed:
            self.failed, self.message = False, "Ready: press Run."
        return config

    def _fail(self, sentence: str) -> None:
        self.failed, self.message = True, sentence


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@functools.lru_cache(maxsize=None)
def _defaults(config_cls: type[LabConfig]) -> dict:
    return config_cls().model_dump()


def label_run(fig: go.Figure, config: LabConfig, width: int = 110) -> None:
    """Add to ``fig``'s title a line naming the settings of the run it draws (those off the defaults)."""
    defaults = _defaults(type(config))
    settings = [f"{name} {_short(value)}" for name, value in config.model_dump().items()
                if value != defaults.get(name)]
    line = "run: " + (", ".join(settings) if settings else "the defaults")
    if len(line) > width:
        line = line[: width - 1] + "…"
    title = fig.layout.title.text or ""
    fig.update_layout(title_text=f"{title}<br><sup>{line}</sup>" if title else f"<sup>{line}</sup>")
    top = fig.layout.margin.t
    fig.update_layout(margin_t=(top if top is not None else 80) + 16)


class Redrawer:
    """Brings a front-end's status, progress and figures up to date with its LabView.

    - ``draw_status()`` is cheap (no History read): call it as often as you like.
    - ``draw_figures()`` reads one snapshot and redraws the figures whose run or History changed.
      Each figure is redrawn at most every ``period(i)`` seconds, adapted to its measured cost so
      that all of them together take at most ``BUDGET`` of the time: a heavy figure (the value
      landscape) is redrawn less often than a cheap one. A figure that raises keeps its last
      picture and its error becomes a line in the status area; the next change tries again.
    - ``show_figure(i, fresh)`` puts the i-th figure on screen (in place for FigureWidgets, or
      into a Panel pane); ``show_status(sentence, is_error)``; ``show_progress(fraction)``.

    Thread-safe: figures are drawn by one thread at a time.
    """

    def __init__(self, view: LabView, show_figure: Callable[[int, go.Figure], None],
                 show_status: Callable[[str, bool], None], show_progress: Callable[[float], None]):
        self.view, self.show_figure = view, show_figure
        self.show_status, self.show_progress = show_status, show_progress
        n = len(view.figure_fns)
        self.cost = [0.0] * n              # CPU seconds per redraw, a moving average
        self._drawn_key: list = [None] * n
        self._drawn_at = [-math.inf] * n
        self.errors: dict[int, str] = {}
        self._status = None
        self._lock = threading.Lock()

    def period(self, i: int) -> float:
        """Seconds between redraws of figure i: at least REFRESH_S, and long enough that the view's
        figures together stay within BUDGET of the time."""
        return max(REFRESH_S, self.cost[i] * len(self.cost) / BUDGET)

    def add_cost(self, i: int, seconds: float) -> None:
        """Count ``seconds`` (putting the figure on screen, say) into figure i's last redraw."""
        self.cost[i] += seconds

    def draw_status(self) -> None:
        sentence, is_error = self.view.status()
        for i in sorted(self.errors):
            sentence += f" {self.errors[i]}"
        if (sentence, is_error) != self._status:
            self._status = (sentence, is_error)
            self.show_status(sentence, is_error)
        self.show_progress(self.view.progress)

    def draw_figures(self) -> None:
        with self._lock:
            history, config, key = self.view.frame()
            for i, fn in enumerate(self.view.figure_fns):
                drawn = self._drawn_key[i]
                if key == drawn:
                    continue
                now = time.perf_counter()
                structural = drawn is None or key[:2] != drawn[:2]   # another run, or it ended
                if not structural and now - self._drawn_at[i] < self.period(i):
                    continue
                cpu = time.thread_time()
                try:
                    self.show_figure(i, self.view.figure(i, history, config))
                    self.errors.pop(i, None)
                except Exception as err:  # noqa: BLE001 - a broken figure must not stop the others
                    name = getattr(fn, "__name__", f"figure {i + 1}")
                    self.errors[i] = f"Figure '{name}' could not be drawn: {type(err).__name__}: {err}"
                spent = time.thread_time() - cpu   # CPU time: waiting for the GIL or a core is not its cost
                self.cost[i] = spent if drawn is None else 0.7 * self.cost[i] + 0.3 * spent
                self._drawn_key[i], self._drawn_at[i] = key, now

    def __call__(self) -> None:
        """Status, progress and due figures, in this thread (JupyterLab's redraw thread, tests); the
        status first, so "Stopped" is not kept waiting by a round of figures (a figure's error shows
        on the next call)."""
        self.draw_status()
        self.draw_figures()

    def loop_while(self, alive: Callable[[], bool]) -> None:
        """Redraw every REFRESH_S while ``alive()``, then once more; an error in one redraw becomes a
        line in the status area and the loop goes on."""
        while True:
            still = alive()
            try:
                self()
            except Exception as err:  # noqa: BLE001 - the live view must outlive any one redraw
                self.show_status(f"The live view could not redraw: {type(err).__name__}: {err}", True)
            if not still:
                break
            time.sleep(REFRESH_S)
