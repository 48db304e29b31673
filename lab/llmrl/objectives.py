"""Token-level surrogates: each returns the per-token objective to *maximize* and a mask of the
tokens it clipped (no gradient through them), both (S, b, L).

``log_ratio`` is log π_θ/π_old per token, ``adv`` the response's advantage broadcast to tokens.
"""
from __future__ import annotations

import torch


def grpo(log_ratio: torch.Tensor, adv: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """GRPO's clipped surrogate (Shao et al., DeepSeekMath, arXiv 2402.03300, Eq. 3):

        min(r·Â, clip(r, 1 − ε, 1 + ε)·Â),   r = π_θ(o_t | q, o_<t) / π_old(o_t | q, o_<t).

    'Plain': the ratio is taken against π_old as the trainer computes it; that the tokens were
    sampled by a different μ_old is ignored."""
    ratio = log_ratio.exp()
    unclipped, clipped = ratio * adv, ratio.clamp(1 - eps, 1 + eps) * adv
    return torch.minimum(unclipped, clipped), clipped < unclipped


def minirl(log_ratio: torch.Tensor, adv: torch.Tensor, log_is: torch.Tensor, eps: float,
           cap: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-level surrogate with importance-sampling correction (Zheng et al., "Stabilizing
    Reinforcement Learning with LLMs: Formulation and Practices", arXiv 2512.01374, §2.3 and the
    MiniRL baseline of §4.1):

        M_t · sg[min(π_old/μ_old, C)] · r_t · Â,   r_t = π_θ/π_old,
        M_t = 0 where (Â > 0 and r_t > 1 + ε) or (Â < 0 and r_t < 1 − ε), else 1.

    The weight π_old/μ_old corrects the training–inference discrepancy (tokens were sampled by
    μ_old); truncating it at C bounds its variance; the mask M_t — PPO-style clipping written as
    a mask, the same gradient as GRPO's min/clip — bounds the staleness of π_θ against π_old.
    Stated form: the paper's text was read only in summaries; we did not confirm whether it
    truncates the weight (rather than, e.g., masking tokens whose weight is extreme) or which
    normalization over tokens it uses (here: the token mean per seed)."""
    ratio = log_ratio.exp()
    masked = ((adv > 0) & (ratio > 1 + eps)) | ((adv < 0) & (ratio < 1 - eps))
    weight = log_is.exp().clamp(max=cap).detach()
    return torch.where(masked, 0.0, weight * ratio * adv), masked


def log_fidelity(log_ratio: torch.Tensor, c: float) -> torch.Tensor:
    """MHPO's log-fidelity modulator in log space, ψ(r) = c·tanh(log r / c): ≈ log r near r = 1,
    bounded in (−c, c), smooth everywhere; the modulated ratio e^ψ lies in (e^{−c}, e^{c})."""
    return c * torch.tanh(log_ratio / c)


def mhpo(log_ratio: torch.Tensor, adv: torch.Tensor, c: float, coef: float, scale_up: float,
         scale_down: float, shape: float) -> tuple[torch.Tensor, torch.Tensor]:
    """MHPO (Wang et al., arXiv 2603.16929): the log-fidelity modulated ratio and the decoupled hazard penalty,

        e^{ψ(r)}·Â − coef·[H₊(max(log r, 0)) + H₋(max(−log r, 0))],   H±(x) = (x / λ±)^k,

    H± Weibull cumulative hazards regulating positive and negative policy shifts separately.
    Confirmed from the abstract: a modulator mapping ratios into a bounded differentiable domain
    and cumulative-hazard penalties on positive and negative shifts, decoupled. Not confirmed:
    the paper's hazard family and constants (c, λ±, k, coef) — the Weibull form and the defaults
    here are our choice. Nothing is clipped (the returned mask is all False).

    At r = 1 the gradient is GRPO's (slope of e^ψ is 1, the hazard's is 0), so MHPO differs from
    GRPO only on stale mini-batches; what it prevents here is measured in
    tests/llmrl/test_stabilizer_mhpo.py (the hazard does the work, in a band of ``coef``)."""
    modulated = log_fidelity(log_ratio, c).exp() * adv
    up, down = log_ratio.clamp(min=0), (-log_ratio).clamp(min=0)
    hazard = (up / scale_up) ** shape + (down / scale_down) ** shape
    return modulated - coef * hazard, torch.zeros_like(log_ratio, dtype=torch.bool)


def k3(log_p: torch.Tensor, log_ref: torch.Tensor) -> torch.Tensor:
    """The k3 estimator of KL(π_θ ‖ π_ref) per token (DeepSeekMath Eq. 4):
    π_ref/π_θ − log(π_ref/π_θ) − 1 ≥ 0, unbiased for tokens sampled from π_θ."""
    diff = log_ref - log_p
    return diff.exp() - diff - 1
