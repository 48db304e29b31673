"""Routing Replay (Zheng et al., arXiv 2512.01374, §3; ``lab/llmrl/routing.py``): a top-1
mixture-of-experts token policy whose sampler routes on noisy router logits, trained by GRPO with
the trainer recomputing its own routing (plain) or replaying the sampler's (R3).

The measured effect uses ``RoutingSetting()``'s defaults — router noise σ = 2, GRPO, lr 1e-2,
4 minibatches per rollout batch, 60 steps — over base seeds 0, 1, 2 × 8 seeds, three arms each:
'control' (σ = 0), 'recompute' and 'replay'. Per-seed numbers are in the test docstrings.
"""
import pytest
import torch

from lab.llmrl import policy
from lab.llmrl.routing import RoutingSetting, compare, init_weights, sample, summary, token_log_probs, train

BASE_SEEDS = (0, 1, 2)
SPIKE = 20.0  # a gradient norm this large is a spike: the control's largest over 24 seeds × 60 steps is 3.7


@pytest.fixture(scope="module")
def measured() -> dict[int, dict[str, dict[str, torch.Tensor]]]:
    """Per base seed, per arm: ``summary`` of the run (per seed)."""
    torch.set_num_threads(1)
    return {seed: {arm: summary(h) for arm, h in compare(RoutingSetting(seed=seed)).items()} for seed in BASE_SEEDS}


def test_replay_gives_the_samplers_probabilities_and_recompute_differs_exactly_where_experts_do():
    """Under replay the trainer's log π_old of every sampled token equals the sampler's log μ_old;
    recomputing the routing changes a token's probability if and only if its expert changed
    (hidden states depend on the tokens only, so a flip at one position leaves the others alone)."""
    s = RoutingSetting(seeds=3, router_noise=1.0)
    g = torch.Generator().manual_seed(0)
    w = policy.detached(init_weights(s, g))
    prompts = torch.randint(0, s.prompts, (s.seeds, 32), generator=g)
    tokens, sampler_experts, log_mu = sample(w, prompts, s.length, s.router_noise, g)
    with torch.no_grad():
        log_replay, replayed = token_log_probs(w, prompts, tokens, sampler_experts, "replay")
        log_recompute, recomputed = token_log_probs(w, prompts, tokens, sampler_experts, "recompute")
    assert torch.equal(replayed, sampler_experts)
    assert (log_replay - log_mu).abs().max() < 1e-5
    flipped = recomputed != sampler_experts
    assert 0.1 < flipped.float().mean() < 0.9
    changed = (log_recompute - log_mu).abs() > 1e-5
    assert torch.equal(changed, flipped)


def test_with_zero_router_noise_the_two_trainers_are_identical():
    """σ = 0 and one update per rollout batch: the sampler routes as the trainer does, so replaying
    changes nothing — the same rewards, gradients and (zero) mismatch at every step. With σ > 0 the
    same seeds train differently; so they do at σ = 0 with 4 updates per batch, where the updated
    router re-routes some tokens and replay keeps the rollout's experts (routing drift with staleness)."""
    short = dict(seeds=3, steps=4, router_noise=0.0)
    recompute = train(RoutingSetting(routing="recompute", minibatches=1, **short))
    replay = train(RoutingSetting(routing="replay", minibatches=1, **short))
    for name in recompute:
        torch.testing.assert_close(recompute[name], replay[name], rtol=0, atol=1e-6)
    assert recompute["log_ratio_max"].max() < 1e-5
    noisy = train(RoutingSetting(routing="recompute", minibatches=1, **{**short, "router_noise": 1.0}))
    assert not torch.equal(noisy["true_reward"], recompute["true_reward"])
    stale = [train(RoutingSetting(routing=routing, **short))["grad_norm"] for routing in ("recompute", "replay")]
    assert not torch.allclose(*stale)


def test_routing_mismatch_makes_large_log_ratios_that_replay_removes(measured):
    """Mean |log π_old − log μ_old| per token over training, per seed:
    recompute  base 0: .130 .192 .224 .136 .261 .154 .144 .213  (largest 9.2–18.0; 33–42 % of tokens
                                                                routed differently)
               base 1: .108 .130 .139 .177 .144 .162 .223 .162  (7.5–13.0; 26–42 %)
               base 2: .186 .146 .122 .131 .169 .223 .262 .130  (9.3–19.6; 30–44 %)
    replay and control: 0.000 on every seed (under replay the trainer's own router would disagree with
    the sampler on 30–56 % of tokens: the mismatch is there, replay takes it out of the ratio)."""
    for seed in BASE_SEEDS:
        arms = measured[seed]
        assert (arms["recompute"]["log_ratio_abs_mean"] > 0.1).all(), seed
        assert (arms["recompute"]["log_ratio_max"] > 5).all(), seed
        assert (arms["replay"]["routing_disagreement"] > 0.25).all(), seed
        for arm in ("replay", "control"):
            assert (arms[arm]["log_ratio_max"] < 1e-4).all(), (seed, arm)


def test_routing_mismatch_makes_gradient_spikes_that_replay_removes(measured):
    """Largest gradient norm over 60 steps, per seed:
    recompute  base 0: 1.7 5.2 77 1.4 5.6 1.6 233 113    (3 of 8 above 20)
               base 1: 1.4 2.7 1.6 37 2.8 2.1 2390 157   (3 of 8)
               base 2: 4.7 5.7 1.1 5.1 2.6 5.2 3210 2.3  (1 of 8)
    replay     largest 9.5 (base 0), 2.4 (base 1), 1.5 (base 2): none above 20.
    control    largest 2.8, 2.1, 3.7: none.
    GRPO's min(r·Â, clip(r)·Â) leaves r unbounded for Â < 0; tokens that the sampler drew through
    another expert can have a tiny π_old under the trainer's routing, so r = π_θ/π_old explodes."""
    for seed in BASE_SEEDS:
        arms = measured[seed]
        assert (arms["recompute"]["max_grad_norm"] > SPIKE).sum() >= 1, seed
        for arm in ("replay", "control"):
            assert (arms[arm]["max_grad_norm"] < SPIKE).all(), (seed, arm)


def test_routing_mismatch_costs_reward_and_replay_restores_it(measured):
    """True reward over the last 10 of 60 steps, per seed (mean; worst):
    base 0  control   .90 .88 .81 .79 .95 .76 .59 .88  (0.819; 0.593)
            recompute .75 .83 .08 .85 .76 .84 .51 .53  (0.642; 0.079)
            replay    .86 .75 .85 .91 .91 .91 .77 .83  (0.848; 0.748)
    base 1  control   .82 .78 .95 .88 .79 .93 .88 .88  (0.862; 0.775)
            recompute .95 .89 .90 .74 .85 .89 .57 .63  (0.801; 0.566)
            replay    .86 .71 .90 .80 .82 .85 .85 .88  (0.834; 0.712)
    base 2  control   .73 .66 .78 .71 .87 .73 .72 .88  (0.758; 0.657)
            recompute .82 .79 .79 .59 .95 .79 .30 .79  (0.727; 0.301)
            replay    .95 .84 .79 .67 .83 .86 .80 .73  (0.811; 0.667)
    Over all 24 seeds: control 0.813, recompute 0.723, replay 0.831."""
    pooled = {arm: torch.cat([measured[s][arm]["final_reward"] for s in BASE_SEEDS]).mean() for arm in
              ("control", "recompute", "replay")}
    assert pooled["control"] - pooled["recompute"] > 0.05
    assert pooled["replay"] > pooled["control"] - 0.03
    for seed in BASE_SEEDS:
        reward = {arm: r["final_reward"] for arm, r in measured[seed].items()}
        assert reward["recompute"].mean() < reward["replay"].mean(), seed
        assert reward["replay"].mean() > reward["control"].mean() - 0.05, seed
        assert reward["recompute"].min() < reward["control"].min() - 0.1, seed       # a crashed seed
        assert reward["replay"].min() > reward["control"].min() - 0.1, seed
