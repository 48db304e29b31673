"""Stability maps and the preference-dynamics trainer."""
import numpy as np
import pytest

from lab import ConfigError, Run
from lab.games.algorithms import nash_mp, omd
from lab.games.batch import GameBatch
from lab.games.dynamics import trajectory
from lab.games.preference import rock_paper_scissors
from lab.games.stability import stability_map, verdicts
from lab.games.trainer import PreferenceDynamicsConfig, PreferenceDynamicsTrainer

MU = np.array([0.6, 0.3, 0.1])


def test_rps_map_nash_mp_converges_where_omd_diverges():
    """At η = 2, β = 0.01 Nash-MP converges and OMD does not (issue 3's RPS numbers)."""
    etas, betas = [0.1, 2.0], [0.01, 0.5]
    mp = stability_map(nash_mp, rock_paper_scissors(), MU, etas, betas, iterations=300, device="cpu")
    md = stability_map(omd, rock_paper_scissors(), MU, etas, betas, iterations=300, device="cpu")
    assert mp["verdict"][0, 1] == "converged" and mp["verdict"][1, 1] == "converged"
    assert md["verdict"][0, 1] != "converged" and md["final_kl"][0, 1] > 1
    assert md["verdict"][1, 0] == "converged"  # small η, large β: OMD is fine too


def _tail(result):
    kl = result["kl"][:, 0, 0]
    return kl, np.diff(kl[-61:])


def test_monotone_unfinished_is_slow_not_cycling():
    """Nash-MP on RPS, β = 1e−3, η = 0.01: KL falls at every step, 0.2405 → 0.2388 in 300 steps.

    The old verdict (a fall under 10 % over the last fifth ⇒ "cycling") called this cycling."""
    result = stability_map(nash_mp, rock_paper_scissors(), MU, [0.01], [1e-3], iterations=300, device="cpu",
                           return_kl=True)
    kl, tail = _tail(result)
    assert (np.diff(kl) < 0).all() and kl[-1] > 1e-3    # strictly falling, far from arrived
    assert result["verdict"][0, 0] == "slow"


def test_oscillating_kl_is_cycling():
    """Nash-MP past its step-size limit (η = 4 > 2), RPS, β = 1e−3: the KL rises and falls by
    comparable amounts over the tail (measured 0.42 up, 0.39 down, between 0.059 and 0.099)."""
    result = stability_map(nash_mp, rock_paper_scissors(), MU, [4.0], [1e-3], iterations=300, device="cpu",
                           return_kl=True)
    kl, tail = _tail(result)
    assert tail[tail > 0].sum() > 0.2 and -tail[tail < 0].sum() > 0.2 and kl[-1] < kl[0]
    assert result["verdict"][0, 0] == "cycling"


def test_mwu_at_beta_zero_orbits_but_its_kl_grows():
    """MWU (OMD at β = 0) on RPS: the iterate orbits the Minimax Winner (its TV distance rises and
    falls), but KL(π*, π_k) grows at every step (ΔKL = log E_π exp(η(P − ½)π) ≥ 0 by Jensen):
    0.2405 → 0.2825 over 300 steps with η = 0.1. By the KL it is moving away: "diverged", not
    "cycling" (cycling means a non-monotone distance). The old code could not run β = 0 at all."""
    result = stability_map(omd, rock_paper_scissors(), MU, [0.1], [0.0], iterations=300, device="cpu",
                           return_kl=True)
    kl, _ = _tail(result)
    assert (np.diff(kl) > 0).all() and kl[-1] > 1.1 * kl[0]
    assert result["verdict"][0, 0] == "diverged"
    path = trajectory(omd, GameBatch.from_numpy(rock_paper_scissors(), MU, 0.0, device="cpu"), 0.1, 300).exp()[:, 0]
    tv = 0.5 * (path - 1 / 3).abs().sum(-1).numpy()
    assert (np.diff(tv) > 1e-3).sum() > 20 and (np.diff(tv) < -1e-3).sum() > 20   # it orbits


def test_converged_and_every_verdict_on_synthetic_sequences():
    steps = np.arange(301.0)[:, None]
    rng = np.random.default_rng(0)
    columns = {
        "converged": 0.24 * 0.5 ** steps,                                     # below 1e−6 long before the tail
        "slow": 0.24 * (1 - 1e-4) ** steps,                                   # falls 3 %: slow, not cycling
        "slow_noisy": 0.24 * (1 - 1e-5) ** steps * (1 + 1e-12 * rng.standard_normal((301, 1))),  # float noise
        "cycling": 0.1 + 0.02 * np.sin(steps),                                # oscillates, ends below its start
        "diverged": 0.24 + 1e-4 * steps,                                      # rises every step
    }
    found = verdicts(np.hstack(list(columns.values())))
    assert list(found) == [name.split("_")[0] for name in columns]


def test_trainer_reports_per_algorithm_and_game():
    config = PreferenceDynamicsConfig.from_params(games=3, steps=50, omwu=True)
    trainer = PreferenceDynamicsTrainer(config)
    start = (trainer.log_star.exp() * (trainer.log_star - trainer.game.log_mu)).sum(-1).max().item()
    history = Run(trainer, 50, progress=False).run()
    assert history.population == 4 * 3
    assert set(history.members["algorithm"]) == {"Nash-MP", "Nash-MD", "OMD (INPO)", "OMWU"}
    final = history.frame().query("step == 50").groupby("algorithm")["kl_to_star"].max()
    assert final["Nash-MP"] < 1.1 ** -50 * start  # (1 + ηβ)^(−k) with η = 1, β = 0.1
    assert final["Nash-MP"] < min(final["Nash-MD"], final["OMD (INPO)"])
    assert {"pi_0", "pi_1", "pi_2", "exploitability"} <= set(history.metrics)
    assert (history.values("exploitability") >= -1e-12).all()


def test_config_needs_an_algorithm():
    with pytest.raises(ConfigError, match="at least one algorithm"):
        PreferenceDynamicsConfig.from_params(nash_mp=False, nash_md=False, omd=False)


def test_config_rejects_a_wrong_type_clearly():
    with pytest.raises(ConfigError, match="'eta' = 'fast' is not allowed: must be a number"):
        PreferenceDynamicsConfig.from_params(eta="fast")


def test_describe_builds_the_sentence_from_the_verdicts():
    from lab.games.stability import describe

    betas = [0.001, 0.01, 0.1, 1.0]
    assert describe(["converged"] * 4, betas) == "converged for every β (0.001 to 1)"
    assert describe(["slow", "slow", "converged", "converged"], betas) == "slow for β ≤ 0.01; converged for β ≥ 0.1"
    assert (describe(["slow", "cycling", "converged", "diverged"], betas)
            == "slow at β = 0.001; cycling at β = 0.01; converged at β = 0.1; diverged at β = 1")
    assert (describe(["diverged", "slow", "slow", "converged"], betas)
            == "diverged at β = 0.001; slow for 0.01 ≤ β ≤ 0.1; converged at β = 1")
