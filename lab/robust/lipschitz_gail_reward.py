"""The learned reward of ``lipschitz_gail`` (Blondé, Strasser & Kalousis, arXiv 2006.16785): the discriminator
D(s, a) on the point mass's (position, velocity-action) pairs, its minimax reward, its cross-entropy loss and the
one-sided gradient penalty that keeps the reward locally Lipschitz — the paper's mechanism, in one place."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from lab.critic.networks import mlp

REWARD_EPS = 1e-8                  # inside the reward's log (the authors' code): r ≤ −log 1e−8
OBS, ACT = 2, 2                    # the point mass: position (x, y); action: velocity (vx, vy) ∈ [−1, 1]²


def logits(disc: list[torch.Tensor], pairs: torch.Tensor) -> torch.Tensor:
    """D's logit on (s, a) pairs (S, B, 4) → (S, B)."""
    return mlp(disc, pairs).squeeze(-1)


def reward(disc: list[torch.Tensor], pairs: torch.Tensor) -> torch.Tensor:
    """The minimax imitation reward r = −log(1 − σ(D(s, a)) + 1e−8), as the authors' code computes it ('gail',
    ``minimax_only``): ≈ 0 for agent-like pairs, growing with D for expert-like ones, at most −log 1e−8 ≈ 18.4
    (which also keeps every Q finite): (S, B, 4) → (S, B)."""
    return -torch.log(1 - torch.sigmoid(logits(disc, pairs)) + REWARD_EPS)


def input_grad_norm(disc: list[torch.Tensor], pairs: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """‖∇_(s,a) D(s, a)‖₂ at each pair (S, B, 4) → (S, B)."""
    x = pairs.detach().requires_grad_(True)
    grad, = torch.autograd.grad(logits(disc, x).sum(), x, create_graph=create_graph)
    return grad.norm(dim=-1)


def interpolates(agent: torch.Tensor, expert: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Where the penalty is evaluated: x̂ = ε·x_agent + (1 − ε)·x_expert, ε ~ U[0, 1] drawn separately for the
    state and the action part of each pair (the authors' 'wgan' variant): (S, B, 4), (S, B, 4) → (S, B, 4)."""
    eps = torch.rand(*agent.shape[:-1], 2, generator=generator, device=agent.device)
    eps = torch.cat([eps[..., :1].expand(*agent.shape[:-1], OBS), eps[..., 1:].expand(*agent.shape[:-1], ACT)], -1)
    return eps * agent + (1 - eps) * expert


def gradient_penalty(disc: list[torch.Tensor], agent: torch.Tensor, expert: torch.Tensor, target: float,
                     generator: torch.Generator) -> torch.Tensor:
    """The one-sided gradient penalty of Blondé et al. (arXiv 2006.16785; the authors' code, liayn-pytorch
    ``grad_pen``, variant 'wgan' with ``one_sided_pen``, k = ``grad_pen_targ`` = 1):
    E_x̂[max(0, ‖∇_x̂ D(x̂)‖₂ − k)²] at the agent–expert ``interpolates`` x̂. Pairs (S, B, 4) → (S,),
    differentiable in D's weights (not yet multiplied by λ)."""
    mixed = interpolates(agent, expert, generator)
    return (input_grad_norm(disc, mixed, create_graph=True) - target).clamp(min=0).pow(2).mean(-1)


def discriminator_loss(disc: list[torch.Tensor], agent: torch.Tensor, expert: torch.Tensor,
                       penalty_coef: float, penalty_target: float, generator: torch.Generator | None
                       ) -> torch.Tensor:
    """Each seed's discriminator loss (S,): binary cross-entropy, expert pairs labelled 1 and the agent's replay
    pairs 0, plus — with a generator, i.e. the penalty on — λ·(the one-sided gradient penalty above)."""
    expert_logit, agent_logit = logits(disc, expert), logits(disc, agent)
    loss = (F.binary_cross_entropy_with_logits(expert_logit, torch.ones_like(expert_logit), reduction="none")
            + F.binary_cross_entropy_with_logits(agent_logit, torch.zeros_like(agent_logit), reduction="none")
            ).mean(-1)
    if generator is None:
        return loss
    return loss + penalty_coef * gradient_penalty(disc, agent, expert, penalty_target, generator)
