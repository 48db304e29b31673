"""Learning agents in the repeated Prisoner's Dilemma."""
import numpy as np
import pytest
import torch

from lab.games import strategies as st
from lab import ConfigError, Run
from lab.envs.repeated_game import OPPONENTS
from lab.games.learners import (OPPONENT_NAMES, QLearningConfig, QLearningTrainer, as_memory_one,
                                memory_one_gradient, memory_one_value)
from lab.games.repeated import play, prisoners_dilemma

PD = prisoners_dilemma()


def test_memory_one_form_of_machines():
    np.testing.assert_array_equal(as_memory_one(st.tit_for_tat()), [1, 1, 0, 1, 0])
    np.testing.assert_array_equal(as_memory_one(st.win_stay_lose_shift()), [1, 1, 0, 0, 1])
    with pytest.raises(ValueError, match="not a memory-one"):
        as_memory_one(st.tit_for_two_tats())


def test_exact_value_matches_simulation():
    """The Markov-chain value equals the engine's discounted payoff for deterministic strategies."""
    delta = 0.9
    p = torch.as_tensor(as_memory_one(st.win_stay_lose_shift()), dtype=torch.float64)[None]
    q = torch.as_tensor(as_memory_one(st.tit_for_tat()), dtype=torch.float64)
    exact = memory_one_value(p, q, PD, delta).item()
    payoffs = play([st.win_stay_lose_shift()], [st.tit_for_tat()], PD, 400).payoffs[0, :, 0]
    assert exact == pytest.approx((1 - delta) * (delta ** np.arange(400) * payoffs).sum(), abs=1e-9)


def test_gradient_learner_cooperates_with_tft_and_defects_against_alld():
    strategies, _ = memory_one_gradient(st.tit_for_tat(), PD, delta=0.9, seed=0)
    assert (strategies[:, 0] > 0.9).all() and (strategies[:, 1] > 0.9).all()   # C first, C after CC
    strategies, values = memory_one_gradient(st.defector(), PD, delta=0.9, seed=0)
    assert (strategies[:, [0, 2, 4]] < 0.1).all()                                # never C against D
    assert (values[-1] > values[0]).all()


def q_cooperation(**params):
    config = QLearningConfig.from_params(**params)
    history = Run(QLearningTrainer(config), config.steps, progress=False).run()
    return history.values("cooperation")[-20:].mean()


def test_q_learner_defects_against_alld_and_cooperates_with_tft():
    assert q_cooperation(opponent="defector", gamma=0.9, steps=200) < 0.1
    assert q_cooperation(opponent="tit-for-tat", gamma=0.95, steps=300) > 0.8


def test_q_learning_config_and_opponents():
    assert set(OPPONENT_NAMES) == set(OPPONENTS)
    with pytest.raises(ConfigError, match="'opponent' = 'nice' is not allowed: must be one of"):
        QLearningConfig.from_params(opponent="nice")
