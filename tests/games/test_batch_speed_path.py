"""GameBatch's fast primitives (bmm win rates, log_softmax normalization) against a plain numpy
re-derivation of every algorithm's update, written from the formulas in the algorithms' docstrings.
Several seeds and sizes, one game and a population: equal to ~1e-12 (float64)."""
import functools

import numpy as np
import pytest
import torch

from lab.games.algorithms import extragradient, nash_md, nash_mp, omd, omwu
from lab.games.batch import GameBatch, normalize
from lab.games.preference import random_preference

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SIZES = [(1, 1000), (1, 100), (1, 30), (256, 30), (4, 2)]   # (games, actions)
SEEDS = [0, 1, 2]
ITERATIONS = 20


def ref_normalize(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def ref_win_rates(P, log_pi):
    return (P @ np.exp(log_pi)[..., None])[..., 0]


def ref_omd(P, log_mu, beta, log_pi, g, eta):
    return ref_normalize((1 - eta * beta) * log_pi + eta * beta * log_mu + eta * g)


def ref_nash_mp(P, log_mu, beta, state, eta):
    log_pi, eb = state["log_pi"], eta * beta
    half = ref_normalize((log_pi + eb * log_mu + eta * ref_win_rates(P, log_pi)) / (1 + eb))
    return {"log_pi": ref_normalize((log_pi + eb * log_mu + eta * ref_win_rates(P, half)) / (1 + eb))}


def ref_nash_md(P, log_mu, beta, state, eta, schedule="constant"):
    t = state.get("t", 0)
    eta_t = 1.0 / (beta * (t + 2)) if schedule == "decreasing" else eta
    mixture = ref_normalize((1 - eta_t * beta) * state["log_pi"] + eta_t * beta * log_mu)
    return {"log_pi": ref_normalize(mixture + eta_t * ref_win_rates(P, mixture)), "t": t + 1}


def ref_omd_step(P, log_mu, beta, state, eta):
    log_pi = state["log_pi"]
    return {"log_pi": ref_omd(P, log_mu, beta, log_pi, ref_win_rates(P, log_pi), eta)}


def ref_omwu(P, log_mu, beta, state, eta):
    g = ref_win_rates(P, state["log_pi"])
    g_prev = state.get("g_prev", g)
    return {"log_pi": ref_omd(P, log_mu, beta, state["log_pi"], 2 * g - g_prev, eta), "g_prev": g}


def ref_extragradient(P, log_mu, beta, state, eta):
    log_pi = state["log_pi"]
    half = ref_omd(P, log_mu, beta, log_pi, ref_win_rates(P, log_pi), eta)
    return {"log_pi": ref_omd(P, log_mu, beta, log_pi, ref_win_rates(P, half), eta)}


CASES = [(nash_mp, ref_nash_mp, 1.0, {}), (nash_md, ref_nash_md, 0.5, {}),
         (nash_md, ref_nash_md, None, {"schedule": "decreasing"}), (omd, ref_omd_step, 0.5, {}),
         (omwu, ref_omwu, 0.5, {}), (extragradient, ref_extragradient, 0.5, {})]


@functools.cache
def make_games(games, actions, seed):
    rng = np.random.default_rng(seed)
    P = np.stack([random_preference(actions, rng) for _ in range(games)])
    mu = rng.dirichlet(np.ones(actions), size=games)
    beta = rng.uniform(0.05, 1.0, size=games)
    return P, mu, beta


@pytest.mark.parametrize("games, actions", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_primitives_match_the_plain_formulas(games, actions, seed):
    P, mu, beta = make_games(games, actions, seed)
    game = GameBatch.from_numpy(P, mu, beta, device="cpu")
    logits = np.random.default_rng(seed + 100).normal(scale=30.0, size=(games, actions))
    np.testing.assert_allclose(normalize(torch.as_tensor(logits)).numpy(), ref_normalize(logits),
                               rtol=1e-12, atol=1e-12)
    log_pi = ref_normalize(logits / 30.0)
    np.testing.assert_allclose(game.win_rates(torch.as_tensor(log_pi)).numpy(), ref_win_rates(P, log_pi),
                               rtol=1e-12, atol=1e-12)


def test_normalize_keeps_minus_infinity_large_offsets_and_gradients():
    """Zero-probability actions (log μ = −inf) stay at −inf; logits near 1e4 lose only what float64
    must (|x|·eps ≈ 2e-12); the gradient is the one of x − logsumexp(x) (the sampled dynamics
    differentiate through it)."""
    x = torch.tensor([[0.0, -np.inf, 1.0], [1e4, 1e4 + 1.0, 1e4 - 2.0]], dtype=torch.float64)
    out = normalize(x)
    assert out[0, 1] == -np.inf and torch.isfinite(out[:, [0, 2]]).all()
    np.testing.assert_allclose(out.exp().sum(-1).numpy(), 1.0, rtol=1e-11)
    np.testing.assert_allclose(out[1].numpy(), ref_normalize(x[1].numpy()), rtol=0, atol=1e-11)
    theta = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    weights = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    grads = []
    for f in (normalize, lambda t: t - torch.logsumexp(t, -1, keepdim=True)):
        t = theta.clone().requires_grad_(True)
        (f(t) * weights).sum().backward()
        grads.append(t.grad)
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("algorithm, reference, eta, options", CASES,
                         ids=["nash_mp", "nash_md", "nash_md_decreasing", "omd", "omwu", "extragradient"])
@pytest.mark.parametrize("games, actions", SIZES)
def test_every_algorithm_equals_its_plain_numpy_rederivation(algorithm, reference, eta, options, games, actions):
    for seed in SEEDS:
        P, mu, beta = make_games(games, actions, seed)
        game = GameBatch.from_numpy(P, mu, beta, device="cpu")
        state = {"log_pi": game.log_mu.clone()}
        ref = {"log_pi": np.log(mu)}
        for k in range(ITERATIONS):
            state = algorithm.step(game, state, eta, **options)
            ref = reference(P, np.log(mu), beta[:, None], ref, eta, **options)
            np.testing.assert_allclose(state["log_pi"].numpy(), ref["log_pi"], rtol=1e-12, atol=1e-12,
                                       err_msg=f"seed {seed}, iteration {k + 1}")
