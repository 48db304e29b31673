"""Overestimation against Monte-Carlo returns, on a case checkable by hand."""
import math

import pytest
import torch

from lab.critic.overestimation import horizon, overestimation
from lab.critic.sac import SACConfig, SACTrainer


def test_horizon_bounds_the_discounted_tail():
    assert horizon(0.99) == 459 and 0.99 ** 459 <= 0.01 < 0.99 ** 458
    assert horizon(0.0) == 1 and horizon(0.5) == 7 and horizon(0.9999) == 2000


@pytest.mark.parametrize("x0", [0.0, 1.0])
def test_constant_critic_against_a_mass_that_stays_put(x0):
    """A point mass at rest at x0 with (almost) zero force stays there, earning −x0² per step, so
    G = −x0²·(1 − γ^H)/(1 − γ); a critic that says Q ≡ 5 overestimates by exactly 5 − G."""
    config = SACConfig.from_params(env="point-mass", reward_noise=0.0, critic="single", seeds=2,
                                   hidden=8, buffer=100, learning_starts=100, steps=200)
    trainer = SACTrainer(config, "cpu")
    obs = torch.tensor([x0, 0.0]).expand(2, 3, 2)
    trainer.replay.add(obs, torch.zeros(2, 3, 1), torch.zeros(2, 3), obs, torch.zeros(2, 3))
    with torch.no_grad():
        w, b = trainer.actor.params[-2:]                                 # μ = 0, log σ = −20: actions ≈ tanh(1e-9·ε)
        w.zero_(), b.copy_(torch.tensor([0.0, -20.0]))
        w, b = trainer.critic.params[-2:]                               # Q ≡ 5
        w.zero_(), b.fill_(5.0)
        trainer.log_alpha.fill_(-60.0)                                  # α ≈ 1e-26: the entropy terms vanish
    gamma, H = config.gamma, horizon(config.gamma)
    expected = 5.0 + x0 ** 2 * (1 - gamma ** H) / (1 - gamma)
    measured = overestimation(trainer, 32)
    assert measured.shape == (2,)
    torch.testing.assert_close(measured, torch.full((2,), expected), rtol=1e-4, atol=1e-4)
    assert math.isclose(expected, 5.0 + 99.0059, rel_tol=1e-4) or x0 == 0.0


def test_measured_from_the_first_update_on_and_zero_before(monkeypatch):
    """The first measurement is at step learning_starts (the first step with an update, after it), then
    every overestimation_every steps; the metric holds 0 before the first and the last one after."""
    import lab.critic.sac as sac

    measured_at = []

    def recorded(trainer, n):
        measured_at.append((trainer.steps_done, trainer.updates_done))
        return overestimation(trainer, n)

    monkeypatch.setattr(sac, "overestimation", recorded)
    config = SACConfig.from_params(env="point-mass", critic="single", seeds=2, hidden=8, batch=8, buffer=100,
                                   learning_starts=10, steps=30, overestimation_every=7, overestimation_states=4)
    trainer = SACTrainer(config, "cpu")
    values = torch.stack([trainer.step()["overestimation"] for _ in range(config.steps)])
    assert measured_at == [(10, 1), (17, 8), (24, 15)]
    assert (values[:9] == 0).all() and (values[9] != 0).all()
    for first, last in ((9, 16), (16, 23), (23, 30)):                   # steps 10-16, 17-23, 24-30
        assert (values[first:last] == values[first]).all()
