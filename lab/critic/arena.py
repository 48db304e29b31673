"""The critic stress arena: SAC variants under stress, each cell one batched population of seeds.

A cell is (variant, stress): two dicts of ``SACConfig`` fields over the arena's small Pendulum
setting ``BASE``, trained as one population of ``seeds`` (≥ 16) with ``freeze_diverged`` on, so a
seed that diverges is recorded (when, and that it did) while the others train on. ``run_cell``
gives one row per seed; ``run_grid`` runs cells and gives that table and one row per cell:
divergence fraction and return IQM, each with a percentile-bootstrap interval over seeds
(``lab.core.history.bootstrap_mean``).

Per seed: ``diverged`` (Q or a loss became non-finite, or |mean Q| passed ``SACConfig.q_bound``),
``diverged_at`` (the step; NaN if it did not), ``q_peak`` (the recorded mean Q of largest size before
it diverged, with its sign), ``overestimation`` (Q̂ − Monte-Carlo soft return on replayed (s, a),
measured once at the end, after learning; ``overestimation.py``) and ``final_return`` (deterministic evaluation at the
end). A diverged seed's last two are NaN. The return IQM is over the seeds that did not diverge (their
number is ``n_finite``); read it beside the divergence fraction.

Measured on a 2-core AMD EPYC (AVX2), one torch thread (2026-11-30), ``run_grid({"single": {"critic":
"single"}, "twin": {"critic": "twin"}}, STRESSES, seed=0)`` over ``BASE`` (100 random steps, then 300 steps with
``utd`` updates each; 16 seeds a cell; grid of 22 cells 139 s, a cell 2–11 s, 20–27 s at utd 16).
Divergence fraction [95 % bootstrap], seeds left, return IQM of those, median peak mean Q:

    stress (over BASE)           single: diverged    n    IQM Q peak | twin: diverged      n    IQM Q peak
    none                         0                  16  −1284     −6 | 0                  16  −1302     −6
    τ = 1                        0                  16  −1285     −9 | 0                  16  −1370    −10
    γ = 0.999                    0                  16  −1284     −6 | 0                  16  −1303     −6
    lr = 1e-2                    0                  16  −1713    −14 | 0                  16  −1726    −14
    utd = 16                     0                  16  −1371   −126 | 0                  16  −1412   −109
    reward_scale = 100           0                  16  −1305    −10 | 0                  16  −1386    −11
    Cauchy noise σ = 10 (ν = 1)  0                  16  −1290     −1 | 0                  16  −1261     −1
    τ = 1, γ = 0.999             0                  16  −1285    −10 | 0                  16  −1372    −10
    τ = 1, γ = 0.999, utd 4      0                  16  −1678   −196 | 0                  16  −1734   −235
    … and lr 3e-3                0                  16  −1462  −1693 | 0.31 [0.06, 0.56]  11  −1510  −3353
    … and lr 1e-2                0.31 [0.12, 0.50]  11  −1516  −4267 | 0.69 [0.44, 0.88]   5  −1591  −5923

Per seed, the last cell (seed 0): single diverged at steps 214, 250, 313, 374, 382, each after a
*positive* runaway (peak mean Q +17390, +14401, +13947, +16886, +13654 before crossing the bound
20/(1 − γ) = 20,000; Pendulum's rewards are ≤ 0 and the entropy bonus is at most α·log 4 a step);
the other 11 peaked between −572 and −16597. Twin diverged at steps 179, 197, 205, 227, 240, 272,
309, 313, 320, 346, 371, all *downward* (peaks −17298 to −19604): the clipped double-Q minimum,
bootstrapped on itself without a target network, runs away below instead of above. Base seeds 1
and 2 (``tests/critic/test_arena.py``): single 7 and 5 of 16, twin 10 and 8; every control cell (no
stress) 0 of 16 with |mean Q| ≤ 9.3. On an Intel Xeon (AVX-512), 2026-12-03, the same code and seeds round
differently and these chaotic runs diverge in other seeds: single 2, 6, 5 and twin 12, 10, 11 for base seeds
0, 1, 2 (AMD: 5, 7, 5 and 11, 10, 8), the controls again 0 of 16; a base seed's count is noise at this scale.

What this does and does not show. Only the combination fails at this budget: no target network and
γ = 0.999 and several updates per step and a large step size (1e-2; twin already at 3e-3); each
axis alone, reward scale 100 and Cauchy reward noise diverge in no seed (Adam's step does not grow
with the reward's scale). 300 steps are far from learning Pendulum (returns −1300 ≈ a random
policy; |Q| ≈ 6 against returns of −500 and below), so the cells' 'overestimation' (median Q̂ − G of
+400 to +700 at γ = 0.99, +4000 to +7000 at γ = 0.999, where G is also cut at 2,000 steps and misses
up to 0.135·16.3/(1 − γ) ≈ 2,200) measures a critic still far below the returns, not a bias; read it
only in longer runs.

The stabilizers at ``NO_TARGET``, each against its plain critic (``STABILIZERS``; seeds of 16 diverged for
base seeds 0, 1, 2 on the AMD CPU; the table with intervals, the per-seed numbers, the Intel CPU's and
the tests are in ``tests/critic/test_stabilizer_effects.py``): spectral norm on twin 0, 0, 0 (twin 11, 10, 8)
and HL-Gauss on [−20,000, 100] 0, 0, 0, both ending with values near the Monte-Carlo returns; the flow
critic 0, 0, 0 with values that barely move; DSAC-T 8, 8, 9 (no effect); STAC 16, 16, 16 (single 5, 7, 5; its pessimism
runs away downward; at β = 0: 0, 0, 0); the critic warm-up on twin 12, 14, 16, earlier; the clipped
advantage on single 5, 3, 3; MDPO on single 0, 1, 4 (on twin 9, 11, 13).

A sparse task (``TASKS``): ``sparse-pendulum`` (``envs.SparsePendulum``), Pendulum's dynamics with DeepMind
Control's swingup reward, 1 while the pole is within 30° of upright and 0 elsewhere. Measured on one torch
thread (2026-12-01), ``run_cell(cell_config({"critic": c}, STRESSES[s], seed=base, **TASKS[task]))`` for
every stress of ``STRESSES`` on the sparse task, both critics, base seeds 0, 1, 2 (2–16 s a cell, 28–37 s at
utd 16), and at lr 3e-3 on Pendulum too. Seeds of 16 diverged, per base seed (Pendulum's other rows: the
table above, base seed 0, and ``tests/critic/test_arena.py``):

    stress (over BASE)                single: sparse  Pendulum   | twin: sparse  Pendulum
    none                              0, 0, 0         0, 0, 0    | 0, 0, 0       0, 0, 0
    each of the 8 others above        0, 0, 0         0 (seed 0) | 0, 0, 0       0 (seed 0)
    τ = 1, γ = 0.999, lr 3e-3, utd 4  14, 16, 15      0, 0, 1    | 12, 7, 8      5, 0, 4
    … lr 1e-2 (NO_TARGET)             16, 16, 16      5, 7, 5    | 12, 10, 15    11, 10, 8

So plain SAC fails on the sparse task too, the single critic already at a step size where it holds on
Pendulum (lr 3e-3: 45 of 48 seeds against 1 of 48). Every runaway there is *upward* (twin's too, where on
Pendulum it runs away downward): the median peak mean Q of a cell's diverged seeds is +17,300 to +19,400,
before the bound 20/(1 − γ) = 20,000. Rewards are found, but rarely: at no stress 4–7 % of the stored steps
are rewarded (a sixth of the starts are within 30° of upright), and 6–8 of 16 seeds never see a reward in
their 400 steps (2 episodes). Divergence does not wait for one: of the diverged seeds, 7, 7, 4 (single,
NO_TARGET), 3, 2, 7 (twin, NO_TARGET), 4, 2, 0 (single, lr 3e-3) and 0, 0, 2 (twin, lr 3e-3) had seen no
reward before they diverged (counted in their replay buffers). Such a critic learns r ≡ 0: its targets are
its own values plus the entropy bonus, with nothing pulling them down as Pendulum's costs do — a reading,
not tested further.

Large returns: ``reward_scale`` = 100 (every return ×100) diverges no seed on either task (sparse: 0 of 16
for every base seed and both critics, peak mean Q 1.7–13; Pendulum: base seed 0, above). At this budget the
critic does not reach large values at all: Adam's step does not grow with the reward's scale, and 300 steps
at lr 3e-4 move the critic's output little. Large returns are not, here, a task on which SAC fails.
"""
from __future__ import annotations

import math
import threading
import time

import numpy as np
import pandas as pd

from lab.core import Run
from lab.core.history import bootstrap_mean, iqm

from .overestimation import overestimation
from .sac import SACConfig, SACTrainer

STRESSES = {"none": {}, "tau=1": dict(tau=1.0), "gamma=0.999": dict(gamma=0.999), "lr=1e-2": dict(lr=1e-2),
            "utd=16": dict(utd=16), "reward x100": dict(reward_scale=100.0),
            "cauchy noise 10": dict(reward_t_scale=10.0, reward_t_df=1),
            "tau=1,gamma=0.999": dict(tau=1.0, gamma=0.999),
            "tau=1,gamma=0.999,utd=4": dict(tau=1.0, gamma=0.999, utd=4),
            "tau=1,gamma=0.999,lr=3e-3,utd=4": dict(tau=1.0, gamma=0.999, lr=3e-3, utd=4),
            "tau=1,gamma=0.999,lr=1e-2,utd=4": dict(tau=1.0, gamma=0.999, lr=1e-2, utd=4)}
# The stress where plain SAC fails at this budget: no target network, γ = 0.999, lr 1e-2, 4 updates a step.
NO_TARGET = STRESSES["tau=1,gamma=0.999,lr=1e-2,utd=4"]

# Each stabilizer as (its variant, the plain variant it is measured against: the same critic without it).
# HL-Gauss, DSAC-T and the flow critic have two heads with the minimum, so their plain critic is 'twin';
# STAC has one head, so 'single'. HL-Gauss's support reaches down to the divergence bound at γ = 0.999
# (−20/(1 − γ) = −20,000), so that it can hold the values where twin runs away (its default support,
# [−1,700, 100], is set for γ = 0.99 and cannot). The actor-side switches are measured on 'single', whose runaway
# (upward) is the actor climbing its critic's error; the warm-up on 'twin', whose runaway (downward)
# happens with or without the actor; Symphony's swaddling on 'single' (the part that looked strongest on one
# CPU and not on another: test_symphony.py); SL-MGAC, built on twin Q, against 'twin'. Measured effects:
# tests/critic/test_stabilizer_effects.py, test_symphony.py, test_sl_mgac.py.
STABILIZERS = {
    "twin": ({"critic": "twin"}, {"critic": "single"}),
    "hl-gauss": ({"critic": "hl-gauss", "hl_v_min": -20_000.0}, {"critic": "twin"}),
    "dsac-t": ({"critic": "dsac-t"}, {"critic": "twin"}),
    "stac": ({"critic": "stac"}, {"critic": "single"}),
    "spectral norm": ({"critic": "twin", "spectral_norm": True}, {"critic": "twin"}),
    "flow": ({"critic": "flow"}, {"critic": "twin"}),
    "critic warm-up": ({"critic": "twin", "critic_warmup": 400}, {"critic": "twin"}),
    "clipped advantage": ({"critic": "single", "advantage_clip": 1.0}, {"critic": "single"}),
    "mdpo": ({"critic": "single", "actor": "mdpo"}, {"critic": "single"}),
    "swaddling": ({"critic": "single", "swaddling": 1.0}, {"critic": "single"}),
    "sl-mgac": ({"critic": "sl-mgac"}, {"critic": "twin"}),
}

# Small enough that a cell of 16 seeds trains in 2–13 s on one CPU thread at utd ≤ 4 (measured below). The
# divergence bound: Pendulum's rewards lie in [−16.3, 0] and the soft return's entropy bonus is at most
# α·log 4 per step (the entropy of the uniform law on the action box [−2, 2]), so for α ≤ 2.6 no soft Q
# exceeds 20·c/(1 − γ) in size (c the reward scale); the arena counts a seed beyond it as diverged.
# On 'sparse-pendulum' (rewards in {0, 1}) the same bound holds for α ≤ 13.7: no soft Q exceeds
# (1 + α·log 4)·c/(1 − γ) ≤ 20·c/(1 − γ). Of the 157 seeds that diverged there in the module docstring's
# cells, 3 had α above 13.7 (14.7, 18.3, 36.2): autotune raises α only while the policy's entropy is below
# the target −1, and while it is, the entropy bonus is negative and no soft return exceeds c/(1 − γ). As on
# Pendulum, the bound's lower side is a practical one (a policy's entropy has no lower bound); there no
# seed ran away downward.
BASE = dict(env="pendulum", hidden=32, batch=32, buffer=10_000, learning_starts=100, steps=400,
            eval_episodes=2, divergence_bound=20.0)
SEEDS = 16
OVERESTIMATION_STATES = 16

# The arena's tasks, as the ``BASE`` fields each replaces: Pendulum's dense cost, and the same dynamics with a
# sparse reward (``envs.SparsePendulum``: 1 within 30° of upright, else 0); ``cell_config(..., **TASKS[name])``.
TASKS = {"pendulum": {}, "sparse-pendulum": dict(env="sparse-pendulum")}


def cell_config(variant: dict, stress: dict, seed: int = 0, seeds: int = SEEDS, **base) -> SACConfig:
    """The config of a cell: ``BASE`` updated by ``base``, then ``variant``, then ``stress``."""
    return SACConfig.from_params(**{**BASE, **base, **variant, **stress}, seeds=seeds, seed=seed,
                                 freeze_diverged=True)


def run_cell(config: SACConfig, stop: threading.Event | None = None) -> pd.DataFrame | None:
    """Train the cell's population; one row per seed (see the module docstring), with the cell's
    wall time in seconds. With ``stop``: None once it is set (looked at every chunk of 10 steps, so
    a stop takes effect within a fraction of a second), the cell left unfinished."""
    if not config.freeze_diverged:
        raise ValueError("an arena cell needs freeze_diverged = True (a diverging seed is an outcome)")
    started = time.perf_counter()
    trainer = SACTrainer(config)
    run = Run(trainer, config.steps, progress=False,
              callbacks=[lambda run: run.stop() if stop.is_set() else None] if stop is not None else None)
    history = run.run()
    if run.state == "stopped":
        return None
    diverged = trainer.diverged.cpu().numpy()
    final_return = trainer.evaluate().cpu().numpy()
    over = overestimation(trainer, OVERESTIMATION_STATES).cpu().numpy()
    q = np.nan_to_num(history.values("q_mean"))                             # 0 once frozen
    peak = q[np.abs(q).argmax(0), np.arange(config.seeds)]
    return pd.DataFrame({
        "member": np.arange(config.seeds),
        "seed": config.seed,
        "diverged": diverged,
        "diverged_at": np.where(diverged, trainer.diverged_at.cpu().numpy(), math.nan),
        "q_peak": peak,
        "overestimation": np.where(diverged, math.nan, over),
        "final_return": np.where(diverged, math.nan, final_return),
        "wall_s": time.perf_counter() - started,
    })


def run_grid(variants: dict[str, dict], stresses: dict[str, dict], seed: int = 0, seeds: int = SEEDS,
             level: float = 0.95, n_boot: int = 1000, **base) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (variant, stress) cell as one population: (per-seed table, per-cell table).

    Per cell: ``diverged`` (fraction) with ``diverged_lo``/``_hi``, ``return_iqm`` with
    ``return_lo``/``_hi`` over the ``n_finite`` seeds that did not diverge (NaN when fewer than 4),
    the median ``overestimation`` and ``q_peak`` of those seeds, and ``wall_s``."""
    rng = np.random.default_rng(seed)
    per_seed, cells = [], []
    for variant_name, variant in variants.items():
        for stress_name, stress in stresses.items():
            table = run_cell(cell_config(variant, stress, seed, seeds, **base))
            table.insert(0, "stress", stress_name)
            table.insert(0, "variant", variant_name)
            per_seed.append(table)
            cells.append({"variant": variant_name, "stress": stress_name,
                          **summarize(table, level, n_boot, rng)})
    return pd.concat(per_seed, ignore_index=True), pd.DataFrame(cells)


def summarize(table: pd.DataFrame, level: float, n_boot: int, rng: np.random.Generator) -> dict:
    """One cell's row from its per-seed table."""
    div, div_lo, div_hi = bootstrap_mean(table["diverged"].to_numpy(float)[None], level, n_boot, rng)
    alive = table[~table["diverged"]]
    returns = alive["final_return"].to_numpy()[None]
    ret = bootstrap_mean(returns, level, n_boot, rng, iqm) if len(alive) >= 4 else ([math.nan],) * 3
    return {"seeds": len(table), "diverged": div[0], "diverged_lo": div_lo[0], "diverged_hi": div_hi[0],
            "n_finite": len(alive), "return_iqm": ret[0][0], "return_lo": ret[1][0], "return_hi": ret[2][0],
            "overestimation": alive["overestimation"].median(), "q_peak": alive["q_peak"].median(),
            "wall_s": table["wall_s"].iloc[0]}
