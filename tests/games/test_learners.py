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


def test_naive_gradient_learners_playing_each_other_end_in_mutual_defection():
    """Two memory-one gradient learners, each ascending only its own exact value, fall into
    mutual defection in the iterated PD (the naive learners of Foerster et al. 2018, LOLA):
    both values end near P = 1, far below mutual cooperation's R = 3."""
    from lab.games.learners import naive_learners

    p, q, values = naive_learners(PD, delta=0.9, seeds=32, steps=400, seed=0)
    assert values.shape == (400, 32, 2) and p.shape == q.shape == (32, 5)
    final = values[-1]
    assert ((final < 1.5).all(1)).float().mean() > 0.9
    assert final.mean() < 1.2
    # Each value is the exact Markov-chain value of the pair, from each side.
    torch.testing.assert_close(final[:, 0], memory_one_value(p, q, PD, 0.9), atol=0.05, rtol=0)
    torch.testing.assert_close(final[:, 1], memory_one_value(q, p, PD, 0.9, column=True), atol=0.05, rtol=0)


def test_two_q_learners_learn_at_once():
    """Against a second Q-learner both tables learn; the play is symmetric in distribution, and
    short-sighted learners (γ = 0.5) defect while far-sighted ones (γ = 0.95) keep some cooperation."""
    def run(gamma):
        config = QLearningConfig.from_params(opponent="q-learner", gamma=gamma, epsilon=0.05, steps=300, seeds=32)
        trainer = QLearningTrainer(config)
        history = Run(trainer, config.steps, progress=False).run()
        assert trainer.Q.shape == (2, 32, 5, 2) and np.abs(trainer.Q[1]).sum() > 0
        return (history.values("cooperation")[-20:].mean(), history.values("opponent_cooperation")[-20:].mean())

    short, far = run(0.5), run(0.95)
    assert max(short) < 0.15, short
    assert min(far) > max(short) + 0.1, (short, far)
    assert abs(far[0] - far[1]) < 0.15, far
