"""Routing Replay's figure from real short runs, and the LLM-RL tab's figures computed on demand off the event loop."""
import threading

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from lab.llmrl.routing import RoutingSetting, compare
from widgets.llmrl_routing import SPIKE, routing_figure, spiking
from widgets.llmrl_tab import OnDemandFigure

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_routing_figure_draws_each_seed_of_each_arm_and_counts_the_spikes():
    arms = compare(RoutingSetting(seeds=3, steps=6))
    fig = routing_figure(arms)
    for arm, label in (("control", "control (σ = 0)"), ("recompute", "recompute (plain)"), ("replay", "replay (R3)")):
        lines = [t for t in fig.data if t.name == f"{label}: one line per seed"]
        assert len(lines) == 3
        np.testing.assert_allclose(np.array([t.y for t in lines]).T, arms[arm]["grad_norm"].numpy())
        mean, = [t for t in fig.data if t.name == f"{label}: mean over seeds" and t.xaxis == "x2"]
        np.testing.assert_allclose(mean.y, arms[arm]["log_ratio_abs_mean"].numpy().mean(1), rtol=1e-6)
    title = fig.layout.annotations[0].text
    assert all(f"{arm} {int(spiking(h).sum())} of 3" in title for arm, h in arms.items()), title


def test_a_seed_spikes_when_its_gradient_norm_passes_the_line_or_is_not_finite():
    norms = torch.tensor([[1.0, 1.0, 1.0, 1.0], [2.0, SPIKE + 1, float("nan"), SPIKE]])
    assert spiking({"grad_norm": norms}).tolist() == [False, True, True, False]


def test_on_demand_figure_computes_off_the_callers_thread_and_reports_failures():
    release, threads = threading.Event(), []

    def slow() -> go.Figure:
        threads.append(threading.current_thread())
        release.wait(10)
        return go.Figure(layout=dict(title="done"))

    figure = OnDemandFigure("a figure", "Press the button.")
    assert figure.snapshot()[:2] == ("idle", "Press the button.")
    assert figure.start(slow)
    assert not figure.start(slow)                        # one computation at a time
    state, message, fig, _ = figure.snapshot()
    assert (state, fig) == ("running", None) and message == "Computing a figure…"
    release.set()
    assert figure.join(10)
    state, message, fig, _ = figure.snapshot()
    assert state == "finished" and fig.layout.title.text == "done" and message.startswith("Computed a figure in ")
    assert threads and threads[0] is not threading.current_thread()

    assert figure.start(lambda: 1 / 0) and figure.join(10)
    state, message, fig, _ = figure.snapshot()
    assert state == "failed" and message == "Could not compute a figure: ZeroDivisionError: division by zero"
    assert fig.layout.title.text == "done"               # the last good figure stays
    figure.stop()
    assert not figure.start(slow)                        # the page went away: nothing more starts
