"""The ipywidgets front-end of a LabView (JupyterLab).

Training runs in the Run's background thread; a second thread redraws the FigureWidgets a
few times per second while the run lasts, so the kernel stays free for clicks.
"""
from __future__ import annotations

import html
import threading

import ipywidgets as w
import plotly.graph_objects as go

from .controls import control_specs, ipywidget
from .labview import LabView, Redrawer
from .live import update_in_place


def jupyter_front(view: LabView) -> w.Widget:
    controls = {spec.name: ipywidget(spec) for spec in control_specs(view.config_cls, view.values)}
    buttons = {name: w.Button(description=name, button_style=style, layout=w.Layout(width="90px"))
               for name, style in [("Run", "primary"), ("Pause", ""), ("Stop", "warning"), ("Reset", "")]}
    progress = w.FloatProgress(min=0.0, max=1.0, layout=w.Layout(width="460px"))
    status = w.HTML()
    figures = [go.FigureWidget(fig) for fig in view.figures()]

    def show_status(sentence: str, is_error: bool) -> None:
        color = "#b00020" if is_error else "#333"
        status.value = f'<span style="color:{color}">{html.escape(sentence)}</span>'

    redraw = Redrawer(view, lambda i, fresh: update_in_place(figures[i], fresh), show_status,
                      lambda p: setattr(progress, "value", p))

    def on_change(change, name):
        view.set_value(name, change["new"])
        redraw()

    for name, control in controls.items():
        control.observe(lambda change, name=name: on_change(change, name), names="value")

    def on_run(_):
        view.start()
        run = view.run
        if run is not None and not run.done:
            threading.Thread(target=redraw.loop_while, args=(lambda: view.run is run and not run.done,),
                             daemon=True, name="lab-redraw").start()
        redraw()

    def on_pause(_):
        view.pause()
        redraw()

    def on_stop(_):
        view.stop()
        redraw()

    def on_reset(_):
        view.reset()
        redraw()

    for name, handler in [("Run", on_run), ("Pause", on_pause), ("Stop", on_stop), ("Reset", on_reset)]:
        buttons[name].on_click(handler)
    redraw()
    header = w.HTML(f"<h3>{html.escape(view.title)}</h3><p>{html.escape(view.about)}</p>")
    return w.VBox([header, w.GridBox(list(controls.values()),
                                     layout=w.Layout(grid_template_columns="repeat(2, 370px)")),
                   w.HBox(list(buttons.values())), progress, status, *figures])
