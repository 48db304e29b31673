"""GPC's test-time policy composition (``lab/expressive/gpc.py``; Cao et al., arXiv 2510.01068): the pieces, and
the claim.

The claim (issue 20, item 4): "Toy: two small 2-D flow policies trained on complementary biased
demonstrations. Failure: each parent succeeds only about half the time. Claim: the best weight beats the
better parent clearly; weights 0 and 1 reproduce the parents exactly."

Measured with GpcTrainer's defaults (parent 1's demos N((−0.45, 0), 0.15²·I), parent 2's N((+0.45, 0),
0.15²·I), success = within 0.45 of the target (0, 0); 512 demos per parent, batch 128, Adam 3e-3, 2×64
hidden, 8 Euler steps, 300 steps; the grid w = 0, 0.1, …, 1 measured at the last step; w* picked on a
selection batch of 64 noise points per seed, every success measured on an independent held-out batch of 64)
over base seeds 0, 1, 2, each a population of 16 seeds. p1, p2 = the parents' held-out success (mean over
seeds); better = the mean over seeds of max(p1, p2) per seed (its largest seed in brackets); gpc = the
composition's at w* (its smallest seed in brackets); gain = gpc − better per seed (its smallest seed);
w* = the searched weights' range; w=½ = the fixed weight 0.5 (PoCo-style, no search)::

    seed  p1     p2     better        gpc           min gain  w*         w=½
    0     0.468  0.470  0.536 (0.67)  0.981 (0.94)  +0.33     0.3–0.6    0.988
    1     0.405  0.438  0.469 (0.59)  0.978 (0.95)  +0.39     0.3–0.6    0.985
    2     0.479  0.424  0.518 (0.66)  0.976 (0.92)  +0.27     0.3–0.7    0.979

(printed by ``PYTHONPATH=tests/core .venv/bin/python -m tests.expressive.test_gpc``). Each parent lands
inside the target about half the time (its demonstrations straddle the target's edge); the composition at
the searched weight lands there 98% of the time, +0.27 or more over the better parent in every seed of every
population. The two flows move Gaussian noise to Gaussians of the same spread, so their velocity average
moves it to a Gaussian centred between them — on the target. With symmetric biases the best weight is near
½, so here a fixed ½ does as well as the search (the search matters when the biases are unequal: with
``bias_2`` = 0.9 w* moves to 0.6–0.7, where w = ½ reaches 0.90–0.92 and w* 0.97–0.98, base seeds 0 and 1;
the notebook section).
"""
from __future__ import annotations

import functools

import pytest
import torch
from host_reads import twin_steps

from lab.core import ConfigError
from lab.expressive.flow import FlowPolicy
from lab.expressive.gpc import (GpcConfig, GpcTrainer, composed_sample, composed_velocity, demonstrations,
                                successes, weight_grid)

SEEDS = (0, 1, 2)
POPULATION = 16


# --- the pieces ----------------------------------------------------------------------------------

def test_the_composition_is_the_convex_combination_of_the_velocities():
    v1, v2 = torch.tensor([[2.0, -1.0]]), torch.tensor([[0.0, 3.0]])
    assert composed_velocity(v1, v2, torch.tensor(0.25)).tolist() == [[0.5, 2.0]]
    assert torch.equal(composed_velocity(v1, v2, torch.tensor(1.0)), v1)
    assert torch.equal(composed_velocity(v1, v2, torch.tensor(0.0)), v2)


def test_weights_one_and_zero_reproduce_the_parents_bit_for_bit():
    g = torch.Generator().manual_seed(0)
    parents = [FlowPolicy(3, 2, g, torch.device("cpu"), hidden=16, steps=5) for _ in range(2)]
    start = torch.randn(3, 10, 2, generator=g)
    with torch.no_grad():
        for w, parent in ((1.0, parents[0]), (0.0, parents[1])):
            composed = composed_sample(*parents, start, torch.full((3, 10, 1), w), 5)
            assert torch.equal(composed, parent.sample(start))
        half = composed_sample(*parents, start, torch.full((3, 10, 1), 0.5), 5)
    assert not torch.allclose(half, parents[0].sample(start))


def test_the_trainer_reports_its_parents_as_the_grid_endpoints():
    """The reported parent successes are those of each parent's own sampler on the held-out noise."""
    trainer = GpcTrainer(GpcConfig(seeds=4, steps=30, eval_every=10), "cpu")
    for _ in range(30):
        m = trainer.step()
    noise = trainer.held_out_noise[:, 0]
    with torch.no_grad():
        for k, parent in enumerate(trainer.parents):
            own = successes(parent.sample(noise), trainer.config.radius).mean(-1)
            assert torch.equal(m[f"success_parent_{k + 1}"], own)


def test_demonstrations_are_centred_off_the_target_by_their_bias():
    demos = demonstrations(2, 4000, -0.45, 0.15, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert torch.allclose(demos.mean(1), torch.tensor([-0.45, 0.0]), atol=0.01)
    assert successes(torch.tensor([[0.3, 0.3], [0.4, 0.0], [0.5, 0.0]]), 0.45).tolist() == [1.0, 1.0, 0.0]
    assert weight_grid(11, torch.device("cpu")).tolist() == pytest.approx([i / 10 for i in range(11)])


def test_a_batch_beyond_the_demos_is_refused_naming_both_fields():
    with pytest.raises(ConfigError, match="batch.*demos"):
        GpcConfig(demos=64, batch=128)


def test_the_headline_follows_the_switch():
    for policy, search, key in (("parent_1", "grid", "success_parent_1"), ("parent_2", "grid", "success_parent_2"),
                                ("gpc", "grid", "success_gpc")):
        m = GpcTrainer(GpcConfig(policy=policy, weight_search=search, seeds=2), "cpu").step()
        assert torch.equal(m["success"], m[key]), policy
    fixed = GpcTrainer(GpcConfig(policy="gpc", weight_search="fixed", weight=1.0, seeds=2), "cpu").step()
    assert torch.equal(fixed["success"], fixed["success_parent_1"])


def test_a_step_never_reads_the_device_is_deterministic_and_views_do_not_touch_training():
    config = GpcConfig(policy="gpc", seeds=3, steps=6, eval_every=3)
    a, ma = twin_steps(lambda: GpcTrainer(config, "cpu"), 6)
    state = a.view_state()
    assert state["gpc"].shape == (3, 64, 2) and state["success_by_weight"].shape == (3, 11)


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(seed: int) -> dict[str, torch.Tensor]:
    """One population of 16 seeds trained with the defaults; the per-seed metrics at the last step."""
    trainer = GpcTrainer(GpcConfig(seed=seed, seeds=POPULATION), "cpu")
    for _ in range(trainer.config.steps):
        m = trainer.step()
    return {**m, "half": trainer.measured["by_weight"][:, 5]}


@pytest.mark.parametrize("seed", SEEDS)
def test_each_parent_succeeds_only_about_half_the_time(seed):
    m = measure(seed)
    for parent in ("success_parent_1", "success_parent_2"):
        assert 0.3 <= m[parent].mean().item() <= 0.6
    assert torch.maximum(m["success_parent_1"], m["success_parent_2"]).max().item() <= 0.75


@pytest.mark.parametrize("seed", SEEDS)
def test_the_searched_composition_beats_the_better_parent_clearly(seed):
    m = measure(seed)
    assert m["success_gpc"].mean().item() >= 0.95
    assert m["gain"].min().item() >= 0.2                       # every seed, held-out noise
    assert ((m["best_weight"] > 0) & (m["best_weight"] < 1)).all()   # neither parent is picked


def table() -> str:
    rows = ["seed  p1     p2     better        gpc           min gain  w*         w=½"]
    for seed in SEEDS:
        m = measure(seed)
        better = torch.maximum(m["success_parent_1"], m["success_parent_2"])
        w = m["best_weight"]
        rows.append(f"{seed:<5} {m['success_parent_1'].mean():.3f}  {m['success_parent_2'].mean():.3f}  "
                    f"{better.mean():.3f} ({better.max():.2f})  {m['success_gpc'].mean():.3f} "
                    f"({m['success_gpc'].min():.2f})  {m['gain'].min():+.2f}     {w.min():.1f}–{w.max():.1f}    "
                    f"{m['half'].mean():.3f}")
    return "\n".join(rows)


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(table())
