"""INPO's loss and its sampled, gradient-based minimization.

Zhang et al., "Iterative Nash Policy Optimization" (arXiv 2407.00617), the INPO objective on
on-policy pairs (y_w ≻ y_l), y, y' ~ π_t:
  L(π) = E[( log π(y_w)/π(y_l) − ηβ·log μ(y_w)/μ(y_l) − (1−ηβ)·log π_t(y_w)/π_t(y_l) − η/2 )²].
Its minimizer over softmax policies is the OMD update π ∝ π_t^{1−ηβ}·μ^{ηβ}·exp(η·g_{π_t})
(lab.games.algorithms.omd): the exact loss enumerates every pair; the sampled one uses observed
pairwise outcomes, as practitioners do.
"""
from __future__ import annotations

import torch


def _margin(logits, log_pi_t, log_mu, eta, beta, w, l):
    log_pi = torch.log_softmax(logits, dim=-1)
    return ((log_pi[w] - log_pi[l]) - eta * beta * (log_mu[w] - log_mu[l])
            - (1 - eta * beta) * (log_pi_t[w] - log_pi_t[l]) - eta / 2)


def exact_loss(logits, log_pi_t, log_mu, P, eta: float, beta: float):
    """L(π) with the expectation over y, y' ~ π_t and the winner ~ P taken exactly."""
    n = len(logits)
    w, l = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    pair_weight = log_pi_t.exp()[:, None] * log_pi_t.exp()[None, :] * P   # π_t(y)π_t(y')·P(y ≻ y')
    return (pair_weight * _margin(logits, log_pi_t, log_mu, eta, beta, w, l) ** 2).sum()


def sample_pairs(log_pi_t, P, count: int, generator: torch.Generator):
    """``count`` on-policy pairs y, y' ~ π_t with the winner drawn from P(y ≻ y'): (winners, losers)."""
    pairs = torch.multinomial(log_pi_t.exp(), 2 * count, replacement=True, generator=generator).view(count, 2)
    first_wins = torch.rand(count, generator=generator, dtype=P.dtype) < P[pairs[:, 0], pairs[:, 1]]
    winners = torch.where(first_wins, pairs[:, 0], pairs[:, 1])
    losers = torch.where(first_wins, pairs[:, 1], pairs[:, 0])
    return winners, losers


def sampled_loss(logits, log_pi_t, log_mu, winners, losers, eta: float, beta: float):
    """L(π) estimated on observed pairs."""
    return (_margin(logits, log_pi_t, log_mu, eta, beta, winners, losers) ** 2).mean()


def minimize(loss_fn, log_pi_t, steps: int = 200) -> torch.Tensor:
    """argmin of ``loss_fn(logits)`` by L-BFGS from π_t's logits; returns log π (normalized)."""
    logits = log_pi_t.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([logits], max_iter=steps, tolerance_grad=1e-12, tolerance_change=1e-15,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(logits)
        loss.backward()
        return loss

    optimizer.step(closure)
    return torch.log_softmax(logits.detach(), dim=-1)
