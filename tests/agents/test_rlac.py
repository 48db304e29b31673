"""RLAC's adversarial critic (``lab/agents/rlac.py``; Wu et al., arXiv 2511.01758): the pieces, and the claim.

The claim (issue 19, item 1): "Toy: a generator emitting K binary facts against a hidden truth; a validator
checking one fact per call. Failures: a reward model fitted once gets hacked; a fixed critic checking a
few facts leaves the rest wrong; checking all K costs K calls. Claim: high true accuracy with ≤ 2
validator calls per sample, where the fixed critic and the frozen reward model fall short."

Measured with RlacTrainer's defaults (K = 8 facts, 4 prompts sharing task_seed 0's truths, group 8,
lr 0.05, init_std 1, 300 steps; the reward model — linear and pairwise terms of the facts' signs, ridge
1 — fitted on 8 initial outputs per prompt, 64 validator calls per prompt up front; the fixed critic
checks facts 0 and 1; the critic's lr 0.05) over base seeds 0, 1, 2, each a population of 24 seeds.
accuracy = the exact probability that all 8 facts are right (mean over prompts and seeds) at step 100
and at the end; facts = the exact mean per-fact accuracy at the end; reward = the generator's training
reward (the batch mean; for the reward model its score) over steps 90–109 and the last 20 steps;
gap = reward − accuracy (last 20 steps); calls = validator calls per output during training;
missed = the fraction of outputs with a wrong fact that pass the verification (last 20 steps).

    critic     seed  acc@100 → acc   facts   reward@100 → reward   gap    calls  missed
    frozen_rm  0     0.060 → 0.043   0.761   0.680 → 0.724         0.68   0      0.96
    frozen_rm  1     0.087 → 0.053   0.769   0.694 → 0.731         0.68   0      0.95
    frozen_rm  2     0.091 → 0.072   0.760   0.698 → 0.737         0.67   0      0.93
    fixed      0     0.015 → 0.017   0.630   0.928 → 0.988         0.97   2      0.97
    fixed      1     0.018 → 0.019   0.637   0.929 → 0.987         0.97   2      0.97
    fixed      2     0.018 → 0.019   0.638   0.931 → 0.988         0.97   2      0.97
    all        0     0.646 → 0.954   0.994   0.946 → 0.994         0.04   8      0
    all        1     0.651 → 0.955   0.994   0.946 → 0.994         0.04   8      0
    all        2     0.657 → 0.955   0.994   0.948 → 0.994         0.04   8      0
    random     0     0.131 → 0.683   0.953   0.770 → 0.951         0.28   1      0.29
    random     1     0.124 → 0.686   0.954   0.766 → 0.948         0.28   1      0.28
    random     2     0.133 → 0.683   0.953   0.773 → 0.951         0.28   1      0.28
    rlac       0     0.211 → 0.914   0.985   0.266 → 0.905         0.00   1      0.002
    rlac       1     0.201 → 0.917   0.984   0.253 → 0.914         0.00   1      0.003
    rlac       2     0.212 → 0.933   0.991   0.271 → 0.926         0.00   1      0.004

The failures happen: the frozen reward model's score keeps rising after step 100 (+0.04) while the
all-facts accuracy falls (by 0.017–0.034) and ends at 0.04–0.07 — its score overstates it by 0.67; it
is "hacked" in that sense, though its score never exceeds the true per-fact accuracy (0.76: ridge
shrinks it). The fixed critic's two facts are learned (reward 0.99) and the other six stay at their
initial odds: all-facts accuracy 0.02. Checking all 8 facts reaches 0.95 at 8 calls per output.
RLAC reaches 0.91–0.93 (per fact 0.98–0.99) with ONE call per output, and its training reward tracks
the true all-facts accuracy (gap ≈ 0) because the critic finds the wrong fact when there is one (missed
≤ 0.004). An untrained critic checking one fact at random (the same single call, no adversary) ends at
0.68: the critic's training, not the single-check reward alone, closes the rest. Note that RLAC's
reward is low early (0.25–0.27 at step 100: the critic wins) — the game, not a failure.

The cost of accuracy in validator calls (``calls_to_threshold``: calls per prompt spent until the
population's mean all-facts accuracy first reaches 0.8 = steps × group × calls per output). RLAC learns
in more steps than checking every fact but at 1/K of the calls per step, so it gets there on ~5× fewer
calls — the size of the paper's "up to around 5–6× fewer checks"; here the saving does not grow with K:

    K    seed   all: calls to 0.8   rlac: calls to 0.8   ratio
    8    0      8704                1712                 5.1×
    8    1      8576                1704                 5.0×
    8    2      8576                1696                 5.1×
    16   0      29184               6160                 4.7×      (all: 300 steps, rlac: 900 steps)
    16   1      29184               6472                 4.5×
    16   2      29312               6256                 4.7×

The reward model's failure is its label budget, not a law: with 256 labelled outputs per prompt (2048
calls up front, ~ what RLAC spends to reach 0.8) it ends at 0.925, 0.954, 0.945 (seeds 0, 1, 2) — the
truth here is linear in the facts, so a reward model with enough labels is right about every fact and
there is nothing left to hack. Pinned by ``test_the_reward_models_failure_is_its_label_budget``.

Asserted with margins below these (see each test).

The per-seed numbers are ``measure``'s, printed by ``.venv/bin/python -m pytest tests/agents/test_rlac.py -s``.
The file takes 17 s of CPU time (user; 36 s wall on the shared machine under load).
"""
from __future__ import annotations

import functools
import math

import pytest
import torch

from lab.agents.rlac import (RlacConfig, RlacTrainer, critic_logits, fit_reward_model, game_rewards,
                             reward_model_score, right_probability, rm_features)
from lab.core import ConfigError

SEEDS = (0, 1, 2)
POPULATION = 24
TAIL = 20        # steps averaged for the sampled metrics (reward, gap, missed)
THRESHOLD = 0.8  # the all-facts accuracy whose cost in validator calls is compared


# --- the pieces ----------------------------------------------------------------------------------

def test_game_rewards_pay_the_generator_when_the_check_passes_and_the_critic_when_it_fails():
    right = torch.tensor([[True, False, True], [True, True, True]])
    gen, crit = game_rewards(right, torch.tensor([1, 2]))
    assert gen.tolist() == [0.0, 1.0] and crit.tolist() == [1.0, 0.0]
    gen, crit = game_rewards(right, torch.tensor([0, 0]))
    assert gen.tolist() == [1.0, 1.0] and crit.tolist() == [0.0, 0.0]


def test_right_probability_reads_the_truth():
    logits = torch.tensor([[[2.0, 2.0, -1.0]]])
    truth = torch.tensor([[1.0, 0.0, 0.0]])
    q = right_probability(logits, truth)
    expected = torch.sigmoid(torch.tensor([2.0, -2.0, 1.0]))
    assert torch.allclose(q[0, 0], expected)


def test_the_critic_looks_up_the_said_value_of_each_fact():
    critic = torch.zeros(1, 1, 3, 2)
    critic[0, 0, 1, 0] = 5.0                    # "fact 1 said as 0 looks wrong"
    outputs = torch.tensor([[[[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]]])
    logits = critic_logits(critic, outputs)
    assert logits[0, 0, 0].tolist() == [0.0, 5.0, 0.0]
    assert logits[0, 0, 1].tolist() == [0.0, 0.0, 0.0]


def test_the_reward_model_recovers_a_linear_score_from_enough_labels():
    g = torch.Generator().manual_seed(0)
    outputs = (torch.rand(1, 1, 400, 4, generator=g) < 0.5).float()
    truth = torch.tensor([1.0, 0.0, 1.0, 1.0])
    labels = (outputs == truth).float().mean(-1)
    w = fit_reward_model(rm_features(outputs), labels, ridge=1e-3)
    best, worst = truth.view(1, 1, 1, 4), (1 - truth).view(1, 1, 1, 4)
    assert reward_model_score(w, best).item() == pytest.approx(1.0, abs=1e-3)
    assert reward_model_score(w, worst).item() == pytest.approx(0.0, abs=1e-3)


def test_checks_beyond_the_facts_are_refused_naming_both_fields():
    with pytest.raises(ConfigError, match="checks.*facts"):
        RlacConfig(critic="fixed", facts=3, checks=4)


def test_runs_are_deterministic():
    a = RlacTrainer(RlacConfig(critic="rlac", seeds=4, steps=5), "cpu")
    b = RlacTrainer(RlacConfig(critic="rlac", seeds=4, steps=5), "cpu")
    for _ in range(5):
        ma, mb = a.step(), b.step()
    assert all(torch.equal(ma[k], mb[k]) for k in ma)


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(critic: str, seed: int, **fields) -> dict[str, float]:
    """One population of 24 seeds trained with the defaults (and ``fields``): the per-seed metrics at the end,
    averaged, and the validator calls per prompt spent until the mean all-facts accuracy first reached
    ``THRESHOLD`` (inf when it never did)."""
    trainer = RlacTrainer(RlacConfig(critic=critic, seed=seed, seeds=POPULATION, **fields), "cpu")
    rows = [trainer.step() for _ in range(trainer.config.steps)]
    tail = {k: torch.stack([r[k] for r in rows[-TAIL:]]).mean(0) for k in rows[0]}
    curve = [r["accuracy"].mean().item() for r in rows]
    first = next((i for i, a in enumerate(curve) if a >= THRESHOLD), None)
    out = {"accuracy": curve[-1], "facts": rows[-1]["fact_accuracy"].mean().item(),
           "gap": tail["gap"].mean().item(), "calls": rows[-1]["calls"].mean().item(),
           "missed": tail["missed"].mean().item(), "reward": tail["reward"].mean().item(),
           "accuracy_100": curve[min(100, len(curve) - 1)],
           "reward_100": torch.stack([r["reward"] for r in rows[90:110]]).mean().item(),
           "calls_to_threshold": (math.inf if first is None
                                  else first * trainer.config.group * trainer.calls_per_output)}
    label = critic + "".join(f" {k}={v}" for k, v in fields.items())
    print(f"\n{label:22s} {seed}  " + "  ".join(f"{k} {v:.3f}" for k, v in out.items()), end="")
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_the_frozen_reward_model_is_hacked(seed):
    """Its score keeps rising after step 100 while the all-facts accuracy does not; the accuracy stays low and
    the score overstates it by more than half."""
    rm = measure("frozen_rm", seed)
    assert rm["accuracy"] <= 0.15
    assert rm["reward"] - rm["reward_100"] >= 0.02
    assert rm["accuracy"] <= rm["accuracy_100"] + 0.02
    assert rm["gap"] >= 0.5


@pytest.mark.parametrize("seed", SEEDS)
def test_the_fixed_critic_leaves_the_unchecked_facts_wrong(seed):
    fixed = measure("fixed", seed)
    assert fixed["accuracy"] <= 0.05
    assert fixed["facts"] <= 0.7
    assert fixed["gap"] >= 0.9 and fixed["missed"] >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_checking_every_fact_learns_at_k_calls(seed):
    every = measure("all", seed)
    assert every["calls"] == 8
    assert every["accuracy"] >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_rlac_is_accurate_with_one_call_where_the_rm_and_the_fixed_critic_fall_short(seed):
    rlac, rm, fixed, every = (measure(c, seed) for c in ("rlac", "frozen_rm", "fixed", "all"))
    assert rlac["calls"] <= 2
    assert rlac["accuracy"] >= 0.85 and rlac["facts"] >= 0.97
    assert rlac["accuracy"] - rm["accuracy"] >= 0.7
    assert rlac["accuracy"] - fixed["accuracy"] >= 0.8
    assert abs(rlac["gap"]) <= 0.1 and rlac["missed"] <= 0.05
    assert rlac["accuracy"] >= every["accuracy"] - 0.1          # within 0.1 of 8 calls, at 1 call


@pytest.mark.parametrize("seed", SEEDS)
def test_the_trained_critic_beats_an_untrained_single_check(seed):
    assert measure("rlac", seed)["accuracy"] - measure("random", seed)["accuracy"] >= 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_rlac_spends_a_quarter_of_the_calls_of_checking_every_fact(seed):
    """Validator calls per prompt until the mean all-facts accuracy first reaches 0.8: RLAC ≤ ¼ of 'all' at
    K = 8 and at K = 16 (measured ≈ 1/5; the saving does not grow with K here)."""
    for fields in ({}, {"facts": 16, "steps": 300}):
        every = measure("all", seed, **fields)
        rlac = measure("rlac", seed, **({**fields, "steps": 900} if fields else fields))
        assert rlac["calls_to_threshold"] <= every["calls_to_threshold"] / 4


@pytest.mark.parametrize("seed", SEEDS)
def test_the_reward_models_failure_is_its_label_budget(seed):
    """Not a universal failure: with 256 labelled outputs per prompt (2048 calls up front) the frozen
    reward model is as good as RLAC here — the truth is linear in the facts, so a model with enough labels
    is right about every fact and there is nothing to hack."""
    assert measure("frozen_rm", seed, rm_samples=256)["accuracy"] >= 0.85
