"""The actor's learning signal as a normalized, clipped advantage (after AC-Flow).

Fan, Cheng, Shen, Zhou & Liu, "Fine-tuning Flow Matching Generative Models with Intermediate
Feedback" (AC-Flow, arXiv 2510.18072) stabilize an actor-critic by (i) a warm-up in which the
critic trains alone before it may influence the actor, and (ii) clipping the advantage so that
no single estimate drives a destructive policy update. The warm-up lives in the trainer
(``critic_warmup``); this module gives the clipped signal.

**Form implemented (AC-Flow's own setting is fine-tuning image generators; this transfer to SAC's
reparameterized actor is ours)**: with Q̂ the critic's estimate,

    A(s, ã) = Q̂(s, ã) − Q̂(s, ā(s)),           ā(s) = the greedy action, held fixed (detached),
    Â = clip(A / (std_batch(A) + 10⁻⁶), −c, c),   the std held fixed,

and the actor minimizes E[α·log π(ã|s) − Â]. Where |A/std| > c the signal is flat, so that
sample contributes no critic gradient to the actor; inside, the gradient is SAC's ∇Q̂ scaled by
1/std_batch(A) — a per-seed normalization of the critic's scale.
"""
from __future__ import annotations

import torch


def clipped_advantage(q_sample: torch.Tensor, q_greedy: torch.Tensor, clip: float) -> torch.Tensor:
    """Â per (seed, sample): q_sample (seeds, B) with grad, q_greedy (seeds, B) the baseline."""
    advantage = q_sample - q_greedy.detach()
    scale = advantage.detach().std(dim=-1, correction=0, keepdim=True) + 1e-6
    return (advantage / scale).clamp(-clip, clip)
