"""Symphony's stabilizers (Ishuov et al., arXiv 2512.10477) on the SAC trainer: each formula against a
hand computation, their wiring into the update, the config's errors, and their effect in the stress arena."""
import copy
import math

import pytest
import torch

from lab import ConfigError
from lab.critic.actor import SquashedGaussianActor
from lab.critic.replay import Replay
from lab.critic.sac import SACConfig, SACTrainer
from lab.critic.symphony import (EMA_ALPHA, BoundedNoiseActor, TemporalAdvantage, action_strength,
                                 fading_probabilities, rehae, swaddling_cost)

SMALL = dict(seeds=2, hidden=16, batch=8, buffer=100, learning_starts=5, steps=20)


def test_fading_probabilities_are_the_normalized_tanh_of_table_ii():
    p = fading_probabilities(4)
    w = [math.tanh((math.pi * i / 4) ** math.e) for i in (1, 2, 3, 4)]      # 0.496, 0.995, 1.000, 1.000
    torch.testing.assert_close(p, torch.tensor(w) / sum(w))
    long = fading_probabilities(1000)
    assert (long.diff() >= 0).all() and long[0] > 0                          # fades toward the oldest, never 0
    assert long[-500:].max() / long[-500:].min() < 1.003                     # the newest half: a plateau
    assert long[99] / long[-1] == pytest.approx(math.tanh((math.pi * 0.1) ** math.e), rel=1e-4)


def test_fading_replay_draws_each_stored_transition_with_its_age_probability():
    """A ring of 5 that has stored 7 transitions (rewards 0…6) keeps 2…6, oldest first; 200,000 draws
    per seed land on them with the probabilities of ages 1…5 (within 4 standard errors)."""
    replay = Replay(2, 5, 1, 1, torch.device("cpu"), fading=True)
    for r in range(7):
        replay.add(torch.zeros(2, 1, 1), torch.zeros(2, 1, 1), torch.full((2, 1), float(r)), torch.zeros(2, 1, 1),
                   torch.zeros(2, 1))
    n = 200_000
    drawn = replay.sample(n, torch.Generator().manual_seed(0)).reward                    # (2, n)
    expected = fading_probabilities(5)
    for seed in range(2):
        share = torch.stack([(drawn[seed] == r).float().mean() for r in range(2, 7)])
        tolerance = 4 * (expected * (1 - expected) / n).sqrt()
        assert ((share - expected).abs() <= tolerance).all(), (share, expected)
    assert not (drawn < 2).any()


def test_swaddling_cost_is_omega_of_x_to_the_one_over_beta_plus_beta_x_log_x():
    x = torch.tensor([[0.5, 0.0], [0.9, 0.3]])
    by_hand = [math.log((1 + 0.25) / (1 - 0.25)) + 0.5 * 0.5 * math.log(0.5),    # x = 0.5, β = 0.5
               math.log((1 + 0.81) / (1 - 0.81)) + 0.5 * 0.9 * math.log(0.9),
               math.log((1 + 0.09) / (1 - 0.09)) + 0.5 * 0.3 * math.log(0.3)]
    cost = swaddling_cost(x, 0.5)
    torch.testing.assert_close(cost, torch.tensor([by_hand[0] / 2, (by_hand[1] + by_hand[2]) / 2]))
    # β = 0.05: flat below (|cost| < 0.02 up to x = 0.7), a barrier near the bound, finite at x = 1
    strength = torch.tensor([[0.1], [0.7], [0.95], [0.999], [1.0]])
    cost = swaddling_cost(strength, 0.05)
    assert cost[:2].abs().max() < 0.02 and cost[2] > 0.7 and cost[3] > 4 and torch.isfinite(cost[4])


def test_temporal_advantage_is_rehae_of_q_against_its_moving_average():
    advantage = TemporalAdvantage(1, torch.device("cpu"))
    q = torch.tensor([[1.0, 3.0]], requires_grad=True)
    signal = advantage(q)
    q_t = (1 - EMA_ALPHA) * 2.0                                                 # from Q_0 = 0
    a = [(1.0 - q_t) / q_t, (3.0 - q_t) / q_t]
    torch.testing.assert_close(signal, torch.tensor([[abs(v) * math.tanh(v / 2) for v in a]]))
    signal.sum().backward()                                                     # the gradient reaches q
    assert (q.grad > 0).all()
    advantage(torch.tensor([[-4.0, -6.0]]))
    assert advantage.q_t.item() == pytest.approx(EMA_ALPHA * q_t + (1 - EMA_ALPHA) * -5.0)
    assert EMA_ALPHA == pytest.approx((math.sqrt(5) - 1) / 2)
    torch.testing.assert_close(rehae(torch.tensor([2.0, -2.0])), torch.tensor([2, -2]) * math.tanh(1.0))


def test_bounded_noise_clamps_the_standard_normal_draw_at_e():
    """Same weights and generator: where the draw ε is within ±e the two actors agree exactly; beyond,
    the bounded one's pre-squash u sits at μ ± e·σ."""
    device, g = torch.device("cpu"), torch.Generator()
    low, high = torch.tensor([-2.0]), torch.tensor([2.0])
    actors = [cls(1, 3, 1, 16, 2, low, high, g.manual_seed(0), device)
              for cls in (SquashedGaussianActor, BoundedNoiseActor)]
    obs = torch.randn(1, 50_000, 3, generator=g.manual_seed(1))
    (a0, lp0, u0), (a1, lp1, u1) = [actor.rsample(obs, g.manual_seed(2)) for actor in actors]
    mean, log_std = actors[0].distribution(obs)
    eps = ((u0 - mean) / log_std.exp()).squeeze(-1)
    inside = eps.abs() <= math.e - 1e-4
    assert 0.004 < (~inside).float().mean() < 0.01                            # P(|ε| > e) = 0.0066
    assert torch.equal(a1[inside], a0[inside]) and torch.equal(lp1[inside], lp0[inside])
    clamped = ((u1 - mean) / log_std.exp()).squeeze(-1)[~inside]
    torch.testing.assert_close(clamped.abs(), torch.full_like(clamped, math.e), rtol=1e-4, atol=1e-4)


def test_swaddling_cost_of_the_next_state_is_subtracted_in_the_td_target():
    """Eq. 6: the first update's critic loss is ½·mean((Q − y)²) with
    y = r + γ(1 − d)(Q̄(s', a') − α log π(a'|s') − λ·Ωω(|tanh μ(s')|, β)), recomputed by hand from the
    batch, the weights before the update and the generator's state; the cost moves y materially."""
    config = SACConfig.from_params(critic="single", swaddling=20.0, swaddling_beta=0.5, **SMALL)
    trainer = SACTrainer(config, "cpu")
    for _ in range(config.learning_starts - 1):
        trainer.step()
    seen, sample = {}, trainer.replay.sample

    def recording_sample(n, g):
        seen["batch"], seen["state"] = sample(n, g), g.get_state()
        return seen["batch"]
    trainer.replay.sample = recording_sample
    actor, critic, alpha = copy.deepcopy(trainer.actor), copy.deepcopy(trainer.critic), trainer.alpha[:, None]
    metrics = trainer.step()
    batch = seen["batch"]
    with torch.no_grad():
        next_action, next_log_pi = actor.sample(batch.next_obs, torch.Generator().set_state(seen["state"]))
        cost = 20.0 * swaddling_cost(action_strength(actor, batch.next_obs), 0.5)
        next_value = critic.estimate(batch.next_obs, next_action, critic.target_params)
        y = batch.reward + config.gamma * (1 - batch.terminated) * (next_value - alpha * next_log_pi - cost)
        q = critic.values(batch.obs, batch.action)[:, 0]
    torch.testing.assert_close(metrics["critic_loss"], 0.5 * (q - y).pow(2).mean(1))
    assert (config.gamma * cost).abs().mean() > 0.05 * (q - y).abs().mean()


def test_symphony_switches_change_the_run_and_their_defaults_do_not():
    def last_metrics(**switches):
        trainer = SACTrainer(SACConfig.from_params(critic="twin", **SMALL, **switches), "cpu")
        for _ in range(SMALL["steps"]):
            metrics = trainer.step()
        return metrics
    plain = last_metrics()
    for name, value in dict(fading_replay=False, swaddling=0.0, swaddling_beta=0.05, temporal_advantage=False,
                            bounded_noise=False).items():
        assert SACConfig.model_fields[name].default == value
    for switch in (dict(fading_replay=True), dict(swaddling=1.0), dict(temporal_advantage=True),
                   dict(bounded_noise=True)):
        changed = last_metrics(**switch)
        assert not torch.equal(changed["actor_loss"], plain["actor_loss"]), switch


def test_symphony_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="'swaddling_beta' applies only with swaddling > 0"):
        SACConfig.from_params(swaddling_beta=0.1)
    with pytest.raises(ConfigError, match="'temporal_advantage' and 'advantage_clip' = 2 both replace"):
        SACConfig.from_params(temporal_advantage=True, advantage_clip=2.0)
    with pytest.raises(ConfigError, match="'swaddling' = -1.0 is not allowed"):
        SACConfig.from_params(swaddling=-1.0)
    with pytest.raises(ConfigError, match="'swaddling_beta' = 0.0 is not allowed"):
        SACConfig.from_params(swaddling=1.0, swaddling_beta=0.0)



def test_swaddling_neither_prevents_nor_markedly_worsens_the_divergence_of_single_q_sac(arena):
    """The arena's stress where plain SAC diverges (no target network τ = 1, γ = 0.999, lr 1e-2, 4 updates
    per step; tests/critic/test_arena.py), single critic, 16 seeds per base seed 0, 1, 2. Seeds diverged,
    measured with ``run_cell(cell_config({"critic": "single", **switches}, NO_TARGET, base))`` (one torch
    thread; 20–110 s a cell on the loaded 2-core machine), on two CPUs with the same code and seeds:

                                     AMD EPYC (AVX2), 2026-11-30    Intel Xeon (AVX-512), 2026-12-03
        switches                     base 0  base 1  base 2  total  base 0  base 1  base 2  total
        none (plain SAC)                 5       7       5     17       2       6       5     13
        fading_replay                    6       4       4     14       1       4       6     11
        swaddling = 1 (asserted)         2       2       5      9       3       2       8     13
        temporal_advantage               1       5       5     11       2       5       6     13
        bounded_noise                    6       4       4     14       4       3       7     14
        all four                         1       2       6      9       1       2       6      9

    On the AMD CPU swaddling looked like the part that helps (9 of 48 against 17, never more in a base
    seed); on the Intel CPU it did nothing (13 against 13, more in two base seeds), and on base seeds 3, 4,
    5 there (measured once, not tested) it lost more: 7, 5, 7 (19) against plain SAC's 5, 2, 5 (12). The
    CPUs' kernels round differently and these runs are chaotic, so which seeds run away changes with them
    (plain SAC's own count moved from 17 to 13): over 48 seeds the ratio swaddled/plain read 0.53, 1.0 and
    1.58, and swaddling's effect on the divergence is within that run-to-run noise, not established. No
    switch reaches half of plain SAC's count on either CPU. With the twin critic, whose plain runs diverge
    downward in 11, 10, 8 seeds (AMD; test_arena.py), all four make it worse: 14, 16, 15 (AMD, measured
    the same way, not asserted here: too slow to add). Asserted, as it holds in every measurement above:
    pooled over base seeds 0, 1, 2, swaddling keeps the runaway (at least a quarter of plain SAC's
    diverged seeds) and does not make it markedly worse (at most twice plain SAC's). Fails if swaddling
    prevented the runaway, as spectral norm does (test_stabilizer_effects.py), or made it run away in
    most seeds, as twin's minimum does."""
    plain = [int(cell["diverged"].sum()) for cell in arena({"critic": "single"})]
    swaddled = [int(cell["diverged"].sum()) for cell in arena({"critic": "single", "swaddling": 1.0})]
    assert sum(plain) / 4 <= sum(swaddled) <= 2 * sum(plain), (plain, swaddled)


@pytest.mark.parametrize("switch", ["fading_replay", "temporal_advantage", "bounded_noise"])
def test_symphonys_other_parts_alone_do_not_halve_the_divergence(arena, switch):
    """The measured non-effect of Symphony's other three parts at the same stress (the table above: of 48
    seeds, fading replay 14, temporal advantage 11, bounded noise 14 against plain SAC's 17 on the AMD CPU;
    11, 13, 14 against 13 on the Intel CPU): none alone brings the pooled count to half of plain SAC's.
    Fails if a part (or a change to it) made it halve."""
    plain = [int(cell["diverged"].sum()) for cell in arena({"critic": "single"})]
    with_part = [int(cell["diverged"].sum()) for cell in arena({"critic": "single", switch: True})]
    assert sum(with_part) > sum(plain) / 2, (plain, with_part)
