"""The stability-lab command: `run` trains, saves and reports; bad input is an error naming what is
wrong (exit status 2); `dashboard` and `lab` become servers that answer and stop cleanly."""
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from lab import History
from lab.cli import main
from lab.core.config import allowed
from lab.core.trainers import TRAINERS, trainer_class

COMMAND = Path(sys.executable).parent / "stability-lab"


def test_run_help_lists_every_field_with_what_it_allows(capsys):
    with pytest.raises(SystemExit) as done:
        main(["run", "llmrl", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for name, field in trainer_class("llmrl").Config.model_fields.items():
        assert f"  {name} = {field.default!r}: {allowed(field)}. {field.description}" in shown


def test_run_trains_with_the_values_set_and_saves_a_history(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "cliff", "--set", "steps=120", "--set", "seeds=3", "--set", "alpha=0",
                 "--out", str(out), "--quiet"]) == 0
    history = History.load(out)
    config = history.meta["config"]
    assert (config["steps"], config["seeds"], config["alpha"]) == (120, 3, 0.0)
    assert history.steps[-1] == 120 and history.population == 3 * config["n_eps"]
    printed = capsys.readouterr().out
    assert f"pi_a2 = {np.nanmean(history.last('pi_a2')):.4g}" in printed


@pytest.mark.parametrize("settings, message", [
    (["--set", "lr=fast"], "'lr' = 'fast' is not allowed: must be a number > 0"),
    (["--set", "steps=2.5"], "'steps' = '2.5' is not allowed: must be an integer"),
    (["--set", "alpha=-1"], "'alpha' = -1.0 is not allowed: must be a number ≥ 0"),
    (["--set", "speed=3"], "unknown parameter 'speed'; allowed: arms, tied"),
    (["--set", "lr"], "--set 'lr' is not allowed: must be NAME=VALUE"),
])
def test_a_bad_setting_is_named_with_what_is_allowed(settings, message, capsys):
    assert main(["run", "cliff", *settings, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_unknown_trainer_lists_the_trainers(capsys):
    with pytest.raises(SystemExit) as done:
        main(["run", "sac-please"])
    assert done.value.code == 2
    assert "invalid choice: 'sac-please'" in capsys.readouterr().err


def test_every_named_trainer_imports_and_has_steps_and_seed():
    for name in TRAINERS:
        fields = trainer_class(name).Config.model_fields
        assert {"steps", "seed"} <= set(fields), name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def serve_and_stop(arguments: list[str], path: str, stop: signal.Signals) -> tuple[int, str]:
    """Start the console script with ``arguments``, wait (≤ 90 s) until http://127.0.0.1:PORT/path answers,
    send ``stop``; the exit status and stderr."""
    port = free_port()
    server = subprocess.Popen([str(COMMAND), *arguments, "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 90
        while not answers(f"http://127.0.0.1:{port}{path}") and server.poll() is None and time.time() < deadline:
            time.sleep(0.5)
        assert server.poll() is None, server.stderr.read()
        assert answers(f"http://127.0.0.1:{port}{path}"), f"nothing answered on port {port} in 90 s"
        server.send_signal(stop)
        _, err = server.communicate(timeout=60)
        return server.returncode, err
    finally:
        if server.poll() is None:
            server.kill()


def test_the_dashboard_command_serves_and_stops_cleanly_on_ctrl_c():
    status, err = serve_and_stop(["dashboard"], "/", signal.SIGINT)
    assert status == 0 and "Traceback" not in err, err


def test_the_lab_command_serves_jupyterlab_as_root_and_stops_on_sigterm():
    status, err = serve_and_stop(["lab"], "/api", signal.SIGTERM)
    assert "Running as root is not recommended" not in err
    assert status in (0, -signal.SIGTERM) and "Traceback" not in err, (status, err)


def test_a_run_stopped_by_a_nan_saves_what_it_recorded_and_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(TRAINERS, "toy", ("toy_trainer", "DecayTrainer"))
    out = tmp_path / "run"
    assert main(["run", "toy", "--set", "blow_up_at=30", "--set", "steps=50", "--out", str(out), "--quiet"]) == 1
    assert "the run stopped:" in capsys.readouterr().err
    history = History.load(out)
    assert history.steps[-1] == 29 and np.isfinite(history.values("loss")).all()


def test_sweep_says_what_it_batches_and_runs_apart_with_no_batch(tmp_path, capsys):
    grid = ["--grid", "alpha=0,0.5", "--set", "steps=20", "--set", "n_eps=3", "--set", "seeds=2", "--quiet"]
    assert main(["sweep", "cliff", *grid, "--out", str(tmp_path / "batched")]) == 0
    assert "1 run(s): each trains 2 blocks side by side (alpha (2 values)) in one population" in capsys.readouterr().out
    assert main(["sweep", "cliff", *grid, "--no-batch", "--out", str(tmp_path / "apart")]) == 0
    assert "2 run(s), one per point\n2 point(s) run" in capsys.readouterr().out


def test_sweep_help_lists_a_trainers_fields_and_what_it_batches(capsys):
    with pytest.raises(SystemExit) as done:
        main(["sweep", "cliff", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert "  alpha = 0.1: a number ≥ 0 and ≤ 5. entropy bonus α (0 = unregularized)" in shown
    assert "a sweep runs the values of alpha, lr, reward_noise side by side in one population" in shown
