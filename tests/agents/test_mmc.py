"""MMC's critique data (``lab/agents/mmc.py``, ``mmc_tree.py``; Liu et al., arXiv 2504.11009): the pieces, and the claim.

The claim (issue 19, item 5): "Toy: a short arithmetic chain. Failure: a critic trained only on outcome
labels cannot locate the bad step. Claim: high first-error localisation and a larger accuracy gain over
refinement rounds." MMC is a data-construction mechanism, not a stabilizer: the two critics differ only
in the labels they are trained on, drawn from the same search tree.

What is shown, stated precisely: **at the ½ decision rule** (the critic's calibrated verdict, σ < ½ =
"this step is wrong", which is also what refinement acts on) the outcome-trained critic mislocates the
first error and refines less; MMC's critic localises and refines well. The outcome critic does **not**
lack the information: it ranks every right step above every wrong one (step AUROC 1.000, as does MMC's),
and at its best threshold (σ < 0.3) it localises on 1.00 of wrong chains and refines *more* than MMC's at
½. The failure is one of calibration; MMC's critique data give a critic whose ½ verdict is right.

Measured with MMCTrainer, critique_data 'outcome' vs 'mmc', over base seeds 0, 1, 2 (each a population
of 16 seeds), defaults: M 8, L 6, actor error 0.2 (the actor's answer is right 0.31 of the time), 16
searched problems per step with 3 children × 4 rollouts, MMC pairs chosen by the children's values V,
threshold ½, 3 refinement rounds, 100 steps. Every metric is the mean over the last 25 steps (64 fresh
test chains per step and seed) and then over the 16 seeds; "seeds better" counts the seeds whose MMC gain
beats the outcome critic's. Label error: the share of the critic's training labels (last 25 steps) that
disagree with whether the step is right.

``DEFAULT`` at the ½ rule (outcome → mmc; "min" is MMC's lowest seed; accuracy before refinement: after 3 rounds):

    seed  localisation        verdict accuracy  accuracy r0: r3       gain over 3 rounds  seeds better  label error
    0     0.65 → 0.97 (≥0.96)  0.75 → 0.94       0.31: 0.54 → 0.89     +0.23 → +0.58       16/16         0.42 → 0.04
    1     0.68 → 0.97 (≥0.96)  0.76 → 0.94       0.31: 0.56 → 0.89     +0.25 → +0.58       16/16         0.42 → 0.04
    2     0.66 → 0.97 (≥0.95)  0.75 → 0.94       0.31: 0.54 → 0.89     +0.22 → +0.58       16/16         0.42 → 0.04

The failure at ½: the outcome-trained critic names the first wrong step on about two wrong chains in
three — its σ for a right step learns P(the answer ends right | the step), near ½ here, so it often flags
an early right step, and refinement then regenerates from there — and three rounds add +0.22–0.25; MMC's
critic localises on 0.97 of wrong chains and adds +0.58, on every seed. Its table at the end says why: the
outcome critic judges only 0.73–0.80 of the 64 right steps (y, a, y + a) right at ½ (every wrong one
wrong); MMC's judges all right steps right and 0.97–0.98 of the 448 wrong ones wrong (the rest never
appeared in a pair: σ stays ½). MMC's labels are not clean: 0.04 of them are wrong (a wrong step whose
rollouts end right by a cancelling error, a prefix that already holds an error), against 0.42 of the
outcome labels.

The ranking is there (``DEFAULT``, the critics as they end): step AUROC (right steps scored above wrong
ones, test chains) 1.000 for both on every base seed. Localisation at the threshold (0.1, 0.2, …, 0.9)
that does best on 1000 fresh chains per seed, measured on another 1000: outcome 1.000 at 0.3, MMC 1.000 at
0.8 (seeds 0, 1) or 0.9 (seed 2). ``TUNED`` (the outcome critic trained as before, deciding at σ < 0.3,
refinement included): localisation 1.00 (lowest seed ≥ 0.996), gain +0.61 on base seeds 0, 1, 2 (+0.608,
+0.608, +0.607) against MMC's +0.58 at ½ — larger on 16/16 seeds.

Where the failure does not happen even at ½ — ``RELIABLE``, actor error 0.1 (answers right 0.55 of the
time), 60 steps: a right step's P(the answer ends right) is well above ½, so outcome labels separate right
from wrong steps at ½, and with labels on every step of every rollout (MMC labels only the pairs) the
outcome critic is slightly *better*:

    seed  localisation        verdict accuracy  accuracy r0: r3       gain over 3 rounds  seeds better  label error
    0     1.00 → 0.93 (≥0.89)  0.98 → 0.96       0.55: 0.99 → 0.95     +0.44 → +0.40       0/16          0.24 → 0.002
    1     1.00 → 0.93 (≥0.91)  0.98 → 0.96       0.55: 0.99 → 0.95     +0.44 → +0.40       0/16          0.24 → 0.002
    2     1.00 → 0.93 (≥0.89)  0.98 → 0.96       0.55: 0.99 → 0.95     +0.45 → +0.40       0/16          0.24 → 0.001

Pinned as measured: the outcome critic localises at least as well and gains at least as much. MMC's
advantage on this toy needs chains that usually go wrong somewhere, and a critic used at ½.

The file takes about 23 s of CPU time on one thread (measured with /usr/bin/time; the 15 runs are most of it).

The per-seed numbers are ``measure``'s, printed by ``.venv/bin/python -m pytest tests/agents/test_mmc.py -s``.
"""
from __future__ import annotations

import functools

import pytest
import torch

from host_reads import HostReads

from lab.core import ConfigError
from lab.agents.mmc import MMCConfig, MMCTrainer, critique_loss, label_error, named_step, step_auroc
from lab.agents.mmc_tree import actor_steps, first_wrong_step, mmc_labels, outcome_labels, search_tree, step_right

SEEDS = (0, 1, 2)
DEFAULT = dict(seeds=16, steps=100)
RELIABLE = dict(seeds=16, steps=60, actor_error=0.1)
TUNED = dict(DEFAULT, threshold=0.3)     # the outcome critic's best decision threshold (below)
SETTINGS = {"default": DEFAULT, "reliable": RELIABLE, "tuned": TUNED}
LAST = 25     # steps averaged at the end of a run
KEYS = ("localisation", "verdict_accuracy", "gain", "accuracy_r0", "accuracy", "step_auroc", "label_error")
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


# --- the pieces ----------------------------------------------------------------------------------

def test_the_actor_propagates_its_own_errors_and_the_first_wrong_step_is_found():
    start, operands = torch.tensor([3]), torch.tensor([[1, 2, 4]])
    right = actor_steps(start, operands, 1e-9, 8, torch.Generator().manual_seed(0))
    assert right.tolist() == [[4, 6, 2]]                          # 3+1, +2, +4 mod 8
    written = torch.tensor([[4, 7, 3]])                           # step 1 wrong (6 → 7), step 2 follows from 7
    assert step_right(start, operands, written, 8).tolist() == [[True, False, True]]
    assert first_wrong_step(step_right(start, operands, written, 8)).tolist() == [1]
    assert first_wrong_step(torch.ones(1, 3, dtype=torch.bool)).tolist() == [3]
    noisy = actor_steps(torch.zeros(4000, dtype=torch.long), torch.ones(4000, 1, dtype=torch.long), 0.25, 8,
                        torch.Generator().manual_seed(1))
    assert abs((noisy != 1).float().mean().item() - 0.25) < 0.03          # the error rate


def test_the_critic_names_the_first_step_it_judges_wrong():
    z = torch.tensor([[2.0, -1.0, 3.0, -2.0], [1.0, 1.0, 1.0, 1.0], [-0.5, 2.0, 2.0, 2.0]])
    assert named_step(z).tolist() == [1, 4, 0]                    # 4 = "all right"
    assert named_step(torch.tensor([[-0.5, -2.0, 1.0]]), 0.3).tolist() == [1]    # σ(−0.5) = 0.38 ≥ 0.3 > σ(−2)
    assert named_step(torch.tensor([[-0.5, -2.0, 1.0]])).tolist() == [0]


def test_step_auroc_is_the_share_of_right_wrong_pairs_ranked_right():
    z = torch.tensor([[2.0, 1.0, -1.0, -3.0], [0.0, 0.0, 5.0, 1.0]])
    right = torch.tensor([[True, False, True, False], [True, False, False, False]])
    # seed 0: 2 > 1, 2 > −3, −1 < 1, −1 > −3 → 3/4; seed 1: 0 = 0 (½), 0 < 5, 0 < 1 → ½/3
    assert step_auroc(z, right).tolist() == pytest.approx([0.75, 0.5 / 3])
    assert step_auroc(z, torch.ones(2, 4, dtype=torch.bool)).tolist() == [0.5, 0.5]    # no wrong step


def tree_of_one_problem():
    """A hand-made tree: one seed, one problem, L = 2, two children per depth, three rollouts each, M = 8;
    start 0, operands (1, 1): the right chain is 1, 2. At depth 0 the right child 1 has a rollout that ends
    wrong by a later error (V = ⅔) and the wrong child 3 a rollout that ends right by a cancelling error
    (V = ⅓); at depth 1 both children write the same step."""
    chains = torch.tensor([
        [[[1, 2], [1, 2], [1, 5]], [[3, 2], [3, 4], [3, 4]]],     # depth 0: child 1 (V ⅔), child 3 (V ⅓)
        [[[1, 2], [1, 2], [1, 2]], [[1, 2], [1, 2], [1, 2]]]])    # depth 1 (selected node 1): child 2 twice
    chains = chains.view(1, 1, 2, 2, 3, 2)
    return chains, chains[..., -1] == 2


def start_and_operands():
    return torch.zeros(1, 1, dtype=torch.long), torch.ones(1, 1, 2, dtype=torch.long)


def test_mmc_labels_pair_the_siblings_by_value_and_mark_the_lower_ones_step_as_the_error():
    chains, ends_right = tree_of_one_problem()
    paths, target, mask = mmc_labels(chains, ends_right)
    items = mask.sum(-1).view(2, 2)                                # depth × (lower-V path, higher-V path)
    assert items.tolist() == [[1, 1], [0, 0]]                      # depth 1: identical siblings, no pair
    paths, target, mask = paths.view(2, 2, 2), target.view(2, 2, 2), mask.view(2, 2, 2)
    # The lower-V child 3 is the error at step 0 and the higher-V child 1 is right, although each has a
    # rollout ending the "other" way (pairing by "a rollout ends right / wrong" labelled both as errors).
    assert paths[0, 0, 0] == 3 and target[0, 0, 0] == 0 and paths[0, 1, 0] == 1 and target[0, 1, 0] == 1
    assert mask[0, :, 1].sum() == 0                                # after the divergence: unlabelled
    assert label_error(*start_and_operands(), *mmc_labels(chains, ends_right), 8).item() == 0


def test_outcome_labels_give_every_step_its_path_answer():
    chains, ends_right = tree_of_one_problem()
    paths, target, mask = outcome_labels(chains, ends_right)
    assert mask.sum() == 12 * 2 and paths.shape == (1, 1, 12, 2)
    assert target[0, 0, :6, 0].tolist() == [1, 1, 0, 1, 0, 0]     # the right first step of [1, 5] → 0, [3, 2] → 1
    assert torch.equal(target[..., 0], target[..., 1])
    # Labels that disagree with the step: [1, 5]'s right step 0; [3, 2]'s wrong steps 0 and 1 (called right);
    # the two [3, 4]s' right step 1 (3 + 1 = 4, called wrong): 5 of 24.
    assert label_error(*start_and_operands(), paths, target, mask, 8).item() == pytest.approx(5 / 24)


def test_the_loss_is_the_critique_likelihood():
    table = torch.zeros(1, 8 ** 3)
    chains, ends_right = tree_of_one_problem()
    # σ = ½ everywhere: every labelled step costs log 2.
    loss = critique_loss(table, *start_and_operands(), *mmc_labels(chains, ends_right), 8)
    assert loss.item() == pytest.approx(torch.log(torch.tensor(2.0)).item())


def test_the_search_selects_the_child_of_highest_value_and_keeps_its_prefix():
    g = torch.Generator().manual_seed(0)
    start = torch.randint(8, (2, 5), generator=g)
    operands = torch.randint(8, (2, 5, 4), generator=g)
    chains, ends_right, selected = search_tree(start, operands, 0.3, 8, 3, 4, g)
    assert chains.shape == (2, 5, 4, 3, 4, 4) and ends_right.shape == (2, 5, 4, 3, 4)
    for d in range(1, 4):                                          # every rollout at depth d starts with the selection
        assert torch.equal(chains[:, :, d, :, :, :d], selected[:, :, None, None, :d].expand(2, 5, 3, 4, d))
    value = ends_right.float().mean(-1)                            # V of each child (S, P, L, n)
    for d in range(4):
        child = chains[:, :, d, :, 0, d]                           # each child's own step (S, P, n)
        assert torch.equal(child.gather(-1, value[:, :, d].argmax(-1, keepdim=True))[..., 0], selected[..., d])


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="critique_data"):
        MMCConfig(critique_data="prm")
    with pytest.raises(ConfigError, match="actor_error"):
        MMCConfig(actor_error=1.0)
    with pytest.raises(ConfigError, match="train_problems"):
        MMCConfig(seeds=256, train_problems=256, length=12, children=8, rollouts=32)   # the memory estimate


@pytest.mark.parametrize("data", ["outcome", "mmc"])
def test_a_step_never_reads_the_device_and_is_deterministic(data):
    config = MMCConfig(critique_data=data, seeds=3, steps=3, train_problems=4, test_chains=8)
    trainer, reads = MMCTrainer(config, "cpu"), HostReads()
    with reads:
        first = [trainer.step() for _ in range(3)]
    assert reads.sites == {}
    again = MMCTrainer(config, "cpu")
    second = [again.step() for _ in range(3)]
    assert all(torch.equal(a[k], b[k]) for a, b in zip(first, second) for k in a)
    assert all(v.shape == (3,) for v in first[0].values())


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(setting: str, data: str, seed: int) -> dict[str, torch.Tensor]:
    """One population's run: each metric's mean over the last ``LAST`` steps, per seed; then, with the critic
    as it ends, localisation at the decision threshold that does best (mean over seeds) on 1000 fresh chains
    per seed, measured on another 1000 (``tuned_localisation``, and that threshold)."""
    torch.set_num_threads(1)
    config = MMCConfig(**SETTINGS[setting], critique_data=data, seed=seed)
    trainer = MMCTrainer(config, "cpu")
    steps = [trainer.step() for _ in range(config.steps)][-LAST:]
    out = {k: torch.stack([m[k] for m in steps]).mean(0) for k in KEYS}
    sweep = trainer.localisation_by_threshold(THRESHOLDS, 1000, torch.Generator().manual_seed(1000 + seed))
    best = THRESHOLDS[sweep.mean(1).argmax().item()]
    out["best_threshold"] = torch.tensor(best)
    out["tuned_localisation"] = trainer.localisation_by_threshold([best], 1000, torch.Generator().manual_seed(2000 + seed))[0]
    # The critic's table at the end: the share of right steps (y = y_prev + a) it judges right, and of wrong ones wrong.
    M = config.modulus
    cell = torch.arange(M ** 3)
    right = cell % M == (cell // M ** 2 + cell // M % M) % M
    z = trainer.table.detach()
    out["right_judged_right"], out["wrong_judged_wrong"] = (z[:, right] >= 0).float().mean(1), (z[:, ~right] < 0).float().mean(1)
    print(setting, data, seed, {k: round(v.float().mean().item(), 3) for k, v in out.items()},
          "min localisation", round(out["localisation"].min().item(), 3))
    return out


def mean(run: dict, key: str) -> float:
    return run[key].mean().item()


@pytest.mark.parametrize("seed", SEEDS)
def test_at_the_half_verdict_the_mmc_critic_localises_and_refines_where_the_outcome_critic_cannot(seed):
    outcome, mmc = measure("default", "outcome", seed), measure("default", "mmc", seed)
    # The failure happens at the ½ rule: the outcome-trained critic misses the first error on about a third of
    # wrong chains.
    assert mean(outcome, "localisation") <= 0.75, outcome                       # measured 0.65–0.68
    assert mean(outcome, "gain") <= 0.3, outcome                                # measured +0.22–0.25
    # Why: its σ learns P(the answer ends right | step), near ½ for right steps here — it judges a quarter of
    # the right steps wrong (all wrong steps wrong); MMC's pairs teach right steps as right.
    assert mean(outcome, "right_judged_right") <= 0.85 and mean(outcome, "wrong_judged_wrong") >= 0.95, outcome
    assert mean(mmc, "right_judged_right") >= 0.98 and mean(mmc, "wrong_judged_wrong") >= 0.9, mmc
    # MMC's critique data: high localisation on every seed, and a larger gain over the rounds.
    assert mean(mmc, "localisation") >= 0.92 and mmc["localisation"].min() >= 0.9, mmc   # 0.97, min 0.95
    assert mean(mmc, "gain") >= mean(outcome, "gain") + 0.25, (outcome, mmc)    # measured +0.33–0.35 more
    assert (mmc["gain"] > outcome["gain"]).sum() >= 15, (outcome["gain"], mmc["gain"])    # 16/16
    assert mean(mmc, "verdict_accuracy") >= mean(outcome, "verdict_accuracy") + 0.1, (outcome, mmc)
    # MMC's labels are not clean (V misleads where errors cancel) but far cleaner than outcome labels.
    assert 0.01 <= mean(mmc, "label_error") <= 0.07, mmc                                 # measured 0.04
    assert mean(outcome, "label_error") >= 0.35, outcome                                 # measured 0.42


@pytest.mark.parametrize("seed", SEEDS)
def test_the_outcome_critic_ranks_the_steps_and_at_a_tuned_threshold_localises_and_gains_at_least_as_much(seed):
    """The ½ failure is one of calibration, not of information: the outcome critic ranks every right step
    above every wrong one (step AUROC), and at its best threshold (0.3) it localises as well as MMC's and its
    refinement gains more than MMC's at ½."""
    outcome, mmc = measure("default", "outcome", seed), measure("default", "mmc", seed)
    assert mean(outcome, "step_auroc") >= 0.99 and mean(mmc, "step_auroc") >= 0.99, (outcome, mmc)   # 1.000 both
    assert outcome["best_threshold"].item() < 0.5 < mmc["best_threshold"].item(), (outcome, mmc)      # 0.3; 0.8–0.9
    assert mean(outcome, "tuned_localisation") >= 0.97 and mean(mmc, "tuned_localisation") >= 0.97   # 1.00 both
    tuned = measure("tuned", "outcome", seed)                      # the outcome critic deciding at σ < 0.3
    assert mean(tuned, "localisation") >= 0.97, tuned                                    # measured 1.00
    assert mean(tuned, "gain") >= mean(mmc, "gain"), (tuned, mmc)                        # +0.61 vs +0.58


@pytest.mark.parametrize("seed", SEEDS)
def test_with_a_reliable_actor_the_outcome_critic_localises_at_least_as_well(seed):
    outcome, mmc = measure("reliable", "outcome", seed), measure("reliable", "mmc", seed)
    assert mean(outcome, "localisation") >= 0.95, outcome                      # measured 1.00
    assert mean(outcome, "localisation") >= mean(mmc, "localisation") >= 0.85, (outcome, mmc)   # MMC 0.93
    assert mean(outcome, "gain") >= mean(mmc, "gain"), (outcome, mmc)         # +0.44 vs +0.40
    assert (mmc["gain"] > outcome["gain"]).sum() <= 3, (outcome["gain"], mmc["gain"])     # 0/16
