"""Each policy's update rule on hand-made z-space vectors, one turn at a time and batched."""
import math

import pytest
import torch

from lab.synchrony import POLICIES, PolicyGrid, adapt, policy


def vec(*values):
    return torch.tensor(list(values) + [0.0] * (8 - len(values)), dtype=torch.float64)


C = vec(0.0, 1.0)          # persona
B = vec(1.0, 0.0)          # previous target
U = vec(3.0, 4.0)          # user turn


def one(name, b=B, u=U, c=C, **values):
    new, hit = adapt(b[None], u[None], c, PolicyGrid.of((name, values)).tensors())
    return new[0], bool(hit[0])


def test_uncapped_copies_the_user():
    assert torch.equal(one("Uncapped")[0], U)


def test_ema_moves_alpha_of_the_way():
    assert torch.allclose(one("EMA")[0], 0.5 * B + 0.5 * U)
    assert torch.allclose(one("EMA", alpha=0.25)[0], 0.75 * B + 0.25 * U)


def test_cap_limits_the_step_norm_and_keeps_its_direction():
    new = one("Cap")[0]
    step = new - B
    assert torch.linalg.vector_norm(step).item() == pytest.approx(0.25)
    assert torch.allclose(step / 0.25, (U - B) / torch.linalg.vector_norm(U - B))
    assert torch.equal(one("Cap", cap=100.0)[0], U)  # a step shorter than the cap is taken whole


def test_dead_band_moves_only_when_the_user_is_far_enough_in_angle():
    near = vec(1.0, 0.1)   # 1 − cos ≈ 0.005 < 0.1
    assert torch.equal(one("Dead-Band", u=near)[0], B)
    assert torch.equal(one("Dead-Band")[0], U)  # 1 − cos(U, B) = 0.4 > 0.1


def test_hybrid_is_ema_then_cap():
    ema = 0.5 * B + 0.5 * U
    step = ema - B
    expected = B + step * min(1.0, 0.25 / torch.linalg.vector_norm(step).item())
    assert torch.allclose(one("Hybrid")[0], expected)
    assert torch.allclose(one("Hybrid", cap=100.0)[0], ema)


def test_hybrid_radius_projects_into_the_ball_around_the_persona():
    new = one("Hybrid+Radius", cap=100.0, radius=0.5)[0]
    assert torch.linalg.vector_norm(new - C).item() == pytest.approx(0.5)
    ema = 0.5 * B + 0.5 * U
    assert torch.allclose((new - C) / 0.5, (ema - C) / torch.linalg.vector_norm(ema - C))


def test_hybrid_cache_keeps_the_target_and_counts_a_hit_when_the_user_is_close():
    near = vec(1.0, 0.1)                     # cos(near, B) ≈ 0.995 ≥ 1 − 0.01
    new, hit = one("Hybrid+Cache", u=near)
    assert hit and torch.equal(new, B)
    new, hit = one("Hybrid+Cache")           # a miss behaves as Hybrid
    assert not hit and torch.allclose(new, one("Hybrid")[0])


def test_static_always_returns_the_persona():
    new, hit = one("Static")
    assert torch.equal(new, C) and not hit


def test_the_defaults_are_the_papers():
    assert POLICIES["EMA"].parameters()["alpha"] == 0.5
    assert POLICIES["Cap"].parameters()["cap"] == 0.25
    assert POLICIES["Dead-Band"].parameters()["deadband"] == 0.1
    assert POLICIES["Hybrid+Radius"].parameters()["radius"] == 0.75
    assert POLICIES["Hybrid+Cache"].parameters()["cache_eps"] == 0.01
    assert POLICIES["Uncapped"].parameters() == {"alpha": 1.0, "cap": math.inf, "deadband": -math.inf,
                                                 "radius": math.inf, "cache_eps": -math.inf}


def test_a_batched_grid_gives_what_each_setting_gives_alone():
    grid = PolicyGrid.of(*POLICIES, ("EMA", {"alpha": 0.1}), ("Cap", {"cap": 2.0}))
    b = torch.randn(5, len(grid), 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    u = torch.randn(5, 1, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    batched, hits = adapt(b, u, C, grid.tensors())
    for j, (name, setting) in enumerate(zip(grid.names, grid.settings)):
        values = {k: setting[k] for k in policy(name).defaults}
        alone, alone_hits = adapt(b[:, j:j + 1], u, C, PolicyGrid.of((name, values)).tensors())
        assert torch.equal(batched[:, j], alone[:, 0]) and torch.equal(hits[:, j], alone_hits[:, 0])


def test_bad_policy_names_and_parameters_are_refused_clearly():
    with pytest.raises(KeyError, match="no policy 'Capped'"):
        PolicyGrid.of("Capped")
    with pytest.raises(ValueError, match="'EMA' has no parameter \\['cap'\\]"):
        PolicyGrid.of(("EMA", {"cap": 1.0}))
    with pytest.raises(ValueError, match="alpha = 0.0 is not allowed"):
        PolicyGrid.of(("EMA", {"alpha": 0.0}))
    with pytest.raises(ValueError, match="cap = -1.0"):
        PolicyGrid.of(("Cap", {"cap": -1.0}))
