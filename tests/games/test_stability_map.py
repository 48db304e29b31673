"""Stability maps and the preference-dynamics trainer."""
import numpy as np
import pytest

from lab import ConfigError, Run
from lab.games.algorithms import nash_mp, omd
from lab.games.preference import rock_paper_scissors
from lab.games.stability import stability_map
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
