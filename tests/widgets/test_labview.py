"""LabView without a screen: validation into the status line, background runs, in-place redraws."""
import time

import plotly.graph_objects as go

from widgets.controls import control_specs
from widgets.labview import LabView, Redrawer
from widgets.live import thin, update_in_place

from toy_trainer import DecayConfig, DecayTrainer


def curve(history, config):
    fig = go.Figure(layout=dict(title=f"rate {config.rate}"))
    if history is not None and len(history):
        fig.add_scatter(x=history.steps, y=history.values("x")[:, 0])
    else:
        fig.add_scatter(x=[], y=[])
    return fig


def make_view():
    return LabView("Toy", DecayTrainer, [curve], "a toy")


def test_bad_value_shows_a_sentence_and_starts_nothing():
    view = make_view()
    assert not view.set_value("rate", 7.0)
    sentence, is_error = view.status()
    assert is_error and "'rate' = 7.0 is not allowed" in sentence and "≤ 3" in sentence
    view.start()
    assert view.run is None
    assert view.set_value("rate", 0.5)
    assert view.status() == ("Ready: press Run.", False)


def test_run_in_background_redraws_in_place_and_stops_quickly():
    view = make_view()
    view.set_value("steps", 10**6)
    target = view.figures()[0]
    statuses = []
    redraw = Redrawer(view, lambda i, fresh: update_in_place(target, fresh), lambda s, e: statuses.append(s),
                      lambda p: None)
    view.start()
    time.sleep(0.3)
    redraw()
    first = len(target.data[0].x)
    time.sleep(0.3)
    redraw()
    assert len(target.data[0].x) > first > 0
    started = time.perf_counter()
    view.stop()
    assert time.perf_counter() - started < 0.05    # Stop only asks; it never waits for training
    assert view.run.join(timeout=1.0)              # the run ends within one step
    redraw()
    assert statuses[-1].startswith("Stopped at step")
    view.reset()
    redraw()
    assert len(target.data[0].x) == 0 and view.status()[0] == "Ready: press Run."


def test_failed_run_is_a_sentence():
    view = make_view()
    view.set_value("blow_up_at", 5)
    view.start()
    view.wait(5)
    sentence, is_error = view.status()
    assert is_error and "metric 'loss' became nan at step 5" in sentence


def test_controls_follow_the_config():
    specs = {s.name: s for s in control_specs(DecayConfig)}
    assert specs["rate"].kind == "float" and (specs["rate"].low, specs["rate"].high) == (0.0, 3.0)
    assert specs["seed"].wide and not specs["members"].wide
    assert "population size" in specs["members"].help


def test_a_view_can_start_away_from_the_defaults():
    view = LabView("Toy", DecayTrainer, [curve], "a toy", values={"rate": 2.0})
    assert view.config.rate == 2.0 and view.values["rate"] == 2.0
    specs = {s.name: s for s in control_specs(DecayConfig, view.values)}
    assert specs["rate"].default == 2.0
    assert view.show().children[1].children[0].value == 2.0   # the ipywidgets control starts there too


def test_both_front_ends_build():
    view = make_view()
    box = view.show()
    assert len(box.children) >= 5
    layout = view.panel()
    assert layout is not None


def test_thin_and_update_in_place_bound_points():
    x, y = thin(list(range(10_000)), list(range(10_000)), max_points=100)
    assert len(x) <= 101 and x[-1] == 9999
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    trace = fig.data[0]
    update_in_place(fig, go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 4, 5])))
    assert fig.data[0] is trace and list(fig.data[0].x) == [1, 2, 3]
