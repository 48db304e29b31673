"""The critic arena's live maps: the controls' text read into a map, the map computed on its own thread
(snapshots, stop, errors as a status line) and its figure."""
import math
import threading
import time

import numpy as np
import pytest

from lab.critic.stability_map import OUTCOMES, MapSpec
from widgets import critic_arena
from widgets.critic_arena import ArenaMap, map_figure, parse_fixed, parse_values, spec_from_controls

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden=8, batch=8, buffer=200, learning_starts=5, steps=12, eval_episodes=1)


def tiny_spec(**change) -> MapSpec:
    return MapSpec(**{**dict(x="lr", x_values=(3e-4, 1e-3), y="gamma", y_values=(0.5, 0.9), seeds=4, base=TINY),
                      **change})


def test_controls_text_becomes_a_map():
    spec = spec_from_controls("lr", "3e-4, 3e-3 1e-2", "utd", "1,4", ["twin"], "tau=1, gamma=0.999", 150, 8, 3)
    assert spec.x_values == (3e-4, 3e-3, 1e-2) and spec.y_values == (1, 4) and type(spec.y_values[0]) is int
    assert spec.fixed == {"tau": 1.0, "gamma": 0.999} and list(spec.variants) == ["twin"]
    assert spec.config("twin", 1, 2).utd == 4 and spec.config("twin", 1, 2).steps == 150
    assert spec.seeds == 8 and spec.seed == 3
    assert parse_fixed("") == {}
    stabilizers = spec_from_controls("lr", "1e-3", "utd", "1", ["single", "hl-gauss", "spectral norm"], "", 400, 16, 0)
    assert stabilizers.config("single", 0, 0).critic == "single"
    hl_gauss = stabilizers.config("hl-gauss", 0, 0)        # the arena's HL-Gauss: support down to −20,000
    assert hl_gauss.critic == "hl-gauss" and hl_gauss.hl_v_min == -20_000.0
    norm = stabilizers.config("spectral norm", 0, 0)
    assert norm.critic == "twin" and norm.spectral_norm


@pytest.mark.parametrize("call, message", [
    (lambda: parse_values("utd", "1, 2.5"), "utd: '2.5' is not an integer"),
    (lambda: parse_values("lr", "fast"), "lr: 'fast' is not a number"),
    (lambda: parse_values("lr", " , "), "axis 'lr' has no values"),
    (lambda: parse_values("critic", "1"), "axis 'critic' is not a stress axis"),
    (lambda: parse_fixed("tau"), "'tau' is not 'field=value'"),
    (lambda: parse_fixed("taux=1"), "'taux=1' is not 'field=value'"),
    (lambda: spec_from_controls("lr", "1e-3", "utd", "1", ["nope"], "", 400, 16, 0), "unknown critics"),
    (lambda: spec_from_controls("lr", "1e-3", "utd", "1", ["single"], "", 100, 16, 0), "learning_starts"),
])
def test_bad_text_is_a_sentence(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def wait_for(arena: ArenaMap, done, timeout: float = 120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        snap = arena.snapshot()
        if done(snap):
            return snap
        time.sleep(0.01)
    raise AssertionError(f"timed out: {arena.snapshot().message}")


def test_the_map_fills_in_cell_by_cell_and_each_snapshot_is_consistent():
    spec = tiny_spec()
    arena = ArenaMap()
    assert arena.snapshot().message == "Ready: press Start."
    assert arena.start(spec)
    assert not arena.start(spec)                         # one map at a time
    seen = set()
    while (snap := arena.snapshot()).state == "running":
        time.sleep(0.02)
        # the figure and the rows of one snapshot agree: a cell is coloured exactly when its row is there
        if snap.figure is None:                          # the map's thread has not drawn the empty map yet
            assert not snap.rows
            continue
        filled = sum(int(np.isfinite(np.asarray(t.z, dtype=float)).sum()) for t in snap.figure.data)
        assert filled == len(snap.rows)
        seen.add(len(snap.rows))
    assert arena.join(60) and snap.state == "finished", snap.message
    assert len(seen) >= 3                                # the page saw cells arrive one by one
    assert snap.message.startswith("Finished 8 cells in ") and "single: " in snap.message and "twin: " in snap.message
    for trace, variant in zip(snap.figure.data, ["single", "twin"]):
        rows = [r for r in snap.rows if r["variant"] == variant]
        z = np.asarray(trace.z, dtype=float)
        for row in rows:
            assert z[row["iy"], row["ix"]] == OUTCOMES.index(row["outcome"])
            assert trace.text[row["iy"]][row["ix"]] == f"{round(row['diverged'] * 4)}/4"
    assert not any(t.name == "critic-map" for t in threading.enumerate())


def test_stop_ends_the_map_within_a_second_dropping_the_cell_in_training():
    """Cells of 2,000 steps (several seconds each): Stop, pressed while the second cell trains, ends the map
    within 1 s (the cell is abandoned at its next chunk of 10 steps; before, the map stopped only when the
    cell in training ended, 2–40 s)."""
    arena = ArenaMap()
    arena.start(tiny_spec(base={**TINY, "steps": 2_000}))
    wait_for(arena, lambda s: len(s.rows) >= 1)
    time.sleep(0.5)
    pressed = time.monotonic()
    arena.stop()
    assert arena.snapshot().state in ("stopping", "stopped")
    wait_for(arena, lambda s: s.state == "stopped")
    seconds = time.monotonic() - pressed
    assert seconds <= 1.0, f"Stop took {seconds:.2f} s"
    assert arena.join(5)
    snap = arena.snapshot()
    assert len(snap.rows) == 1 and snap.message.startswith("Stopped after 1 of 8 cells.")
    arena.close()
    assert not arena.start(tiny_spec())                  # a closed page's map starts nothing


def test_an_exception_becomes_the_status_line(monkeypatch):
    def broken(spec, stop):
        yield from ()
        raise RuntimeError("the critic fell over")

    monkeypatch.setattr(critic_arena, "map_cells", broken)
    arena = ArenaMap()
    arena.start(tiny_spec())
    assert arena.join(30)
    snap = arena.snapshot()
    assert snap.state == "failed" and snap.message == "Failed at cell 1 of 8: RuntimeError: the critic fell over"


def test_figure_has_a_blank_cell_until_it_is_trained():
    spec = tiny_spec(variants={"single": {"critic": "single"}})
    row = dict(variant="single", ix=1, iy=0, diverged=0.25, diverged_lo=0.0, diverged_hi=0.5, seeds=4, n_finite=3,
               return_iqm=math.nan, return_lo=math.nan, return_hi=math.nan, overestimation=math.nan, wall_s=0.1,
               outcome="diverged")
    fig = map_figure(spec, [row])
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[[0, 1, 1], [0, 0, 1]]).all() and z[0, 1] == OUTCOMES.index("diverged")
    assert fig.data[0].text[0][1] == "1/4" and "return IQM n/a" in fig.data[0].customdata[0][1]
    assert fig.data[0].customdata[0][0] == "not yet trained"
