"""The Panel front-end of a LabView (the dashboard).

Built per browser session: a periodic callback of that session redraws a few times per
second (on the server's event loop, so it may touch the document), and the session's run
is stopped when the browser goes away.
"""
from __future__ import annotations

import panel as pn

from .controls import control_specs, panel_help, panel_widget
from .labview import REFRESH_S, LabView, Redrawer


def panel_front(view: LabView) -> pn.viewable.Viewable:
    specs = control_specs(view.config_cls, view.values)
    controls = {spec.name: panel_widget(spec) for spec in specs}
    buttons = {name: pn.widgets.Button(label=name, color=kind, width=90, css_classes=[f"button-{name.lower()}"])
               for name, kind in [("Run", "primary"), ("Pause", "default"), ("Stop", "warning"), ("Reset", "light")]}
    progress = pn.indicators.Progress(value=0, max=1000, sizing_mode="stretch_width", height=16)
    status = pn.pane.Alert("", alert_type="secondary", css_classes=["lab-status"], sizing_mode="stretch_width")
    panes = [pn.pane.Plotly(fig, sizing_mode="stretch_width", css_classes=[f"lab-figure-{i}"])
             for i, fig in enumerate(view.figures())]

    def show_status(sentence: str, is_error: bool) -> None:
        status.object = sentence
        status.alert_type = "danger" if is_error else "secondary"

    # A fresh figure per redraw: Panel sends it whole (Plotly.react keeps the zoom via uirevision);
    # patching a figure in place through the pane's plotly hooks failed to serialize for some traces.
    redraw = Redrawer(view, lambda i, fresh: setattr(panes[i], "object", fresh), show_status,
                      lambda p: setattr(progress, "value", int(1000 * p)))

    for name, control in controls.items():
        control.param.watch(lambda event, name=name: (view.set_value(name, event.new), redraw()), "value")
    actions = {"Run": view.start, "Pause": view.pause, "Stop": view.stop, "Reset": view.reset}
    for name, button in buttons.items():
        button.on_click(lambda event, act=actions[name]: (act(), redraw()))

    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        callback = pn.state.add_periodic_callback(redraw, period=int(REFRESH_S * 1000))
        pn.state.on_session_destroyed(lambda context: (callback.stop(), view.stop()))
    redraw()
    return pn.Column(
        pn.pane.Markdown(f"### {view.title}\n\n{view.about}"),
        pn.GridBox(*[pn.Row(controls[s.name], panel_help(s)) for s in specs], ncols=3),
        pn.Row(*buttons.values()), progress, status, *panes,
        sizing_mode="stretch_width",
    )
