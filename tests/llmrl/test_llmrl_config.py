"""The LLM-RL config: clear errors for bad switches and values, documented fields."""
import pytest

from lab import ConfigError
from lab.llmrl import LLMRLConfig, LLMRLTrainer


def test_bad_switches_and_values_are_clear_errors():
    with pytest.raises(ConfigError, match="'objective' = 'ppo' is not allowed: must be one of 'grpo', 'minirl', "
                                          "'mhpo', 'capo', 'safe'"):
        LLMRLConfig.from_params(objective="ppo")
    with pytest.raises(ConfigError, match="'normalization' = 'batch' is not allowed: must be one of 'group', "
                                          "'global', 'agent'"):
        LLMRLConfig.from_params(normalization="batch")
    with pytest.raises(ConfigError, match="'reward' = 'gold' is not allowed: must be one of 'true', 'pass', 'proxy', "
                                          "'robust'"):
        LLMRLConfig.from_params(reward="gold")
    with pytest.raises(ConfigError, match="'sampler_precision' = 'int8' is not allowed"):
        LLMRLConfig.from_params(sampler_precision="int8")
    with pytest.raises(ConfigError, match="'sampler_temperature' = 0.0 is not allowed: must be a number > 0"):
        LLMRLConfig.from_params(sampler_temperature=0.0)
    with pytest.raises(ConfigError, match="'safe_tau_base' = 0.9 is not allowed: must be a number ≥ 0.1 and ≤ 0.6"):
        LLMRLConfig.from_params(safe_tau_base=0.9)
    with pytest.raises(ConfigError, match="'minibatches' = 0 is not allowed: must be an integer ≥ 1"):
        LLMRLConfig.from_params(minibatches=0)
    with pytest.raises(ConfigError, match="unknown parameter 'learning_rate'"):
        LLMRLConfig.from_params(learning_rate=1e-3)
    for name, field in LLMRLConfig.model_fields.items():
        assert field.description, name


def test_cross_field_rules_are_clear_errors():
    with pytest.raises(ConfigError, match="'vocab' = 12 must be at least 10 digits \\+ 'ensemble' = 3"):
        LLMRLConfig.from_params(vocab=12, ensemble=3)
    with pytest.raises(ConfigError, match="'vocab' = 13 must be at least 10 digits \\+ 'ensemble' = 3 hack tokens "
                                          "\\+ the shared one, i.e. ≥ 14"):
        LLMRLConfig.from_params(vocab=13, ensemble=3, hack_shared=0.5)
    LLMRLConfig.from_params(vocab=13, ensemble=3)          # disjoint errors need no shared token
    with pytest.raises(ConfigError, match="'classes' = 3 must be at most 'batch_prompts' = 2"):
        LLMRLConfig.from_params(classes=3, batch_prompts=2)
    with pytest.raises(ConfigError, match="'minibatches' = 9 must be at most the rollouts per batch"):
        LLMRLConfig.from_params(minibatches=9, batch_prompts=2, group=4, classes=1)
    with pytest.raises(ConfigError, match="'reward' = 'pass' needs 'task' = 'diverse' .*got 'task' = 'checklist'"):
        LLMRLConfig.from_params(reward="pass", task="checklist")
    LLMRLConfig.from_params(reward="pass", task="diverse")


@pytest.mark.parametrize("objective", ["grpo", "minirl", "mhpo", "capo", "safe"])
def test_every_objective_steps_and_reports_per_seed_metrics(objective):
    config = LLMRLConfig.from_params(objective=objective, seeds=3, minibatches=2, sampler_noise=0.5, steps=3)
    trainer = LLMRLTrainer(config, "cpu")
    for _ in range(3):
        metrics = trainer.step()
    common = {"reward_mean", "reward_std", "true_reward", "proxy0_minus_true", "proxy1_minus_true",
              "proxy2_minus_true", "hack_fraction", "entropy", "kl_ref",
              "ratio_q05", "ratio_q50", "ratio_q95", "mismatch_q05", "mismatch_q95", "clip_frac", "grad_norm",
              "grad_norm_agent0", "grad_norm_agent1", "true_reward_agent0", "true_reward_agent1", "collapsed",
              "is_mean", "is_std", "is_min", "is_max", "is_seq_mean", "is_seq_std", "is_seq_min", "is_seq_max",
              "is_ess", "is_seq_ess", "chi2_token", "chi2_seq", "mismatch_k3", "is_frac_high", "is_frac_low"}
    extra = {"minirl": {"truncated_frac"}, "capo": {"capo_masked"}, "safe": {"safe_threshold", "safe_gate"}}
    assert set(metrics) == common | extra.get(objective, set())
    for name, value in metrics.items():
        assert value.shape == (3,), name
