"""The repeated 2×2 game as environments that follow the ecosystem's conventions.

- ``RepeatedGameEnv``: gymnasium, one learner against a fixed opponent strategy (a machine from
  lab.games.strategies); registered as ``StabilityLab/RepeatedGame-v0``.
- ``RepeatedGameParallelEnv``: PettingZoo ``ParallelEnv`` for two learners.
Observations are (own last action, opponent's last action) with 2 meaning "no round yet";
actions are 0 = C / first option, 1 = D / second; rewards are the game's payoffs.
"""
from __future__ import annotations

import functools

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from lab.games import strategies
from lab.games.repeated import Game2x2, akata_battle_of_the_sexes, akata_prisoners_dilemma, prisoners_dilemma

GAMES = {"prisoners-dilemma": prisoners_dilemma, "akata-pd": akata_prisoners_dilemma,
         "akata-bos": akata_battle_of_the_sexes}
# keep in step with lab.games.learners.OPPONENT_NAMES (a test checks they agree)
OPPONENTS = {"cooperator": strategies.cooperator, "defector": strategies.defector,
             "tit-for-tat": strategies.tit_for_tat, "grim": strategies.grim_trigger,
             "win-stay-lose-shift": strategies.win_stay_lose_shift, "alternator": strategies.alternator,
             "tit-for-two-tats": strategies.tit_for_two_tats, "random": strategies.random_player,
             "generous-tit-for-tat": strategies.generous_tit_for_tat}
NO_ROUND = 2


def _game(name: str) -> Game2x2:
    if name not in GAMES:
        raise ValueError(f"game = {name!r} is not known; choose one of {', '.join(GAMES)}")
    return GAMES[name]()


def _turns(turns) -> int:
    if not (isinstance(turns, (int, np.integer)) and 1 <= turns <= 100_000):
        raise ValueError(f"turns = {turns!r} must be an integer in 1..100000")
    return int(turns)


class RepeatedGameEnv(gymnasium.Env):
    """One learner (the row player) against a fixed opponent strategy, for ``turns`` rounds."""

    metadata = {"render_modes": []}

    def __init__(self, game: str = "prisoners-dilemma", opponent: str = "tit-for-tat", turns: int = 100):
        if opponent not in OPPONENTS:
            raise ValueError(f"opponent = {opponent!r} is not known; choose one of {', '.join(OPPONENTS)}")
        self.game, self.turns = _game(game), _turns(turns)
        self.opponent = OPPONENTS[opponent]()
        self.observation_space = spaces.MultiDiscrete([3, 3])
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.round, self.state = 0, self.opponent.start
        self.last = (NO_ROUND, NO_ROUND)
        return np.array(self.last, dtype=np.int64), {}

    def step(self, action):
        action = int(action)
        if action not in (0, 1):
            raise ValueError(f"action = {action!r} must be 0 (C) or 1 (D)")
        other = int(self.np_random.random() >= self.opponent.cooperate[self.state])
        self.state = int(self.opponent.transition[self.state, other, action])
        reward = float(self.game.row[action, other])
        self.round += 1
        self.last = (action, other)
        truncated = self.round >= self.turns
        return np.array(self.last, dtype=np.int64), reward, False, truncated, {"opponent_action": other}


class RepeatedGameParallelEnv(ParallelEnv):
    """Two learners play the repeated game simultaneously, for ``turns`` rounds."""

    metadata = {"name": "repeated_game_v0", "render_modes": []}

    def __init__(self, game: str = "prisoners-dilemma", turns: int = 100):
        self.game, self.turns = _game(game), _turns(turns)
        self.possible_agents = ["player_0", "player_1"]
        self.agents = []

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent):
        return spaces.MultiDiscrete([3, 3])

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent):
        return spaces.Discrete(2)

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.round = 0
        observations = {a: np.array([NO_ROUND, NO_ROUND], dtype=np.int64) for a in self.agents}
        return observations, {a: {} for a in self.agents}

    def step(self, actions):
        if set(actions) != set(self.agents):
            raise ValueError(f"actions must be given for {self.agents}, got {sorted(actions)}")
        a, b = int(actions["player_0"]), int(actions["player_1"])
        self.round += 1
        observations = {"player_0": np.array([a, b], dtype=np.int64), "player_1": np.array([b, a], dtype=np.int64)}
        rewards = {"player_0": float(self.game.row[a, b]), "player_1": float(self.game.column[a, b])}
        done = self.round >= self.turns
        terminations = {agent: False for agent in self.agents}
        truncations = {agent: done for agent in self.agents}
        infos = {agent: {} for agent in self.agents}
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos
