"""The reward-model RLHF baseline: fit Bradley–Terry scores, then optimize them with KL to μ.

Bradley & Terry (1952); Christiano et al. (2017), Ouyang et al. (2022): sampled comparisons
(y, y', winner) are fit by maximum likelihood of P(y ≻ y') = σ(s_y − s_y'), and the policy
maximizes E_π[s] − β·KL(π‖μ), i.e. π ∝ μ·exp(s/β). On intransitive preferences no score
vector fits, and the policy collapses toward one response instead of the Minimax Winner.
"""
from __future__ import annotations

import torch


def sample_comparisons(P: torch.Tensor, count: int, generator: torch.Generator):
    """``count`` comparisons between uniformly drawn pairs: (first, second, first_wins)."""
    n = P.shape[0]
    first = torch.randint(n, (count,), generator=generator)
    second = torch.randint(n, (count,), generator=generator)
    first_wins = torch.rand(count, generator=generator, dtype=P.dtype) < P[first, second]
    return first, second, first_wins


def fit_bradley_terry(n: int, first, second, first_wins, steps: int = 200) -> torch.Tensor:
    """Maximum-likelihood scores (mean zero) by L-BFGS on the logistic loss."""
    scores = torch.zeros(n, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([scores], max_iter=steps, line_search_fn="strong_wolfe")
    target = first_wins.to(torch.float64)

    def closure():
        optimizer.zero_grad()
        margin = scores[first] - scores[second]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(margin, target) + 1e-6 * scores.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return (scores - scores.mean()).detach()


def kl_regularized_policy(scores: torch.Tensor, log_mu: torch.Tensor, beta: float) -> torch.Tensor:
    """argmax_π E_π[s] − β·KL(π‖μ) = softmax(log μ + s/β)."""
    return torch.softmax(log_mu + scores / beta, dim=-1)
