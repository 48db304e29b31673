"""HL-Gauss: the target distribution of a scalar, and the categorical critic's loss."""
import math

import pytest
import torch

from lab.critic.hl_gauss import HLGaussCritic, HLGaussSupport


def test_target_sums_to_one_and_its_expectation_recovers_the_scalar_inside_the_support():
    support = HLGaussSupport(51, -10.0, 10.0)
    width = 20 / 51
    assert support.sigma == pytest.approx(0.75 * width)
    y = torch.linspace(-10.0, 10.0, 2001)
    p = support.target(y)
    assert p.shape == (2001, 51) and (p >= 0).all()
    torch.testing.assert_close(p.sum(-1), torch.ones(2001))
    error = (support.expectation(p) - y).abs()
    deep = y.abs() <= 10 - 4 * support.sigma                            # ≥ 4ς from either end
    near = y.abs() <= 10 - 3 * support.sigma                            # ≥ 3ς: the cut-off tail pulls it by ≲ 0.01 w
    assert error[deep].max() < 1e-3 * width and error[near].max() < 1e-2 * width
    # near an end, the truncated Gaussian's mean is pulled inward; outside, targets clip to the end
    assert support.expectation(support.target(torch.tensor(10.0))) < 10.0 - 0.1 * width
    torch.testing.assert_close(support.target(torch.tensor([1e9, -1e9])), support.target(torch.tensor([10.0, -10.0])))


def test_target_mass_is_the_gaussian_integral_over_each_bin():
    support = HLGaussSupport(4, 0.0, 4.0)                                # bins [0,1), [1,2), [2,3), [3,4]
    p = support.target(torch.tensor(2.0))
    phi = lambda x: 0.5 * (1 + math.erf(x / (0.75 * math.sqrt(2))))
    mass = [phi(1 - 2) - phi(0 - 2), phi(2 - 2) - phi(1 - 2), phi(3 - 2) - phi(2 - 2), phi(4 - 2) - phi(3 - 2)]
    torch.testing.assert_close(p, torch.tensor(mass) / sum(mass))


def test_bad_support_is_a_clear_error():
    with pytest.raises(ValueError, match=r"needs v_min < v_max; got \[1.0, 1.0\]"):
        HLGaussSupport(10, 1.0, 1.0)
    with pytest.raises(ValueError, match="bins = 1 must be an integer ≥ 2"):
        HLGaussSupport(1, 0.0, 1.0)


def test_cross_entropy_fits_a_fixed_target_by_expectation():
    g = torch.Generator().manual_seed(0)
    critic = HLGaussCritic(2, 3, 1, 32, 2, g, torch.device("cpu"), bins=41, v_min=-20.0, v_max=20.0)
    optimizer = torch.optim.Adam(critic.params, lr=3e-3)
    obs, act = torch.randn(2, 64, 3, generator=g), torch.randn(2, 64, 1, generator=g)
    target = 5 * obs[..., 0] - 3.0                                      # inside the support
    for _ in range(400):
        loss, _ = critic.loss(obs, act, target)
        optimizer.zero_grad()
        loss.sum().backward()
        optimizer.step()
    assert (critic.values(obs, act) - target.unsqueeze(1)).abs().mean() < 0.5
