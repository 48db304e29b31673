"""Critic variants and actor switches on the SAC trainer: each runs, with finite per-seed metrics."""
import numpy as np
import pytest
import torch

from lab import ConfigError, NonFiniteMetric, Run
from lab.critic.sac import SACConfig, SACTrainer
from lab.critic.spectral import largest_singular_values
from lab.critic.value_grid import value_grid, value_grids

SMALL = dict(hidden=16, batch=16, buffer=1000, learning_starts=20, steps=200, seeds=2)
BASE_METRICS = {"q_mean", "critic_loss", "actor_loss", "alpha", "entropy", "critic_grad_norm", "actor_grad_norm",
                "episode_return", "finished_fraction"}
VARIANTS = {
    "dsac-t": (dict(critic="dsac-t"), {"q_std"}, 2),
    "stac": (dict(critic="stac", stac_beta=1.0, dropout=0.1), {"q_std"}, 1),
    "hl-gauss": (dict(critic="hl-gauss", hl_bins=51), set(), 2),
    "flow": (dict(critic="flow", flow_steps=3), set(), 2),
    "spectral": (dict(critic="twin", spectral_norm=True), set(), 2),
    "warm-up + clipped advantage": (dict(critic_warmup=50, advantage_clip=2.0), set(), 2),
    "mdpo": (dict(actor="mdpo", mdpo_every=25), {"mdpo_kl"}, 2),
    "overestimation": (dict(critic="single", overestimation_every=100, overestimation_states=4), {"overestimation"}, 1),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_trains_with_finite_metrics_and_shapes(name):
    options, extra, heads = VARIANTS[name]
    config = SACConfig.from_params(**SMALL, **options)
    trainer = SACTrainer(config, "cpu")
    history = Run(trainer, config.steps, progress=False).run()
    assert set(history.metrics) == BASE_METRICS | extra
    for metric in history.metrics:
        values = history.values(metric)
        assert values.shape == (200, 2) and np.isfinite(values).all(), metric
    assert (history.values("critic_grad_norm")[25:] > 0).all()        # the critic learns from the first update on
    batch = trainer.replay.sample(8, trainer.generator)
    assert trainer.critic.values(batch.obs, batch.action).shape == (2, heads, 8)
    assert trainer.critic.estimate(batch.obs, batch.action).shape == (2, 8)
    grid = value_grid(trainer, 1, n_angle=5, n_velocity=7)
    assert grid.value.shape == grid.action.shape == (5, 7) and np.isfinite(grid.value).all()
    assert (np.abs(grid.action) <= 2).all()
    assert (grid.std is not None) == ("q_std" in extra)
    if grid.std is not None:
        assert grid.std.shape == (5, 7) and (grid.std > 0).all()


def test_value_grid_covers_angle_and_velocity_and_is_one_seed_of_all():
    trainer = SACTrainer(SACConfig.from_params(**SMALL), "cpu")
    for _ in range(30):
        trainer.step()
    grids = value_grids(trainer, 9, 5, actions=4)
    assert grids.value.shape == (2, 9, 5)
    np.testing.assert_allclose(grids.angle[[0, -1]], [-np.pi, np.pi], rtol=1e-6)
    np.testing.assert_allclose(grids.velocity[[0, -1]], [-8, 8])
    one = value_grid(trainer, 0, 9, 5, actions=4)
    np.testing.assert_allclose(one.action, grids.action[0])      # the greedy action does not depend on sampling
    with pytest.raises(ValueError, match=r"seed_index = 2 must be an integer in \[0, 1\]"):
        value_grid(trainer, 2)
    other = SACTrainer(SACConfig.from_params(env="point-mass", **SMALL), "cpu")
    with pytest.raises(ValueError, match="value grids are drawn over Pendulum's"):
        value_grid(other, 0)
    sparse = SACTrainer(SACConfig.from_params(env="sparse-pendulum", **SMALL), "cpu")  # Pendulum's state
    assert value_grid(sparse, 0, 9, 5, actions=4).value.shape == (9, 5)


def test_spectral_norm_keeps_hidden_layers_at_most_one():
    config = SACConfig.from_params(**{**SMALL, "hidden": 32}, critic="twin", spectral_norm=True, lr=3e-3)
    trainer = SACTrainer(config, "cpu")
    with torch.no_grad():                                     # raw weights far from norm 1, so that it shows
        for p in trainer.critic.params + trainer.critic.target_params:
            p.mul_(4.0)
    Run(trainer, config.steps, progress=False).run()
    for copy, params in (("online", trainer.critic.params), ("target", trainer.critic.target_params)):
        normalized = trainer.critic.spectral.normalize(params, copy)
        raw = largest_singular_values(params)
        for layer, sigma in enumerate(largest_singular_values(normalized)[:-1]):   # the output layer stays free
            assert sigma.shape == (2, 2)                                        # (seeds, heads)
            assert (sigma <= 1.02).all() and (sigma >= 0.95).all(), (copy, layer, sigma)
            assert (raw[layer] > 3).all()


def test_warm_up_keeps_the_actor_and_alpha_fixed_for_n_updates():
    config = SACConfig.from_params(**SMALL, critic_warmup=30)
    trainer = SACTrainer(config, "cpu")
    for _ in range(config.learning_starts - 1):
        trainer.step()
    start = [p.detach().clone() for p in trainer.actor.params]
    critic_start = [p.detach().clone() for p in trainer.critic.params]
    for update in range(30):
        trainer.step()
    assert trainer.updates_done == 30
    assert all(torch.equal(a, b) for a, b in zip(start, trainer.actor.params))
    assert not any(torch.equal(a, b) for a, b in zip(critic_start, trainer.critic.params))
    assert torch.equal(trainer.alpha, torch.ones(2))
    trainer.step()                                                               # update 31: the actor moves
    assert not all(torch.equal(a, b) for a, b in zip(start, trainer.actor.params))


def test_mdpo_kl_is_zero_right_after_resync_and_grows_within_a_round():
    config = SACConfig.from_params(**SMALL, actor="mdpo", mdpo_every=10, mdpo_kl=0.5)
    trainer = SACTrainer(config, "cpu")
    kls = []
    for _ in range(config.learning_starts + 29):
        kls.append(trainer.step()["mdpo_kl"])
    updates = [float(k.abs().max()) for k in kls[config.learning_starts - 1:]]
    assert len(updates) == 30
    # a round starts at updates 1, 11, 21: the previous policy is the current one, so every sample's term is 0
    assert updates[0] == updates[10] == updates[20] == 0.0
    assert all(u > 0 for i, u in enumerate(updates) if i % 10)
    previous = trainer.previous_policy
    previous.resync()
    batch = trainer.replay.sample(64, trainer.generator)
    _, _, u = trainer.actor.rsample(batch.obs, trainer.generator)
    assert torch.equal(previous.kl_sample(batch.obs, u), torch.zeros(2, 64))


def test_a_diverging_critic_stops_the_run_naming_the_metric():
    config = SACConfig.from_params(**SMALL)
    trainer = SACTrainer(config, "cpu")
    for group in trainer.critic_optimizer.param_groups:
        group["lr"] = 1e12                                                       # far beyond the config's bound
    run = Run(trainer, config.steps, progress=False)
    with pytest.raises(NonFiniteMetric, match=r"metric '(q_mean|critic_loss|actor_loss)' became (-?inf|nan) "
                                              r"at step 2\d \(members \[0, 1\]\)"):
        run.run()
    assert run.state == "failed" and len(run.history) >= config.learning_starts - 1


def test_bad_switches_and_combinations_are_clear_errors():
    with pytest.raises(ConfigError, match="'critic' = 'quantile' is not allowed: must be one of 'single', 'twin', "
                                          "'dsac-t', 'stac', 'hl-gauss', 'flow'"):
        SACConfig.from_params(critic="quantile")
    with pytest.raises(ConfigError, match="'actor' = 'ppo' is not allowed: must be one of 'sac', 'mdpo'"):
        SACConfig.from_params(actor="ppo")
    with pytest.raises(ConfigError, match=r"'stac_beta', 'dropout' applies only with critic = 'stac' "
                                          r"\(here critic = 'twin'\)"):
        SACConfig.from_params(stac_beta=1.0, dropout=0.1)
    with pytest.raises(ConfigError, match="'hl_bins' applies only with critic = 'hl-gauss'"):
        SACConfig.from_params(critic="dsac-t", hl_bins=11)
    with pytest.raises(ConfigError, match="'flow_steps' applies only with critic = 'flow'"):
        SACConfig.from_params(flow_steps=8)
    with pytest.raises(ConfigError, match="'mdpo_every' applies only with actor = 'mdpo'"):
        SACConfig.from_params(mdpo_every=5)
    with pytest.raises(ConfigError, match="'hl_v_min' = 0 must be below 'hl_v_max' = -10"):
        SACConfig.from_params(critic="hl-gauss", hl_v_min=0.0, hl_v_max=-10.0)
    with pytest.raises(ConfigError, match="'critic_warmup' = 100 ≥ 'steps' = 100: the actor would never learn"):
        SACConfig.from_params(steps=100, critic_warmup=100)
    with pytest.raises(ConfigError, match="'overestimation_every' needs a torch env .*'gym:Pendulum-v1' cannot"):
        SACConfig.from_params(env="gym:Pendulum-v1", overestimation_every=10)
    with pytest.raises(ConfigError, match="'dropout' = 1.0 is not allowed: must be a number ≥ 0 and < 1"):
        SACConfig.from_params(critic="stac", dropout=1.0)
    for name, field in SACConfig.model_fields.items():
        assert field.description, name
