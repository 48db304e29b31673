"""The Panel front-end of a LabView (the dashboard).

Built per browser session. The server's event loop only does cheap work: a periodic tick of the
session puts the status line, the progress bar and figures already computed on the page. The
figures themselves are computed from History snapshots by a worker thread of the view (the
server stays responsive for every session while a heavy figure is drawn). When the page goes
away — its websocket closed for ``GONE_S`` seconds, or Bokeh destroys the session — the run is
stopped, the worker ends and the view lets go of its trainer, instead of training on for the
half minute Bokeh takes to notice. Once a run has ended, a row below the status line (``SaveRow``) saves
it under a name into the runs root, off the event loop, and shows its config with 'copy as code'.
"""
from __future__ import annotations

import atexit
import functools
import html
import re
import string
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import panel as pn
import plotly.graph_objects as go
from panel.io.state import set_curdoc

from lab.core.run import stop_and_join

from lab.core.config import ConfigError
from lab.core.run_store import RunNameError, command_line, runs_root, save_named, snippet, trainer_name

from . import url_state
from .controls import control_specs, follow_switches, panel_help, panel_widget
from .labview import REFRESH_S, LabView, Redrawer

GONE_S = 2.0  # a session without a connection for this long is a closed page
MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(string.punctuation.replace("&", "").replace(";", "")) + "])")


def markdown_text(text) -> str:
    """``text`` shown as it is in a Markdown pane (an Alert, a status line): HTML escaped, then every
    ASCII punctuation mark backslashed, so that a user's string — a file name, a cell, a value an error
    echoes — is never markup, a link or script (issue 12: ``<img src=x onerror=…>`` ran in the page)."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(str(text), quote=False))


class FigureWorker:
    """A thread that draws a view's figures off the event loop; ``take()`` hands over the fresh ones."""

    def __init__(self, redraw: Redrawer):
        self.redraw = redraw
        self._fresh: dict[int, go.Figure] = {}
        self._lock = threading.Lock()
        self._wake, self._closed = threading.Event(), threading.Event()
        redraw.show_figure = self._keep
        self._thread = threading.Thread(target=self._loop, daemon=True, name="lab-figures")
        self._thread.start()
        _LIVE.add(self)

    def _keep(self, i: int, fig: go.Figure) -> None:
        with self._lock:
            self._fresh[i] = fig

    def _loop(self) -> None:
        while not self._closed.is_set():
            try:
                self.redraw.draw_figures()
            except Exception:  # noqa: BLE001 - figure errors are caught per figure; this is a last guard
                pass
            self._wake.wait(REFRESH_S)
            self._wake.clear()

    def poke(self) -> None:
        """Something changed (a control, a button): draw now rather than at the next period."""
        self._wake.set()

    def take(self) -> dict[int, go.Figure]:
        with self._lock:
            fresh, self._fresh = self._fresh, {}
        return fresh

    def stop(self) -> None:
        self._closed.set()
        self._wake.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (after ``close``); True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


_LIVE: weakref.WeakSet[FigureWorker] = weakref.WeakSet()


# How long exit waits for the figure threads. A draw cannot be interrupted, only waited for, and it ends:
# the heaviest (the critic's value landscape) takes 0.2-0.55 s on a quiet machine. Run's 5 s (EXIT_JOIN_S)
# was too short at load 9-15: the exit test's 1.3 s draw outlasted it and the process aborted (a clean-clone
# make test beside browser-test loops, 2026-12-03).
FIGURE_EXIT_JOIN_S = 60.0


@atexit.register
def stop_figure_workers() -> None:
    """Stop and join the figure threads still drawing at interpreter exit: a daemon thread killed inside
    torch (the critic's value landscape) aborts the process with "terminate called without an active
    exception" — once in a loaded loop of the dashboard's Ctrl-C test, every time in
    tests/widgets/test_panel_front_exit.py without this."""
    stop_and_join(_LIVE, timeout_s=FIGURE_EXIT_JOIN_S)


def panel_front(view: LabView) -> pn.viewable.Viewable:
    specs = control_specs(view.config_cls, view.values)
    controls = {spec.name: panel_widget(spec) for spec in specs}
    buttons = {name: pn.widgets.Button(label=name, color=kind, width=90, css_classes=[f"button-{name.lower()}"])
               for name, kind in [("Run", "primary"), ("Pause", "default"), ("Resume", "default"),
                                  ("Stop", "warning"), ("Reset", "light")]}
    progress = pn.indicators.Progress(value=0, max=1000, sizing_mode="stretch_width", height=16)
    status = pn.pane.Alert("", alert_type="secondary", css_classes=["lab-status"], sizing_mode="stretch_width")
    panes = [pn.pane.Plotly(fig, sizing_mode="stretch_width", css_classes=[f"lab-figure-{i}"])
             for i, fig in enumerate(view.figures())]

    def show_status(sentence: str, is_error: bool) -> None:
        status.object = markdown_text(sentence)  # it may echo what a user typed (a ConfigError's value)
        status.alert_type = "danger" if is_error else "secondary"

    def show_progress(fraction: float) -> None:
        value = int(1000 * fraction)
        if progress.value != value:
            progress.value = value

    redraw = Redrawer(view, lambda i, fresh: None, show_status, show_progress)
    worker = FigureWorker(redraw)

    def put_figures_on_the_page() -> None:
        for i, fig in worker.take().items():
            started = time.thread_time()
            panes[i].object = fig  # Panel sends it whole; Plotly.react keeps the zoom (uirevision)
            redraw.add_cost(i, time.thread_time() - started)

    def on_change(name, value) -> None:
        view.set_value(name, value)
        follow_switches(view, controls)
        redraw.draw_status()
        worker.poke()

    def press(action) -> None:
        action()
        redraw.draw_status()
        worker.poke()

    for name, control in controls.items():
        control.param.watch(lambda event, name=name: on_change(name, event.new), "value")
    actions = {"Run": view.start, "Pause": view.pause, "Resume": view.resume, "Stop": view.stop, "Reset": view.reset}
    for name, button in buttons.items():
        button.on_click(lambda event, act=actions[name]: press(act))

    saving = SaveRow(view)
    link_problems = url_state.share(controls, lambda name, value: config_problem(view, name, value))
    follow_switches(view, controls)
    redraw.draw_status()
    layout = pn.Column(
        pn.pane.Markdown(f"### {view.title}\n\n{view.about}"),
        url_state.link_problems(link_problems),
        pn.GridBox(*[pn.Row(controls[s.name], panel_help(s)) for s in specs], ncols=3),
        pn.Row(*buttons.values()), progress, status, saving.layout, *panes,
        sizing_mode="stretch_width",
    )

    def put_on_the_page() -> None:
        put_figures_on_the_page()
        saving.follow_the_run()

    document = pn.state.curdoc
    if document is not None and document.session_context is not None:
        _follow_the_session(document.session_context, view, worker, redraw, put_on_the_page)
    else:
        worker.stop()  # no server session (a test building the layout): nothing to keep drawn
    return layout


BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lab-files")
"""Where runs are saved and loaded for every session, never the server's event loop (saving the Policy
Cliff's default run took 100–230 ms)."""


def in_the_background(work: Callable[[], object], then: Callable[[object], None],
                      failed: Callable[[Exception], None]) -> None:
    """``work()`` on a ``BACKGROUND`` thread, then ``then(result)`` or ``failed(error)`` on the session's
    document (where widgets may change); all at once in this thread when there is no server session."""
    document = pn.state.curdoc
    in_a_session = document is not None and document.session_context is not None

    def job() -> None:
        try:
            finish = functools.partial(then, work())
        except Exception as err:  # noqa: BLE001 - shown in the page as a sentence
            finish = functools.partial(failed, err)
        if not in_a_session:
            return finish()
        with set_curdoc(document):
            pn.state.execute(finish, schedule=True)

    BACKGROUND.submit(job) if in_a_session else job()


COPY_JS = ("const box = this.parentNode.querySelector('pre'); const done = ok => { this.textContent = ok ? "
           "'Copied' : 'Select the text and copy it'; }; if (navigator.clipboard && window.isSecureContext) { "
           "navigator.clipboard.writeText(box.textContent).then(() => done(true), () => done(false)); } else { "
           "const range = document.createRange(); range.selectNodeContents(box); const chosen = "
           "window.getSelection(); chosen.removeAllRanges(); chosen.addRange(range); "
           "done(document.execCommand('copy')); }")


def copyable(text: str, css_class: str) -> pn.pane.HTML:
    """``text`` in a read-only code box (escaped) with a Copy button that puts it on the browser's clipboard."""
    return pn.pane.HTML(
        f"<div class='{css_class}'><button class='lab-copy' onclick=\"{html.escape(COPY_JS)}\">Copy</button>"
        f"<pre style='max-height:320px;overflow:auto;background:#f6f8fa;padding:8px'>{html.escape(text)}</pre></div>",
        sizing_mode="stretch_width")


def config_table(config: dict) -> pn.pane.HTML:
    """A run's config, one row per field, every name and value escaped."""
    rows = "".join(f"<tr><td><code>{html.escape(str(name))}</code></td><td>{html.escape(repr(value))}</td></tr>"
                   for name, value in config.items())
    return pn.pane.HTML(f"<table class='lab-config' style='font-size:90%'>{rows}</table>")


def reproduce_card(trainer: str | None, config: dict, collapsed: bool, note: str = "") -> pn.Card:
    """The config a run used and 'copy as code': the Python snippet and the command line that train it
    again (``lab.core.run_store``), each with a Copy button; a sentence where there is no code to give."""
    try:
        if trainer is None:
            raise ValueError("its trainer is not one of lab.core.trainers")
        code = [copyable(snippet(trainer, config), "lab-snippet"),
                copyable(command_line(trainer, config), "lab-command")]
    except ValueError as err:
        code = [pn.pane.Markdown(markdown_text(f"No code to reproduce this run: {err}"))]
    notes = [pn.pane.Markdown(markdown_text(note))] if note else []
    return pn.Card(pn.Row(config_table(config), pn.Column(*notes, *code, sizing_mode="stretch_width")),
                   title="Config and copy as code", collapsed=collapsed, sizing_mode="stretch_width",
                   css_classes=["lab-reproduce"])


class SaveRow:
    """Below a live view's status line, once its run has ended: a name box and Save run (into the runs
    root, ``lab.core.run_store.runs_root()``, off the event loop), the outcome as a sentence, and the run's
    config with 'copy as code'. ``follow_the_run()`` (cheap) shows or hides it as the run ends or restarts."""

    def __init__(self, view: LabView):
        self.view, self.shown_run = view, None
        self.name = pn.widgets.TextInput(placeholder="a name: letters, digits, . _ -", width=300,
                                         css_classes=["lab-save-name"])
        self.button = pn.widgets.Button(label="Save run", color="primary", width=100,
                                        css_classes=["button-save-run"])
        self.outcome = pn.pane.Alert("", alert_type="secondary", visible=False, css_classes=["lab-save-status"],
                                     sizing_mode="stretch_width")
        self.details = pn.Column(sizing_mode="stretch_width")
        self.layout = pn.Column(pn.Row(self.name, self.button), self.outcome, self.details, visible=False,
                                sizing_mode="stretch_width")
        self.button.on_click(lambda event: self.save())

    def follow_the_run(self) -> None:
        run = self.view.run
        ended = run if run is not None and run.done else None
        if ended is self.shown_run:
            return
        self.shown_run = ended
        self.layout.visible, self.outcome.visible, self.button.disabled = ended is not None, False, False
        if ended is not None:
            note = ("This run also used settings from outside its config (an edited matrix, uploaded dialogs): "
                    "the code reproduces its config only." if self.view.trainer_options else "")
            self.details.objects = [reproduce_card(trainer_name(ended.history.meta["trainer"]),
                                                   ended.trainer.config.model_dump(), True, note)]

    def save(self) -> None:
        run, name, root = self.shown_run, self.name.value_input or self.name.value, runs_root()
        if run is None:
            return
        self.button.disabled = True
        self.show("Saving…", False)

        def saved(path) -> None:
            self.button.disabled = False
            self.show(f"Saved as {name} in {root}.", False)

        def refused(err: Exception) -> None:
            self.button.disabled = False
            reason = str(err) if isinstance(err, RunNameError) else f"{type(err).__name__}: {err}"
            self.show(f"Not saved: {reason}", True)

        in_the_background(lambda: save_named(run.history, root, name), saved, refused)

    def show(self, sentence: str, is_error: bool) -> None:
        self.outcome.object = markdown_text(sentence)
        self.outcome.alert_type = "danger" if is_error else "success"
        self.outcome.visible = True


def config_problem(view: LabView, name: str, value) -> str | None:
    """Why ``view``'s config rejects ``value`` for control ``name`` with the other controls as they are; None
    when it accepts it."""
    try:
        view.config_cls.from_params(**{**view.values, name: value})
    except ConfigError as err:
        return str(err)
    return None


def _follow_the_session(context, view: LabView, worker: FigureWorker, redraw: Redrawer, put_figures) -> None:
    """Tick on the session's event loop while its page is open; end everything when it goes away."""

    def show() -> None:
        redraw.draw_status()
        put_figures()

    def close() -> None:
        worker.stop()
        view.close()

    tick_while_the_page_is_open(context, show, close, REFRESH_S, lambda err: redraw.show_status(
        f"The live view could not redraw: {type(err).__name__}: {err}", True))


def tick_while_the_page_is_open(context, show: Callable[[], None], close: Callable[[], None], period_s: float,
                                on_error: Callable[[Exception], None]) -> None:
    """Every ``period_s`` on the session's event loop, ``show()`` while the session's page is connected;
    once it has been gone ``GONE_S`` seconds (or the session is destroyed) stop ticking and ``close()``.
    An exception in ``show()`` goes to ``on_error``: a tick never takes the session down."""
    seen = {"connected": False, "gone_since": None, "closed": False}

    def stop() -> None:
        if callback.running:
            callback.stop()
        if not seen["closed"]:
            seen["closed"] = True
            close()

    def tick() -> None:
        session = context.session
        if session is not None and session.connection_count > 0:
            seen["connected"], seen["gone_since"] = True, None
        elif seen["connected"]:
            seen["gone_since"] = seen["gone_since"] or time.monotonic()
            if time.monotonic() - seen["gone_since"] > GONE_S:
                stop()
            return  # nothing to send to a page that is not there
        try:
            show()
        except Exception as err:  # noqa: BLE001 - a tick must never take the session down
            on_error(err)

    callback = pn.state.add_periodic_callback(tick, period=int(period_s * 1000))
    pn.state.on_session_destroyed(lambda session_context: stop())
