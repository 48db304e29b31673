"""INPO's loss: its exact minimizer is the OMD update, and the sampled version tracks it."""
import numpy as np
import torch

from lab.games import inpo
from lab.games.algorithms import omd
from lab.games.batch import GameBatch
from lab.games.preference import random_preference


def setup(seed=0, n=5, eta=0.5, beta=0.2):
    rng = np.random.default_rng(seed)
    P, mu = random_preference(n, rng), rng.dirichlet(np.ones(n))
    game = GameBatch.from_numpy(P, mu, beta, device="cpu")
    log_pi_t = torch.log(torch.as_tensor(rng.dirichlet(np.ones(n))))
    target = omd.step(game, {"log_pi": log_pi_t[None]}, eta)["log_pi"][0]
    return game, log_pi_t, target, eta, beta


def test_exact_inpo_minimizer_is_the_omd_update():
    for seed in range(5):
        game, log_pi_t, target, eta, beta = setup(seed)
        found = inpo.minimize(lambda x: inpo.exact_loss(x, log_pi_t, game.log_mu[0], game.P[0], eta, beta), log_pi_t)
        torch.testing.assert_close(found, target, atol=1e-7, rtol=0)


def test_sampled_inpo_tracks_the_exact_update():
    game, log_pi_t, target, eta, beta = setup(1)
    generator = torch.Generator().manual_seed(0)
    errors = []
    for count in (500, 50_000):
        w, l = inpo.sample_pairs(log_pi_t, game.P[0], count, generator)
        found = inpo.minimize(lambda x: inpo.sampled_loss(x, log_pi_t, game.log_mu[0], w, l, eta, beta), log_pi_t)
        errors.append(0.5 * (found.exp() - target.exp()).abs().sum().item())
    assert errors[1] < 0.01 and errors[1] < errors[0]
