"""Run and History: chunks, background control, the NaN guard, summaries, saving and loading."""
import json
import time

import numpy as np
import pandas as pd
import pytest

from lab import History, NonFiniteMetric, Run, RunFileError

from toy_trainer import DecayConfig, DecayTrainer


def make(**params):
    return DecayTrainer(DecayConfig.from_params(**params))


def test_blocking_run_records_every_member_and_step():
    history = Run(make(members=3, steps=20), 20, progress=False).run()
    assert len(history) == 20 and history.population == 3
    assert history.values("x").shape == (20, 3)
    np.testing.assert_array_equal(history.steps, np.arange(1, 21))
    frame = history.frame()
    assert list(frame.columns[:3]) == ["step", "member", "seed"]
    assert len(frame) == 60
    assert (history.values("t")[:, 0] == history.steps).all()  # scalars are broadcast
    assert history.meta["config"]["members"] == 3 and history.meta["environment"]["torch"]


def test_same_seed_same_history_other_seed_differs():
    a = Run(make(seed=1), 30, progress=False).run().values("x")
    b = Run(make(seed=1), 30, progress=False).run().values("x")
    c = Run(make(seed=2), 30, progress=False).run().values("x")
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_record_every_bounds_the_history():
    run = Run(make(), 10_000, progress=False)
    assert run.record_every == 5
    history = run.run()
    assert len(history) == 2000 and history.steps[-1] == 10_000


def test_nan_guard_names_metric_and_step_and_keeps_history():
    run = Run(make(blow_up_at=17), 50, progress=False)
    with pytest.raises(NonFiniteMetric, match=r"metric 'loss' became nan at step 17"):
        run.run()
    assert run.state == "failed"
    assert len(run.history) == 16


def test_background_run_pause_resume_stop():
    chunks = []
    run = Run(make(), 10**6, chunk=100, callbacks=[lambda r: chunks.append(r.step)], progress=False).start()
    time.sleep(0.3)
    run.pause()
    time.sleep(0.1)
    paused_at = run.step
    time.sleep(0.3)
    assert run.state == "paused" and run.step == paused_at
    run.resume()
    time.sleep(0.2)
    assert run.step > paused_at
    started = time.perf_counter()
    run.stop()
    assert run.join(timeout=2)
    assert time.perf_counter() - started < 1.0
    assert run.state == "stopped" and 0 < run.step < 10**6
    assert chunks and all(b - a <= 100 for a, b in zip(chunks, chunks[1:]))  # a chunk, or FLUSH_S if sooner


def test_nan_guard_checks_every_step_not_only_recorded_ones():
    """Recording every 10th step, a NaN at step 991 is reported at 991 (it used to be seen at the next
    recorded step, or missed when it came and went between two)."""
    run = Run(make(blow_up_at=991), 2000, record_every=10, progress=False)
    with pytest.raises(NonFiniteMetric, match=r"metric 'loss' became nan at step 991"):
        run.run()
    assert run.step == 991 and run.history.steps[-1] == 990


def test_a_finite_blow_up_beyond_the_trainers_bound_is_a_warning():
    """The toy declares |loss| ≤ 1e6 plausible; at rate 3, x doubles each step, so loss = x² passes 1e6
    around step 10 while staying finite to step 60 (float32): a warning, in the run and its History."""
    history = Run(make(rate=3.0), 40, progress=False).run()
    warnings = history.meta["warnings"]
    assert len(warnings) == 1 and "metric 'loss' reached" in warnings[0] and "±1e+06" in warnings[0]
    assert Run(make(rate=0.1), 200, progress=False).run().meta.get("warnings") is None


def test_summary_mean_and_bootstrap_interval():
    history = History({"seed": [0, 1, 2, 3], "group": ["a", "a", "b", "b"]})
    rng = np.random.default_rng(0)
    for step in range(1, 4):
        history.append(step, {"v": rng.normal(size=4) + [0, 0, 10, 10]})
    overall = history.summary("v")
    np.testing.assert_allclose(overall["mean"], history.values("v").mean(axis=1))
    assert (overall["lo"] <= overall["mean"]).all() and (overall["mean"] <= overall["hi"]).all()
    by = history.summary("v", by="group")
    assert set(by["group"]) == {"a", "b"}
    assert (by[by.group == "b"]["mean"] > 5).all() and (by[by.group == "a"]["mean"] < 5).all()
    with pytest.raises(KeyError, match="no member label"):
        history.summary("v", by="nope")


def test_save_and_load_round_trip(tmp_path):
    history = Run(make(members=5), 40, progress=False).run()
    history.save(tmp_path / "run")
    table = json.loads((tmp_path / "run" / "run.json").read_text())["table"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(["run.json", table])
    loaded = History.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.frame(), history.frame())
    assert loaded.meta["config"] == history.meta["config"]
    assert "pickle" not in (tmp_path / "run" / "run.json").read_text()


def test_loading_a_malformed_or_truncated_run_is_a_clear_error(tmp_path):
    directory = Run(make(), 20, progress=False).run().save(tmp_path / "run")
    with pytest.raises(RunFileError, match="does not exist"):
        History.load(tmp_path / "nowhere")
    table = directory / json.loads((directory / "run.json").read_text())["table"]
    data = table.read_bytes()
    table.write_bytes(data[: len(data) // 2])
    with pytest.raises(RunFileError, match="truncated"):
        History.load(directory)
    directory = Run(make(), 20, progress=False).run().save(tmp_path / "run2")
    meta = directory / "run.json"
    meta.write_text(meta.read_text()[:50])
    with pytest.raises(RunFileError, match="not valid JSON"):
        History.load(directory)
    directory = Run(make(), 20, progress=False).run().save(tmp_path / "run3")
    info = json.loads((directory / "run.json").read_text())
    info["rows"] = 7
    (directory / "run.json").write_text(json.dumps(info))
    with pytest.raises(RunFileError, match="rows"):
        History.load(directory)


def test_final_value_per_label_with_bootstrap_interval():
    history = History({"seed": [0, 1, 2, 3, 4, 5], "tau": [0.1, 0.1, 0.1, 1.0, 1.0, 1.0]})
    for step in range(10):                            # members drift; only the last 20% counts
        history.append(step, {"v": np.array([0, 1, 2, 10, 11, 12]) + (step >= 8) * 100.0})
    final = history.final("v", by="tau", window=0.2)
    assert list(final["tau"]) == [0.1, 1.0] and list(final["n"]) == [3, 3]
    np.testing.assert_allclose(final["mean"], [101, 111])
    assert (final["lo"] >= 100).all() and (final["lo"] < final["mean"]).all() and (final["hi"] <= 112).all()
    with pytest.raises(ValueError, match=r"window = 0 must be in \(0, 1\]"):
        history.final("v", by="tau", window=0)
    with pytest.raises(KeyError, match="no member label 'eps'"):
        history.final("v", by="eps")
