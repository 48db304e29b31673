"""EXPO (``lab/expressive/expo.py``; Dong et al., arXiv 2507.07986): the pieces, and the claim.

The claim (issue 20, item 2): "Toy: a point mass with a bimodal offline dataset. Failure: backpropagating Q
through the denoising chain is unstable. Claim: near-optimal return with fewer online samples; Q divergence
in no seed."

Measured with ExpoTrainer's defaults (goals worth 1 and 0.5, horizon 10, γ = 0.9 so no value can exceed 10,
64 demonstrations per seed half to each goal, 200 flow-matching pretraining steps, 8 environments per seed,
300 online steps = 2400 transitions, UTD 1, batch 64, 8 Euler steps; 'backprop_chain' at η = 10, its samples
shown to the critic raw (the default) or clamped to the action box (``clip_samples=True``, Diffusion-QL's
code); 'expo' with N = 8 base samples, β = 0.3), base seeds 0, 1, 2, each a population of 16 seeds. ret = the
normalized return of the last 5 finished episode batches (mean of the return metric over the last 50 steps;
1 = the scripted optimal policy), better = fraction of the last episodes ending nearer the better goal, div =
seeds whose twin-min target Q ever left ±30 (3 × r_max/(1 − γ)), reach = seeds whose return ever reached 0.8.

    method                  seed  return median (IQR)   better goal  diverged  reached 0.8  max |Q|
    backprop_chain          0     0.35 (0.26–0.47)      0.72         9/16      0/16         ≥ 1000 (clamped)
    backprop_chain          1     0.44 (0.07–0.56)      0.81         7/16      1/16         ≥ 1000
    backprop_chain          2     0.15 (0.10–0.16)      0.62         13/16     0/16         ≥ 1000
    backprop_chain clamped  0     0.54 (0.47–0.60)      0.98         0/16      1/16         4.8
    backprop_chain clamped  1     0.61 (0.48–0.64)      1.00         0/16      3/16         5.1
    backprop_chain clamped  2     0.51 (0.44–0.61)      0.99         0/16      3/16         5.0
    expo                    0     0.80 (0.70–0.93)      0.99         0/16      12/16        6.1
    expo                    1     0.85 (0.82–0.91)      1.00         0/16      13/16        5.9
    expo                    2     0.90 (0.78–0.93)      1.00         0/16      15/16        5.8

So the divergence needs the unclamped sample: clamped (Diffusion-QL as published), the chain stays bounded
but is slower than EXPO at these settings. Not asserted (CPU budget; commands in
/work/notes_s32/report_expo.md): the unclamped baseline at η = 1 does NOT diverge (0/16 in each base seed,
max |Q| 5.2–5.5) but ends at a median return of 0.41–0.45 and no seed reaches 0.8; at η = 0 (online flow
matching on its own data, no Q) 0.32–0.33. A search for a clamped setting where the chain is unstable found
none (η = 30 and 100, 16 and 32 Euler steps, lr 1e-2 and 3e-2, critic lr 1e-2, 4 updates per step: 0
diverged seeds in every run, max |Q| ≤ 11.1; the module docstring lists them). Clamped at η = 100 and lr 1e-2
the chain reaches 0.89 / 0.85 / 0.86 (16 / 16 / 15 seeds past 0.8), as good as EXPO; unclamped at the same
setting it diverges in 16 / 15 / 16 seeds. EXPO with N = 4 base samples instead of 8 was slower in an earlier
measurement (median 0.78, 9/16 seeds past 0.8, base seed 0, before a change of the initial draws).

Asserted with margins below these (see each test). The file takes 60 s of CPU time (user; 206 s wall on the
shared, loaded machine): nine population runs of 300 steps.

Printed by ``.venv/bin/python -m pytest tests/expressive/test_expo.py -s -k table``.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from lab.core import ConfigError, Run
from lab.expressive.expo import (ExpoConfig, ExpoTrainer, move, offline_dataset, reward, goal_rewards,
                                 select_max_q)

BASE_SEEDS = (0, 1, 2)
SEEDS = 16
REACH = 0.8


def run(method: str, seed: int, clip_samples: bool = False) -> dict[str, np.ndarray]:
    """One population run at the defaults; per-seed summaries (cached under one key however it is called)."""
    return _run(method, seed, clip_samples)


@functools.lru_cache(maxsize=None)
def _run(method: str, seed: int, clip_samples: bool) -> dict[str, np.ndarray]:
    trainer = ExpoTrainer(ExpoConfig(method=method, seed=seed, seeds=SEEDS, clip_samples=clip_samples))
    history = Run(trainer, trainer.config.steps, progress=False).run()
    ret = history.values("return")
    return {"ret": ret[-50:].mean(0), "better": history.last("better_goal"),
            "diverged": history.last("diverged"), "reached": (ret >= REACH).any(0).astype(float),
            "q_max": np.abs(history.values("q")).max(0)}


# --- the pieces ------------------------------------------------------------------------------------


def test_select_max_q_takes_each_states_highest_valued_candidate():
    candidates = torch.tensor([[[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], [[3.0, 3.0], [4.0, 4.0], [5.0, 5.0]]]])
    q = torch.tensor([[[0.1, 0.9, 0.5], [2.0, -1.0, 1.0]]])
    assert torch.equal(select_max_q(candidates, q), torch.tensor([[[1.0, 1.0], [3.0, 3.0]]]))


def test_the_point_mass_clips_actions_and_positions_and_pays_at_the_goals():
    config = ExpoConfig()
    goals, peaks = goal_rewards(config, torch.device("cpu"))
    p = move(torch.tensor([0.0, 0.0]), torch.tensor([5.0, -0.5]))
    assert torch.allclose(p, torch.tensor([0.3, -0.15]))
    assert torch.allclose(move(torch.tensor([1.4, 0.0]), torch.tensor([1.0, 0.0])), torch.tensor([1.5, 0.0]))
    assert torch.allclose(reward(goals, goals, peaks), peaks)          # the peak of each goal is its worth
    assert reward(torch.tensor([0.0, -0.6]), goals, peaks) < 0.01      # nothing at the start


def test_the_offline_dataset_is_bimodal():
    config = ExpoConfig(seeds=2)
    data = offline_dataset(config, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert data["s"].shape == (2, config.dataset_episodes * config.horizon, 2)
    first = data["a"][:, :config.dataset_episodes]                     # the first action of every episode
    right = (first[..., 0] > 0).float().mean()
    assert 0.4 < right < 0.6


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="worse_reward"):
        ExpoConfig(worse_reward=1.0, better_reward=1.0)
    with pytest.raises(ConfigError, match="buffer"):
        ExpoConfig(buffer=512, dataset_episodes=64)
    with pytest.raises(ConfigError, match="method"):
        ExpoConfig(method="sac")


def test_view_state_draws_end_positions_without_touching_training():
    config = ExpoConfig(seeds=2, steps=3, pretrain_steps=5, dataset_episodes=8)
    a, b = ExpoTrainer(config), ExpoTrainer(config)
    ends = a.view_state().ends
    assert ends.shape == (2, 64, 2)
    assert torch.equal(a.step()["q"], b.step()["q"])


def test_expo_trains_a_step_with_bounded_edits():
    trainer = ExpoTrainer(ExpoConfig(method="expo", seeds=2, pretrain_steps=5, dataset_episodes=8))
    metrics = trainer.step()
    assert set(metrics) == {"return", "better_goal", "q", "diverged", "outside", "edit"}
    assert all(v.shape == (2,) for v in metrics.values())
    assert (metrics["edit"] > 0).all() and (metrics["edit"] <= 0.3).all()


# --- the claim -------------------------------------------------------------------------------------


def test_table():
    """Prints the per-seed numbers of the docstring's table."""
    for method, clip in (("backprop_chain", False), ("backprop_chain", True), ("expo", False)):
        for seed in BASE_SEEDS:
            r = run(method, seed, clip)
            low, median, high = np.quantile(r["ret"], [0.25, 0.5, 0.75])
            name = method + (" clamped" if clip else "")
            print(f"{name:23s} {seed}  ret median {median:.2f} (IQR {low:.2f}–{high:.2f})  "
                  f"better {r['better'].mean():.2f}  div {int(r['diverged'].sum())}/16  "
                  f"reach {int(r['reached'].sum())}/16  max|q| {r['q_max'].max():.1f}")


@pytest.mark.parametrize("seed", BASE_SEEDS)
def test_backpropagating_q_through_the_flow_chain_diverges_in_many_seeds(seed):
    """The failure (with the critic seeing the chain's raw, unclamped sample, the default): at η = 10 the
    critic's value leaves ±30 (three times what the rewards allow) in 9 / 7 / 13 of 16 seeds (base seeds
    0 / 1 / 2), and 0 / 1 / 0 seeds' return reaches 0.8 of the optimum."""
    r = run("backprop_chain", seed)
    assert r["diverged"].sum() >= 5
    assert r["q_max"].max() > 100
    assert r["reached"].sum() <= 2
    assert np.median(r["ret"]) < 0.6


@pytest.mark.parametrize("seed", BASE_SEEDS)
def test_expo_reaches_near_optimal_return_with_no_diverging_seed(seed):
    """The claim: EXPO's on-the-fly policy keeps every seed's Q within r_max/(1 − γ) = 10 (no divergence), ends
    at a median return of 0.80–0.90 of the optimum with 99–100% of its episodes at the better goal, and 12–15
    of 16 seeds pass 0.8 within the same 2400 transitions where the baseline's 0–1 do."""
    r, base = run("expo", seed), run("backprop_chain", seed)
    assert r["diverged"].sum() == 0
    assert r["q_max"].max() < 10.0
    assert np.median(r["ret"]) > 0.75
    assert r["better"].mean() > 0.95
    assert r["reached"].sum() >= 10
    assert r["reached"].sum() >= base["reached"].sum() + 8


@pytest.mark.parametrize("seed", BASE_SEEDS)
def test_the_clamped_chain_does_not_diverge_and_trails_expo_at_the_defaults(seed):
    """Diffusion-QL as published (``clip_samples=True``: every chain sample clamped to the action box before the
    critic): at the same η = 10 no seed diverges (0/16 per base seed; max |Q| 4.8 / 5.1 / 5.0, under the bound
    of 10), so the failure above needs the unclamped sample. It is slower than EXPO: median return 0.54 / 0.61
    / 0.51 against EXPO's 0.80 / 0.85 / 0.90 (EXPO ahead by 0.26 / 0.24 / 0.39), 1 / 3 / 3 of 16 seeds past
    0.8 against 12 / 13 / 15. Only at these defaults (η = 10, lr 3e-3): the clamped chain with η = 100 and
    lr 1e-2 matches EXPO (see the module docstring)."""
    r, e = run("backprop_chain", seed, True), run("expo", seed)
    assert r["diverged"].sum() == 0
    assert r["q_max"].max() < 10.0
    assert np.median(e["ret"]) > np.median(r["ret"]) + 0.15
    assert e["reached"].sum() >= r["reached"].sum() + 8
