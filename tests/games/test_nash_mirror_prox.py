"""Acceptance checks of the preference lab's exact dynamics (issue 3's numbers)."""
import numpy as np
import pytest
import torch

from lab.games.algorithms import extragradient, nash_md, nash_mp, omd, omwu
from lab.games.batch import GameBatch
from lab.games.dynamics import kl_to, trajectory
from lab.games.preference import random_preference, rock_paper_scissors
from lab.games.regularized import equilibrium, exploitability, fixed_point_residual

RPS_MU = np.array([0.6, 0.3, 0.1])
RPS_STAR = np.array([0.326345, 0.345319, 0.328336])


def rps_game(beta=0.01):
    return GameBatch.from_numpy(rock_paper_scissors(), RPS_MU, beta, device="cpu")


def test_rps_equilibrium_matches_the_published_values():
    pi = equilibrium(rock_paper_scissors(), RPS_MU, 0.01)
    np.testing.assert_allclose(pi, RPS_STAR, atol=1e-6)
    assert fixed_point_residual(rock_paper_scissors(), RPS_MU, 0.01, pi) < 1e-12
    assert abs(exploitability(rock_paper_scissors(), RPS_MU, 0.01, pi)) < 1e-12
    assert exploitability(rock_paper_scissors(), RPS_MU, 0.01, RPS_MU) > 0.1


def test_nash_mp_linear_rate_on_200_random_games():
    """Tiapkin et al. (v1): with η = 2 from π_0 = μ, KL(π*, π_k) ≤ (1+2β)^(−k)·KL(π*, π_0), k < 60."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, beta = int(rng.integers(2, 31)), float(10 ** rng.uniform(-3, 0))
        mu, P = rng.dirichlet(np.ones(n)), random_preference(n, rng)
        star = torch.log(torch.as_tensor(equilibrium(P, mu, beta)))[None]
        kl = kl_to(star, trajectory(nash_mp, GameBatch.from_numpy(P, mu, beta, device="cpu"), 2.0, 59))[:, 0]
        bound = (1 + 2 * beta) ** -torch.arange(60, dtype=torch.float64) * kl[0]
        assert torch.all(kl <= bound + 1e-13), (n, beta)


def test_rps_nash_mp_converges_and_omd_does_not():
    game = rps_game()
    star = torch.log(torch.as_tensor(equilibrium(rock_paper_scissors(), RPS_MU, 0.01)))[None]
    assert kl_to(star, trajectory(nash_mp, game, 2.0, 100))[100, 0] < 1e-12
    assert kl_to(star, trajectory(omd, game, 2.0, 300))[300, 0] > 1


@pytest.mark.parametrize("algorithm, eta", [(omwu, 0.5), (extragradient, 0.5), (omd, 0.1)])
def test_peers_converge_with_small_steps_on_rps(algorithm, eta):
    game = rps_game(beta=0.1)
    star = torch.log(torch.as_tensor(equilibrium(rock_paper_scissors(), RPS_MU, 0.1)))[None]
    kl = kl_to(star, trajectory(algorithm, game, eta, 2000))[:, 0]
    assert kl[-1] < 1e-6 and kl[-1] < kl[0]


def test_batched_equals_one_by_one():
    rng = np.random.default_rng(3)
    P = np.stack([random_preference(6, rng) for _ in range(4)])
    mu = rng.dirichlet(np.ones(6), size=4)
    together = trajectory(nash_mp, GameBatch.from_numpy(P, mu, [0.1, 0.2, 0.3, 0.4], device="cpu"), 1.0, 20)
    for b in range(4):
        alone = trajectory(nash_mp, GameBatch.from_numpy(P[b], mu[b], 0.1 * (b + 1), device="cpu"), 1.0, 20)
        torch.testing.assert_close(together[:, b], alone[:, 0])


def test_nash_md_constant_step_is_biased_and_the_bias_shrinks_with_eta():
    """Nash-MD with constant η stops at an O(η) neighbourhood of π*; η_t = 1/(β(t+2)) gets close."""
    game = rps_game(beta=0.1)
    star = torch.log(torch.as_tensor(equilibrium(rock_paper_scissors(), RPS_MU, 0.1)))[None]
    final = {eta: kl_to(star, trajectory(nash_md, game, eta, 4000))[-1, 0] for eta in (0.5, 0.1, 0.02)}
    assert final[0.5] > final[0.1] > final[0.02] and final[0.5] > 1e-4
    decreasing = kl_to(star, trajectory(nash_md, game, None, 4000, schedule="decreasing"))[-1, 0]
    assert decreasing < 1e-5


def test_plain_mwu_last_iterate_cycles_while_its_average_reaches_the_minimax_winner():
    """β = 0 (plain MWU): on RPS the last iterate circles far from the Minimax Winner; the average converges."""
    from lab.games.regularized import minimax_winner

    game = GameBatch.from_numpy(rock_paper_scissors(), RPS_MU, 0.0, device="cpu")
    path = trajectory(omd, game, 0.1, 3000).exp()[:, 0].numpy()
    winner = minimax_winner(rock_paper_scissors())
    assert 0.5 * np.abs(path[-1] - winner).sum() > 0.2
    assert 0.5 * np.abs(path.mean(0) - winner).sum() < 0.02
