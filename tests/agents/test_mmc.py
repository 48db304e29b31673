"""MMC's critique data (``lab/agents/mmc.py``, ``mmc_tree.py``; Liu et al., arXiv 2504.11009): the pieces, and the claim.

The claim (issue 19, item 5): "Toy: a short arithmetic chain. Failure: a critic trained only on outcome
labels cannot locate the bad step. Claim: high first-error localisation and a larger accuracy gain over
refinement rounds." MMC is a data-construction mechanism, not a stabilizer: the two critics differ only
in the labels they are trained on, drawn from the same search tree.

Measured with MMCTrainer, critique_data 'outcome' vs 'mmc', over base seeds 0, 1, 2 (each a population
of 16 seeds), defaults: M 8, L 6, actor error 0.2 (the actor's answer is right 0.31 of the time), 16
searched problems per step with 3 children × 4 rollouts, 3 refinement rounds, 100 steps. Every metric
is the mean over the last 25 steps (64 fresh test chains per step and seed) and then over the 16 seeds;
"seeds better" counts the seeds whose MMC value beats the outcome critic's.

``DEFAULT`` (outcome → mmc; "min" is MMC's lowest seed; accuracy before refinement: after 3 rounds):

    seed  localisation        verdict accuracy  accuracy r0: r3       gain over 3 rounds  seeds better
    0     0.65 → 0.96 (≥0.95)  0.75 → 0.94       0.31: 0.54 → 0.88     +0.23 → +0.57       16/16
    1     0.68 → 0.96 (≥0.94)  0.76 → 0.94       0.31: 0.56 → 0.87     +0.25 → +0.56       16/16
    2     0.66 → 0.96 (≥0.94)  0.75 → 0.93       0.31: 0.54 → 0.87     +0.22 → +0.56       16/16

The failure happens: the outcome-trained critic names the first wrong step on about two wrong chains in
three — its σ for a right step learns P(the answer ends right | the step), which is near ½ here, so it
often flags an early right step, and refinement then regenerates from there — and three rounds add
+0.22–0.25; MMC's critic localises on 0.96 of wrong chains and adds +0.56–0.57, on every seed. Its table
at the end says why: the outcome critic judges only 0.73–0.80 of the 64 right steps (y, a, y + a) right
(every wrong one wrong); MMC's judges all right steps right and 0.96 of the 448 wrong ones wrong (the
rest never appeared in a pair: σ stays ½). Asserted with margins below the measured values.

Where the failure does not happen — ``RELIABLE``, actor error 0.1 (answers right 0.55 of the time), 60
steps: a right step's P(the answer ends right) is well above ½, so outcome labels separate right from
wrong steps, and with labels on every step of every rollout (MMC labels only the pairs) the outcome
critic is slightly *better*:

    seed  localisation        verdict accuracy  accuracy r0: r3       gain over 3 rounds  seeds better
    0     1.00 → 0.93 (≥0.89)  0.98 → 0.96       0.55: 0.99 → 0.95     +0.44 → +0.40       0/16
    1     1.00 → 0.92 (≥0.89)  0.98 → 0.96       0.55: 0.99 → 0.95     +0.44 → +0.39       0/16
    2     1.00 → 0.93 (≥0.89)  0.98 → 0.96       0.55: 0.99 → 0.95     +0.45 → +0.40       0/16

Pinned as measured: the outcome critic localises at least as well and gains at least as much. MMC's
advantage on this toy needs chains that usually go wrong somewhere.

The file takes 15–20 s of CPU time on one thread (measured with /usr/bin/time; the 12 runs are most of it).

The per-seed numbers are ``measure``'s, printed by ``.venv/bin/python -m pytest tests/agents/test_mmc.py -s``.
"""
from __future__ import annotations

import functools
import traceback

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from lab.core import ConfigError
from lab.agents.mmc import MMCConfig, MMCTrainer, critique_loss, named_step
from lab.agents.mmc_tree import actor_steps, first_wrong_step, mmc_labels, outcome_labels, search_tree, step_right

SEEDS = (0, 1, 2)
DEFAULT = dict(seeds=16, steps=100)
RELIABLE = dict(seeds=16, steps=60, actor_error=0.1)
LAST = 25     # steps averaged at the end of a run
KEYS = ("localisation", "verdict_accuracy", "gain", "accuracy_r0", "accuracy")


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


def tree_of_one_problem():
    """A hand-made tree: one seed, one problem, L = 2, two children per depth, two rollouts each, M = 8;
    start 0, operands (1, 1): the right chain is 1, 2."""
    chains = torch.tensor([[[[  # depth 0: child 1 (right) and child 3 (wrong)
        [[[1, 2], [1, 5]], [[3, 4], [3, 4]]],
        # depth 1 (selected node 1): child 2 (right) and child 2 again (no pair at this depth)
        [[[1, 2], [1, 2]], [[1, 2], [1, 2]]]]]]])
    chains = chains.view(1, 1, 2, 2, 2, 2)
    return chains, chains[..., -1] == 2


def test_mmc_labels_mark_the_divergent_step_of_the_wrong_sibling_and_the_shared_prefix():
    chains, ends_right = tree_of_one_problem()
    paths, target, mask = mmc_labels(chains, ends_right)
    items = mask.sum(-1).view(2, 2, 2)                             # depth × child × (wrong path, right path)
    # depth 0: child 3 (only wrong rollouts) is the wrong side, child 1 (a right rollout) the right side;
    # child 1 also has a wrong rollout (a later error) but its sibling 3 never ends right: not a wrong side.
    assert items[0].tolist() == [[0, 1], [1, 0]]
    assert paths.view(2, 2, 2, 2)[0, 1, 0].tolist() == [3, 4] and target.view(2, 2, 2, 2)[0, 1, 0, 0] == 0
    assert paths.view(2, 2, 2, 2)[0, 0, 1].tolist() == [1, 2] and target.view(2, 2, 2, 2)[0, 0, 1, 0] == 1
    assert mask.view(2, 2, 2, 2)[0, :, :, 1].sum() == 0           # after the divergence: unlabelled
    assert items[1].sum() == 0                                     # identical siblings: no pair


def test_outcome_labels_give_every_step_its_path_answer():
    chains, ends_right = tree_of_one_problem()
    paths, target, mask = outcome_labels(chains, ends_right)
    assert mask.sum() == 8 * 2 and paths.shape == (1, 1, 8, 2)
    assert target[0, 0, :, 0].tolist() == [1, 0, 0, 0, 1, 1, 1, 1]      # the right first step of [1, 5] → 0
    assert torch.equal(target[..., 0], target[..., 1])


def test_the_loss_is_the_critique_likelihood():
    table = torch.zeros(1, 8 ** 3)
    chains, ends_right = tree_of_one_problem()
    start, operands = torch.zeros(1, 1, dtype=torch.long), torch.ones(1, 1, 2, dtype=torch.long)
    # σ = ½ everywhere: every labelled step costs log 2.
    loss = critique_loss(table, start, operands, *mmc_labels(chains, ends_right), 8)
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


class HostReads(TorchDispatchMode):
    """The aten operations whose result the host reads, outside torch.optim (Adam's host-side step counter),
    as in tests/core/test_host_syncs.py."""

    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if name in {"_local_scalar_dense", "nonzero", "masked_select"} or (name == "index" and any(
                isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in args[1] if i is not None)):
            if not any("/torch/optim/" in frame.filename for frame in traceback.extract_stack()):
                self.seen.append(name)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("data", ["outcome", "mmc"])
def test_a_step_never_reads_the_device_and_is_deterministic(data):
    config = MMCConfig(critique_data=data, seeds=3, steps=3, train_problems=4, test_chains=8)
    trainer, reads = MMCTrainer(config, "cpu"), HostReads()
    with reads:
        first = [trainer.step() for _ in range(3)]
    assert reads.seen == []
    again = MMCTrainer(config, "cpu")
    second = [again.step() for _ in range(3)]
    assert all(torch.equal(a[k], b[k]) for a, b in zip(first, second) for k in a)
    assert all(v.shape == (3,) for v in first[0].values())


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(setting: str, data: str, seed: int) -> dict[str, torch.Tensor]:
    """One population's run: each metric's mean over the last ``LAST`` steps, per seed."""
    torch.set_num_threads(1)
    config = MMCConfig(**(DEFAULT if setting == "default" else RELIABLE), critique_data=data, seed=seed)
    trainer = MMCTrainer(config, "cpu")
    steps = [trainer.step() for _ in range(config.steps)][-LAST:]
    out = {k: torch.stack([m[k] for m in steps]).mean(0) for k in KEYS}
    # The critic's table at the end: the share of right steps (y = y_prev + a) it judges right, and of wrong ones wrong.
    M = config.modulus
    cell = torch.arange(M ** 3)
    right = cell % M == (cell // M ** 2 + cell // M % M) % M
    z = trainer.table.detach()
    out["right_judged_right"], out["wrong_judged_wrong"] = (z[:, right] >= 0).float().mean(1), (z[:, ~right] < 0).float().mean(1)
    print(setting, data, seed, {k: round(v.mean().item(), 3) for k, v in out.items()})
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_mmc_critic_localises_and_refines_where_the_outcome_critic_cannot(seed, one_torch_thread):
    outcome, mmc = measure("default", "outcome", seed), measure("default", "mmc", seed)
    mean = lambda run, key: run[key].mean().item()                  # noqa: E731
    # The failure happens: the outcome-trained critic misses the first error on about a third of wrong chains.
    assert mean(outcome, "localisation") <= 0.75, outcome                       # measured 0.65–0.68
    assert mean(outcome, "gain") <= 0.3, outcome                                # measured +0.22–0.25
    # Why: its σ learns P(the answer ends right | step), near ½ for right steps here — it judges a quarter of
    # the right steps wrong (all wrong steps wrong); MMC's pairs teach right steps as right.
    assert mean(outcome, "right_judged_right") <= 0.85 and mean(outcome, "wrong_judged_wrong") >= 0.95, outcome
    assert mean(mmc, "right_judged_right") >= 0.98 and mean(mmc, "wrong_judged_wrong") >= 0.9, mmc
    # MMC's critique data: high localisation on every seed, and a larger gain over the rounds.
    assert mean(mmc, "localisation") >= 0.9 and mmc["localisation"].min() >= 0.85, mmc   # 0.96, min 0.94
    assert mean(mmc, "gain") >= mean(outcome, "gain") + 0.25, (outcome, mmc)    # measured +0.31–0.34 more
    assert (mmc["gain"] > outcome["gain"]).sum() >= 15, (outcome["gain"], mmc["gain"])    # 16/16
    assert mean(mmc, "verdict_accuracy") >= mean(outcome, "verdict_accuracy") + 0.1, (outcome, mmc)


@pytest.mark.parametrize("seed", SEEDS)
def test_with_a_reliable_actor_the_outcome_critic_localises_at_least_as_well(seed, one_torch_thread):
    outcome, mmc = measure("reliable", "outcome", seed), measure("reliable", "mmc", seed)
    mean = lambda run, key: run[key].mean().item()                  # noqa: E731
    assert mean(outcome, "localisation") >= 0.95, outcome                      # measured 1.00
    assert mean(outcome, "localisation") >= mean(mmc, "localisation") >= 0.85, (outcome, mmc)   # MMC 0.92–0.93
    assert mean(outcome, "gain") >= mean(mmc, "gain"), (outcome, mmc)         # +0.44 vs +0.40
    assert (mmc["gain"] > outcome["gain"]).sum() <= 3, (outcome["gain"], mmc["gain"])     # 0/16
