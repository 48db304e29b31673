"""LabView: controls + Run / Pause / Stop / Reset + progress + status line + live figures.

One definition, two front-ends: ``view.show()`` renders it with ipywidgets in JupyterLab,
``view.panel()`` as Panel components in the dashboard. Both call the methods below, which
only validate, start a background ``Run`` and set its events, so the kernel and the server
stay responsive; the front-ends redraw from the run's History a few times per second.
Errors become a sentence in the status line, never a traceback.
"""
from __future__ import annotations

import time
from typing import Callable

import plotly.graph_objects as go

from lab.core import ConfigError, History, LabConfig, Run, Trainer


FigureFn = Callable[[History | None, LabConfig], go.Figure]
REFRESH_S = 0.15  # about 7 redraws per second, whatever the trainer's speed


class LabView:
    """The state behind a lab's controls; front-end agnostic."""

    def __init__(self, title: str, trainer_cls: type[Trainer], figures: list[FigureFn], about: str = "",
                 values: dict | None = None):
        """``values`` start some controls away from the config's defaults (they must be valid)."""
        self.title, self.trainer_cls, self.figure_fns, self.about = title, trainer_cls, figures, about
        self.config_cls = trainer_cls.Config
        self.config: LabConfig = self.config_cls.from_params(**(values or {}))
        self.values = self.config.model_dump()
        self.run: Run | None = None
        self.trainer_options: dict = {}  # extra keyword arguments for the trainer (an edited game, say)
        self.message = "Ready: press Run."
        self.failed = False

    # --- what the controls call -----------------------------------------------------------

    def set_value(self, name: str, value) -> bool:
        """A control changed: check the whole config; a bad value shows in the status line."""
        self.values[name] = value
        return self._validate() is not None

    def start(self) -> None:
        """Start a fresh run with the current values (ignored while one is going)."""
        if self.run is not None and not self.run.done:
            if self.run.state == "paused":
                self.run.resume()
            return
        config = self._validate()
        if config is None:
            return
        try:
            trainer = self.trainer_cls(config, **self.trainer_options)
        except (ValueError, TypeError, RuntimeError) as err:
            return self._fail(f"Could not build the trainer: {err}")
        self.config = config
        self.run = Run(trainer, config.steps, progress=False).start()
        self.failed = False

    def pause(self) -> None:
        if self.run is not None:
            self.run.pause()

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()
            self.run.join(timeout=5)

    def reset(self) -> None:
        """Stop and forget the run; the figures go back to empty."""
        self.stop()
        self.run = None
        self._validate()
        if not self.failed:
            self.message = "Ready: press Run."

    def wait(self, timeout: float | None = None) -> History | None:
        """Block until the current run ends (for notebooks that want the live run's History)."""
        if self.run is not None:
            self.run.join(timeout)
            return self.run.history
        return None

    # --- what the front-ends read ---------------------------------------------------------

    @property
    def history(self) -> History | None:
        return self.run.history if self.run is not None else None

    @property
    def trainer(self) -> Trainer | None:
        """The current run's trainer (for figures of live state, e.g. a lattice), or None."""
        return self.run.trainer if self.run is not None else None

    @property
    def progress(self) -> float:
        return self.run.step / self.run.steps if self.run is not None else 0.0

    def status(self) -> tuple[str, bool]:
        """(sentence, is_error) describing the run now."""
        run = self.run
        if run is None or self.failed:
            return self.message, self.failed
        wall = run.history.meta.get("wall_s")
        if run.state == "failed":
            return f"Failed at step {run.step}: {run.error}", True
        return {
            "running": f"Running: step {run.step:,} of {run.steps:,}.",
            "paused": f"Paused at step {run.step:,} of {run.steps:,}: press Run or Resume to go on.",
            "stopped": f"Stopped at step {run.step:,} of {run.steps:,}.",
            "finished": f"Finished {run.steps:,} steps" + (f" in {wall:.1f} s." if wall else "."),
        }.get(run.state, "Starting…"), False

    def figures(self) -> list[go.Figure]:
        """Fresh figures from the current History (empty ones before any run)."""
        config = self.config if self.run is not None else self._validate(quiet=True) or self.config
        return [fn(self.history, config) for fn in self.figure_fns]

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


class Redrawer:
    """Brings a front-end's status, progress and figures up to date with its LabView.

    Calling it is cheap when nothing changed: figures are rebuilt only when the run or its
    History's version differs from what is on screen; ``show_figure(i, fresh)`` puts the i-th
    fresh figure on screen (in place for FigureWidgets, by replacing a Panel pane's object).
    """

    def __init__(self, view: LabView, show_figure: Callable[[int, go.Figure], None],
                 show_status: Callable[[str, bool], None], show_progress: Callable[[float], None]):
        self.view, self.show_figure = view, show_figure
        self.show_status, self.show_progress = show_status, show_progress
        self._status = self._drawn = None

    def __call__(self) -> None:
        status = self.view.status()
        if status != self._status:
            self._status = status
            self.show_status(*status)
        self.show_progress(self.view.progress)
        history = self.view.history
        drawn = (id(self.view.run), history.version if history is not None else None, self.view.config)
        if drawn != self._drawn:
            self._drawn = drawn
            for i, fresh in enumerate(self.view.figures()):
                self.show_figure(i, fresh)

    def loop_while(self, alive: Callable[[], bool]) -> None:
        """Redraw every REFRESH_S while ``alive()``, then once more (for front-ends without an event loop)."""
        while alive():
            self()
            time.sleep(REFRESH_S)
        self()
