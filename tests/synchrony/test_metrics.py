"""Metrics on hand-made trajectories, and padding that changes nothing."""
import numpy as np
import pytest
import torch

from lab.synchrony import PolicyGrid, dialog_metrics, replay, summarize

C = torch.tensor([0.0, 1.0, 0, 0, 0, 0, 0, 0], dtype=torch.float64)


def users(*rows):
    return torch.tensor([[list(r) + [0.0] * (8 - len(r)) for r in rows]], dtype=torch.float64)


def test_uncapped_synchrony_is_one_and_static_stability_and_coherence_are_one():
    u = users((1.0, 0.0), (0.0, 2.0), (-1.0, 1.0))
    mask = torch.ones(1, 3, dtype=torch.bool)
    m = summarize(replay(PolicyGrid.of("Uncapped", "Static"), u, mask, C))
    assert m["synchrony"][0].item() == pytest.approx(1.0)
    assert m["stability"][1].item() == pytest.approx(1.0) and m["coherence"][1].item() == pytest.approx(1.0)
    assert m["register_flip_rate"][1].item() == 0.0 and m["legibility"][1].item() == 1.0
    # Uncapped stability: cos(u1, c), cos(u2, u1), cos(u3, u2) = 0, 0, 1/√2.
    assert m["stability"][0].item() == pytest.approx((0 + 0 + 2 ** -0.5) / 3)


def test_register_flips_and_instruction_churn_count_transitions_between_rendered_targets():
    # informality z of the targets (Uncapped = the user): +1, −1, −2, +0.2: register +, −, −, +.
    u = users((1.0, 1.0), (-1.0, 1.0), (-2.0, 1.0), (0.2, 1.0))
    m = summarize(replay(PolicyGrid.of("Uncapped"), u, torch.ones(1, 4, dtype=torch.bool), C))
    assert m["register_flip_rate"].item() == pytest.approx(2 / 3)
    # instructions (band 0.5) on informality: more, less, less, none; dimension 2 always "more".
    assert m["legibility"].item() == pytest.approx(1 - 2 / 3)


def test_cache_hit_rate_counts_reused_turns():
    u = users((0.0, 1.0), (0.0, 1.0), (5.0, 1.0))  # turns 1 and 2 are parallel to c, then a jump
    m = summarize(replay(PolicyGrid.of("Hybrid+Cache"), u, torch.ones(1, 3, dtype=torch.bool), C))
    assert m["cache_hit_rate"].item() == pytest.approx(2 / 3)


def test_padding_a_dialog_changes_none_of_its_metrics():
    rng = torch.Generator().manual_seed(0)
    long = torch.randn(1, 7, 8, dtype=torch.float64, generator=rng)
    short = torch.randn(1, 4, 8, dtype=torch.float64, generator=rng)
    grid = PolicyGrid.of("Uncapped", "EMA", "Hybrid", "Hybrid+Cache", "Dead-Band")
    padded = torch.cat([long, torch.cat([short, torch.zeros(1, 3, 8, dtype=torch.float64)], 1)])
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    together = dialog_metrics(replay(grid, padded, mask, C))
    alone = dialog_metrics(replay(grid, short, torch.ones(1, 4, dtype=torch.bool), C))
    for name in together:
        assert np.allclose(together[name][1].numpy(), alone[name][0].numpy()), name
