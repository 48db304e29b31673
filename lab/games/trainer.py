"""The preference-dynamics trainer: several algorithms on a population of games, side by side.

Population = (enabled algorithms) × (games). Every step does one iteration of every algorithm
on every game (exact win rates), and reports per member the KL to the regularized equilibrium
π*_β, the exploitability, and — for 3-action games — the policy itself (for simplex plots).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from lab.core import Field, LabConfig, Trainer

from .algorithms import extragradient, nash_md, nash_mp, omd, omwu
from .batch import GameBatch
from .preference import bradley_terry, random_preference, rock_paper_scissors, spo_intransitive
from .regularized import equilibrium

SWITCHES = {"nash_mp": nash_mp, "nash_md": nash_md, "omd": omd, "omwu": omwu, "extragradient": extragradient}
GAMES = Literal["rock-paper-scissors", "random", "bradley-terry", "spo-intransitive"]


class PreferenceDynamicsConfig(LabConfig):
    """Exact dynamics of Nash-MP and its peers on β-regularized preference games."""

    game: GAMES = Field("rock-paper-scissors", description="preference game (RPS and SPO's aggregate have 3 actions)")
    actions: int = Field(3, ge=2, le=1000, description="actions of random and Bradley–Terry games")
    beta: float = Field(0.1, ge=1e-3, le=1.0, description="regularization β toward the reference μ",
                        json_schema_extra={"log": True})
    eta: float = Field(1.0, ge=1e-3, le=10.0, description="step size η (Nash-MP's theory needs η ≤ 2)",
                       json_schema_extra={"log": True})
    nash_mp: bool = Field(True, description="run Nash Mirror Prox (Tiapkin et al. 2025)")
    nash_md: bool = Field(True, description="run Nash-MD (Munos et al. 2023), constant η")
    omd: bool = Field(True, description="run OMD / regularized MWU, the update behind INPO")
    omwu: bool = Field(False, description="run optimistic MWU")
    extragradient: bool = Field(False, description="run extragradient (KL form)")
    games: int = Field(4, ge=1, le=256, description="games in the population (random μ, and random P when game = random)")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the games and references")
    steps: int = Field(200, ge=1, le=100_000, description="iterations of every algorithm")

    def problems(self) -> list[str]:
        if not any(getattr(self, name) for name in SWITCHES):
            return ["switch on at least one algorithm (nash_mp, nash_md, omd, omwu, extragradient)"]
        return []

    def memory_parts(self) -> dict[str, float]:
        """The games' float64 (games, n, n) matrices — numpy's P, the torch copy, the equilibria's and an
        iteration's temporaries — n = ``actions`` for random and Bradley–Terry games, else 3. Against a
        CPU process's peak RSS: 64 random games of 300 actions, 2 steps: 0.18 GB estimated, 0.15 GB used."""
        n = self.actions if self.game in ("random", "bradley-terry") else 3
        return {"preference matrices (games·actions²)": 8 * 4 * self.games * n * n}

    @property
    def algorithms(self) -> list[str]:
        return [name for name in SWITCHES if getattr(self, name)]


def make_games(config: PreferenceDynamicsConfig) -> tuple[np.ndarray, np.ndarray]:
    """(P (games, n, n), μ (games, n)) for a config; μ is random (Dirichlet(1)) per game."""
    rng = np.random.default_rng(config.seed)
    fixed = {"rock-paper-scissors": rock_paper_scissors, "spo-intransitive": spo_intransitive}
    matrices = []
    for _ in range(config.games):
        if config.game in fixed:
            matrices.append(fixed[config.game]())
        elif config.game == "random":
            matrices.append(random_preference(config.actions, rng))
        else:
            matrices.append(bradley_terry(rng.normal(size=config.actions)))
    P = np.stack(matrices)
    return P, rng.dirichlet(np.ones(P.shape[1]), size=config.games)


class PreferenceDynamicsTrainer(Trainer):
    Config = PreferenceDynamicsConfig
    CAPTURABLE = True

    def __init__(self, config: PreferenceDynamicsConfig, device=None, P=None, mu=None):
        """``P`` and ``mu`` override the config's games (a user-edited matrix, say)."""
        super().__init__(config, device)
        if P is None:
            P, mu = make_games(config)
        self.P, self.mu = np.asarray(P, dtype=float), np.asarray(mu, dtype=float)
        self.game = GameBatch.from_numpy(self.P, self.mu, config.beta, self.device)
        self.log_star = torch.log(torch.as_tensor(
            np.stack([equilibrium(p, m, config.beta) for p, m in zip(self.P, self.mu)]), device=self.device))
        self.states = {name: {"log_pi": self.game.log_mu.clone()} for name in config.algorithms}

    @property
    def population(self) -> int:
        return len(self.states) * self.game.size

    def members(self) -> dict[str, list]:
        names = [SWITCHES[a].NAME for a in self.states]
        return {"algorithm": [n for n in names for _ in range(self.game.size)],
                "game": list(range(self.game.size)) * len(names),
                "queries_per_iteration": [SWITCHES[a].QUERIES_PER_ITERATION for a in self.states
                                          for _ in range(self.game.size)]}

    def step(self) -> dict[str, torch.Tensor]:
        for name, state in self.states.items():
            for key, value in SWITCHES[name].step(self.game, state, self.config.eta).items():
                if key in state:
                    state[key].copy_(value)      # in place: a captured step replays on the same buffers
                else:
                    state[key] = value           # state an algorithm adds on its first step (OMWU's g_prev)
        log_pi = torch.cat([s["log_pi"] for s in self.states.values()])           # (population, n)
        log_star = self.log_star.repeat(len(self.states), 1)
        metrics = {"kl_to_star": (log_star.exp() * (log_star - log_pi)).sum(-1),
                   "exploitability": torch.cat([self.game.exploitability(s["log_pi"]) for s in self.states.values()])}
        if log_pi.shape[1] == 3:
            for i in range(3):
                metrics[f"pi_{i}"] = log_pi[:, i].exp()
        return metrics
