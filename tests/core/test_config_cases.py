"""Issue 12, points 2, 5 and 8 (payoffs): the hostile and careless inputs, one case each.

Each case is a call and what it must do: build (and give back the value named), or raise the
lab's own error (``ConfigError``; ``PreferenceError`` for preference matrices) whose message
contains the given words and stays short. Before the fix 63 of the 74 cases failed (wrong exception
type, garbage accepted, a module imported), after it none
(``OMP_NUM_THREADS=1 .venv/bin/python -m pytest -q tests/core/test_config_cases.py``).
"""
from __future__ import annotations

import decimal
import sys

import numpy as np
import pytest

from lab import ConfigError
from lab.cliff.reinforce import CliffBanditConfig
from lab.critic.envs import make_env
from lab.critic.sac import SACConfig
from lab.games.lattice import LatticeConfig
from lab.games.preference import PreferenceError, load_preference
from lab.games.repeated import Game2x2, TournamentConfig, prisoners_dilemma
from lab.games.strategies import predict_then_act
from lab.games.topology import as_payoffs
from lab.games.trainer import PreferenceDynamicsConfig
from lab.llmrl import LLMRLConfig
from lab.synchrony.controller import AdaptationControllerConfig

MAX_MESSAGE = 2_000  # characters: no message echoes a long value back
HUGE = "x" * 1_000_000


def assign(config, name, value):
    setattr(config, name, value)
    return config


PD = np.array([[3.0, 0.0], [5.0, 1.0]])

REFUSED = {
    # --- every entry point raises ConfigError (today only from_params and replace do) ---
    "constructor": (lambda: SACConfig(seeds=0), ["'seeds' = 0", "≥ 1"]),
    "assignment": (lambda: assign(SACConfig(), "seeds", 0), ["'seeds' = 0", "≥ 1"]),
    "assignment of an unknown field": (lambda: assign(SACConfig(), "seedz", 3), ["unknown parameter 'seedz'"]),
    "model_validate": (lambda: SACConfig.model_validate({"seeds": 0}), ["'seeds' = 0"]),
    "model_validate_json": (lambda: SACConfig.model_validate_json('{"seeds": 0}'), ["'seeds' = 0"]),
    "model_validate of a list": (lambda: SACConfig.model_validate([1, 2]), ["SACConfig", "mapping"]),
    "from_params": (lambda: SACConfig.from_params(seeds=0), ["'seeds' = 0"]),
    "replace": (lambda: SACConfig().replace(seeds=0), ["'seeds' = 0"]),
    # --- what cannot run: memory over the budget, the estimate in the message ---
    "SAC seeds=1024": (lambda: SACConfig(seeds=1024), ["memory", "GB", "budget", "seeds", "buffer"]),
    "SAC seeds=256 buffer=1e6": (lambda: SACConfig(seeds=256, buffer=1_000_000), ["memory", "GB", "budget"]),
    "SAC wide nets, big batches": (lambda: SACConfig(seeds=512, hidden=1024, layers=4, batch=4096, buffer=100),
                                   ["memory", "budget", "hidden"]),
    "lattice independent 60x60": (lambda: LatticeConfig(size=60, sharing="independent", seeds=256, tau_points=16,
                                                        buffer=10_000), ["memory", "budget", "size"]),
    "LLM-RL widest": (lambda: LLMRLConfig(seeds=256, batch_prompts=256, prompts=256 // 4, group=64, length=12,
                                          vocab=64, hidden=512, embed=256), ["memory", "budget", "group"]),
    "tournament 1e5 turns x 1e4 repetitions": (lambda: TournamentConfig(turns=100_000, repetitions=10_000),
                                               ["memory", "budget", "turns"]),
    "cliff bandit widest": (lambda: CliffBanditConfig(n_eps=41, seeds=256, batch=1024, arms=20),
                            ["memory", "budget", "batch"]),
    "preference dynamics 256 games of 1000 actions": (
        lambda: PreferenceDynamicsConfig(game="random", actions=1000, games=256), ["memory", "budget", "actions"]),
    "controller widest": (lambda: AdaptationControllerConfig(n_lam=21, seeds=64, batch=1024),
                          ["memory", "budget", "batch"]),
    # --- cross-field rules ---
    "learning_starts = steps": (lambda: SACConfig(steps=1000, learning_starts=1000),
                                ["'learning_starts' = 1000", "'steps' = 1000"]),
    "notebook 06's test steps": (lambda: SACConfig(steps=300), ["'learning_starts' = 1000", "'steps' = 300"]),
    "warm-up longer than the updates": (lambda: SACConfig(steps=2000, learning_starts=1000, critic_warmup=1500),
                                        ["'critic_warmup' = 1500", "actor would never learn"]),
    "reward_noise on pendulum": (lambda: SACConfig(reward_noise=3.0), ["'reward_noise'", "'pendulum'"]),
    "controller lr_final above lr": (lambda: AdaptationControllerConfig(lr=0.01, lr_final=0.1),
                                     ["'lr_final' = 0.1", "'lr' = 0.01"]),
    "controller λ grid of one value": (lambda: AdaptationControllerConfig(lam_min=0.5, lam_max=0.5, n_lam=3),
                                       ["'n_lam' = 3", "'lam_max'"]),
    # --- non-float numerics: refused unless listed as accepted below ---
    "Decimal": (lambda: SACConfig(lr=decimal.Decimal("0.001")), ["'lr' = Decimal('0.001')", "a number"]),
    "bool for an int": (lambda: SACConfig(seeds=True), ["'seeds' = True", "an integer"]),
    "bool for a float": (lambda: SACConfig(gamma=True), ["'gamma' = True", "a number"]),
    "string of a number": (lambda: SACConfig(lr="0.001"), ["'lr' = '0.001'", "a number"]),
    "float for an int": (lambda: SACConfig(seeds=3.0), ["'seeds' = 3.0", "an integer"]),
    "NaN": (lambda: SACConfig(lr=float("nan")), ["'lr' = nan"]),
    "inf": (lambda: SACConfig(tau=float("inf")), ["'tau' = inf"]),
    "numpy bool for an int": (lambda: SACConfig(seeds=np.bool_(True)), ["'seeds'", "an integer"]),
    "huge int for a float": (lambda: SACConfig(lr=10 ** 400), ["'lr' = 1000", "a number"]),
    # --- environments: no import path, registered ids only, the field named, values bounded ---
    "gym:this:X-v0": (lambda: SACConfig(env="gym:this:X-v0"), ["'env'", "module:Id", "registered"]),
    "gym:benchmarks.bench_sac:X-v0": (lambda: SACConfig(env="gym:benchmarks.bench_sac:X-v0"), ["'env'", "registered"]),
    "unknown name": (lambda: SACConfig(env="cartpole"), ["'env'", "unknown env 'cartpole'"]),
    "empty gym id": (lambda: SACConfig(env="gym:"), ["'env'"]),
    "unregistered gym id": (lambda: SACConfig(env="gym:NoSuchEnv-v0"), ["'env'", "not a registered gymnasium id"]),
    "discrete gym env": (lambda: SACConfig(env="gym:CartPole-v1"), ["'env'", "Box"]),
    "env not a string": (lambda: SACConfig(env=5), ["'env' = 5", "a string"]),
    "env None": (lambda: SACConfig(env=None), ["'env' = None"]),
    "overestimation on a gym env": (lambda: SACConfig(env="gym:Pendulum-v1", overestimation_every=10),
                                    ["'env'", "'overestimation_every'"]),
    "a 1 MB env": (lambda: SACConfig(env=HUGE), ["'env'", "…"]),
    "a 1 MB choice": (lambda: SACConfig(critic=HUGE), ["'critic'", "…"]),
    "a 1 MB field name": (lambda: SACConfig.from_params(**{HUGE: 1}), ["unknown parameter", "…"]),
    "a 1 MB env, assigned": (lambda: assign(SACConfig(), "env", HUGE), ["'env'", "…"]),
    # --- payoff tables ---
    "PD with R='3'": (lambda: prisoners_dilemma(R="3"), ["'R' = '3'", "a finite number"]),
    "PD with NaN": (lambda: prisoners_dilemma(T=float("nan")), ["'T' = nan", "a finite number"]),
    "PD with inf": (lambda: prisoners_dilemma(T=float("inf")), ["'T' = inf"]),
    "PD with None": (lambda: prisoners_dilemma(P=None), ["'P' = None"]),
    "PD with a bool": (lambda: prisoners_dilemma(S=True), ["'S' = True"]),
    "PD order": (lambda: prisoners_dilemma(R=6), ["T > R > P > S"]),
    "Game2x2 wrong shape": (lambda: Game2x2("g", np.ones((2, 3)), np.ones((2, 2))), ["'row'", "(2, 2)"]),
    "Game2x2 NaN": (lambda: Game2x2("g", np.array([[1.0, np.nan], [0, 1]]), PD), ["'row'", "finite"]),
    "Game2x2 strings": (lambda: Game2x2("g", PD, [["a", "b"], ["c", "d"]]), ["'column'", "numbers"]),
    "Game2x2 ragged": (lambda: Game2x2("g", PD, [[1, 2], [3]]), ["'column'"]),
    "Game2x2 name": (lambda: Game2x2(None, PD, PD), ["'name'"]),
    "topology NaN payoffs": (lambda: as_payoffs(np.full((2, 2, 2), np.nan)), ["finite"]),
    "topology strings": (lambda: as_payoffs(np.full((2, 2, 2), "a")), ["numbers"]),
    "predict-then-act NaN payoff": (lambda: predict_then_act(np.full((2, 2), np.nan)), ["'payoff'", "finite"]),
}

ACCEPTED = {
    "numpy int for an int": (lambda: SACConfig(seeds=np.int64(3)), "seeds", 3),
    "numpy float32 for a float": (lambda: SACConfig(gamma=np.float32(0.5)), "gamma", 0.5),
    "numpy int for a float": (lambda: SACConfig(gamma=np.int8(0)), "gamma", 0.0),
    "numpy bool for a bool": (lambda: SACConfig(spectral_norm=np.bool_(True)), "spectral_norm", True),
    "int for a float": (lambda: SACConfig(alpha_init=2), "alpha_init", 2.0),
    "registered Box gym env": (lambda: SACConfig(env="gym:Pendulum-v1"), "env", "gym:Pendulum-v1"),
    "the largest SAC in budget": (lambda: SACConfig(seeds=64, buffer=100_000), "seeds", 64),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_the_labs_error(case):
    call, words = REFUSED[case]
    with pytest.raises(ConfigError) as err:
        call()
    message = str(err.value)
    assert len(message) < MAX_MESSAGE, message[:300]
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepted_as_plain_python_values(case):
    call, name, value = ACCEPTED[case]
    got = getattr(call(), name)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("env", ["gym:lab_probe_module:X-v0", "lab_probe_module:X-v0", "gym:lab_probe_module:"])
def test_no_env_id_imports_a_module(env, tmp_path, monkeypatch):
    """The module before a colon is never imported — not by the config, not by make_env."""
    (tmp_path / "lab_probe_module.py").write_text("raise SystemExit('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError):
        SACConfig(env=env)
    with pytest.raises(ValueError):
        make_env(env, 1)
    assert "lab_probe_module" not in sys.modules


@pytest.mark.parametrize("text, words", [
    ("0.5,nan\nnan,0.5\n", ["not finite"]),
    ("0.5,0.5,0.5\n0.5,0.5,0.5\n", ["square"]),
    ("0.5,a\nb,0.5\n", ["cannot read"]),
    ("", ["square"]),
])
def test_preference_files_refused_with_preference_error(text, words, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(PreferenceError) as err:
        load_preference(path)
    for word in words:
        assert word in str(err.value)


def test_preference_file_with_a_byte_order_mark_loads(tmp_path):
    """Excel's 'CSV UTF-8' starts with a BOM."""
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff0.5,0.25\n0.75,0.5\n".encode("utf-8"))
    assert load_preference(path).tolist() == [[0.5, 0.25], [0.75, 0.5]]
