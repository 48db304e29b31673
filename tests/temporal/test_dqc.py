"""Decoupled Q-chunking on a tabular key-chain with slip (``lab/temporal/dqc.py``; arXiv 2512.10926): the
pieces, and the claim.

The claim (issue 21, item 1): a chunk critic over h steps bootstraps h times less than one-step TD; a partial
critic over the first hₐ ≪ h actions, distilled from it by an upper expectile, lets a short-chunk policy
re-plan. Failures: one-step TD propagates value slowly over a long horizon; an open-loop policy over the whole
chunk cannot react to slip. Claim: success clearly above both.

Measured with DqcTrainer's defaults (chain L = 40, slip 0.2, behaviour 70% right keys, 128 trajectories × 40
steps per seed, h = 8, hₐ = 2, γ 0.97, κ_d 0.7, κ_b 0.9, step size 0.5, best-of-16, 32 episodes of 80 steps
from state 0) after 20 steps, base seeds 0, 1, 2, each a population of 16 seeds. success = mean over seeds
(min–max over seeds) at the last step; near / far = mean |V̂ − V*| over distances 1–10 / 21–40 to the goal.

    seed  one_step: success (range)  near  far    open_loop_chunk: success (range)  near  far    dqc: success (range)  near  far
    0     0.303 (0.13–0.50)          0.52  0.33   0.041 (0.00–0.13)                 0.09  0.31   0.928 (0.72–1.00)     0.12  0.32
    1     0.281 (0.16–0.44)          0.51  0.33   0.057 (0.00–0.16)                 0.08  0.31   0.934 (0.72–1.00)     0.10  0.32
    2     0.293 (0.13–0.44)          0.51  0.33   0.057 (0.00–0.13)                 0.08  0.31   0.908 (0.00–1.00)     0.11  0.32

One-step TD (h = hₐ = 1) has, after 20 steps, moved value only ~20 states back from the goal (the rest of the
chain reads exactly 0, where best-of-N falls back on the noisy behaviour): success 0.28–0.30 from the far
end. Open-loop Q-chunking (h = hₐ = 8) learns values as fast as DQC, but a slip desynchronises the rest of its
chunk from the keys: success 0.04–0.06. DQC (h = 8, hₐ = 2) learns as fast and re-plans every 2 steps: success
0.91–0.93 (one seed of base seed 2 fails at 0.0: its optimistic partial critic prefers a wrong prefix at one
state). Its value error near the goal is 5× smaller than one-step's.

Control (``test_without_slip_the_open_loop_chunk_succeeds``): with slip 0 open-loop Q-chunking succeeds
1.000 for base seeds 0, 1, 2 — its failure above is the slip. Sensitivity (not asserted; base seeds 0, 1, 2):
DQC with hₐ = 1: 0.82 / 0.71 / 0.85; hₐ = 4: 0.50 / 0.59 / 0.57 (a 4-key open-loop prefix loses some of the
reaction); κ_d = 0.9: 0.88 / 0.85 / 0.75.

Where it stops (``test_one_step_catches_up_given_more_steps``): tabular one-step TD needs only the ORDER of
two actions' values, and the ordering arrives long before the values do: at 80 steps one-step succeeds in
every episode (1.000 for base seeds 0, 1, 2) while DQC stays at 0.87–0.93 — its optimistic expectiles err
on some seeds. The far-value error of one-step is still 0.33 then (the values there are ~1e-20). DQC's
advantage in this toy is speed of propagation within a budget, not its end point.

Asserted with margins below these. The numbers are printed by
``PYTHONPATH=. .venv/bin/python -m pytest tests/temporal/test_dqc.py -s``.
"""
from __future__ import annotations

import functools

import pytest
import torch
from host_reads import twin_steps

from lab.core import ConfigError
from lab.temporal.dqc import (METHODS, DqcConfig, DqcTrainer, chain_step, chunk_windows, expectile_mean,
                              optimal_values)

SEEDS = (0, 1, 2)
POPULATION = 16


# --- the pieces ----------------------------------------------------------------------------------

def test_the_expectile_step_converges_to_the_upper_expectile():
    """Targets {0, 1} on one entry: iterating the step reaches the κ-expectile of the two, κ (here 0.9), and an
    entry without data does not move."""
    table = torch.full((1, 2), 0.5)
    index, target = torch.tensor([[0, 0]]), torch.tensor([[0.0, 1.0]])
    for _ in range(300):
        table += expectile_mean(table, index, target, 0.9)
    assert table[0, 0].item() == pytest.approx(0.9, abs=1e-4)
    assert table[0, 1].item() == 0.5


def test_the_chain_moves_forward_back_and_slips():
    g = torch.Generator().manual_seed(0)
    keys = torch.tensor([[1, 0, 1]])
    state, action = torch.tensor([[0, 1, 2, 2, 3]]), torch.tensor([[1, 1, 1, 0, 0]])
    nxt, reward = chain_step(state, action, keys, 0.0, 3, g)
    assert nxt.tolist() == [[1, 0, 3, 1, 3]] and reward.tolist() == [[0, 0, 1, 0, 0]]
    nxt, _ = chain_step(state, action, keys, 1.0, 3, g)
    assert nxt.tolist() == [[0, 0, 2, 1, 3]]


def test_optimal_values_next_to_the_goal():
    """V*(L − 1) = (1 − p) + p·γ·V*(L − 1), so (1 − p) / (1 − pγ); the goal itself is worth 0."""
    v = optimal_values(5, 0.2, 0.9)
    assert v[4].item() == pytest.approx(0.8 / (1 - 0.18), rel=1e-5) and v[5].item() == 0.0
    assert bool((v[:4].diff() > 0).all())


def test_chunk_windows_code_actions_and_discount_rewards():
    states = torch.tensor([[[0, 1, 2, 3]]])
    actions = torch.tensor([[[1, 0, 1]]])
    rewards = torch.tensor([[[0.0, 0.0, 1.0]]])
    s, code, ret, after = chunk_windows(states, actions, rewards, 2, 0.5)
    assert s.tolist() == [[0, 1]] and code.tolist() == [[1, 2]] and after.tolist() == [[2, 3]]
    assert ret.tolist() == [[0.0, 0.5]]


def test_the_method_sets_the_two_lengths():
    assert [DqcConfig(method=m, chunk=6, policy_chunk=3).lengths() for m in METHODS] == [(1, 1), (6, 6), (6, 3)]


def test_config_errors_name_the_fields():
    with pytest.raises(ConfigError, match="policy_chunk.*chunk"):
        DqcConfig(method="dqc", chunk=2, policy_chunk=4)
    with pytest.raises(ConfigError, match="trajectory_length"):
        DqcConfig(chunk=10, trajectory_length=8)
    with pytest.raises(ConfigError, match="slip"):
        DqcConfig(slip=0.95)


def test_a_step_never_reads_the_device_is_deterministic_and_views_do_not_touch_training():
    config = DqcConfig(method="dqc", seeds=3, steps=4, length=12, trajectories=16)
    a, ma = twin_steps(lambda: DqcTrainer(config, "cpu"), 4)
    state = a.view_state()
    assert state["value_error"].shape == (3, 12) and state["success"].shape == (3, 12)


# --- the claim -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(method: str, seed: int, steps: int = 20, slip: float = 0.2) -> dict[str, torch.Tensor]:
    """The defaults with ``method`` (and ``slip``), 16 seeds from base seed ``seed``: each seed's success at
    the last step and its value error near (distances 1–10) and far (21–40) from the goal."""
    config = DqcConfig(method=method, seeds=POPULATION, seed=seed, steps=steps, slip=slip)
    trainer = DqcTrainer(config, "cpu")
    for _ in range(steps):
        out = trainer.step()
    errors = trainer.value_errors()
    result = {"success": out["success"], "near": errors[:, :10].mean(-1), "far": errors[:, 20:].mean(-1)}
    print(f"\n{method} base seed {seed} steps {steps} slip {slip}: success {result['success'].mean():.3f} "
          f"({result['success'].min():.2f}–{result['success'].max():.2f}) near {result['near'].mean():.2f} "
          f"far {result['far'].mean():.2f}")
    return result


@pytest.mark.parametrize("seed", SEEDS)
def test_one_step_td_propagates_value_too_slowly(seed):
    one_step = measure("one_step", seed)
    assert one_step["success"].mean() < 0.45
    assert one_step["far"].mean() > 0.3          # the far half of the chain still reads ≈ 0 (V* there 0.23–0.48)
    assert one_step["near"].mean() > 0.4


@pytest.mark.parametrize("seed", SEEDS)
def test_an_open_loop_chunk_cannot_react_to_slip(seed):
    open_loop = measure("open_loop_chunk", seed)
    assert open_loop["success"].mean() < 0.15
    assert open_loop["near"].mean() < 0.2        # its values are learnt fast: the failure is in acting


@pytest.mark.parametrize("seed", SEEDS)
def test_without_slip_the_open_loop_chunk_succeeds(seed):
    """The control: with slip 0 the same open-loop chunks succeed in every episode (1.000 for base seeds 0, 1,
    2), so what the open-loop chunk lacks is reaction to slip."""
    assert measure("open_loop_chunk", seed, slip=0.0)["success"].mean() > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_dqc_succeeds_clearly_above_both(seed):
    dqc = measure("dqc", seed)
    assert dqc["success"].mean() > 0.8 and dqc["success"].median() > 0.85
    assert dqc["success"].mean() > measure("one_step", seed)["success"].mean() + 0.4
    assert dqc["success"].mean() > measure("open_loop_chunk", seed)["success"].mean() + 0.6
    assert dqc["near"].mean() < 0.5 * measure("one_step", seed)["near"].mean()


def test_one_step_catches_up_given_more_steps():
    """The pinned limit: at 80 steps tabular one-step TD succeeds everywhere (the order of two actions' values
    arrives before the values do) and DQC does not beat it; one-step's far values are still wrong."""
    one_step, dqc = measure("one_step", 0, 80), measure("dqc", 0, 80)
    assert one_step["success"].mean() > 0.95 and one_step["far"].mean() > 0.3
    assert dqc["success"].mean() < one_step["success"].mean()
