"""Sweeps: every point of a grid × seeds lands in one table, on the serial engine and on a Dask
LocalCluster; a sweep resumes; a failed point, or one whose worker dies, is recorded and the rest go
on; bad grids stop before anything runs. Ray's path is tested against a local Ray when installed."""
import json

import numpy as np
import pandas as pd
import pytest

from lab import History
from lab.core.sweep import FAILURES, SweepError, SweepSpec, point_id, run_sweep, trainer_spec
from lab.core.trainers import TRAINERS


@pytest.fixture
def toy(monkeypatch):
    """The core tests' DecayTrainer as trainer 'toy' (it can blow up, or kill its process)."""
    monkeypatch.setitem(TRAINERS, "toy", ("toy_trainer", "DecayTrainer"))


def test_a_trainer_sweep_runs_every_point_into_one_tidy_table(tmp_path, toy):
    spec = trainer_spec("toy", {"steps": "30", "members": "3"}, {"rate": ["0.1", "0.5"]}, [0, 1])
    result = run_sweep(spec, tmp_path, progress=False)
    assert len(result.done) == 4 and not result.failed and not result.skipped
    finals = result.finals
    assert len(finals) == 4 * 3                                   # points × members
    assert sorted(set(zip(finals["rate"], finals["seed"]))) == [(0.1, 0), (0.1, 1), (0.5, 0), (0.5, 1)]
    # each row is the point's run: its History's last values, member by member
    row = finals[(finals["rate"] == 0.5) & (finals["seed"] == 1)].sort_values("member")
    history = History.load(tmp_path / "points" / point_id({"steps": 30, "members": 3, "rate": 0.5, "seed": 1}))
    np.testing.assert_array_equal(row["x"], history.last("x"))
    assert history.meta["config"]["rate"] == 0.5 and history.meta["seed"] == 1
    steps = pd.read_parquet(tmp_path / "steps.parquet")
    assert len(steps) == 4 * 3 * 30 and set(steps["step"]) == set(range(1, 31))
    # faster decay, smaller |x| at the end: the table holds what the settings did
    final_x = finals.groupby("rate")["x"].apply(lambda v: np.abs(v).mean())
    assert final_x[0.5] < final_x[0.1]


CLIFF = {"steps": "300", "n_eps": "3", "seeds": "8"}        # ε ∈ {−0.05, 0, 0.05} × 8 seeds per block
CLIFF_GRID = {"alpha": ["0", "0.5"], "lr": ["0.001", "1.0"]}


def test_the_fields_a_trainer_batches_run_side_by_side_in_one_population(tmp_path):
    """The cliff batches α and the step size: a point per base seed, each one population of 4 blocks.
    Every block does what its own values do (so a block that got another block's values fails), per
    base seed 0, 1, 2 (mean final π(a₂) at ε = −0.05, 0, 0.05):
    α = 0, lr = 1 — the cliff: 0.024/0.389/0.967, 0.024/0.563/0.963, 0.028/0.649/0.973, the ε = 0 seeds
    split (std 0.24, 0.28, 0.16); α = 0.5, lr = 1 — softmax(R/α)[a₂] = 0.444/0.468/0.493: 0.449/0.468/0.500,
    0.439/0.456/0.493, 0.447/0.458/0.485; lr = 0.001 — still near uniform: 0.343/0.344/0.345."""
    spec = trainer_spec("cliff", CLIFF, CLIFF_GRID, [0, 1, 2])
    assert spec.batched == ["alpha", "lr"] and len(spec.points()) == 3
    assert spec.describe() == "3 run(s): each trains 4 blocks side by side (alpha (2 values) × lr (2 values)) in one population"
    result = run_sweep(spec, tmp_path, progress=False)
    assert len(result.done) == 3 and not result.failed
    finals = result.finals
    assert len(finals) == 3 * 4 * 3 * 8 and finals.groupby(["alpha", "lr", "seed"]).size().eq(24).all()
    means = finals.groupby(["alpha", "lr", "seed", "member_eps"])["pi_a2"].mean()
    spread = finals.groupby(["alpha", "lr", "seed", "member_eps"])["pi_a2"].std()
    target = {-0.05: 0.4435, 0.0: 0.4683, 0.05: 0.4930}     # softmax(R/0.5)[a₂], R = (1, 1 + ε, 0)
    for seed in (0, 1, 2):
        assert means[0.0, 1.0, seed, 0.05] - means[0.0, 1.0, seed, -0.05] > 0.9        # the cliff
        assert spread[0.0, 1.0, seed, 0.0] > 0.1                                        # the tie splits
        for eps, value in target.items():
            assert abs(means[0.5, 1.0, seed, eps] - value) < 0.03                       # the entropy bonus
        assert spread[0.5, 1.0, seed, 0.0] < 0.05
        for alpha in (0.0, 0.5):
            assert np.allclose(means[alpha, 0.001, seed], 1 / 3, atol=0.02)            # the tiny step


def test_batching_can_be_turned_off_and_stays_within_the_memory_budget(monkeypatch):
    apart = trainer_spec("cliff", CLIFF, CLIFF_GRID, [0, 1], batch=False)
    assert apart.batched == [] and len(apart.points()) == 8 and apart.describe() == "8 run(s), one per point"
    one_block = 8 * 3 * (3 * 8) * 64 * 3                    # the cliff's estimate for one block (bytes)
    monkeypatch.setattr("lab.core.sweep.memory_budget", lambda: 2.5 * one_block)
    fits_two = trainer_spec("cliff", CLIFF, CLIFF_GRID, [0, 1])
    assert fits_two.batched == ["alpha"] and len(fits_two.points()) == 4               # lr fans out instead
    monkeypatch.setattr("lab.core.sweep.memory_budget", lambda: 1.5 * one_block)
    assert trainer_spec("cliff", CLIFF, CLIFF_GRID, [0, 1]).batched == []


def test_a_sweep_resumes_skipping_the_points_already_done(tmp_path, toy):
    spec = trainer_spec("toy", {"steps": "20"}, {"rate": ["0.1", "0.2", "0.3"]}, [0])
    first = run_sweep(spec, tmp_path, progress=False)
    stamp = {p: (tmp_path / "points" / p / "run.json").stat().st_mtime_ns for p in first.done}
    # a half-written point (no run.json) is not done
    (tmp_path / "points" / first.done[0] / "run.json").unlink()
    again = run_sweep(spec, tmp_path, progress=False)
    assert again.done == [first.done[0]] and sorted(again.skipped) == sorted(first.done[1:])
    for p in first.done[1:]:
        assert (tmp_path / "points" / p / "run.json").stat().st_mtime_ns == stamp[p]
    assert len(again.finals) == 3 * 4


def test_a_directory_holding_another_sweep_is_refused(tmp_path, toy):
    run_sweep(trainer_spec("toy", {"steps": "5"}, {"rate": ["0.1", "0.2"]}, [0]), tmp_path, progress=False)
    with pytest.raises(SweepError, match="holds another sweep"):
        run_sweep(trainer_spec("toy", {"steps": "5"}, {"rate": ["0.3"]}, [0, 1]), tmp_path, progress=False)


def test_a_failed_point_is_recorded_and_the_others_finish(tmp_path, toy):
    spec = trainer_spec("toy", {"steps": "20"}, {"blow_up_at": ["0", "7"]}, [0])
    result = run_sweep(spec, tmp_path, progress=False)
    assert len(result.done) == 1 and len(result.failed) == 1
    (failed,) = json.loads((tmp_path / FAILURES).read_text())
    assert failed["settings"]["blow_up_at"] == 7 and "NonFiniteMetric" in failed["error"]
    assert set(result.finals["blow_up_at"]) == {0}


@pytest.mark.parametrize("grid, message", [
    ({"rate": ["0.1", "9"]}, "'rate' = 9.0 is not allowed: must be a number ≥ 0 and ≤ 3"),
    ({"speed": ["1"]}, "unknown parameter 'speed'"),
    ({"rate": []}, "--grid rate has no values"),
])
def test_a_bad_grid_stops_before_anything_runs(tmp_path, toy, grid, message):
    with pytest.raises(ValueError, match=message):
        trainer_spec("toy", {}, grid, [0])


def test_a_grid_beyond_the_limit_is_refused():
    spec = SweepSpec("trainer", "toy", grid={"a": list(range(101)), "b": list(range(100))}, seeds=[0])
    with pytest.raises(SweepError, match="10,100 points; at most 10,000"):
        spec.points()


def test_dask_runs_the_sweep_and_a_dead_worker_loses_only_its_point(tmp_path, toy):
    """Two local worker processes; the point with exit_at = 5 kills its worker process (twice: Dask
    retries it once, allowed-failures 1) and is reported lost; the other points finish, and their
    rows equal the serial engine's."""
    spec = trainer_spec("toy", {"steps": "20"}, {"exit_at": ["0", "5"], "rate": ["0.1", "0.3"]}, [0])
    result = run_sweep(spec, tmp_path / "dask", engine="dask", workers=2, progress=False)
    assert len(result.done) == 2 and len(result.failed) == 2, result.failed
    assert all("KilledWorker" in error for error in result.failed.values())
    serial = run_sweep(trainer_spec("toy", {"steps": "20"}, {"exit_at": ["0"], "rate": ["0.1", "0.3"]}, [0]),
                       tmp_path / "serial", progress=False)
    columns = ["point", "member", "x", "loss"]
    pd.testing.assert_frame_equal(result.finals.sort_values(["point", "member"])[columns].reset_index(drop=True),
                                  serial.finals.sort_values(["point", "member"])[columns].reset_index(drop=True))


def test_ray_runs_the_sweep_on_a_local_ray(tmp_path, toy):
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install 'stability-lab[ray]'); not installed")
    """A local Ray of two workers; the points with exit_at = 5 kill their worker process and are reported
    lost, the other two finish (measured 18 s, most of it Ray's start; Ray 2.60 installed beside the venv)."""
    spec = trainer_spec("toy", {"steps": "10"}, {"exit_at": ["0", "5"], "rate": ["0.1", "0.3"]}, [0])
    result = run_sweep(spec, tmp_path, engine="ray", workers=2, progress=False)
    assert len(result.done) == 2 and len(result.finals) == 2 * 4, result.failed
    assert len(result.failed) == 2 and all("WorkerCrashedError" in e for e in result.failed.values()), result.failed


def test_a_notebook_sweep_collects_each_points_records(tmp_path):
    """A two-cell notebook under papermill at x = 1, 2, 3 and a bad x (text): three rows holding
    x² as the notebook recorded it, and the bad point failed with the notebook's own error."""
    import nbformat
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "stability-lab", "language": "python", "display_name": "Python"}
    parameters = nbformat.v4.new_code_cell('x: float = 1.0  # a number\nresults_path: str = ""')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(
        "import lab\nlab.check_parameters(globals())\nlab.results_to(results_path)\nlab.record('square', x * x)")]
    path = tmp_path / "square.ipynb"
    nbformat.write(notebook, path)
    spec = SweepSpec("notebook", str(path), grid={"x": [1.0, 2.0, 3.0, "three"]})
    result = run_sweep(spec, tmp_path / "sweep", progress=False)
    finals = result.finals.sort_values("x")
    assert list(finals["x"]) == [1.0, 2.0, 3.0] and list(finals["square"]) == [1.0, 4.0, 9.0]
    (error,) = result.failed.values()
    assert "'x' = 'three' is not allowed: must be a number" in error
