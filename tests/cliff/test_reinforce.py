"""Learning the cliff (Xu 2025, arXiv 2507.20150): REINFORCE with and without an entropy bonus."""
import numpy as np
import pytest

from lab import ConfigError, Run
from lab.cliff.reinforce import CliffBanditConfig, CliffBanditTrainer


def train(**params):
    config = CliffBanditConfig.from_params(**params)
    trainer = CliffBanditTrainer(config)
    history = Run(trainer, config.steps, progress=False).run()
    eps = np.asarray(history.members["eps"])
    return trainer, history, eps, history.last("pi_a2")


def test_with_entropy_bonus_every_seed_converges_to_softmax():
    """With α > 0 the optimum of E_π[R] + α·H(π) is softmax(R/α), and REINFORCE finds it."""
    trainer, _, eps, final = train(alpha=0.1, eps_max=0.05, n_eps=5, seeds=12, steps=2000)
    target = trainer.target_policy()[:, 1].cpu().numpy()
    for e in np.unique(eps):
        here = eps == e
        assert abs(final[here].mean() - target[here][0]) < 0.04, e
        assert final[here].std() < 0.1, e


def test_without_entropy_bonus_policies_split_near_the_tie():
    """α = 0: at ε = 0 seeds end on different arms (large spread); at |ε| = ε_max they agree."""
    _, _, eps, final = train(alpha=0.0, eps_max=0.05, n_eps=3, seeds=16, steps=2000)
    tie = final[eps == 0]
    assert tie.std() > 0.25
    assert (tie > 0.8).any() and (tie < 0.2).any()
    assert final[eps == eps.max()].mean() > 0.9
    assert final[eps == eps.min()].mean() < 0.1


def test_population_and_member_labels():
    trainer, history, eps, _ = train(n_eps=3, seeds=4, steps=5)
    assert trainer.population == 12 == history.population
    assert sorted(set(history.members["seed"])) == [0, 1, 2, 3]
    assert set(np.round(eps, 6)) == {-0.05, 0.0, 0.05}
    assert set(history.metrics) == {"pi_a2", "entropy", "expected_reward"}


def test_bad_config_is_a_clear_error():
    with pytest.raises(ConfigError, match="'tied' = 4 must be at most 'arms' = 3"):
        CliffBanditConfig.from_params(arms=3, tied=4)
    with pytest.raises(ConfigError, match="'alpha' = -0.1 is not allowed"):
        CliffBanditConfig.from_params(alpha=-0.1)


def test_a_block_with_the_configs_own_values_trains_exactly_as_the_plain_trainer():
    """The batched path applies the same update: one block holding the config's α, step size and noise
    gives bit-identical metrics; two blocks label their members with their values."""
    config = CliffBanditConfig(n_eps=3, seeds=4, steps=50, alpha=0.2, lr=0.7, reward_noise=0.3)
    plain = Run(CliffBanditTrainer(config), config.steps, progress=False).run()
    block = Run(CliffBanditTrainer(config, blocks=[{"alpha": 0.2, "lr": 0.7, "reward_noise": 0.3}]), config.steps,
                progress=False).run()
    for metric in plain.metrics:
        np.testing.assert_array_equal(block.values(metric), plain.values(metric))
    two = CliffBanditTrainer(config, blocks=[{"alpha": 0.0}, {"alpha": 0.5}])
    assert two.population == 2 * 12 and two.members()["alpha"] == [0.0] * 12 + [0.5] * 12
    assert two.members()["eps"] == plain.members["eps"] * 2


def test_a_field_the_trainer_cannot_batch_is_named():
    with pytest.raises(ValueError, match="cannot batch batch; it batches: alpha, lr, reward_noise"):
        CliffBanditTrainer(CliffBanditConfig(), blocks=[{"batch": 3}])
    with pytest.raises(ConfigError, match="'alpha' = -1 is not allowed"):
        CliffBanditTrainer(CliffBanditConfig(), blocks=[{"alpha": -1}])
