"""FiberPO's gated ratio (Li et al., "Fibration Policy Optimization", arXiv 2603.08239, Def. 5.1, Eqs. 6–16).

For trajectory τ of T_τ steps (here every episode has T_τ = L) with step log-ratios log r_t = log π_θ/π_old:

    Ĵ = Σ_(s,a,τ,t) (1/|T_j|)(1/T_τ) · G(r•)_t · Â_t                                         (6)
    G(r•)_i = w_τ^base · r̃_i^fiber                                                            (7)
    w_τ^base = exp(g^agg(log s_τ⁺, C⁺, T_τ)) / exp(g^agg(log s_τ⁻, C⁻, T_τ))                 (8)
    log s_τ⁺ = (1/T_τ) Σ_t max(log r_t, 0),   log s_τ⁻ = (1/T_τ) Σ_t max(−log r_t, 0)        (9)
    g^agg(x, C, T) = x                         |x| ≤ C                  (pass-through)
                   = sign(x)(T + 1)C − T x     C < |x| < (1 + 1/T) C     (rollback, slope −T)
                   = 0                         otherwise                (zeroed)             (10)
    r̃_i^fiber = logclip((s_τ^(l_i))^(−l_i) r_i, ε) / logclip((s_τ^(−l_i))^(−l_i), ε)         (11)
    logclip(x, ε) = exp(clip(log x, −ε, ε))                                                   (12)
    l_i = sign(log r_i) ∈ {+1, −1}                                                            (13)

computed in the paper's log form (Eqs. 14–16):

    u_i = l_i log r_i − log s_τ^(l_i)                                                         (14)
    v_i = −log s_τ^(−l_i)                                                                     (15)
    r̃_i^fiber = exp(clip(l_i u_i, ±ε) − clip(l_i v_i, ±ε))                                    (16)

so that, with S± = log s_τ^±,

    log G_i = g(S⁺, C⁺) − g(S⁻, C⁻) + clip(log r_i − S⁺, ±ε) − clip(−S⁻, ±ε)     l_i = +1
    log G_i = g(S⁺, C⁺) − g(S⁻, C⁻) + clip(log r_i + S⁻, ±ε) − clip(S⁺, ±ε)      l_i = −1

and log G_i = log r_i exactly while nothing is clipped. The budgets are C⁺ = split·δ and
C⁻ = (1 − split)·δ (C⁺ + C⁻ = δ; the paper recommends C⁻ < C⁺, i.e. split > 1/2, because log s⁻ ≥
log s⁺ in expectation). There is no PPO min(·,·): the gated ratio simply multiplies Â. Nothing is
stop-gradiented: gradients flow through S± (the paper's Jacobian, Prop. 5.2, Eq. 20, says so). A
channel in rollback reverses the trajectory-level slope: it pulls a trajectory back towards its
budget when the drift *agrees* with the advantage's sign (a failed episode made less likely, a
successful one more), but when the drift opposes it — a successful episode whose likelihood fell
(S⁻ in the band), a failed one whose likelihood rose — gradient ascent drives it further the wrong way,
T times as strongly as in pass-through, until the channel is zeroed and no trajectory-level gradient
is left (checked by an independent review: at S⁻ = 0.13 and Â = +1, dJ/dlog r = −0.92 per step against
+0.23 at S⁻ = 0.10). PPO's min(·,·) has no such case.

Inferred, not stated by the paper:
- l_i at log r_i = 0 (every step of the first epoch): the paper's l is ±1 and says nothing of 0;
  torch.sign(0) = 0 would drop such a step from both channels and from its residual, so l = +1 there
  (the step then belongs to the + channel; G_i = 1 and the Jacobian is the identity either way).
- Which channel a step's gradient flows into at log r = 0 follows the same l (max(·, 0) has no
  derivative there); the Jacobian at r = 1 is the identity for any choice (Prop. 5.4).
- The returned mask ("gates active") counts a step when its trajectory's base channel is outside
  pass-through (S⁺ > C⁺ or S⁻ > C⁻) or either of its residual clips (16) is engaged.
- The paper gives no δ or ε used in training (its figures use C⁺ = 0.12–0.20, C⁻ = 0.05–0.10,
  ε = 0.025–0.04; it asks for ε ≪ δ); the lab's defaults (δ = 0.3, split 0.6, ε = 0.05) are ours.

The trainer maximises the mean of G·Â over each seed's B·L steps, which is Eq. 6's (1/|T_j|)(1/T_τ)
weighting when every episode has L steps.

Measured on the lab's heavy-reuse toy (tests/agents/test_fiberpo.py): with Adam at a high lr the gate
bounds neither the sequence drift nor the collapse; it does worse than PPO's token clip there.
"""
from __future__ import annotations

import torch


def aggregate_gate(x: torch.Tensor, budget: float, T: int) -> torch.Tensor:
    """g^agg(x, C, T), Eq. 10: pass-through for |x| ≤ C, rollback with slope −T up to (1 + 1/T)·C, then 0."""
    size = x.abs()
    rollback = torch.sign(x) * (T + 1) * budget - T * x
    zero = torch.zeros_like(x)
    return torch.where(size <= budget, x, torch.where(size < (1 + 1 / T) * budget, rollback, zero))


def channels(log_ratio: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """l (Eq. 13, +1 at log r = 0) and the sign-split aggregates S⁺ = log s⁺, S⁻ = log s⁻ (Eq. 9), (S, B)."""
    positive = log_ratio >= 0
    zero = torch.zeros_like(log_ratio)
    s_plus = torch.where(positive, log_ratio, zero).mean(-1)
    s_minus = torch.where(positive, zero, -log_ratio).mean(-1)
    return positive, s_plus, s_minus


def log_gate(log_ratio: torch.Tensor, delta: float, split: float,
             eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """log G(r•) (Eqs. 7–16) per step and the mask of steps whose gates are active: (..., T) each."""
    T = log_ratio.shape[-1]
    c_plus, c_minus = split * delta, (1 - split) * delta
    positive, s_plus, s_minus = channels(log_ratio)
    log_base = aggregate_gate(s_plus, c_plus, T) - aggregate_gate(s_minus, c_minus, T)       # log w^base, Eq. 8
    sp, sm = s_plus.unsqueeze(-1), s_minus.unsqueeze(-1)
    lu = torch.where(positive, log_ratio - sp, log_ratio + sm)                                # l_i u_i, Eq. 14
    lv = torch.where(positive, -sm, sp).expand_as(log_ratio)                                  # l_i v_i, Eq. 15
    log_fiber = lu.clamp(-eps, eps) - lv.clamp(-eps, eps)                                      # log r̃, Eq. 16
    base_active = (s_plus > c_plus) | (s_minus > c_minus)
    active = base_active.unsqueeze(-1) | (lu.abs() > eps) | (lv.abs() > eps)
    return log_base.unsqueeze(-1) + log_fiber, active


def surrogate(log_ratio: torch.Tensor, adv: torch.Tensor, delta: float, split: float,
              eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The per-step objective G(r)·Â to maximize (Eq. 6 before its mean) and the steps whose gates are
    active: (S, B, L) each. ``log_ratio`` = log π_θ/π_old per step, with its graph; δ = C⁺ + C⁻,
    C⁺ = split·δ; ε the residual gate."""
    log_g, active = log_gate(log_ratio, delta, split, eps)
    return log_g.exp() * adv, active
