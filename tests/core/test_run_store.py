"""The runs root: listing good, broken and sweep entries; names checked; and the 'copy as code'
snippet and command line training the same run again, bit for bit."""
import ast
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lab import cli
from lab.core import History, Run
from lab.core import run_store
from lab.core.run_store import (RunNameError, check_name, command_line, list_entries, load_run, save_named,
                                snippet)
from lab.core.trainers import trainer_class

REPO = Path(__file__).resolve().parents[2]
# Every field off its default where the trainer allows it, so that a snippet dropping one trains another run.
CLIFF = dict(arms=4, tied=3, eps_max=0.04, n_eps=3, alpha=0.05, lr=0.4, batch=16, reward_noise=0.3,
             baseline="none", seeds=3, seed=7, steps=40)
LLMRL = dict(objective="minirl", lr=0.01, group=4, batch_prompts=4, prompts=4, seeds=2, seed=3, steps=4,
             sampler_temperature=2.0, embed=16, hidden=16)


def trained(name: str, values: dict) -> History:
    trainer = trainer_class(name)
    config = trainer.Config.from_params(**values)
    return Run(trainer(config, "cpu"), config.steps, progress=False).run()


@pytest.fixture(scope="module")
def cliff_history():
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield trained("cliff", CLIFF)
    torch.set_num_threads(before)


def finals(history: History) -> dict:
    return {metric: history.last(metric).tolist() for metric in history.metrics}


# --- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, fault", [
    ("../x", "starts with '.'"), ("a/b", "contains '/'"), ("", "is empty"), ("x" * 65, "65 characters long"),
    (".hidden", "starts with '.'"), ("a b", "contains ' '"), ("<img src=x onerror=alert(1)>", "contains '<'"),
    ("é", "contains 'é'"), ("a\\b", "contains '\\\\'"), (None, "must be text")])
def test_a_bad_name_is_refused_with_what_is_wrong_and_what_is_allowed(name, fault):
    with pytest.raises(RunNameError) as err:
        check_name(name)
    assert fault in str(err.value)
    assert "1 to 64 characters" in str(err.value)


@pytest.mark.parametrize("name", ["a", "run-1", "my_run.v2", "x" * 64, "-dash", "0"])
def test_good_names_pass(name):
    assert check_name(name) == name


def test_save_named_refuses_bad_and_taken_names_and_writes_nothing_outside_the_root(tmp_path, cliff_history):
    root = tmp_path / "runs"
    assert save_named(cliff_history, root, "first") == root / "first"
    with pytest.raises(RunNameError, match="is taken"):
        save_named(cliff_history, root, "first")
    for hostile in ["../evil", "a/b", "", ".hidden", "x" * 65]:
        with pytest.raises(RunNameError):
            save_named(cliff_history, root, hostile)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
    assert sorted(p.name for p in root.iterdir()) == ["first"]
    assert finals(load_run(root, "first")) == finals(cliff_history)


# --- listing ----------------------------------------------------------------------------------

def test_listing_shows_runs_sweeps_and_broken_entries_newest_first(tmp_path, cliff_history):
    root = tmp_path
    save_named(cliff_history, root, "good")
    save_named(cliff_history, root, "truncated")
    table = next((root / "truncated").glob("history-*.parquet"))
    table.write_bytes(table.read_bytes()[:100])
    (root / "not-json").mkdir()
    (root / "not-json" / "run.json").write_text("{oops")
    (root / "stray").mkdir()
    (root / "a-file.txt").write_text("not an entry")
    sweep = root / "grid"
    sweep.mkdir()
    (sweep / "sweep.json").write_text(json.dumps({"kind": "trainer", "target": "cliff", "settings": {"steps": 50},
                                                   "grid": {"alpha": [0.0, 0.1]}, "seeds": [0, 1, 2]}))
    for age, name in enumerate(["grid", "stray", "not-json", "truncated", "good"]):
        manifest = next((root / name / f) for f in ("run.json", "sweep.json", ".") if (root / name / f).exists())
        os.utime(manifest, (1e9 - age * 100, 1e9 - age * 100))

    listing = list_entries(root)
    entries = {e.name: e for e in listing.entries}
    assert [e.name for e in listing.entries] == ["grid", "stray", "not-json", "truncated", "good"]
    assert listing.left_out == 0
    good = entries["good"]
    assert (good.kind, good.trainer, good.steps, good.population, good.error) == ("run", "cliff", 40, 3 * 3, None)
    assert good.config == trainer_class("cliff").Config.from_params(**CLIFF).model_dump()
    assert set(good.metrics) == set(cliff_history.metrics)
    assert entries["truncated"].kind == "run" and "not the size" in entries["truncated"].error
    assert entries["not-json"].kind == "run" and "not valid JSON" in entries["not-json"].error
    assert entries["stray"].kind == "unknown" and "neither a saved run" in entries["stray"].error
    grid = entries["grid"]
    assert (grid.kind, grid.trainer, grid.steps, grid.population, grid.error) == ("sweep", "cliff", 50, 6, None)
    assert grid.config == {"steps": 50, "alpha": [0.0, 0.1]}


def test_listing_is_bounded_and_a_missing_root_is_empty(tmp_path, monkeypatch):
    assert list_entries(tmp_path / "nowhere").entries == []
    monkeypatch.setattr(run_store, "MAX_LISTED", 3)
    for i in range(5):
        (tmp_path / f"d{i}").mkdir()
        os.utime(tmp_path / f"d{i}", (1e9 + i, 1e9 + i))
    listing = list_entries(tmp_path)
    assert [e.name for e in listing.entries] == ["d4", "d3", "d2"] and listing.left_out == 2


def test_runs_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("STABILITY_LAB_RUNS", raising=False)
    assert run_store.runs_root() == Path("runs")
    monkeypatch.setenv("STABILITY_LAB_RUNS", str(tmp_path))
    assert run_store.runs_root() == tmp_path


def test_load_run_refuses_a_table_over_the_limit(tmp_path, cliff_history, monkeypatch):
    save_named(cliff_history, tmp_path, "big")
    monkeypatch.setattr(run_store, "MAX_RUN_BYTES", 100)
    with pytest.raises(ValueError, match="the dashboard opens runs of up to"):
        load_run(tmp_path, "big")
    with pytest.raises(RunNameError):
        load_run(tmp_path, "../big")


# --- reproducing a run ------------------------------------------------------------------------

def config_keywords(code: str) -> dict:
    """The keyword arguments of the snippet's ``Trainer.Config(...)`` call, as values."""
    call = next(node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute) and node.func.attr == "Config")
    return {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}


@pytest.mark.parametrize("name", ["cliff", "llmrl"])
def test_the_snippet_spells_out_every_config_field(name):
    values = trainer_class(name).Config.from_params(**(CLIFF if name == "cliff" else LLMRL)).model_dump()
    assert config_keywords(snippet(name, values)) == values


@pytest.mark.parametrize("name, values", [("cliff", CLIFF), ("llmrl", LLMRL)])
def test_the_snippet_reproduces_a_saved_run_bit_for_bit(name, values, tmp_path, one_torch_thread):
    save_named(trained(name, values), tmp_path, "original")
    saved = load_run(tmp_path, "original")
    entry = list_entries(tmp_path).entries[0]
    code = ("import torch\ntorch.set_num_threads(1)\n" + snippet(entry.trainer, entry.config)
            + "import json\nprint(json.dumps({m: history.last(m).tolist() for m in history.metrics}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LAB_DEVICE": "cpu"})
    assert done.returncode == 0, done.stderr[-2000:]
    again = json.loads(done.stdout.strip().splitlines()[-1])
    assert list(again) == saved.metrics
    for metric in saved.metrics:
        np.testing.assert_array_equal(np.array(again[metric], dtype=float), saved.last(metric), err_msg=metric)


def test_the_command_line_reproduces_a_saved_run(tmp_path, cliff_history, capsys, monkeypatch):
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    save_named(cliff_history, tmp_path, "original")
    entry = list_entries(tmp_path).entries[0]
    words = shlex.split(command_line(entry.trainer, entry.config))
    assert words[:3] == ["stability-lab", "run", "cliff"]
    assert cli.main([*words[1:], "--quiet", "--out", str(tmp_path / "again")]) == 0
    again = History.load(tmp_path / "again")
    for metric in cliff_history.metrics:
        np.testing.assert_array_equal(again.last(metric), cliff_history.last(metric), err_msg=metric)


def test_snippet_refuses_an_unknown_trainer_or_a_bad_config():
    with pytest.raises(ValueError, match="unknown trainer"):
        snippet("os.system", {})
    with pytest.raises(ValueError, match="'alpha' = -1"):
        snippet("cliff", {"alpha": -1})
