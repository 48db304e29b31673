"""Stability maps for critics: for each critic variant, an outcome per cell of a grid over two stress
axes — learned, slow, overestimating or diverged — computed one cell at a time.

A cell is the arena's (``arena.py``): one population of ``seeds`` seeds (16 by default) trained as
one batched run over the arena's small Pendulum setting ``BASE``, with the stress ``fixed`` plus the
cell's two axis values. ``map_cells`` is a generator: it yields each cell's row as soon as that cell
has trained, so a view can show the maps filling in; ``stability_map`` collects them all.

The outcome of a cell, read from its row (``classify``; the first that holds):

- *diverged*: at least ``DIVERGED_FRACTION`` of its seeds diverged (a non-finite Q or loss, or |mean Q|
  past the arena's bound; ``arena.py``);
- *overestimating*: the median surviving seed's critic sits above its Monte-Carlo soft return
  (Q̂ − G, ``overestimation.py``) by more than ``PENDULUM_COST``·c/(1 − γ), the whole range of
  Pendulum's returns (c the reward scale);
- *learned*: the return IQM of the surviving seeds is at least ``LEARNED_RETURN``;
- *slow* otherwise: stable, but not (yet) learned at this budget.

The default map (``DEFAULT_MAP``: critics 'single' and 'twin'; no target network, τ = 1, and γ = 0.999
fixed; Adam's step size lr against updates per step utd; the arena's budget of 100 random steps, then
300 learning), measured for base seed 0 (2026-11-30, one torch thread; 12 cells in 208 s on a loaded
2-core machine): diverged seeds of 16 and outcome,

    lr  (utd:)    single: 1       single: 4          twin: 1        twin: 4
    3e-4          0  slow         0  slow            0  slow        0  slow
    3e-3          0  slow         0  slow            0  slow        5  diverged
    1e-2          0  slow         5  diverged        3  slow        11 diverged

The twin critic's clipped minimum, bootstrapped on itself without a target network, runs away (downward,
``arena.py``) at a step size where the single critic still holds. Every stable cell is *slow*: at this
budget nothing learns Pendulum (return IQMs −1,285 to −1,733, at or below a random policy's level), and
no surviving critic is *overestimating* (median Q̂ − G +4,200 to +7,400, a critic lagging behind soft
returns several thousand below zero, against the bound 16,274). *Learned* needs more steps, which
``base=dict(steps=...)`` allows: single, lr 3e-3, utd 4, τ = 0.005, 1,500 steps, base seed 0 gave a
return IQM of −341 [−598, −178] with median Q̂ − G +68 (94 s for the cell).
``tests/critic/test_critic_stability_map.py`` pins slow → diverged along utd at lr 1e-2 for base seeds 0, 1, 2.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from .arena import BASE, SEEDS, STABILIZERS, cell_config, run_cell, summarize
from .sac import SACConfig

OUTCOMES = ("learned", "slow", "overestimating", "diverged")

DIVERGED_FRACTION = 0.25
"""A cell is 'diverged' from this fraction of its seeds on: at 16 seeds, 4 — the fewest diverged seeds
whose 95 % bootstrap interval of the fraction excludes 0 (at 3 of 16 a resample holds none of them with
probability (13/16)^16 = 3.6 % > 2.5 %; at 4, (12/16)^16 = 1.0 %), so one or two runaway seeds do not
colour a cell that is stable for the population."""

PENDULUM_COST = math.pi ** 2 + 0.1 * 8.0 ** 2 + 0.001 * 2.0 ** 2
"""Pendulum's largest cost in one step, 16.27 (angle π, speed 8, torque 2): every return of the env lies
in [−16.27·c/(1 − γ), 0], so a critic more than 16.27·c/(1 − γ) above the Monte-Carlo return is above any
return at all. A critic that merely lags from its start near 0 (Q̂ ≈ 0 while the returns are −600: the
arena's Q̂ − G of +400 to +7,000 at 300 steps) stays below that; only a real bias passes it."""

LEARNED_RETURN = -700.0
"""Return IQM from which a cell has 'learned' Pendulum: about halfway from a random policy (−1,284, the
arena's control cell at 300 steps) to a swung-up pendulum (about −150)."""

AXES = ("utd", "lr", "tau", "gamma", "reward_scale", "reward_t_scale", "hidden", "batch")
"""SACConfig fields a map may put on an axis: the arena's stress axes and the critic's size."""
MAX_POINTS = 6     # values per axis
MAX_VARIANTS = 6
MIN_SEEDS, MAX_SEEDS = 4, 64   # the arena's return IQM needs 4 surviving seeds


def classify(diverged: float, overestimation: float, return_iqm: float, gamma: float,
             reward_scale: float = 1.0) -> str:
    """The outcome of a cell from its divergence fraction, the median Q̂ − G and the return IQM of its
    surviving seeds (see the module docstring). A NaN overestimation or return counts as not passing its
    threshold."""
    if diverged >= DIVERGED_FRACTION:
        return "diverged"
    if overestimation > PENDULUM_COST * reward_scale / (1.0 - gamma):
        return "overestimating"
    if return_iqm >= LEARNED_RETURN:
        return "learned"
    return "slow"


@dataclass(frozen=True)
class MapSpec:
    """What a map trains: ``variants`` (name → SACConfig fields, as in ``arena.run_grid``) over the axes
    ``x`` and ``y`` (SACConfig fields of ``AXES``, each with 1 to ``MAX_POINTS`` increasing values), with
    the stress ``fixed`` on every cell, ``seeds`` seeds a cell from base ``seed``, over ``BASE``
    updated by ``base`` (``steps``, say). Every cell's config is checked when the spec is made: a bad
    axis or value raises ``ValueError`` (or the config's ``ConfigError``) naming it."""

    x: str
    x_values: tuple
    y: str
    y_values: tuple
    variants: dict = field(default_factory=lambda: {"single": {"critic": "single"}, "twin": {"critic": "twin"}})
    fixed: dict = field(default_factory=dict)
    seed: int = 0
    seeds: int = SEEDS
    base: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, values in ((self.x, self.x_values), (self.y, self.y_values)):
            if name not in AXES:
                raise ValueError(f"axis {name!r} is not a stress axis; choose from {', '.join(AXES)}")
            if not 1 <= len(values) <= MAX_POINTS:
                raise ValueError(f"axis {name!r} has {len(values)} values; a map takes 1 to {MAX_POINTS}")
            if any(not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) for v in values):
                raise ValueError(f"axis {name!r}: values must be finite numbers, got {list(values)}")
            if any(b <= a for a, b in zip(values, values[1:])):
                raise ValueError(f"axis {name!r}: values must be strictly increasing, got {list(values)}")
        if self.x == self.y:
            raise ValueError(f"both axes are {self.x!r}; a map needs two different axes")
        for name in (self.x, self.y):
            where = [w for w, fields in [("fixed", self.fixed), ("base", self.base),
                                         *((f"variant {v!r}", f) for v, f in self.variants.items())] if name in fields]
            if where:
                raise ValueError(f"axis {name!r} is also set in {', '.join(where)}; "
                                 "an axis takes its values only from the map")
        if not 1 <= len(self.variants) <= MAX_VARIANTS:
            raise ValueError(f"{len(self.variants)} variants; a map takes 1 to {MAX_VARIANTS}")
        if not MIN_SEEDS <= self.seeds <= MAX_SEEDS:
            raise ValueError(f"seeds = {self.seeds}: a cell takes {MIN_SEEDS} to {MAX_SEEDS} seeds")
        if self.base.get("env", BASE["env"]) != "pendulum":
            raise ValueError("the map's outcomes are calibrated on Pendulum (PENDULUM_COST, LEARNED_RETURN); "
                             f"env {self.base['env']!r} is not allowed")
        object.__setattr__(self, "x_values", tuple(self.x_values))
        object.__setattr__(self, "y_values", tuple(self.y_values))
        object.__setattr__(self, "_configs", [(variant, iy, ix, self.config(variant, iy, ix))
                                              for iy in range(len(self.y_values)) for ix in range(len(self.x_values))
                                              for variant in self.variants])

    def config(self, variant: str, iy: int, ix: int) -> SACConfig:
        """The config of one cell: the arena's ``cell_config`` with the fixed stress and the axis values."""
        stress = {**self.fixed, self.x: self.x_values[ix], self.y: self.y_values[iy]}
        return cell_config(self.variants[variant], stress, self.seed, self.seeds, **self.base)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.y_values), len(self.x_values)

    @property
    def cells(self) -> int:
        """Number of cells over all variants."""
        return len(self._configs)


CRITICS = {"single": {"critic": "single"}, **{name: variant for name, (variant, _) in STABILIZERS.items()}}
"""The critics a map may compare, by name: plain SAC's single critic and each of the arena's stabilizers as
the arena measures it (``arena.STABILIZERS``: HL-Gauss with its support reaching the divergence bound, say)."""


def named_critics(names: list[str]) -> dict[str, dict]:
    """``MapSpec.variants`` for ``names`` of ``CRITICS``; a ValueError names any unknown one and the choices."""
    unknown = [name for name in names if name not in CRITICS]
    if unknown:
        raise ValueError(f"unknown critics {unknown}; choose from {', '.join(CRITICS)}")
    return {name: CRITICS[name] for name in names}


DEFAULT_MAP = dict(x="lr", x_values=(3e-4, 3e-3, 1e-2), y="utd", y_values=(1, 4),
                   fixed=dict(tau=1.0, gamma=0.999))
"""No target network and a long horizon (the arena's failing setting) with the step size and the updates
per step on the axes: the arena measured divergence only where all four meet."""


def map_cells(spec: MapSpec, level: float = 0.95, n_boot: int = 1000,
              stop: threading.Event | None = None) -> Iterator[dict]:
    """Train the cells one at a time — row by row of y, then x, every variant of a point before the next
    point, so that all the maps fill in together — and yield each cell's row as it finishes: ``variant``,
    ``ix``, ``iy``, the two axis values, ``arena.summarize``'s numbers and the ``outcome``. Bootstrap
    intervals draw from one generator seeded with ``spec.seed``. Setting ``stop`` ends it within a chunk of
    steps of the cell in training, which is dropped (``arena.run_cell``)."""
    rng = np.random.default_rng(spec.seed)
    for variant, iy, ix, config in spec._configs:
        table = run_cell(config, stop)
        if table is None:
            return
        row = summarize(table, level, n_boot, rng)
        yield {"variant": variant, "ix": ix, "iy": iy, spec.x: spec.x_values[ix], spec.y: spec.y_values[iy],
               **row, "outcome": classify(row["diverged"], row["overestimation"], row["return_iqm"],
                                          config.gamma, config.reward_scale)}


def stability_map(spec: MapSpec, level: float = 0.95, n_boot: int = 1000) -> pd.DataFrame:
    """Every cell of ``spec``: one row each (``map_cells``)."""
    return pd.DataFrame(list(map_cells(spec, level, n_boot)))


def outcome_grid(rows: list[dict] | pd.DataFrame, spec: MapSpec, variant: str) -> np.ndarray:
    """The outcomes of ``variant`` as a (len(y_values), len(x_values)) array of strings, "" where a cell has
    not finished; ``rows`` are ``map_cells``'s rows so far."""
    grid = np.full(spec.shape, "", dtype=object)
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows
    for row in records:
        if row["variant"] == variant:
            grid[row["iy"], row["ix"]] = row["outcome"]
    return grid
