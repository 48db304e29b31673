"""The repeated game as gymnasium and PettingZoo environments pass their ecosystems' checks."""
import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

import lab.envs  # noqa: F401  (registers the ids)
from lab.envs.repeated_game import RepeatedGameParallelEnv


def test_gymnasium_env_passes_check_env():
    env = gymnasium.make("StabilityLab/RepeatedGame-v0", opponent="tit-for-tat", turns=20)
    check_env(env.unwrapped)


def test_parallel_env_passes_parallel_api_test():
    parallel_api_test(RepeatedGameParallelEnv(turns=30), num_cycles=100)


def test_tit_for_tat_opponent_copies_the_learner():
    env = gymnasium.make("StabilityLab/RepeatedGame-v0", opponent="tit-for-tat", turns=5)
    env.reset(seed=0)
    seen = [env.step(action)[4]["opponent_action"] for action in [1, 0, 0, 1, 1]]
    assert seen == [0, 1, 0, 0, 1]


def test_episode_length_and_payoffs():
    env = gymnasium.make("StabilityLab/RepeatedGame-v0", opponent="defector", turns=3)
    env.reset(seed=0)
    steps = [env.step(0) for _ in range(3)]
    assert [s[1] for s in steps] == [0.0, 0.0, 0.0] and steps[-1][3] and not steps[1][3]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="opponent = 'nice' is not known"):
        gymnasium.make("StabilityLab/RepeatedGame-v0", opponent="nice")
    with pytest.raises(ValueError, match="turns = 0"):
        RepeatedGameParallelEnv(turns=0)
