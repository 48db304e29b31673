"""The ipywidgets front-end of a LabView (JupyterLab).

Training runs in the Run's background thread; a redraw thread updates the FigureWidgets while a
run lasts, so the kernel stays free for clicks. Clicks reach the kernel only between cells: while
the kernel runs another cell, the status line says so (clicks wait until that cell finishes).
"""
from __future__ import annotations

import html
import threading
import weakref

import ipywidgets as w

from .controls import control_specs, follow_switches, ipywidget
from .labview import LabView, Redrawer
from .live_figure_widget import LiveFigureWidget

KERNEL_BUSY = ("The kernel is running another cell: clicks here wait until it finishes "
               "(interrupt the kernel to act now).")
BUTTONS = [("Run", "primary"), ("Pause", ""), ("Resume", ""), ("Stop", "warning"), ("Reset", "")]


def jupyter_front(view: LabView) -> w.Widget:
    controls = {spec.name: ipywidget(spec) for spec in control_specs(view.config_cls, view.values)}
    buttons = {name: w.Button(description=name, button_style=style, layout=w.Layout(width="90px"))
               for name, style in BUTTONS}
    progress = w.FloatProgress(min=0.0, max=1.0, layout=w.Layout(width="460px"))
    status = w.HTML()
    figures = [LiveFigureWidget(fig) for fig in view.figures()]

    def show_status(sentence: str, is_error: bool) -> None:
        color = "#b00020" if is_error else "#333"
        status.value = f'<span style="color:{color}">{html.escape(sentence)}</span>'

    redraw = KernelAwareRedrawer(view, lambda i, fresh: figures[i].redraw_from(fresh), show_status,
                                 lambda p: setattr(progress, "value", p))
    loop: list[threading.Thread] = []

    def follow_the_run() -> None:
        """Keep one redraw thread going while the view's run is live."""
        if loop and loop[0].is_alive():
            return
        thread = threading.Thread(target=redraw.loop_while, daemon=True, name="lab-redraw",
                                  args=(lambda: view.run is not None and view.run.alive,))
        loop[:] = [thread]
        thread.start()

    def act(action):
        def handler(_):
            action()
            follow_the_run()
            redraw()
        return handler

    def on_change(change, name):
        view.set_value(name, change["new"])
        follow_switches(view, controls)
        redraw()

    for name, control in controls.items():
        control.observe(lambda change, name=name: on_change(change, name), names="value")
    actions = {"Run": view.start, "Pause": view.pause, "Resume": view.resume, "Stop": view.stop, "Reset": view.reset}
    for name, button in buttons.items():
        button.on_click(act(actions[name]))
    follow_switches(view, controls)
    redraw()
    _watch_the_kernel(redraw)
    header = w.HTML(f"<h3>{html.escape(view.title)}</h3><p>{html.escape(view.about)}</p>")
    return w.VBox([header, w.GridBox(list(controls.values()),
                                     layout=w.Layout(grid_template_columns="repeat(2, 370px)")),
                   w.HBox(list(buttons.values())), progress, status, *figures])


class KernelAwareRedrawer(Redrawer):
    """A Redrawer whose status line also says when the kernel is busy with another cell."""

    kernel_busy = False

    def draw_status(self) -> None:
        super().draw_status()
        if self.kernel_busy and self._status is not None:
            sentence, is_error = self._status
            self.show_status(f"{sentence} {KERNEL_BUSY}", is_error)
            self._status = None  # redraw the plain status once the kernel is free


_shown: "weakref.WeakSet[KernelAwareRedrawer]" = weakref.WeakSet()
_watching = False


def _watch_the_kernel(redraw: KernelAwareRedrawer) -> None:
    """Tell ``redraw`` when the kernel starts and finishes a cell (IPython's cell events), so its
    status line can say that clicks wait. Outside IPython, nothing to watch."""
    global _watching
    _shown.add(redraw)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or _watching:
        return

    def mark(busy: bool) -> None:
        for shown in list(_shown):
            shown.kernel_busy = busy
            try:
                shown.draw_status()
            except Exception:  # noqa: BLE001 - a closed widget must not break the user's cell
                pass

    shell.events.register("pre_run_cell", lambda info: mark(True))
    shell.events.register("post_run_cell", lambda result: mark(False))
    _watching = True
