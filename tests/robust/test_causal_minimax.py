"""Causal minimax subset selection (``lab/robust/causal_minimax.py``; arXiv 2107.01876): the pieces, and the claim.
Not reinforcement learning: supervised regression under a shift of one mutable mechanism.

The claim (issue 22, item 4): "among the stable feature subsets, the one with the lowest worst-case risk over
shifts of the mutable mechanisms. Toy: a linear structural causal model where using every stable feature is not
optimal. Claim: worst-environment error below both the full stable set's and ordinary least squares'."

Measured with CausalMinimaxTrainer's defaults (interaction d = 0.5, training environments γ = 0.5 and 1.5, test
environments γ on 13 points of [−3, 3], coefficients perturbed ±25% per seed, 32 samples per environment per
step, 200 steps, test MSE on a fixed sample of 1024 per seed and environment) over base seeds 0, 1, 2, each a
population of 16 seeds (SCM instances). worst = the largest test MSE over the γ grid; train = the test MSE in
the two training environments; median over the 16 seeds (min–max); Var(Y) ≈ 2.

    seed  worst: OLS            whole stable set    causal minimax      train: OLS   stable set   minimax
    0     6.88 (4.83–11.46)     2.52 (1.64–3.91)    0.67 (0.45–1.01)    0.30         0.66         0.64
    1     7.22 (4.40–14.10)     2.55 (1.42–4.76)    0.64 (0.44–1.08)    0.32         0.64         0.62
    2     6.07 (3.70–10.83)     2.28 (1.29–4.18)    0.64 (0.45–0.96)    0.29         0.54         0.61

Per seed, causal minimax's worst-environment error is at most 0.38× the whole stable set's and at most 0.14×
OLS's; it drops X1 (the stable child of Y downstream of the mutable M) in all 48 seeds. OLS is the best of
the three in the training environments (it uses M, a strong proxy of Y there) and the worst under the shift.
The whole stable set's error curve rises 3.6–16× from its best γ to its worst; causal minimax's is flat
(max/min ≤ 1.15).

The knob (``test_additive_scm_keeps_the_whole_stable_set``): with d = 0 the SCM is additive linear and the
whole stable set's error is flat in γ (max/min ≤ 1.07 in every seed), causal minimax keeps X1 in all 48 seeds
and its worst error equals the whole stable set's (ratio ≤ 1.000), while OLS still fails (≥ 4.8× the stable
set's worst error in every seed).

Not tested as a win: causal minimax includes the whole stable set among its 8 candidates, so on its own
training estimate of the worst case it cannot lose to it; what is measured is the size of the gap on the
fixed test sample and that the failure is there to remove. Asserted with margins below these numbers.
Printed by ``PYTHONPATH=.:tests/core .venv/bin/python tests/robust/test_causal_minimax.py``.
The file takes about 14 s of CPU time (user, one thread).
"""
from __future__ import annotations

import functools

import pytest
import torch
from host_reads import twin_steps

from lab.core import ConfigError
from lab.robust.causal_minimax import (CausalMinimaxConfig, CausalMinimaxTrainer, causal_minimax_choice,
                                       generate, interventional_batch, least_squares, quadratic_risk,
                                       subset_masks)

SEEDS = (0, 1, 2)


@functools.lru_cache(maxsize=None)
def trained(seed: int, interaction: float = 0.5) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """The defaults trained for 200 steps from base seed ``seed``: the last step's metrics, the test-error
    curves (S, 3, G) and each predictor's error in the training environments (S, 3)."""
    config = CausalMinimaxConfig(seed=seed, interaction=interaction)
    trainer = CausalMinimaxTrainer(config, "cpu")
    for _ in range(config.steps):
        metrics = trainer.step()
    train = trainer.test_errors(trainer.fit()[0], trainer.train_gammas).mean(-1)
    return metrics, trainer.view_state()["errors"], train


# --- the pieces ----------------------------------------------------------------------------------

def test_masked_least_squares_recovers_the_weights_and_zeroes_the_left_out_columns():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4000, 5, generator=g)
    x[:, 0] = 1.0
    y = x @ torch.tensor([0.5, 1.0, -2.0, 0.0, 3.0])
    gram, cross = x.T @ x / len(y), x.T @ y / len(y)
    full = least_squares(gram, cross, torch.ones(5))
    assert torch.allclose(full, torch.tensor([0.5, 1.0, -2.0, 0.0, 3.0]), atol=1e-3)
    partial = least_squares(gram, cross, torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0]))
    assert partial[2] == 0
    reference = torch.linalg.lstsq(x[:, [0, 1, 3, 4]], y.unsqueeze(-1)).solution.squeeze(-1)
    assert torch.allclose(partial[[0, 1, 3, 4]], reference, atol=1e-3)
    assert torch.allclose(quadratic_risk(partial, y.pow(2).mean(), cross, gram), (y - x @ partial).pow(2).mean(),
                          rtol=1e-3)


def test_the_minimax_choice_is_the_least_worst_case():
    risk = torch.tensor([[[1.0, 1.0, 1.0], [0.2, 0.3, 5.0], [0.8, 0.9, 0.7]]])   # (1 seed, 3 subsets, 3 shifts)
    assert causal_minimax_choice(risk).tolist() == [2]           # not subset 1, best on average but 5.0 at worst


def test_the_interventional_batch_shuffles_m_and_regenerates_x1_with_its_own_noise():
    config = CausalMinimaxConfig(seeds=3)
    trainer = CausalMinimaxTrainer(config, "cpu")
    design, y, _ = trainer.draw_training()
    do = interventional_batch(design, y, trainer.coef, torch.Generator().manual_seed(1))
    m, m_do = design[..., 4], do[..., 4]
    assert torch.equal(m.sort(-1).values, m_do.sort(-1).values)                  # a permutation per seed
    assert not torch.equal(m, m_do)
    c = {k: v.view(-1, 1) for k, v in trainer.coef.items()}
    residual = lambda d: d[..., 2] - c["a"] * y - c["b"] * d[..., 4] - c["d"] * d[..., 4] * y  # noqa: E731
    assert torch.allclose(residual(design), residual(do), atol=1e-5)              # X1's noise is kept
    assert torch.equal(design[..., [0, 1, 3]], do[..., [0, 1, 3]])


def test_the_scm_and_the_subsets():
    masks = subset_masks("cpu")
    assert masks[7].tolist() == [1, 1, 1, 1, 1] and masks[5].tolist() == [1, 1, 0, 1, 1]
    assert masks[0].tolist() == [1, 0, 0, 0, 1]                                   # M is always an input
    trainer = CausalMinimaxTrainer(CausalMinimaxConfig(seeds=2, perturb=0.0), "cpu")
    noise = torch.randn(2, 20000, 5, generator=torch.Generator().manual_seed(0))
    design, y = generate(trainer.coef, torch.tensor(2.0), noise)
    assert abs(y.var() - 2.0) < 0.1                                               # b0² + σ_Y²
    assert abs((design[..., 4] - 2.0 * y).std() - 0.5) < 0.02                     # M = 2Y + 0.5 ε_M


def test_config_errors_name_the_fields():
    with pytest.raises(ConfigError, match="alpha_low"):
        CausalMinimaxConfig(alpha_low=1.0, alpha_high=1.0)
    with pytest.raises(ConfigError, match="shift_budget"):
        CausalMinimaxConfig(alpha_high=4.0)
    with pytest.raises(ConfigError, match="predictor"):
        CausalMinimaxConfig(predictor="irm")
    with pytest.raises(ConfigError, match="eval_samples"):
        CausalMinimaxConfig(seeds=256, grid=101, eval_samples=16384)     # ~35 GB of test designs


def test_a_step_never_reads_the_device_is_deterministic_and_views_do_not_touch_training():
    config = CausalMinimaxConfig(seeds=3, predictor="causal_minimax")
    assert torch.isnan(CausalMinimaxTrainer(config, "cpu").view_state()["errors"]).all()    # before any step
    a, ma = twin_steps(lambda: CausalMinimaxTrainer(config, "cpu"), 4)
    assert torch.equal(ma["worst_error"], ma["worst_minimax"])
    state = a.view_state()
    assert state["gammas"].shape == (13,) and state["errors"].shape == (3, 3, 13)


def test_seeds_are_different_scm_instances():
    metrics, _, _ = trained(0)
    assert metrics["worst_stable_all"].std() > 0.3          # measured 0.6: not one number repeated


# --- the claim -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_the_whole_stable_set_and_ols_fail_under_the_shift(seed):
    """The failure: OLS is best in the training environments and worst under the shift (median 6.1–7.2 against
    0.29–0.32 in training); the whole stable set's worst error (median 2.3–2.6, min 1.29) is ≥ 2× its training
    error in every seed — its curve rises with |γ|."""
    metrics, curves, train = trained(seed)
    assert metrics["worst_ols"].median() > 4.0 and metrics["worst_ols"].min() > 2.5
    assert (train[:, 0] < train[:, 1]).all() and (train[:, 0] < train[:, 2]).float().mean() >= 0.9
    assert metrics["worst_stable_all"].median() > 1.8 and metrics["worst_stable_all"].min() > 1.0
    assert (metrics["worst_stable_all"] > 2 * train[:, 1]).all()
    assert (curves[:, 1].amax(-1) / curves[:, 1].amin(-1) > 3.0).all()          # measured ≥ 3.6


@pytest.mark.parametrize("seed", SEEDS)
def test_causal_minimax_has_the_least_worst_environment_error(seed):
    """The claim: causal minimax drops X1 in every seed; its worst-environment error (median 0.64–0.67) is
    ≤ 0.38× the whole stable set's and ≤ 0.14× OLS's in every seed; its curve is flat (max/min ≤ 1.15)."""
    metrics, curves, _ = trained(seed)
    assert (metrics["minimax_uses_x1"] == 0).all()
    assert (metrics["worst_minimax"] < 0.5 * metrics["worst_stable_all"]).all()
    assert (metrics["worst_minimax"] < 0.2 * metrics["worst_ols"]).all()
    assert metrics["worst_minimax"].median() < 0.85
    assert (curves[:, 2].amax(-1) / curves[:, 2].amin(-1) < 1.3).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_additive_scm_keeps_the_whole_stable_set(seed):
    """The knob: at d = 0 (additive linear SCM) the whole stable set's error is flat in γ (max/min ≤ 1.07),
    causal minimax keeps X1 and matches it (ratio ≤ 1.000); OLS still fails (≥ 4.8× in every seed)."""
    metrics, curves, _ = trained(seed, interaction=0.0)
    assert (curves[:, 1].amax(-1) / curves[:, 1].amin(-1) < 1.15).all()
    assert (metrics["minimax_uses_x1"] == 1).all()
    assert (metrics["worst_minimax"] <= 1.02 * metrics["worst_stable_all"]).all()
    assert (metrics["worst_ols"] > 3 * metrics["worst_stable_all"]).all()


def print_table() -> None:
    """Prints the docstring's table."""
    q = lambda v: f"{v.median():.2f} ({v.min():.2f}–{v.max():.2f})"  # noqa: E731
    for seed in SEEDS:
        metrics, curves, train = trained(seed)
        print(f"{seed}  worst: ols {q(metrics['worst_ols'])}  stable {q(metrics['worst_stable_all'])}  "
              f"minimax {q(metrics['worst_minimax'])}  train: {train.median(0).values.tolist()}  "
              f"minimax/stable ≤ {(metrics['worst_minimax'] / metrics['worst_stable_all']).max():.2f}  "
              f"minimax/ols ≤ {(metrics['worst_minimax'] / metrics['worst_ols']).max():.2f}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    print_table()
