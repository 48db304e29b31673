"""GoRL's toy and measurements (``lab.expressive.gorl``): a max-entropy bandit over 2-D actions with two
reward bumps, its optimal policy on a grid, one KL estimator for every policy, and the Gaussian pieces.

The reward r(a) = log(½·exp(−‖a − m₁‖²/2w²) + ½·exp(−‖a − m₂‖²/2w²)), modes m₁,₂ = (∓gap/2, 0): two bumps
with maximum ≈ 0 on the modes. The max-entropy objective E_π[r] + α·H(π) is maximised by
π*(a) ∝ exp(r(a)/α) — at α = 1 exactly the equal mixture of N(m₁, w²I) and N(m₂, w²I).

The KL estimator (the same for every policy): ``eval`` actions of each seed binned on a G×G grid over
[−L, L]², the histogram blurred by a Gaussian kernel (std ``BLUR`` cells) and mixed with a uniform floor λ;
π* evaluated on the cell centres, normalised and blurred by the same kernel; KL(π* ‖ p̂) = Σ π* log(π*/p̂).
The forward direction sees both failures: a missing mode leaves half of π*'s mass on the floor (≈ ½·log of
½ over the floor's mass per cell), and mass averaged into the middle lowers p̂ on the modes.
"""
from __future__ import annotations

import math

import torch

GRID = 40            # cells per axis of the KL grid
HALF_WIDTH = 2.5     # the grid spans [−L, L]² (π* puts < 1e-6 of its mass outside at the defaults)
BLUR = 1.0           # std of the smoothing kernel, in cells
FLOOR = 0.01         # λ: weight of the uniform floor mixed into the sampled histogram


def mode_centres(gap: float, device: torch.device) -> torch.Tensor:
    """The two optima (2, 2): (−gap/2, 0) and (+gap/2, 0)."""
    return torch.tensor([[-gap / 2, 0.0], [gap / 2, 0.0]], device=device)


def reward(actions: torch.Tensor, modes: torch.Tensor, width: float) -> torch.Tensor:
    """r(a) = log Σ_k ½·exp(−‖a − m_k‖²/2w²): (..., 2) → (...)."""
    sq = (actions.unsqueeze(-2) - modes).pow(2).sum(-1)                       # (..., 2 modes)
    return torch.logsumexp(-sq / (2 * width ** 2), -1) - math.log(2.0)


def grid_axis(device: torch.device | None = None) -> torch.Tensor:
    """The centres of the G cells along one axis."""
    cell = 2 * HALF_WIDTH / GRID
    return -HALF_WIDTH + cell * (torch.arange(GRID, device=device, dtype=torch.float32) + 0.5)


def _blur(mass: torch.Tensor) -> torch.Tensor:
    """Gaussian blur (std BLUR cells, zero padding) of grids (..., G, G), renormalised: same shape."""
    radius = int(3 * BLUR)
    offsets = torch.arange(-radius, radius + 1, device=mass.device, dtype=mass.dtype)
    kernel = torch.exp(-offsets ** 2 / (2 * BLUR ** 2))
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    flat = mass.reshape(-1, 1, GRID)
    rows = torch.nn.functional.conv1d(flat, kernel, padding=radius).view(mass.shape)
    cols = torch.nn.functional.conv1d(rows.transpose(-1, -2).reshape(-1, 1, GRID), kernel, padding=radius)
    out = cols.view(mass.shape).transpose(-1, -2)
    return out / out.sum((-1, -2), keepdim=True)


def optimal_grid(modes: torch.Tensor, width: float, alpha: float) -> torch.Tensor:
    """π*(a) ∝ exp(r(a)/α) on the cell centres, normalised and blurred like the samples: (G, G), rows = y."""
    axis = grid_axis(modes.device)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    logits = reward(torch.stack([xs, ys], -1), modes, width) / alpha
    return _blur(torch.softmax(logits.flatten(), 0).view(GRID, GRID))


def sample_histogram(actions: torch.Tensor) -> torch.Tensor:
    """p̂: each seed's actions (S, n, 2) binned on the grid (those outside it dropped; non-finite ones land
    outside), blurred, mixed with the uniform floor λ: (S, G, G). No host reads."""
    S, n, _ = actions.shape
    cell = 2 * HALF_WIDTH / GRID
    finite = torch.nan_to_num(actions, nan=1e9, posinf=1e9, neginf=-1e9)
    index = torch.floor((finite + HALF_WIDTH) / cell)
    inside = ((index >= 0) & (index < GRID)).all(-1).to(actions.dtype)
    index = index.clamp(0, GRID - 1).long()
    flat = index[..., 1] * GRID + index[..., 0]
    counts = torch.zeros(S, GRID * GRID, device=actions.device).scatter_add_(1, flat, inside)
    blurred = _blur((counts + 1e-12).view(S, GRID, GRID))
    return (1 - FLOOR) * blurred + FLOOR / GRID ** 2


def kl_to_optimal(actions: torch.Tensor, optimal: torch.Tensor) -> torch.Tensor:
    """KL(π* ‖ p̂) per seed from sampled actions (S, n, 2) and the blurred π* grid (G, G): (S,)."""
    p_hat = sample_histogram(actions)
    return (optimal * (optimal.clamp_min(1e-30).log() - p_hat.log())).sum((-1, -2))


def mode_balance(actions: torch.Tensor) -> torch.Tensor:
    """2·min(share left of 0, share right of 0) of each seed's actions (S, n, 2): 1 when both modes get half
    the samples, 0 when one mode gets none (S,)."""
    left = (actions[..., 0] < 0).to(actions.dtype).mean(-1)
    return 2 * torch.minimum(left, 1 - left)


def gaussian_log_prob(x: torch.Tensor, mean: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """log N(x; μ, diag σ²) of x (S, B, d) under per-seed μ, log σ (S, d): (S, B)."""
    z = (x - mean.unsqueeze(1)) / log_std.exp().unsqueeze(1)
    return (-0.5 * z ** 2 - log_std.unsqueeze(1) - 0.5 * math.log(2 * math.pi)).sum(-1)


def gaussian_entropy(log_std: torch.Tensor) -> torch.Tensor:
    """H(N(μ, diag σ²)) per seed: (S, d) → (S,)."""
    return (log_std + 0.5 * math.log(2 * math.pi * math.e)).sum(-1)


def kl_to_standard_normal(mean: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ (σ² + μ² − 1 − 2 log σ) per seed: (S, d) → (S,)."""
    return 0.5 * (log_std.exp().pow(2) + mean.pow(2) - 1 - 2 * log_std).sum(-1)
