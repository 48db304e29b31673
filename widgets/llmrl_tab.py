"""The dashboard's LLM-RL tab: the live view of two objectives on the same seeds (``llmrl.llmrl_view``, whose
last figure is the rollout-correction health per seed), then two figures computed when asked — Routing Replay's
three arms (``lab.llmrl.routing.compare``) and the first-order check (``lab.llmrl.first_order.sweep``).

Each asked-for figure is an ``OnDemandFigure``: its button starts the computation on a thread of its own (seconds
of CPU: never on the server's event loop); the session's periodic tick only copies the finished figure and the
status line onto the page. When the page goes away a computation still running is left to finish and its result
is dropped (each is bounded: about 10 s on a quiet 2-core machine); one still running at interpreter exit is
joined, since a daemon thread killed inside torch aborts the process.
"""
from __future__ import annotations

import atexit
import functools
import threading
import time
import weakref
from typing import Callable

import plotly.graph_objects as go

from lab.core.run import stop_and_join
from lab.llmrl.first_order import first_order_config, sweep
from lab.llmrl.routing import RoutingSetting, compare

from .llmrl import llmrl_view
from .llmrl_first_order import first_order_figure
from .llmrl_routing import routing_figure

TICK_S = 0.25      # how often the page's tick copies what the threads have computed
ROUTING_NOISES = (0.0, 1.0, 2.0, 4.0)
ROUTING_SEEDS = (4, 8)


class OnDemandFigure:
    """A figure computed on a background thread each time ``start`` is called; thread-safe.
    ``snapshot()`` → (state, message, figure, version): state is idle, running, finished or failed, and
    version changes whenever any of them does."""

    def __init__(self, what: str, ready: str):
        self.what = what
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state, self._message, self._figure, self._version = "idle", ready, None, 0
        self.closed = False

    def start(self, compute: Callable[[], go.Figure]) -> bool:
        """Compute a figure with ``compute``; ignored (False) while one is computing or after ``stop``."""
        with self._lock:
            if self.closed or (self._thread is not None and self._thread.is_alive()):
                return False
            self._set("running", f"Computing {self.what}…")
            self._thread = threading.Thread(target=self._work, args=(compute,), daemon=True, name="llmrl-on-demand")
            _LIVE.add(self)
            self._thread.start()
            return True

    def _work(self, compute: Callable[[], go.Figure]) -> None:
        started = time.perf_counter()
        try:
            figure = compute()
        except Exception as err:  # noqa: BLE001 - shown in the status line, never a dead thread's traceback
            with self._lock:
                self._set("failed", f"Could not compute {self.what}: {type(err).__name__}: {err}")
        else:
            with self._lock:
                self._figure = figure
                self._set("finished", f"Computed {self.what} in {time.perf_counter() - started:.0f} s.")
        finally:
            _LIVE.discard(self)

    def _set(self, state: str, message: str) -> None:
        self._state, self._message, self._version = state, message, self._version + 1

    def snapshot(self) -> tuple[str, str, go.Figure | None, int]:
        with self._lock:
            return self._state, self._message, self._figure, self._version

    def stop(self) -> None:
        """The page went away: start nothing more (a computation under way finishes; nobody shows it)."""
        self.closed = True

    def join(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True


_LIVE: "weakref.WeakSet[OnDemandFigure]" = weakref.WeakSet()


@atexit.register
def join_on_demand_figures() -> None:
    stop_and_join(_LIVE)


def routing_replay(router_noise: float, seeds: int, seed: int) -> go.Figure:
    """Routing Replay's three arms (control, recompute, replay) on the same seeds, 60 steps of GRPO."""
    return routing_figure(compare(RoutingSetting(router_noise=router_noise, seeds=seeds, seed=seed)))


def first_order(seed: int = 0) -> go.Figure:
    """The first-order check: the token-level surrogate against the exact sequence-level gradient."""
    return first_order_figure(sweep(config=first_order_config(seed=seed)))


ROUTING_ABOUT = (
    "### Routing Replay (Zheng et al., arXiv 2512.01374, §3)\n"
    "A mixture-of-experts head (4 experts, top-1 router) whose sampler routes on the router's logits plus noise σ, "
    "so that it sends some tokens through other experts than the trainer would. Three arms train the same seeds "
    "with GRPO for 60 steps: **control** (σ = 0), **recompute** (the trainer routes with its own router) and "
    "**replay** (it replays the sampler's experts, R3). Look at the left panel: under recompute some seeds' gradient "
    "norms spike by orders of magnitude (measured at σ = 2, 8 seeds: 3, 3 and 1 of 8 above 20 for base seeds 0, 1, 2; "
    "none under replay or in the control); the middle one shows the mismatch that replay takes out of the ratio, the "
    "right one what it costs in true reward. At σ = 1 the effect mostly disappears.")
FIRST_ORDER_ABOUT = (
    "### The first-order claim, checked exactly (arXiv 2512.01374, §2.3–2.4)\n"
    "Every response of a smaller policy (vocabulary 12, length 3; base seed 0) is enumerated, so the true "
    "sequence-level gradient and the token-level surrogate's are exact sums. At zero mismatch and staleness they are "
    "equal; the surrogate's error grows with the sampler's mismatch (left) and the policy's staleness (right); the "
    "token IS correction (blue) lowers the mismatch part, not the staleness part.")


def llmrl_tab():
    """The dashboard tab (built per browser session)."""
    import panel as pn

    from .panel_front import markdown_text, tick_while_the_page_is_open
    from .url_state import link_problems, share

    noise = pn.widgets.Select(label="router noise σ", options=list(ROUTING_NOISES), value=2.0, width=140,
                              css_classes=["control-router_noise"])
    seeds = pn.widgets.Select(label="seeds", options=list(ROUTING_SEEDS), value=4, width=100,
                              css_classes=["control-routing_seeds"])
    seed = pn.widgets.IntInput(label="base seed", value=0, start=0, end=2**31 - 1, width=120,
                               css_classes=["control-routing_seed"])
    problems = share({"routing_noise": noise, "routing_seeds": seeds, "routing_seed": seed})
    # key: (its figure, its button's label, the computation with the controls' values now)
    quiet = "about 10 s on a quiet machine"
    sections = {
        "routing": (OnDemandFigure("the three arms (control, recompute, replay)",
                                   f"Press Train to train the three arms ({quiet})."), "Train the three arms",
                    lambda: functools.partial(routing_replay, noise.value, seeds.value, seed.value)),
        "first-order": (OnDemandFigure("the exact gradients", f"Press Compute for the exact gradients ({quiet})."),
                        "Compute", lambda: first_order),
    }
    buttons, statuses, panes = {}, {}, {}
    for key, (figure, label, _) in sections.items():
        buttons[key] = pn.widgets.Button(label=label, color="primary", css_classes=[f"llmrl-{key}-start"])
        statuses[key] = pn.pane.Alert("", alert_type="secondary", css_classes=[f"llmrl-{key}-status"],
                                      sizing_mode="stretch_width")
        panes[key] = pn.pane.Plotly(go.Figure(layout=dict(height=80, title="not computed yet")),
                                    sizing_mode="stretch_width", css_classes=[f"llmrl-{key}-figure"])
    shown: dict[str, int | None] = {key: None for key in sections}

    def show() -> None:
        for key, (figure, _, _) in sections.items():
            state, message, fig, version = figure.snapshot()
            if version == shown[key]:
                continue
            shown[key] = version
            statuses[key].object = markdown_text(message)
            statuses[key].alert_type = "danger" if state == "failed" else "secondary"
            if fig is not None and panes[key].object is not fig:
                panes[key].object = fig

    def press(key: str) -> None:
        figure, _, computation = sections[key]
        figure.start(computation())       # the controls' values are read here, on the event loop
        show()

    for key in sections:
        buttons[key].on_click(lambda event, key=key: press(key))
    show()
    document = pn.state.curdoc
    if document is not None and document.session_context is not None:
        def close() -> None:
            for figure, _, _ in sections.values():
                figure.stop()

        def on_error(err: Exception) -> None:
            for status in statuses.values():
                status.object = markdown_text(f"Could not show the figure: {type(err).__name__}: {err}")
                status.alert_type = "danger"

        tick_while_the_page_is_open(document.session_context, show, close, TICK_S, on_error)
    return pn.Column(
        pn.pane.Markdown("## LLM-RL stability\nRL fine-tuning of language models fails in recognizable ways — "
                         "entropy collapse, exploding importance ratios, gradient imbalance, reward hacking. A "
                         "tiny token policy makes each failure visible in seconds and sets each stabilizer (MiniRL, "
                         "MHPO, CAPO, SAFE, Dr. MAS normalization, a robust reward ensemble) against the failure it "
                         "targets. Not all hold up: MHPO with a small hazard weight and SAFE's KL hinge prevent "
                         "theirs, CAPO deepens GRPO's collapse, Dr. MAS matters only against a global baseline "
                         "(numbers in the view's text; notebook 08 measures them). The live view's "
                         "last figure reads the rollout-correction health metrics (verl's thresholds) seed by seed; "
                         "below it, Routing Replay and the first-order check, each computed when asked."),
        llmrl_view().panel(),
        pn.pane.Markdown(ROUTING_ABOUT), link_problems(problems), pn.Row(noise, seeds, seed), buttons["routing"], statuses["routing"],
        panes["routing"],
        pn.pane.Markdown(FIRST_ORDER_ABOUT), buttons["first-order"], statuses["first-order"], panes["first-order"],
        sizing_mode="stretch_width")
