"""Unstable directions of a policy's decision boundary (lab.robust.unstable_directions; Korkmaz, ICML 2024,
arXiv 2406.16979) — a diagnostic: the claims are about what it measures, not about a stabilizer.

The claims, measured at the defaults (eps 0.05, 4 distractors, k = 1, 300 steps, probes every 25 steps), 16 seeds,
base seeds 0, 1, 2; each number the mean over the 16 seeds of the seed's mean over the probes of the second half
of training (steps 150–300). Print the table with
``PYTHONPATH=.:tests/core python tests/robust/test_unstable_directions.py``.

    base seed  training     accuracy  flip_at_eps  margin  concentration  time_overlap  train_overlap  distractor_mass
    0          standard     0.914     0.595        0.043   0.613          0.792         0.960          0.0010
    0          adversarial  0.818     0.370        0.065   0.613          0.816         0.906          0.0025
    1          standard     0.924     0.582        0.044   0.606          0.822         0.947          0.0010
    1          adversarial  0.841     0.381        0.064   0.592          0.778         0.870          0.0026
    2          standard     0.919     0.575        0.044   0.610          0.772         0.973          0.0012
    2          adversarial  0.825     0.400        0.063   0.597          0.739         0.905          0.0028

1. The fragility the diagnostic looks at happens in the baseline, and the adversary buys robustness: a
   perturbation of L2 size 0.05 changes the standard policy's action in 58–60% of the probe states; adversarial
   training brings it to 37–40% (median flip radius 0.043 → 0.064), at a cost in clean accuracy (0.91–0.92 →
   0.82–0.84).
2. The paper's direction, across training windows: the principal unstable direction of the adversarially trained
   policies moves more from one probe to the next (overlap with the previous probe 0.87–0.91 against 0.95–0.97); paired
   by seed — the two trainings share each seed's data and initial weights — adversarial is lower in 14, 12 and 10
   of 16 seeds). The median overlap is ≥ 0.99 for both: the mean falls through rare swaps of the top direction
   (overlap < 0.5 in 2–4% of the standard seeds' late probes, 5–12% of the adversarial ones).
3. Not reproduced, across states and episode time: how concentrated the directions are across states
   (top-eigenvalue mass 0.59–0.61 for both) and how much consecutive time windows of an episode share them
   (0.74–0.82 for both, the sign of the difference changing with the base seed) show no consistent difference:
   in this 8-input toy the expert's boundary geometry, not the training, sets the directions. Their mass in the
   four irrelevant inputs is small for both but 2.3–2.6× larger after adversarial training (0.10–0.12% against
   0.25–0.28%). With k = 2 both trainings' subspaces overlap ≈ 1 across states, time and training (the two
   task directions): the top-1 oscillation of claim 2 is the balance between those two shifting, not new
   directions.
"""
from __future__ import annotations

import functools
import math
import sys

import numpy as np
import pytest
import torch
from host_reads import HostReads

from lab.core import ConfigError, Run
from lab.robust.unstable_directions import (TRAININGS, UnstableDirectionsConfig, UnstableDirectionsTrainer,
                                            expert_action)
from lab.robust.unstable_directions_diagnostic import minimal_perturbation, subspace_overlap, unstable_subspace

SEEDS = (0, 1, 2)
POPULATION = 16
COLUMNS = ("accuracy", "flip_at_eps", "margin", "concentration", "time_overlap", "train_overlap", "distractor_mass")


# --- the pieces ----------------------------------------------------------------------------------

def test_the_expert_pushes_against_the_larger_component_and_rests_in_the_dead_zone():
    states = torch.tensor([[0.5, 0.1, 0.0, 0.0], [-0.5, 0.1, 0.0, 0.0], [0.0, 0.3, 0.0, 0.2],
                           [0.1, -0.6, 0.0, 0.0], [0.05, -0.05, 0.0, 0.05], [0.3, 0.0, -0.3, 0.0]])
    assert expert_action(states).tolist() == [2, 1, 4, 3, 0, 0]


def linear_net(w: torch.Tensor, b: float) -> list[torch.Tensor]:
    """A one-seed ReLU MLP whose logits are exactly (0, w·x − b): hidden units relu(x), relu(−x)."""
    d = len(w)
    w1 = torch.cat([torch.eye(d), -torch.eye(d)], 1)[None]
    w2 = torch.stack([torch.zeros(2 * d), torch.cat([w, -w])], 1)[None]
    return [w1, torch.zeros(1, 2 * d), w2, torch.tensor([[0.0, -b]])]


def test_the_minimal_perturbation_of_a_linear_boundary_is_its_normal_and_its_distance():
    w = torch.tensor([3.0, -4.0, 0.0])
    x = torch.tensor([[[0.1, 0.2, 0.7], [-0.3, 0.1, -0.2]]])               # w·x − 1 < 0: action 0 at both
    u, radius = minimal_perturbation(linear_net(w, 1.0), x)
    distance = (1.0 - x @ w) / 5.0
    assert torch.allclose(u, (w / 5.0).expand_as(u), atol=1e-5)
    assert torch.allclose(radius, distance, rtol=2e-3)


def test_the_spectral_analysis_finds_the_shared_direction():
    e1, e2 = torch.eye(3)[0], torch.eye(3)[1]
    values, basis = unstable_subspace(torch.stack([e1, -e1, e1, -e1]), 1)
    assert torch.allclose(values, torch.tensor([1.0, 0.0, 0.0]), atol=1e-6)
    assert torch.allclose(basis[:, 0].abs(), e1, atol=1e-6)
    values, _ = unstable_subspace(torch.stack([e1, e2, -e1, -e2]), 1)
    assert torch.allclose(values, torch.tensor([0.5, 0.5, 0.0]), atol=1e-6)


def test_subspace_overlap_is_the_mean_squared_cosine_of_the_principal_angles():
    e = torch.eye(3)
    assert subspace_overlap(e[:, :2], e[:, :2]).item() == pytest.approx(1.0)
    assert subspace_overlap(e[:, :1], e[:, 1:2]).item() == pytest.approx(0.0)
    diagonal = (e[:, :1] + e[:, 1:2]) / math.sqrt(2)
    assert subspace_overlap(e[:, :1], diagonal).item() == pytest.approx(0.5)
    assert subspace_overlap(e[:, :2], torch.cat([diagonal, e[:, 2:]], 1)).item() == pytest.approx(0.5)


def test_config_errors_name_the_fields():
    with pytest.raises(ConfigError, match="subspace"):
        UnstableDirectionsConfig(subspace=8, distractors=4)
    with pytest.raises(ConfigError, match="windows"):
        UnstableDirectionsConfig(windows=12, horizon=10)
    with pytest.raises(ConfigError, match="eps"):
        UnstableDirectionsConfig(eps=2.0)
    with pytest.raises(ConfigError, match="training"):
        UnstableDirectionsConfig(training="robust")


@pytest.mark.parametrize("training", TRAININGS)
def test_step_reads_nothing_on_the_host_is_deterministic_and_the_view_changes_nothing(training):
    config = UnstableDirectionsConfig(training=training, seeds=3, probe_every=2, horizon=10, windows=3)
    a, b, reads = UnstableDirectionsTrainer(config, "cpu"), UnstableDirectionsTrainer(config, "cpu"), HostReads()
    for _ in range(5):
        a.view_state()
        with reads:
            ma = a.step()
        mb = b.step()
    assert reads.sites == {}
    assert all(torch.equal(ma[k], mb[k]) for k in ma)
    assert all(v.shape == (3,) and torch.isfinite(v).all() for v in ma.values())
    state = a.view_state()
    assert state["flipped"].shape == (3, len(state["eps"])) and state["flipped"][:, 0].eq(0).all()


# --- the claims ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(training: str, seed: int) -> dict[str, np.ndarray]:
    """Each seed's mean over the probes of the second half of training, at the defaults."""
    config = UnstableDirectionsConfig(training=training, seeds=POPULATION, seed=seed)
    history = Run(UnstableDirectionsTrainer(config, "cpu"), config.steps, progress=False).run()
    probes = [i for i in range(config.steps) if (i + 1) % config.probe_every == 0]
    late = probes[len(probes) // 2:]
    return {k: history.values(k)[late].mean(0) for k in (*COLUMNS, "time_oscillation")}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_standard_policy_is_fragile_and_adversarial_training_makes_it_less_so(seed):
    standard, adversarial = measure("standard", seed), measure("adversarial", seed)
    assert standard["flip_at_eps"].mean() > 0.5                      # measured 0.575–0.595
    assert adversarial["flip_at_eps"].mean() < standard["flip_at_eps"].mean() - 0.12   # measured 0.37–0.40
    assert adversarial["margin"].mean() > 1.3 * standard["margin"].mean()              # 0.043 → 0.064
    assert standard["accuracy"].mean() > 0.88 and adversarial["accuracy"].mean() > 0.75  # 0.91–0.92, 0.82–0.84


@pytest.mark.parametrize("seed", SEEDS)
def test_adversarially_trained_unstable_directions_oscillate_more_across_training(seed):
    standard, adversarial = measure("standard", seed), measure("adversarial", seed)
    # measured: 0.960 → 0.906, 0.947 → 0.870, 0.973 → 0.905
    assert adversarial["train_overlap"].mean() < standard["train_overlap"].mean() - 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_no_consistent_difference_across_states_and_episode_time(seed):
    """The non-effect, pinned: the paper's 'disjoint' directions across states and time do not appear here."""
    standard, adversarial = measure("standard", seed), measure("adversarial", seed)
    assert abs(adversarial["concentration"].mean() - standard["concentration"].mean()) < 0.04    # ≤ 0.014
    assert abs(adversarial["time_overlap"].mean() - standard["time_overlap"].mean()) < 0.08      # ≤ 0.044
    assert 0.5 < standard["concentration"].mean() < 0.75          # the directions are neither random nor one
    assert standard["distractor_mass"].mean() < 0.005 and adversarial["distractor_mass"].mean() < 0.01
    assert adversarial["distractor_mass"].mean() > 1.8 * standard["distractor_mass"].mean()       # 2.3–2.6×


if __name__ == "__main__":
    sys.path.insert(0, "tests/core")
    torch.set_num_threads(1)
    print("base seed  training     " + "  ".join(COLUMNS))
    for seed in SEEDS:
        for training in TRAININGS:
            m = measure(training, seed)
            print(f"{seed:<10} {training:<12} " + "  ".join(f"{m[k].mean():.4f}" for k in COLUMNS),
                  f"time_oscillation {m['time_oscillation'].mean():.4f}")
