"""Rollout-correction health metrics, per seed: how far the sampler μ_old is from the trainer's π_old.

Every function takes log π_old and log μ_old of the sampled tokens and a mask of the tokens that
count, all (S, B, L), and returns one value per seed, (S,). The weight is w_t = π_old(y_t)/μ_old(y_t)
per token and w = ∏_t w_t per sequence.

Sources read (the definitions and thresholds below follow them):
- verl, "Rollout Correction" (docs/algo/rollout_corr.md, read in the copy github.com/zpqiu/verl, last
  updated 10/30/2025), section "Metrics": ``rollout_is_mean/std/min/max`` over the valid tokens;
  ``rollout_is_eff_sample_size`` = 1 / mean(w²) with w normalized (to mean 1), in [0, 1];
  ``chi2_token`` = mean(w²) − 1 and ``chi2_seq`` = mean((∏_t w_t)²) − 1; ``k3_kl`` =
  mean(exp(log_ratio) − log_ratio − 1); ``rollout_is_ratio_fraction_high/low``, the fraction of weights
  above the upper threshold and below the lower one (the lower one the upper's reciprocal by default,
  the upper ``rollout_is_threshold`` 2.0 by default); IS weights safety-bounded to [e^−20, e^20].
  Its health checks ("Conditional Alerting Based on Metrics", "Troubleshooting"): mean IS weight
  outside [0.5, 2.0], ESS below 0.3, IS weight std above 1.0, χ²_token above 1.0.
- TRL's GRPOTrainer (trl/trainer/grpo_trainer.py, read in excerpts of copies found by code search)
  logs ``sampling/importance_sampling_ratio/min|mean|max`` of the same per-token weight over the
  completion mask, and ``entropy`` and the clip ratios, which the trainer here already records.

Our choices, not read: every metric here uses the safety-bounded weights (verl states the bound for the
weights it trains with); the std is the population std (verl's doc does not say which); the sequence
metrics treat a sequence as valid when any of its tokens is; no threshold is given for χ²_seq or k3 (verl
states its χ² threshold for chi2_token, and |kl| > 0.1 for its plain ``kl``, not for ``k3_kl``).
"""
from __future__ import annotations

import torch

LOG_WEIGHT_BOUND = 20.0          # verl: IS weights safety-bounded to [exp(−20), exp(20)]
IS_MEAN_RANGE = (0.5, 2.0)       # verl: mean IS weight outside [0.5, 2.0] warns
IS_STD_MAX = 1.0                 # verl: IS weight std above 1.0 warns
ESS_MIN = 0.3                    # verl: effective sample size below 0.3 warns
CHI2_MAX = 1.0                   # verl: χ² divergence (token) above 1.0 warns ("severe distribution shift")
IS_THRESHOLD = 2.0               # verl: default rollout_is_threshold; the lower one is its reciprocal


def token_log_weights(log_old: torch.Tensor, log_mu: torch.Tensor) -> torch.Tensor:
    """log w_t = log π_old − log μ_old per token, safety-bounded as verl bounds it: (S, B, L)."""
    return (log_old - log_mu).clamp(-LOG_WEIGHT_BOUND, LOG_WEIGHT_BOUND)


def sequence_log_weights(log_old: torch.Tensor, log_mu: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """log ∏_t w_t over each sequence's valid tokens, safety-bounded: (S, B)."""
    total = ((log_old - log_mu) * mask).sum(-1)
    return total.clamp(-LOG_WEIGHT_BOUND, LOG_WEIGHT_BOUND)


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of each seed's valid entries: (S, ...) → (S,)."""
    mask = mask.to(x.dtype)
    return (x * mask).flatten(1).sum(1) / mask.flatten(1).sum(1)


def weight_stats(log_w: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """verl's rollout_is_mean/std/min/max (TRL's importance_sampling_ratio min/mean/max) of the
    weights e^{log_w} over each seed's valid entries; the std is the population std (our choice)."""
    w = log_w.exp()
    mean = masked_mean(w, mask)
    centred = w - mean.view(-1, *[1] * (w.dim() - 1))
    valid = mask.bool()
    return {"mean": mean, "std": masked_mean(centred ** 2, mask).sqrt(),
            "min": w.masked_fill(~valid, float("inf")).flatten(1).amin(1),
            "max": w.masked_fill(~valid, float("-inf")).flatten(1).amax(1)}


def effective_sample_size(log_w: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """verl's rollout_is_eff_sample_size: 1 / mean(ŵ²) with ŵ = w / mean(w), i.e. (Σw)² / (n·Σw²),
    in (0, 1]; 1 when every weight is equal."""
    w = log_w.exp()
    return masked_mean(w, mask) ** 2 / masked_mean(w ** 2, mask)


def chi2(log_w: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """verl's chi2_token / chi2_seq: E_μ[w²] − 1, the χ² divergence of π_old from μ_old estimated
    on μ_old's samples (token weights give chi2_token, sequence weights chi2_seq)."""
    return masked_mean((2 * log_w).exp(), mask) - 1


def k3_kl(log_w: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """verl's k3_kl: mean(w − log w − 1) ≥ 0, an estimate of KL(μ_old ‖ π_old) on μ_old's samples."""
    return masked_mean(log_w.exp() - log_w - 1, mask)


def outside_fractions(log_w: torch.Tensor, mask: torch.Tensor,
                      upper: float = IS_THRESHOLD) -> tuple[torch.Tensor, torch.Tensor]:
    """verl's rollout_is_ratio_fraction_high / _low: the fractions of valid weights above ``upper``
    and below 1/``upper`` — the tokens its rejection sampling would mask."""
    w = log_w.exp()
    return masked_mean((w > upper).to(w.dtype), mask), masked_mean((w < 1 / upper).to(w.dtype), mask)


def health_metrics(log_old: torch.Tensor, log_mu: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every health metric of one rollout batch, (S,) each: is_mean/std/min/max (token weights),
    is_seq_mean/std/min/max (sequence weights), is_ess and is_seq_ess, chi2_token and chi2_seq,
    mismatch_k3 (k3 KL(μ_old ‖ π_old)), is_frac_high and is_frac_low (token weights outside
    [1/IS_THRESHOLD, IS_THRESHOLD])."""
    log_w = token_log_weights(log_old, log_mu)
    log_w_seq = sequence_log_weights(log_old, log_mu, mask)
    seq_mask = mask.any(-1)
    high, low = outside_fractions(log_w, mask)
    return {
        **{f"is_{k}": v for k, v in weight_stats(log_w, mask).items()},
        **{f"is_seq_{k}": v for k, v in weight_stats(log_w_seq, seq_mask).items()},
        "is_ess": effective_sample_size(log_w, mask), "is_seq_ess": effective_sample_size(log_w_seq, seq_mask),
        "chi2_token": chi2(log_w, mask), "chi2_seq": chi2(log_w_seq, seq_mask),
        "mismatch_k3": k3_kl(log_w, mask),
        "is_frac_high": high, "is_frac_low": low,
    }
