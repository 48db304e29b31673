"""Sampled Nash-MP and Nash-MD-PG: preferences seen only as sampled pairwise outcomes.

The exact dynamics (``lab.games.algorithms``) read the win rates g_π(y) = P(y ≻ π) off the
matrix. Here a policy is a vector of softmax logits, P is only queried through Bernoulli
outcomes of sampled pairs (y, y'), and the logits move by stochastic policy gradient
(REINFORCE), as practitioners run these algorithms. Batched over a population of games like
``GameBatch`` (leading dimension B), float64, on the game's device, driven by a torch.Generator.

Notation: π = softmax(θ) over n actions; for any fixed f, ∇_θ E_π[f] = π ⊙ (f − E_π f), and
the REINFORCE estimate of it from y_i ~ π is (1/N)·Σ_i f(y_i)·(e_{y_i} − π).
"""
from __future__ import annotations

import torch

from .batch import GameBatch, normalize

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def _check(name: str, value, ok: bool, allowed: str):
    if not ok:
        raise ValueError(f"{name} = {value!r} is out of range: {allowed}")


def _check_common(game: GameBatch, eta, samples: int, lr, log_pi0):
    _check("game.size (batch)", game.size, game.size >= 1, "the batch needs at least 1 game")
    _check("eta", eta, isinstance(eta, (int, float)) and eta > 0, "must be a number > 0")
    _check("samples", samples, isinstance(samples, int) and samples >= 2, "must be an integer ≥ 2")
    _check("lr", lr, isinstance(lr, (int, float)) and lr > 0, "must be a number > 0")
    if log_pi0 is not None:
        _check("log_pi0.shape", tuple(log_pi0.shape), tuple(log_pi0.shape) == tuple(game.log_mu.shape),
               f"must be (B, n) = {tuple(game.log_mu.shape)}")


def _generator(game: GameBatch, generator):
    return torch.Generator(device=game.P.device).manual_seed(0) if generator is None else generator


def duel(game: GameBatch, log_pi, log_opponent, samples: int, generator):
    """``samples`` duels per game: y ~ π, y' ~ opponent, outcome 1{y ≻ y'} ~ Bernoulli(P[y, y']).
    Returns (y, outcome), both (B, samples); one preference query per duel."""
    y = torch.multinomial(log_pi.exp(), samples, replacement=True, generator=generator)
    y_prime = torch.multinomial(log_opponent.exp(), samples, replacement=True, generator=generator)
    p_win = game.P[torch.arange(game.size, device=y.device)[:, None], y, y_prime]
    u = torch.rand(p_win.shape, generator=generator, dtype=p_win.dtype, device=p_win.device)
    return y, (u < p_win).to(p_win.dtype)


def reinforce(log_pi, y, reward):
    """(1/N)·Σ_i reward_i·(e_{y_i} − π): the REINFORCE estimate of ∇_θ E_{y~π}[reward], (B, n)."""
    scattered = torch.zeros_like(log_pi).scatter_add_(1, y, reward)
    return (scattered - reward.sum(1, keepdim=True) * log_pi.exp()) / y.shape[1]


def prox_half_step(game: GameBatch, log_centre, log_opponent, eta, *, inner_steps: int = 10,
                   samples: int = 128, lr: float = 1.0, optimizer: str = "sgd", generator=None):
    """One Nash-MP half-step solved by stochastic policy gradient; returns log π (B, n).

    Maximizes over π = softmax(θ), from θ = log π_k (``log_centre``):
        F(π) = η·E_{y~π}[ĝ(y)] − KL(π‖π_k) − ηβ·KL(π‖μ),   ĝ(y) = P(y ≻ π_opp).
    Its exact maximizer is the prox formula of ``lab.games.algorithms.nash_mp``: collecting terms,
        F(π) = −(1+ηβ)·Σ_y π(y)·[log π(y) − (log π_k + ηβ·log μ + η·ĝ)(y)/(1+ηβ)]
             = −(1+ηβ)·KL(π‖q) + (1+ηβ)·log Z,   q ∝ π_k^{1/(1+ηβ)}·μ^{ηβ/(1+ηβ)}·exp(η·ĝ/(1+ηβ)),
    maximal (= (1+ηβ)·log Z) exactly at π = q (Gibbs' variational principle).
    Gradient used at each of ``inner_steps`` optimizer steps: η × the REINFORCE estimate of
    ∇_θ E_π[ĝ] on ``samples`` fresh duels y ~ π (the policy being optimized) vs y' ~ π_opp,
    with the leave-one-out mean outcome as baseline (unbiased), plus the closed-form gradient of
    the two KL terms, −π ⊙ (d − E_π d) with d = (log π − log π_k) + ηβ·(log π − log μ).
    """
    _check_common(game, eta, samples, lr, None)
    _check("inner_steps", inner_steps, isinstance(inner_steps, int) and inner_steps >= 1,
           "must be an integer ≥ 1")
    _check("optimizer", optimizer, optimizer in OPTIMIZERS, f"one of {sorted(OPTIMIZERS)}")
    generator = _generator(game, generator)
    eb = eta * game.beta
    theta = log_centre.detach().clone().requires_grad_(True)
    opt = OPTIMIZERS[optimizer]([theta], lr=lr)
    for _ in range(inner_steps):
        with torch.no_grad():
            log_pi = normalize(theta)
            y, won = duel(game, log_pi, log_opponent, samples, generator)
            advantage = won - (won.sum(1, keepdim=True) - won) / (samples - 1)   # leave-one-out baseline
            d = (log_pi - log_centre) + eb * (log_pi - game.log_mu)
            kl_grad = log_pi.exp() * (d - (log_pi.exp() * d).sum(1, keepdim=True))
            ascent = eta * reinforce(log_pi, y, advantage) - kl_grad
        theta.grad = -ascent                                   # the optimizers minimize
        opt.step()
    return normalize(theta.detach())


def nash_mp(game: GameBatch, eta, iterations: int, *, inner_steps: int = 10, samples: int = 128,
            lr: float = 1.0, optimizer: str = "sgd", log_pi0=None, generator=None):
    """Sampled Nash-MP; log π_0 … log π_K, shape (K+1, B, n), π_0 = μ by default.

    Tiapkin et al., "Accelerating Nash Learning from Human Feedback via Mirror Prox",
    arXiv 2505.19731 v1 (Nash-MP, and its approximate version with policy-gradient prox steps):
        π_{k+½} = argmax_π η·E_π[P(y ≻ π_k)]     − KL(π‖π_k) − ηβ·KL(π‖μ),
        π_{k+1} = argmax_π η·E_π[P(y ≻ π_{k+½})] − KL(π‖π_k) − ηβ·KL(π‖μ),
    each argmax approximated by ``prox_half_step`` (``inner_steps`` optimizer steps on ``samples``
    fresh duels each), both from the same centre π_k: 2·inner_steps·samples queries per iteration.
    """
    _check("iterations", iterations, isinstance(iterations, int) and iterations >= 0, "must be an integer ≥ 0")
    _check_common(game, eta, samples, lr, log_pi0)
    generator = _generator(game, generator)
    half_step = dict(inner_steps=inner_steps, samples=samples, lr=lr, optimizer=optimizer, generator=generator)
    log_pi = game.log_mu.clone() if log_pi0 is None else normalize(log_pi0)
    path = [log_pi]
    for _ in range(iterations):
        half = prox_half_step(game, log_pi, log_pi, eta, **half_step)
        log_pi = prox_half_step(game, log_pi, half, eta, **half_step)
        path.append(log_pi)
    return torch.stack(path)


def nash_md_pg(game: GameBatch, eta, iterations: int, *, lr: float | None = None, samples: int = 256,
               log_pi0=None, generator=None):
    """Nash-MD-PG; log π_0 … log π_K, shape (K+1, B, n), π_0 = μ by default.

    Munos et al. 2023, "Nash Learning from Human Feedback", arXiv 2312.00886, Nash-MD-PG (their
    deep-learning section; equation number not checked here), in tabular form, one step per iteration:
        π_t^μ ∝ π_t^{1−ηβ}·μ^{ηβ}                       (the geometric mixture: the opponent),
        θ_{t+1} = θ_t + lr·ĝ_t,  ĝ_t = (1/N)·Σ_i ∇_θ log π_θ(y_i)·[o_i − ½ − β·log(π_θ(y_i)/μ(y_i))],
    on N duels y_i ~ π_t, y'_i ~ π_t^μ with outcomes o_i ~ Bernoulli(P[y_i, y'_i]): an unbiased
    estimate of ∇_θ[P(π_θ ≻ π_t^μ) − β·KL(π_θ‖μ)] (the ½ is a baseline). Regularization toward
    μ enters through the mixture and the −β·log(π/μ) reward. Like exact Nash-MD with constant η,
    its rest point solves π ∝ μ·exp(g_{π^μ}/β), an O(ηβ) neighbourhood of π*_β. The paper's
    mixture weight is a free hyperparameter; here it is ηβ, as in exact Nash-MD (a natural-gradient
    step of size η on this objective is exactly Nash-MD). ``lr`` defaults to n·η: the vanilla
    gradient is about π ≈ 1/n times the natural one.
    """
    _check("iterations", iterations, isinstance(iterations, int) and iterations >= 0, "must be an integer ≥ 0")
    lr = eta * game.P.shape[-1] if lr is None and isinstance(eta, (int, float)) else lr
    _check_common(game, eta, samples, lr, log_pi0)
    eb = eta * game.beta
    _check("eta·beta", eb.max().item(), bool((eb <= 1).all()), "the mixture weight ηβ must be ≤ 1")
    generator = _generator(game, generator)
    theta = game.log_mu.clone() if log_pi0 is None else normalize(log_pi0)
    path = [theta]
    for _ in range(iterations):
        mixture = normalize((1 - eb) * theta + eb * game.log_mu)
        y, won = duel(game, theta, mixture, samples, generator)
        kl_reward = (theta - game.log_mu).gather(1, y)
        theta = normalize(theta + lr * reinforce(theta, y, won - 0.5 - game.beta * kl_reward))
        path.append(theta)
    return torch.stack(path)
