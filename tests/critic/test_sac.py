"""SAC on a population of seeds: config errors, the squashed Gaussian, seed independence, metrics."""
import math

import pytest
import torch

from lab import ConfigError, Run
from lab.critic.actor import SquashedGaussianActor
from lab.critic.sac import SACConfig, SACTrainer

SMALL = dict(hidden=16, batch=8, buffer=100, learning_starts=5, steps=20)


def test_bad_config_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown env 'cartpole'; allowed: 'pendulum', 'sparse-pendulum', "
                                          "'point-mass', 'noisy-reward', 'gym:<id>'"):
        SACConfig.from_params(env="cartpole")
    with pytest.raises(ConfigError, match="'critic' = 'triple' is not allowed: must be one of 'single', 'twin'"):
        SACConfig.from_params(critic="triple")
    with pytest.raises(ConfigError, match="'gamma' = 1.0 is not allowed: must be a number ≥ 0 and < 1"):
        SACConfig.from_params(gamma=1.0)
    with pytest.raises(ConfigError, match="'hidden' = 2 is not allowed: must be an integer ≥ 4 and ≤ 1024"):
        SACConfig.from_params(hidden=2)
    with pytest.raises(ConfigError, match="'tau' = 0.0 is not allowed"):
        SACConfig.from_params(tau=0.0)
    with pytest.raises(ConfigError, match="unknown parameter 'learning_rate'"):
        SACConfig.from_params(learning_rate=1e-3)
    with pytest.raises(ValueError, match="gymnasium cannot make 'Nope-v0'"):
        SACTrainer(SACConfig.from_params(env="gym:Nope-v0"), "cpu")
    for name, field in SACConfig.model_fields.items():
        assert field.description, name


def test_squashed_gaussian_log_density_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    low, high = torch.tensor([-2.0, 0.0]), torch.tensor([2.0, 1.0])
    actor = SquashedGaussianActor(3, 4, 2, 8, 2, low, high, g, torch.device("cpu"))
    obs = torch.randn(3, 50, 4, generator=g)
    action, log_pi = actor.sample(obs, torch.Generator().manual_seed(1))
    assert action.shape == (3, 50, 2) and log_pi.shape == (3, 50)
    assert ((action >= low) & (action <= high)).all()
    mean, log_std = actor.distribution(obs)
    d = torch.distributions
    squashed = d.TransformedDistribution(d.Normal(mean, log_std.exp()), [
        d.TanhTransform(cache_size=1), d.AffineTransform((high + low) / 2, (high - low) / 2)])
    u = torch.atanh(((action - (high + low) / 2) / ((high - low) / 2)).clamp(-1 + 1e-6, 1 - 1e-6))
    expected = (d.Normal(mean, log_std.exp()).log_prob(u).sum(-1)
                - (torch.log1p(-torch.tanh(u) ** 2) + ((high - low) / 2).log()).sum(-1))
    torch.testing.assert_close(log_pi, expected, atol=1e-3, rtol=1e-3)
    assert squashed.sample().shape == (3, 50, 2)
    torch.testing.assert_close(actor.act_deterministic(obs), (high + low) / 2 + (high - low) / 2 * torch.tanh(mean))


@pytest.mark.parametrize("critic", ["single", "twin"])
def test_seeds_are_independent(critic):
    """Seed 0's losses reach only seed 0's weights."""
    trainer = SACTrainer(SACConfig.from_params(critic=critic, seeds=3, **SMALL), "cpu")
    for _ in range(6):
        trainer.step()
    batch = trainer.replay.sample(8, trainer.generator)
    loss, q = trainer.critic.loss(batch.obs, batch.action, batch.reward)
    assert q.shape == (3, 2 if critic == "twin" else 1, 8) and loss.shape == (3,)
    trainer.critic_optimizer.zero_grad(set_to_none=True)
    trainer.actor_optimizer.zero_grad(set_to_none=True)
    new_action, log_pi = trainer.actor.sample(batch.obs, trainer.generator)
    (loss[0] + (log_pi - trainer.critic.estimate(batch.obs, new_action))[0].mean()).backward()
    for p in trainer.critic.params + trainer.actor.params:
        assert p.grad[0].abs().sum() > 0 and (p.grad[1:] == 0).all()


@pytest.mark.parametrize("env,critic", [("pendulum", "twin"), ("point-mass", "single"), ("gym:Pendulum-v1", "twin")])
def test_run_records_per_seed_metrics(env, critic):
    config = SACConfig.from_params(env=env, critic=critic, seeds=2, envs=2, eval_every=10, eval_episodes=1, **SMALL)
    trainer = SACTrainer(config, "cpu")
    history = Run(trainer, config.steps, progress=False).run()
    assert set(history.metrics) == {"critic_loss", "actor_loss", "q_mean", "alpha", "entropy", "critic_grad_norm",
                                    "actor_grad_norm", "episode_return", "finished_fraction", "eval_return"}
    assert len(history) == 20 and history.population == 2
    assert (history.values("critic_loss")[:4] == 0).all() and (history.values("critic_loss")[5:] > 0).all()
    alpha = history.values("alpha")
    assert (alpha[-1] < 1.0).all()                                  # the temperature is being tuned
    assert trainer.replay.size == 40                                 # 2 copies per seed, 20 steps
    assert trainer.evaluate(2).shape == (2,)


def test_evaluation_is_deterministic_and_fixed_alpha_stays():
    config = SACConfig.from_params(seeds=2, autotune=False, alpha_init=0.2, **SMALL)
    trainer = SACTrainer(config, "cpu")
    for _ in range(10):
        metrics = trainer.step()
    torch.testing.assert_close(metrics["alpha"], torch.full((2,), 0.2))
    first, again = trainer.evaluate(3), trainer.evaluate(3)
    assert torch.equal(first, again)
    # 200 steps of Pendulum, each reward in [−16.27, 0]
    assert ((first <= 0) & (first >= -16.2736044 * 200)).all()
    assert math.isfinite(trainer.evaluate(1).sum().item())
    with pytest.raises(ValueError, match="episodes = 0 must be a positive integer"):
        trainer.evaluate(0)
