"""RLAC's adversarial critic (``lab/agents/rlac.py``; Wu et al., arXiv 2511.01758): the pieces, and the claim.

The claim (issue 19, item 1): "Toy: a generator emitting K binary facts against a hidden truth; a validator
checking one fact per call. Failures: a reward model fitted once gets hacked; a fixed critic checking a
few facts leaves the rest wrong; checking all K costs K calls. Claim: high true accuracy with ≤ 2
validator calls per sample, where the fixed critic and the frozen reward model fall short."

Measured with RlacTrainer's defaults (K = 8 facts, 4 prompts sharing task_seed 0's truths, group 8,
lr 0.05, init_std 1, 300 steps; the reward model — linear and pairwise terms of the facts' signs, ridge
1 — fitted on 8 initial outputs per prompt, 64 validator calls per prompt up front; the fixed critic
checks facts 0 and 1; the critic's lr 0.05) over base seeds 0, 1, 2, each a population of 24 seeds.
acc = the exact probability that all 8 facts are right at the end (mean over prompts and seeds);
facts = the exact mean per-fact accuracy at the end; reward = the generator's training reward (the batch
mean; for the reward model its score), last 20 steps; gap = reward − what the reward claims to measure
(the per-fact accuracy for the fraction rewards 'frozen_rm' and 'all', P(all facts right) for the pass/fail
verdicts 'fixed', 'random', 'rlac'), last 20 steps; wrong = steered_wrong, the fraction of (prompt, fact)
pairs pushed below their initial right probability to under 0.1, at the end; missed = the fraction of
outputs with a wrong fact that pass the verification (last 20 steps). Validator calls per output: 0, 2, 8,
1, 1 (the config's constant, not a measurement).

    critic     seed  acc     facts   reward   gap      wrong   missed
    frozen_rm  0     0.043   0.761   0.724    −0.037   0.234   0.96
    frozen_rm  1     0.053   0.769   0.731    −0.038   0.227   0.95
    frozen_rm  2     0.072   0.760   0.737    −0.022   0.237   0.93
    fixed      0     0.017   0.630   0.988    +0.971   0.025   0.97
    fixed      1     0.019   0.637   0.987    +0.968   0.026   0.97
    fixed      2     0.019   0.638   0.988    +0.969   0.013   0.97
    all        0     0.954   0.994   0.994    −0.000   0       0
    all        1     0.955   0.994   0.994    −0.000   0       0
    all        2     0.955   0.994   0.994    −0.000   0       0
    random     0     0.683   0.953   0.951    +0.284   0       0.29
    random     1     0.686   0.954   0.948    +0.278   0       0.28
    random     2     0.683   0.953   0.951    +0.283   0       0.28
    rlac       0     0.914   0.985   0.905    −0.000   0       0.002
    rlac       1     0.917   0.984   0.914    +0.003   0       0.003
    rlac       2     0.933   0.991   0.926    +0.001   0       0.004

The frozen reward model is NOT hacked in this toy: its score stays 0.02–0.04 BELOW the per-fact accuracy
it was fitted to predict. Its failure is under-fitting / mis-specification: 37 weights from 8 labelled
outputs per prompt give some facts the wrong sign, and the generator is steered to state 23–24% of the
facts confidently wrong (below their initial odds, right w.p. < 0.1; 'all' and 'rlac': 0, the fixed
critic's unchecked facts drifting by noise: 0.01–0.03), so the all-facts accuracy ends at 0.04–0.07.
The fixed critic's two facts are learned and its pass verdict overstates P(all right) by 0.97 (the other
six facts stay at their initial odds: 0.02). Checking all 8 facts reaches 0.95 at 8 calls per output.
RLAC reaches 0.91–0.93 (per fact 0.98–0.99) with ONE call per output, and its pass/fail reward tracks
P(all right) (gap ≈ 0) because the critic finds the wrong fact when there is one (missed ≤ 0.004). An
untrained critic checking one fact at random ends at 0.68: the critic's training closes the rest.
Caveat: the critic is a table φ[prompt, fact, value said], so it can memorise each prompt's hidden truth
(an answer key: "fact k said as v is wrong on prompt p") — the toy does not test a critic that must
generalise to new prompts.

The cost in validator calls (``calls_to_threshold``: calls per prompt spent during training until the
population's mean all-facts accuracy first reaches 0.8 = steps × group × calls per output; both runs must
reach it). RLAC needs more steps than checking every fact but at 1/K of the calls per step:

    K    seed   all: calls to 0.8   rlac: calls to 0.8   ratio
    8    0      8704                1712                 5.1×
    8    1      8576                1704                 5.0×
    8    2      8576                1696                 5.1×
    16   0      29184               6160                 4.7×      (all: 300 steps, rlac: 900 steps)
    16   1      29184               6472                 4.5×
    16   2      29312               6256                 4.7×

Against the reward model, at matched validator calls RLAC has no advantage here. Its margin over the
default reward model (+0.84 to +0.87) is at a 37× smaller label budget (64 calls per prompt up front
against RLAC's 2400 over 300 steps). A reward model fitted on as many labels as RLAC spends:

    seed   RM on RLAC's calls to 0.8        RM on RLAC's 2400 calls    rlac (300 steps, 2400 calls)
    0      0.925 (214 outputs, 1712 calls)  0.935 (300 outputs)        0.914
    1      0.915 (213, 1704)                0.954                      0.917
    2      0.954 (212, 1696)                0.954                      0.933

— at least as accurate as RLAC on every seed (the truth is linear in the facts, so with enough labels the
model is right about every fact). Pinned by ``test_at_matched_validator_calls_the_reward_model_is_not_worse_than_rlac``.

Asserted with margins below these (see each test).

The per-seed numbers are ``measure``'s, printed by ``.venv/bin/python -m pytest tests/agents/test_rlac.py -s``.
The file takes 23 s of CPU time (user; 59 s wall on the shared machine under load).
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


def test_unit_calls_per_output_follow_the_config():
    """A unit test of the config → calls mapping (a constant per critic, not a measured claim)."""
    calls = {critic: RlacTrainer(RlacConfig(critic=critic, seeds=1, checks=3), "cpu").calls_per_output
             for critic in ("frozen_rm", "fixed", "all", "random", "rlac")}
    assert calls == {"frozen_rm": 0, "fixed": 3, "all": 8, "random": 1, "rlac": 1}


def test_the_gap_compares_each_reward_with_what_it_claims_to_measure():
    """Fraction rewards ('frozen_rm', 'all') against the per-fact accuracy; pass/fail verdicts against P(all right)."""
    for critic, claimed in (("all", "fact_accuracy"), ("frozen_rm", "fact_accuracy"), ("rlac", "accuracy"),
                            ("fixed", "accuracy")):
        m = RlacTrainer(RlacConfig(critic=critic, seeds=2), "cpu").step()
        assert torch.allclose(m["gap"], m["reward"] - m[claimed]), critic


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(critic: str, seed: int, **fields) -> dict[str, float]:
    """One population of 24 seeds trained with the defaults (and ``fields``): the per-seed metrics at the end,
    averaged, and the validator calls per prompt spent during training until the mean all-facts accuracy first
    reached ``THRESHOLD`` (inf when it never did)."""
    trainer = RlacTrainer(RlacConfig(critic=critic, seed=seed, seeds=POPULATION, **fields), "cpu")
    rows = [trainer.step() for _ in range(trainer.config.steps)]
    tail = {k: torch.stack([r[k] for r in rows[-TAIL:]]).mean(0) for k in rows[0]}
    curve = [r["accuracy"].mean().item() for r in rows]
    first = next((i for i, a in enumerate(curve) if a >= THRESHOLD), None)
    out = {"accuracy": curve[-1], "facts": rows[-1]["fact_accuracy"].mean().item(),
           "reward": tail["reward"].mean().item(), "gap": tail["gap"].mean().item(),
           "steered_wrong": rows[-1]["steered_wrong"].mean().item(), "missed": tail["missed"].mean().item(),
           "calls_to_threshold": (math.inf if first is None
                                  else first * trainer.config.group * trainer.calls_per_output)}
    label = critic + "".join(f" {k}={v}" for k, v in fields.items())
    print(f"\n{label:22s} {seed}  " + "  ".join(f"{k} {v:.3f}" for k, v in out.items()), end="")
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_the_frozen_reward_model_is_under_fitted_and_steers_facts_wrong(seed):
    """Fitted on 8 outputs per prompt (64 validator calls), the reward model is mis-specified: it pushes about a
    quarter of the facts below their initial odds to confidently wrong (right w.p. < 0.1), so the all-facts
    accuracy stays low. It is NOT hacked: its score stays below the per-fact accuracy it was fitted to
    predict (gap < 0)."""
    rm, every = measure("frozen_rm", seed), measure("all", seed)
    assert rm["accuracy"] <= 0.15 and rm["facts"] <= 0.85
    assert rm["steered_wrong"] >= 0.15 and rm["steered_wrong"] >= every["steered_wrong"] + 0.15
    assert rm["gap"] <= 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_the_fixed_critic_leaves_the_unchecked_facts_wrong(seed):
    """Its pass/fail verdict (facts 0 and 1 right) passes nearly every output while P(all right) stays ≈ 0.02."""
    fixed = measure("fixed", seed)
    assert fixed["accuracy"] <= 0.05
    assert fixed["facts"] <= 0.7
    assert fixed["gap"] >= 0.9 and fixed["missed"] >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_checking_every_fact_learns(seed):
    assert measure("all", seed)["accuracy"] >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_rlac_is_accurate_with_one_call_where_the_fixed_critic_and_a_small_budget_rm_fall_short(seed):
    """RLAC (one call per output) against the fixed critic (two) and against the reward model at its default
    budget: 64 calls per prompt up front, 37× fewer than RLAC's 2400 over 300 steps (see the matched-budget
    test below, where the reward model is not worse)."""
    rlac, rm, fixed, every = (measure(c, seed) for c in ("rlac", "frozen_rm", "fixed", "all"))
    assert rlac["accuracy"] >= 0.85 and rlac["facts"] >= 0.97
    assert rlac["accuracy"] - rm["accuracy"] >= 0.7              # at 37× fewer labels for the reward model
    assert rlac["accuracy"] - fixed["accuracy"] >= 0.8
    assert abs(rlac["gap"]) <= 0.1 and rlac["missed"] <= 0.05
    assert rlac["accuracy"] >= every["accuracy"] - 0.1          # within 0.1 of 8 calls, at 1 call


@pytest.mark.parametrize("seed", SEEDS)
def test_the_trained_critic_beats_an_untrained_single_check(seed):
    assert measure("rlac", seed)["accuracy"] - measure("random", seed)["accuracy"] >= 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_rlac_spends_a_quarter_of_the_calls_of_checking_every_fact(seed):
    """Validator calls per prompt until the mean all-facts accuracy first reaches 0.8: both get there, and
    RLAC spends ≤ ¼ of 'all' at K = 8 and at K = 16 (measured ≈ 1/5; the saving does not grow with K here)."""
    for fields in ({}, {"facts": 16, "steps": 300}):
        every = measure("all", seed, **fields)
        rlac = measure("rlac", seed, **({**fields, "steps": 900} if fields else fields))
        assert math.isfinite(every["calls_to_threshold"]) and math.isfinite(rlac["calls_to_threshold"])
        assert rlac["calls_to_threshold"] <= every["calls_to_threshold"] / 4


@pytest.mark.parametrize("seed", SEEDS)
def test_at_matched_validator_calls_the_reward_model_is_not_worse_than_rlac(seed):
    """The comparison at equal labels: a reward model fitted on as many labelled facts as RLAC spends — on the
    calls RLAC needs to reach 0.8 (≈ 1700 per prompt: 213 outputs × 8 facts) and on all of RLAC's 300 steps
    (2400: 300 outputs) — ends at least as accurate as RLAC; the truth is linear in the facts, so enough
    labels leave nothing to mis-specify. RLAC's advantage over the reward model here is only at a small
    up-front budget."""
    rlac = measure("rlac", seed)
    to_threshold = math.ceil(rlac["calls_to_threshold"] / 8)
    assert measure("frozen_rm", seed, rm_samples=to_threshold)["accuracy"] >= THRESHOLD + 0.1
    defaults = RlacConfig()
    matched = measure("frozen_rm", seed, rm_samples=defaults.steps * defaults.group // defaults.facts)
    assert matched["accuracy"] >= rlac["accuracy"]
