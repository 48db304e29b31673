"""SAFE's stabilizers (Maity, "SAFE: Stable Alignment Finetuning with Entropy-Aware Predictive
Control for RLHF", arXiv 2602.04651), per seed:

- Double soft-min critic: two value heads V₁, V₂ (here tables over prompts, trained by a Huber
  loss on the outcome reward, each on its own half of the rollouts) combined pessimistically,
      V_soft = −α·log[½(e^{−V₁/α} + e^{−V₂/α})]      (confirmed form),
  and the advantage is Â = r − V_soft(prompt).
- Entropy-gated KL: L = g_t · L_base (confirmed form), here L_base = β·max(0, KL_t − τ_t), KL_t the
  mean k3 KL of π_θ to the reference over the mini-batch's tokens, and the gate
  g_t = σ((H₀/2 − H_t) / (H₀/10)) high when the entropy H_t has fallen below half its
  initial value H₀ (mode collapse) and low while it is high (exploration). The gate's form
  is ours (not confirmed).
- PID-controlled threshold: τ_t = (τ_base + PID(v_t))·φ_t (confirmed form), v_t the reward velocity
  (a fast minus a slow EMA of the batch's mean reward), PID(v) = K_p v + K_i Σv + K_d Δv,
  φ_t = clip(H_t/H₀, ½, 1) (our choice), and τ_t clipped to [0.1, 0.6] (the issue's range, and the
  authors' code's).

Differentiability (our decision): the KL penalty is differentiable in θ (a hinge, so almost
everywhere; it is zero below the threshold); the gate g_t and threshold τ_t are computed from
detached statistics and carry no gradient — they are a controller, not part of the model.

Checked against the paper's abstract page (the three forms marked confirmed) and the authors' code
(github.com/ryyzn9/SAFE, notebooks/mainD.py): τ_base = 0.3 and the clip of τ to [0.1, 0.6] are theirs. Their
code differs from ours in: advantages normalized over the batch; a quadratic penalty 0.1·(KL̄ − τ)² above τ on
an EMA (rate 0.1) of the batch KL, computed from detached floats, so there it carries no gradient; an
entropy factor max(0.5, 2/(H + 0.1)) that amplifies the penalty at low entropy and never falls below 0.5
(our gate closes at high entropy); PID gains 0.3/0.01/0.05 on the change of one reward EMA minus a target
0.001; and a training-phase multiplier on τ. We keep our forms.

What it does here (tests/llmrl/test_stabilizer_safe.py): on a hackable proxy the hinge stops the true-reward
crash that GRPO falls into. With a linear hinge the gradient does not depend on τ while KL > τ — τ only
switches the hinge on and off — so where the KL stays above τ's ceiling, the threshold and its PID are inert.
"""
from __future__ import annotations

import math

import torch

TAU_RANGE = (0.1, 0.6)
FAST, SLOW = 0.3, 0.05        # EMA rates of the reward velocity's two timescales
INTEGRAL_LIMIT = 5.0          # anti-windup: |Σ v| ≤ this
CRITIC_LR = 0.05              # Adam step of the critic tables


def soft_min(v1: torch.Tensor, v2: torch.Tensor, alpha: float) -> torch.Tensor:
    """V_soft = −α·log[½(e^{−V₁/α} + e^{−V₂/α})], between min(V₁, V₂) and their mean."""
    stacked = torch.stack([v1, v2]) / -alpha
    return -alpha * (torch.logsumexp(stacked, 0) - math.log(2.0))


class SafeController:
    """Each seed's double critic, entropy gate and PID threshold."""

    def __init__(self, seeds: int, prompts: int, alpha: float, tau_base: float, gains: tuple[float, float, float],
                 device: torch.device):
        self.alpha, self.tau_base, self.gains = alpha, tau_base, gains
        self.values = torch.zeros(2, seeds, prompts, device=device, requires_grad=True)
        self.optimizer = torch.optim.Adam([self.values], lr=CRITIC_LR, capturable=device.type == "cuda")
        zeros = torch.zeros(seeds, device=device)
        self.fast, self.slow = zeros.clone(), zeros.clone()
        self.integral, self.last_error = zeros.clone(), zeros.clone()
        self.initial_entropy: torch.Tensor | None = None
        self.threshold = torch.full((seeds,), tau_base, device=device)
        self.gate = zeros.clone()

    def advantage(self, prompts: torch.Tensor, reward: torch.Tensor) -> torch.Tensor:
        """Â = r − V_soft(prompt), then one Huber step of each critic on its half of the rollouts."""
        v = torch.gather(self.values.detach(), 2, prompts.unsqueeze(0).expand(2, -1, -1))   # (2, S, B)
        adv = reward - soft_min(v[0], v[1], self.alpha)
        head = torch.arange(reward.shape[1], device=reward.device) % 2                 # rollout i → head i mod 2
        fitted = torch.gather(self.values, 2, prompts.unsqueeze(0).expand(2, -1, -1))
        own = torch.stack([head == 0, head == 1]).unsqueeze(1).to(reward.dtype)             # (2, 1, B)
        loss = (torch.nn.functional.huber_loss(fitted, reward.expand_as(fitted), reduction="none") * own).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return adv

    def update(self, reward_mean: torch.Tensor, entropy: torch.Tensor) -> None:
        """Advance the controller by one rollout batch: velocity → PID → threshold; entropy → gate."""
        if self.initial_entropy is None:
            self.initial_entropy = entropy.clone()
            self.fast, self.slow = reward_mean.clone(), reward_mean.clone()
        self.fast += FAST * (reward_mean - self.fast)
        self.slow += SLOW * (reward_mean - self.slow)
        error = self.fast - self.slow                                                         # reward velocity
        # the controller's state is updated in place: a captured step replays on the same buffers (lab.core.capture)
        self.integral.copy_((self.integral + error).clamp(-INTEGRAL_LIMIT, INTEGRAL_LIMIT))
        kp, ki, kd = self.gains
        pid = kp * error + ki * self.integral + kd * (error - self.last_error)
        self.last_error.copy_(error)
        h0 = self.initial_entropy
        phi = (entropy / h0).clamp(0.5, 1.0)
        self.threshold.copy_(((self.tau_base + pid) * phi).clamp(*TAU_RANGE))
        self.gate.copy_(torch.sigmoid((h0 / 2 - entropy) / (h0 / 10)))

    def penalty(self, kl: torch.Tensor, coef: float) -> torch.Tensor:
        """g_t · β · max(0, KL_t − τ_t) per seed; differentiable in KL_t."""
        return self.gate * coef * (kl - self.threshold).clamp(min=0)
