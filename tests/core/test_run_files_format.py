"""What a save writes and refuses to write, and runs saved before issue 12 (format 1)."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lab import History, RunFileError
from lab.core import run_files


def history_with(members: dict, steps=range(0, 50, 10), **meta) -> History:
    history = History(members, meta=meta)
    rng = np.random.default_rng(0)
    for step in steps:
        history.append(step, {"x": rng.normal(size=history.population), "loss": float(step)})
    return history


def same(a: History, b: History) -> None:
    pd.testing.assert_frame_equal(a.frame(), b.frame())
    assert a.members == b.members and a.meta == b.meta


def manifest(directory: Path) -> dict:
    return json.loads((directory / "run.json").read_text())


def save_format_1(history: History, directory: Path) -> None:
    """Save as the code before issue 12 did: history.parquet beside a run.json that names no table."""
    directory.mkdir()
    history.frame().to_parquet(directory / "history.parquet", index=False)
    (directory / "run.json").write_text(json.dumps({
        "format": "stability-lab-run/1", "population": history.population, "members": history.members,
        "metrics": history.metrics, "rows": len(history) * history.population, "meta": history.meta}))


def test_a_format_1_run_loads_and_a_save_over_it_clears_its_files(tmp_path):
    history = history_with({"seed": [0, 1, 2]}, config={"rate": 0.5})
    save_format_1(history, tmp_path / "run")
    (tmp_path / "run" / ".history.parquet.tmp").write_bytes(b"x" * 1000)   # left by a killed format-1 save
    same(History.load(tmp_path / "run"), history)
    history.save(tmp_path / "run")
    assert {p.name for p in (tmp_path / "run").iterdir()} == {"run.json", manifest(tmp_path / "run")["table"]}
    same(History.load(tmp_path / "run"), history)


@pytest.mark.parametrize("members", [
    {"seed": [0, 1, 2, 3]},
    {"name": ["a", "b", "ü", ""], "on": [True, False, True, False]},
    {"tau": [0.1, float("nan"), 1e300, -0.0]},
    {"mixed": [1, "a", 2, "b"]},
], ids=["int", "text-and-bool", "float-with-nan", "mixed"])
def test_labels_of_every_kind_round_trip(tmp_path, members):
    history = history_with(members, seed=3)
    loaded = History.load(history.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(loaded.frame(), history.frame())
    assert loaded.meta == history.meta


def test_an_empty_history_and_non_finite_metrics_round_trip(tmp_path):
    empty = History({"seed": [0, 1]})
    same(History.load(empty.save(tmp_path / "empty")), empty)
    odd = History({"seed": [0, 1]})
    odd.append(5, {"x": [np.nan, np.inf]})
    same(History.load(odd.save(tmp_path / "odd")), odd)


def test_a_save_leaves_other_files_alone(tmp_path):
    directory = tmp_path / "run"
    directory.mkdir()
    (directory / "notes.txt").write_text("mine")
    (directory / "history-old.parquet").write_text("mine too: not a name a save uses")
    history_with({"seed": [0]}).save(directory)
    history_with({"seed": [0, 1]}).save(directory)
    assert {p.name for p in directory.iterdir()} == {"run.json", manifest(directory)["table"], "notes.txt",
                                                     "history-old.parquet"}


@pytest.mark.parametrize("history, fault", [
    (history_with({"seed": [0, 1]}, steps=[0, 10, 5]), "step 5 follows 10"),
    (history_with({"seed": [0, 1]}, steps=[0, 10, 10]), "step 10 follows 10"),
    (history_with({"x": [0, 1]}), r"\['x'\]"),
    (history_with({"step": [0, 1]}), r"\['step'\]"),
], ids=["steps-backwards", "step-twice", "label-named-like-a-metric", "label-named-step"])
def test_a_save_refuses_a_history_that_loading_would_refuse_and_keeps_the_previous_run(tmp_path, history, fault):
    previous = history_with({"seed": [0, 1]})
    directory = previous.save(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    with pytest.raises(ValueError, match=fault):
        history.save(directory)
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before


def test_a_save_that_fails_while_writing_leaves_the_previous_run_and_nothing_of_its_own(tmp_path, monkeypatch):
    previous = history_with({"seed": [0, 1]})
    directory = previous.save(tmp_path / "run")
    write, calls = run_files._write_synced, []

    def disk_full_at_the_manifest(path, data):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        write(path, data)

    monkeypatch.setattr(run_files, "_write_synced", disk_full_at_the_manifest)
    with pytest.raises(OSError, match="No space"):
        history_with({"seed": [0, 1, 2]}).save(directory)
    assert calls[0].startswith("history-") and calls[1].startswith(".run.json.")
    assert {p.name for p in directory.iterdir()} == {"run.json", manifest(directory)["table"]}
    same(History.load(directory), previous)


def test_a_missing_table_is_reported_as_missing_whatever_the_meta_holds(tmp_path):
    directory = history_with({"seed": [0, 1]}, note=float("nan")).save(tmp_path / "run")   # NaN != NaN
    table = directory / manifest(directory)["table"]
    table.unlink()
    with pytest.raises(RunFileError, match=f"{table} is missing"):
        History.load(directory)


@pytest.mark.parametrize("field, value, fault", [
    ("table", "../elsewhere.parquet", "'table' must name"),
    ("table", "history-0123456789abcdef.parquet/../../x", "'table' must name"),
    ("table", None, "'table' must name"),
    ("table_sha256", 12, "'table_sha256'"),
    ("table_bytes", "4377", "'table_bytes'"),
], ids=["outside", "outside-after-a-valid-prefix", "none", "checksum-a-number", "size-as-text"])
def test_run_json_must_name_its_table_beside_it_with_size_and_checksum(tmp_path, field, value, fault):
    directory = history_with({"seed": [0, 1]}).save(tmp_path / "run")
    (tmp_path / "elsewhere.parquet").write_bytes((directory / manifest(directory)["table"]).read_bytes())
    info = manifest(directory)
    info[field] = value
    (directory / "run.json").write_text(json.dumps(info))
    with pytest.raises(RunFileError, match=fault) as caught:
        History.load(directory)
    assert str(directory / "run.json") in str(caught.value)
