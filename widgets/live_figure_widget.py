"""The live figure of the Jupyter front-end: a plotly FigureWidget that a redraw thread may edit, and
whose page side survives a slow page."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path

import plotly.graph_objects as go
import traitlets

from .live import update_in_place


class LiveFigureWidget(go.FigureWidget):
    """A FigureWidget that the redraw thread edits while the kernel's main thread handles the page's
    messages about it.

    ipywidgets applies a message from the page (``set_state``) inside traitlets'
    ``hold_trait_notifications``, which swaps the widget's ``notify_change`` for a cache that merges
    each trait's changes into its last value. plotly sends an edit by setting a trait and resetting it
    (``_py2js_addTraces = message; _py2js_addTraces = None``), so an edit that another thread makes in
    that window reaches the page as None: lost. Losing the one that adds the traces left the page's
    figure empty for good while the kernel's copy drew on: in a loop of the JupyterLab browser test
    beside a clean-clone ``make test`` (load 5-16, 2026-12-03), 4 of 28 rounds saw notebook 01's figure
    draw nothing (no x at all) for 60 s while the status line reached "Finished 100,000 steps" and the
    kernel's figure held x up to 100,000. So holding notifications and editing both take ``_edit_lock``
    (tests/widgets/test_live_views.py shows the lost edit without it).

    Its page side is ``live_figure_widget.js``, not plotly's module itself: anywidget drops every
    message to a widget whose module took over 2 s to load, and plotly's (~5 MB, one import per
    figure) did under load (see that file); the small module here loads plotly's once per page,
    outside that deadline, and replays the edits that arrive meanwhile."""

    _esm = Path(__file__).with_name("live_figure_widget.js")
    _plotly_esm = traitlets.Unicode(str(go.FigureWidget._esm)).tag(sync=True)   # plotly's own page code
    # The traits that carry the kernel's edits, which the page keeps until plotly's code is bound.
    _late_traits = traitlets.List(traitlets.Unicode(), sorted(
        name for name in go.FigureWidget.class_trait_names(sync=True) if name.startswith("_py2js_"))).tag(sync=True)

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_edit_lock", threading.RLock())  # before __init__, which holds notifications
        super().__init__(*args, **kwargs)

    @contextmanager
    def hold_trait_notifications(self):
        with self._edit_lock, super().hold_trait_notifications():
            yield

    def get_state(self, key=None, drop_defaults=False):
        """The widget's state for the page. Asked for all of it (a reloaded page, a second view of the
        notebook), give the figure as it is now: plotly keeps ``_widget_data`` and ``_widget_layout`` as
        they were when the figure was displayed, and a page built from those lacks the traces that every
        later edit patches, so its figure stays empty."""
        if key is not None or "_layout_obj" not in self.__dict__:   # one edit's keys; or still being built
            return super().get_state(key, drop_defaults)
        with self._edit_lock:
            self._trait_values["_widget_data"] = deepcopy(self._data)   # as plotly's display does, unsent
            self._trait_values["_widget_layout"] = deepcopy(self._layout_obj._props)
            return super().get_state(key, drop_defaults)

    def redraw_from(self, fresh: go.Figure) -> None:
        """Show ``fresh``'s traces (``update_in_place``), never inside a page message's handling."""
        with self._edit_lock:
            update_in_place(self, fresh)
