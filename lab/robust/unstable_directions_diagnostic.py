"""The diagnostic of ``lab.robust.unstable_directions`` (Korkmaz, ICML 2024, arXiv 2406.16979: the unstable
directions of a policy's decision boundary across states and time; the details are inferred from the abstract):
per state the minimal perturbation that changes the greedy action, the spectral analysis of the directions over
a set of states, and the overlap of two principal subspaces. It measures; it changes nothing.
"""
from __future__ import annotations

import torch

from lab.critic.networks import mlp

SCAN = 24                            # line search: geometric scan points, then bisections
BISECTIONS = 10
SCAN_RANGE = (0.05, 8.0)             # scan from 0.05 to 8 times DeepFool's linearized radius
MARGIN_CAP = 10.0                    # a state no scanned perturbation flips gets this radius (measured, capped)




def logit_jacobian(params: list[torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (S, N, K) and their input Jacobian (S, N, K, d) of every seed's MLP at x (S, N, d)."""
    x = x.detach().requires_grad_()
    with torch.enable_grad():
        logits = mlp(params, x)
        rows = [torch.autograd.grad(logits[..., k].sum(), x, retain_graph=k < logits.shape[-1] - 1)[0]
                for k in range(logits.shape[-1])]
    return logits.detach(), torch.stack(rows, -2)


def greedy(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Every seed's greedy action at x (S, N, d): (S, N)."""
    with torch.no_grad():
        return mlp(params, x).argmax(-1)


def minimal_perturbation(params: list[torch.Tensor], x: torch.Tensor, iterations: int = 2
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """Each state's smallest L2 perturbation that changes the greedy action: its unit direction u (S, N, d)
    and flip radius r (S, N). Direction: DeepFool (Moosavi-Dezfooli et al. 2016) — at x + δ the runner-up k
    minimising |f_k − f_a| / ‖∇f_k − ∇f_a‖ and the step to its linearized boundary, ``iterations`` times (for a
    ReLU net the linearization is exact within the current activation region). Radius: a geometric scan of
    SCAN scales of the linearized radius along u, then BISECTIONS halvings of the first bracket that flips;
    MARGIN_CAP where nothing flips."""
    action = greedy(params, x)
    delta = torch.zeros_like(x)
    for _ in range(iterations):
        logits, jac = logit_jacobian(params, x + delta)
        own = logits.gather(-1, action.unsqueeze(-1))
        own_grad = jac.gather(-2, action[..., None, None].expand(*action.shape, 1, x.shape[-1]))
        gap, grad = (own - logits), (jac - own_grad)                           # (S,N,K), (S,N,K,d)
        norm = grad.norm(dim=-1).clamp_min(1e-8)
        own_class = torch.arange(logits.shape[-1], device=x.device) == action.unsqueeze(-1)
        dist = torch.where(own_class, torch.inf, gap / norm)
        k = dist.argmin(-1, keepdim=True)
        step = dist.gather(-1, k).clamp(max=MARGIN_CAP) + 1e-4
        unit = grad.gather(-2, k.unsqueeze(-1).expand(*k.shape, x.shape[-1])).squeeze(-2) / norm.gather(-1, k)
        delta = delta + step * unit
    u = delta / delta.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    r_lin = delta.norm(dim=-1).clamp(1e-4, MARGIN_CAP)
    return u, flip_radius(params, x, u, action, r_lin)


def flip_radius(params: list[torch.Tensor], x: torch.Tensor, u: torch.Tensor, action: torch.Tensor,
                r_lin: torch.Tensor) -> torch.Tensor:
    """The smallest t (to a bisection's precision) with argmax f(x + t·u) ≠ action, searched from the
    linearized radius r_lin: (S, N)."""
    scales = torch.logspace(torch.log10(torch.tensor(SCAN_RANGE[0])), torch.log10(torch.tensor(SCAN_RANGE[1])),
                            SCAN, device=x.device)
    t = (r_lin.unsqueeze(-1) * scales).clamp(max=MARGIN_CAP)                  # (S, N, J)
    probe = x.unsqueeze(-2) + t.unsqueeze(-1) * u.unsqueeze(-2)               # (S, N, J, d)
    flipped = greedy(params, probe.flatten(1, 2)).view(t.shape) != action.unsqueeze(-1)
    first = torch.where(flipped.any(-1), flipped.float().argmax(-1), torch.full_like(action, SCAN - 1))
    hi = t.gather(-1, first.unsqueeze(-1)).squeeze(-1)
    lo = torch.where(first > 0, t.gather(-1, (first - 1).clamp_min(0).unsqueeze(-1)).squeeze(-1), 0.0)
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        flips = greedy(params, x + mid.unsqueeze(-1) * u) != action
        lo, hi = torch.where(flips, lo, mid), torch.where(flips, mid, hi)
    return torch.where(flipped.any(-1), hi, torch.full_like(hi, MARGIN_CAP))


def unstable_subspace(u: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The spectral analysis of unit directions u (..., n, d): eigenvalues (..., d), descending, of their
    second-moment matrix G = (1/n) Σ u uᵀ (trace 1) and its top-k eigenvectors (..., d, k), the principal
    unstable subspace."""
    g = u.transpose(-1, -2) @ u / u.shape[-2]
    values, vectors = torch.linalg.eigh(g)
    return values.flip(-1), vectors.flip(-1)[..., :k]


def subspace_overlap(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """‖Aᵀ B‖²_F / k for orthonormal bases (..., d, k): the mean squared cosine of the principal angles
    (1: the same subspace, 0: orthogonal ones)."""
    return (a.transpose(-1, -2) @ b).pow(2).sum((-1, -2)) / a.shape[-1]
