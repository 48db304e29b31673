"""Symphony's stabilizers as switches on the SAC trainer.

Ishuov, Folgheraiter, Nurmanov, Gordo, Farkas & Dombi, "Symphony: A Heuristic Normalized
Calibrated Advantage Actor and Critic Algorithm in application for Humanoid Robots" (arXiv
2512.10477). Read in the authors' PDFs in their repository timurgepard/Symphony-S2, whose abstract is
the arXiv one: ``paper/symphony_s2.pdf`` of January 2026 ("Jan.") and the later ``symphony_saya.pdf``
("later"); equation and table numbers are those texts'. Four of its parts, each a ``SACConfig`` switch:

- **Fading replay buffer** (``fading_replay``, Jan. Table II): transitions ordered from oldest to newest,
  i = 1 … n, are sampled with probability p_i = w_i / Σ_j w_j, w_i = tanh((π·i/n)^e) — a plateau over
  the newest half (w ≈ 1 from i/n ≈ 0.5 on) and a trail that fades toward the oldest
  (w = 0.04 at i/n = 0.1) but never reaches 0. The paper normalizes by the capacity of a buffer it
  fills before learning; the lab's buffer fills as it goes, so n is its fill level (as the authors'
  code of that time, ``fade(indexes/length)``). The authors' later PDF replaced the tanh by a bell
  exp(−(|i/n − φ/2|·φ)^{2e}); we follow the arXiv abstract's "formula containing the hyperbolic
  tangent". Every draw from such a buffer follows these probabilities (the overestimation
  measurement's replayed (s, a) too).
- **Swaddling** (``swaddling`` > 0, the weight λ; ``swaddling_beta``, the temperature β): the
  penalty on action strength x ∈ [0, 1) per action dimension,
      Ωω(x, β) = Ω(x^{1/β}) + β·ω(x),   Ω(x) = ln((1 + x)/(1 − x)),   ω(x) = x·ln x
  (both pseudo-codes; a barrier as x → 1, nearly flat below, with ω's minimum at x = 1/e),
  averaged over the action dimensions (the paper's Symphony-S; its S2 sums them). It enters where
  Symphony puts it: the actor's loss gains + λ·H(s) and the TD target subtracts the next state's
  detached cost, y = r + γ(1 − d)(V(s') − λ·H*(s')) (later Eq. 6, "subtracting a Swaddling
  regularization's value from the next Q prediction"; the Jan. text has the cost in the loss only)
  — the same two places as SAC's entropy term.
  **Simplified**: Symphony's actor outputs a separate strength σ ∈ [0, 1) that scales its action
  and a learned β; SAC's actor has neither, so the strength is x = |tanh μ(s)|, the size of the
  deterministic action relative to the half-width of the box (μ the pre-squash mean), and β is a
  fixed temperature (the paper's "β as temperature" form, so its Ω(β²) term for a learned β is
  absent). λ is ours (the paper adds the cost with weight 1 to losses of normalized rewards); the
  cost is in the units of the learner's reward.
- **Temporal advantage** (``temporal_advantage``, Eq. 3 and the pseudo-code of both): the actor maximizes
  ReHAE((q − Q_T)/|Q_T|), ReHAE(x) = |x|·tanh(x/2), where Q_T = α·Q_{T−1} + (1 − α)·mean(q*) is an
  exponential moving average, per seed, of the batch-mean critic value (detached), α = 1/φ ≈ 0.618,
  updated with the current batch before it is used (as the authors' ``critic_soft``), and q the
  critic's estimate at the actor's action. **Simplified**: Symphony evaluates q with the target
  critic at s' so that actor and critic update in one pass; the lab keeps SAC's separate actor step
  on the just-updated critic at s (as ``advantage_clip`` does). The signal is scale-free, so SAC's
  α·log π term weighs more against it than against Q (as with ``advantage_clip``).
- **Bounded noise** (``bounded_noise``; Section III of both: ε ~ N(0, 1) limited to [−e, e]): the standard
  normal draw of the actor's reparameterized sample u = μ + σ·ε is clamped to [−e, e] in acting and
  in the updates. **Simplified**: Symphony's noise has a fixed scale 1/e; SAC keeps its learned σ
  (its entropy term needs one), so only the bound is taken. log π is the Gaussian's density at the
  clamped draw (the 0.66 % of draws beyond ±e land on the bound; the truncated law's normalizer,
  ln 0.9934 per dimension, is left out).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .actor import SquashedGaussianActor

PHI = (1 + math.sqrt(5)) / 2
EMA_ALPHA = 1 / PHI                       # Symphony's smoothing of Q_T, the reciprocal of the golden ratio
NOISE_BOUND = math.e                      # ε ~ N(0, 1) limited to [−e, e]
STRENGTH_EPS = 1e-6                       # x kept in [ε, 1 − ε] so Ω and ω stay finite (the authors' 1e-8
                                          # rounds 1 − ε to 1 in float32, where |tanh μ| saturates)


def fading_probabilities(n: int, device: torch.device | None = None) -> torch.Tensor:
    """Table II: p_i ∝ tanh((π·i/n)^e) for the n stored transitions, oldest (i = 1) to newest (i = n), (n,)."""
    position = torch.arange(1, n + 1, device=device, dtype=torch.float32) / n
    weights = torch.tanh((math.pi * position) ** math.e)
    return weights / weights.sum()


def swaddling_cost(strength: torch.Tensor, beta: float) -> torch.Tensor:
    """Ωω(x, β) = ln((1 + x^{1/β})/(1 − x^{1/β})) + β·x·ln x per action dimension, averaged over the
    last axis: strength (..., act_dim) in [0, 1) → (...)."""
    x = strength.clamp(STRENGTH_EPS, 1 - STRENGTH_EPS)
    barrier = x.pow(1 / beta)
    return (torch.log((1 + barrier) / (1 - barrier)) + beta * x * torch.log(x)).mean(-1)


def action_strength(actor: SquashedGaussianActor, obs: torch.Tensor) -> torch.Tensor:
    """x = |tanh μ(s)|: the deterministic action's size relative to the box's half-width, (seeds, B, act_dim)."""
    mean, _ = actor.distribution(obs)
    return torch.tanh(mean).abs()


def rehae(x: torch.Tensor) -> torch.Tensor:
    """Rectified Huber asymmetric error |x|·tanh(x/2): ≈ x·|x|/2 near 0, ≈ |x|·sign(x) far out."""
    return x.abs() * torch.tanh(x / 2)


class TemporalAdvantage:
    """Q_T per seed and the actor's signal ReHAE((q − Q_T)/|Q_T|)."""

    def __init__(self, seeds: int, device: torch.device):
        self.q_t = torch.zeros(seeds, device=device)

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        """q (seeds, B) with grad → the signal (seeds, B); updates Q_T with the batch mean of q first.
        |Q_T| is kept ≥ 10⁻⁶ so that a critic whose mean is exactly 0 does not divide by 0."""
        self.q_t = EMA_ALPHA * self.q_t + (1 - EMA_ALPHA) * q.detach().mean(1)
        q_t = self.q_t[:, None]
        return rehae((q - q_t) / q_t.abs().clamp_min(1e-6))


class BoundedNoiseActor(SquashedGaussianActor):
    """``SquashedGaussianActor`` whose standard normal draw ε is clamped to [−e, e]."""

    def rsample(self, obs: torch.Tensor, generator: torch.Generator, train: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The parent's sample and log-density (see ``SquashedGaussianActor.rsample``) at the clamped ε."""
        mean, log_std = self.distribution(obs, generator=generator, train=train)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device).clamp(-NOISE_BOUND, NOISE_BOUND)
        u = mean + log_std.exp() * eps
        log_gauss = (-0.5 * eps ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_jacobian = (2 * (math.log(2.0) - u - F.softplus(-2 * u)) + self.half_width.log()).sum(-1)
        return self.centre + self.half_width * torch.tanh(u), log_gauss - log_jacobian, u
