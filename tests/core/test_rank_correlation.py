"""Spearman's rank correlation with average ranks for ties (``lab/core/rank_correlation.py``), shared by TACO's
count rank and ALOE's advantage ranks: against scipy.stats.spearmanr on data with many ties, batched and masked."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from lab.core.rank_correlation import average_ranks, spearman


def scipy_rho(x, y) -> float:
    return float(spearmanr(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)).statistic)


def test_one_for_monotone_and_minus_one_for_reversed():
    x = torch.tensor([[0.1, 0.5, 0.2, 3.0]])
    assert spearman(x, x.exp()).item() == pytest.approx(1.0)
    assert spearman(x, -x).item() == pytest.approx(-1.0)
    ties = torch.tensor([0.0, 0.0, 1.0, 2.0, 2.0, 2.0])                  # ties on both sides: still ±1
    assert spearman(ties, ties * 3 + 1).item() == pytest.approx(1.0)
    assert spearman(ties, -ties).item() == pytest.approx(-1.0)


def test_ties_share_the_mean_of_the_ranks_they_span():
    v = torch.tensor([3.0, 1.0, 3.0, 0.0, 3.0])
    assert average_ranks(v, torch.ones(5, dtype=torch.bool)).tolist() == [3.0, 1.0, 3.0, 0.0, 3.0]
    mask = torch.tensor([True, True, False, True, True])
    assert average_ranks(v, mask).tolist() == [2.5, 1.0, 0.0, 0.0, 2.5]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_agrees_with_scipy_on_many_ties_batched(dtype):
    """Integers 0–3 over 40 entries, 64 rows at once: every row as scipy.stats.spearmanr computes it."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 4, (4, 16, 40), generator=g).to(dtype)
    y = (x + torch.randint(-2, 3, x.shape, generator=g)).clamp(0, 3)      # correlated, tied in both
    rho = spearman(x, y)
    assert rho.shape == (4, 16) and rho.dtype == dtype
    expected = [scipy_rho(a, b) for a, b in zip(x.reshape(-1, 40).tolist(), y.reshape(-1, 40).tolist())]
    assert rho.flatten().tolist() == pytest.approx(expected, abs=1e-5)


def test_agrees_with_scipy_over_the_masked_entries_only():
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 4, (32, 30), generator=g).float()
    y = torch.randint(0, 3, (32, 30), generator=g).float() + 0.5 * x
    mask = torch.rand(32, 30, generator=g) < 0.7
    rho = spearman(x, y, mask)
    for i in range(32):
        keep = mask[i]
        assert rho[i].item() == pytest.approx(scipy_rho(x[i][keep], y[i][keep]), abs=1e-5)
    assert spearman(x, y, torch.ones_like(mask)).tolist() == pytest.approx(spearman(x, y).tolist(), abs=1e-6)


def test_masked_out_entries_do_not_count_whatever_their_values():
    x = torch.tensor([[0.3, -1.0, 2.0, 5.0, 0.1]])
    y = torch.tensor([[1.0, 0.0, 3.0, -9.0, 9.0]])
    mask = torch.tensor([[True, True, True, False, False]])
    assert spearman(x, y, mask).item() == pytest.approx(1.0)


def test_ties_are_not_broken_by_position():
    """Many zeros in x (as unseen pairs' A = 0): the old ordinal ranks (argsort().argsort(), ties by position)
    read x's four tied zeros in y's order and gave ρ = 1 here (and −1 against y reversed); with average ranks
    ρ = ±0.71, as scipy has it."""
    x = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0])
    y = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    ordinal = lambda v: v.argsort(dim=-1, stable=True).argsort(-1).float()    # noqa: E731  the old tie-break
    rx, ry = ordinal(x) - 2.0, ordinal(y) - 2.0
    assert ((rx * ry).sum() / (rx.pow(2).sum() * ry.pow(2).sum()).sqrt()).item() == pytest.approx(1.0)
    assert spearman(x, y).item() == pytest.approx(scipy_rho(x, y)) == pytest.approx(0.7071, abs=1e-4)
    assert spearman(x, y.flip(0)).item() == pytest.approx(scipy_rho(x, y.flip(0))) == pytest.approx(-0.7071, abs=1e-4)


def test_a_constant_input_gives_zero():
    x = torch.ones(2, 6)
    y = torch.arange(12.0).reshape(2, 6)
    assert spearman(x, y).tolist() == [0.0, 0.0]
    assert spearman(y, y, torch.zeros(2, 6, dtype=torch.bool)).tolist() == [0.0, 0.0]


def test_a_million_entries_are_ranked_in_linear_memory():
    """TACO ranks noise_seeds × contexts × candidates chunks per seed (up to 256 · 256 · 64 ≈ 4.2 million): a
    pairwise comparison would need 10¹² cells for a million; the sort-based ranks take a fraction of a second."""
    x = torch.arange(1_000_000, dtype=torch.float32).remainder(1000)       # a thousand ties of each value
    assert spearman(x, x.neg()).item() == pytest.approx(-1.0)
    assert average_ranks(x[None], torch.ones(1, 1_000_000, dtype=torch.bool))[0, 0].item() == 499.5
