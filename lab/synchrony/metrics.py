"""Synchrony, stability, coherence, register flips, prompt legibility and cache hits of a replay.

Each metric is first averaged over a dialog's turns, then over dialogs (the paper's per-session
means, then the mean over sessions; Brandt 2025, arXiv 2510.00339, Table 1). Per turn t = 1..T:

- synchrony  cos(b_t, u_t)            — the bot's target mirrors the user's turn;
- stability  cos(b_t, b_{t−1}), b_0 = c — the target keeps its own direction from turn to turn;
- coherence  cos(b_t, c)              — the target stays near the persona;
- cache-hit rate: the share of turns where Hybrid+Cache reused b_{t−1}.

The paper gives no exact definitions of register flips and prompt legibility; the lab's
operational ones, over the transitions t = 2..T between rendered targets (b_0, the persona
itself, is never rendered as a delta):

- register: the side of the dataset's mean the target's informality is on,
  casual (z > band), formal (z < −band) or neutral (|z| ≤ band), ``band`` = 0 by default;
  a **register flip** is a turn whose register differs from the previous turn's;
  the register-flip rate is flips / transitions.
- rendered style instructions: per dimension, "more" (z > 0.5), "less" (z < −0.5) or
  nothing — the delta a base+delta prompt would add for a target half a standard deviation or
  more from the dataset's mean; **instruction churn** is the share of transitions whose
  instruction set differs from the previous turn's, and **prompt legibility** = 1 − churn.

Dialogs with a single turn have no transitions and are left out of the two rate means.
"""
from __future__ import annotations

import torch

from .replay import Replay
from .style_space import DIMENSIONS, cosine

REGISTER_DIMENSION = "informality"
REGISTER_BAND = 0.0
INSTRUCTION_BAND = 0.5

METRICS = ("synchrony", "stability", "coherence", "register_flip_rate", "legibility", "cache_hit_rate")


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the last axis where ``mask``; NaN where nothing is masked in."""
    mask = mask.expand_as(values)
    count = mask.sum(-1)
    total = torch.where(mask, values, torch.zeros_like(values)).sum(-1)
    return total / count.clamp(min=1) + torch.where(count > 0, 0.0, torch.nan).to(total)


def bands(z: torch.Tensor, band: float) -> torch.Tensor:
    """+1 above ``band``, −1 below −band, 0 in between."""
    return (z > band).to(torch.int8) - (z < -band).to(torch.int8)


def dialog_metrics(run: Replay, register_band: float = REGISTER_BAND,
                   instruction_band: float = INSTRUCTION_BAND) -> dict[str, torch.Tensor]:
    """Every metric per dialog and policy setting, each of shape (D, P)."""
    bot, user, mask = run.bot, run.user[:, None], run.mask[:, None]
    turn_mask = mask.expand(bot.shape[:3])
    transitions = turn_mask[..., 1:] & turn_mask[..., :-1]
    register = bands(bot[..., DIMENSIONS.index(REGISTER_DIMENSION)], register_band)
    instructions = bands(bot, instruction_band)
    return {
        "synchrony": masked_mean(cosine(bot, user), turn_mask),
        "stability": masked_mean(cosine(bot, run.previous), turn_mask),
        "coherence": masked_mean(cosine(bot, run.persona), turn_mask),
        "register_flip_rate": masked_mean((register[..., 1:] != register[..., :-1]).to(bot.dtype), transitions),
        "legibility": 1 - masked_mean((instructions[..., 1:, :] != instructions[..., :-1, :]).any(-1).to(bot.dtype),
                                      transitions),
        "cache_hit_rate": masked_mean(run.cache_hits.to(bot.dtype), turn_mask),
    }


def summarize(run: Replay, **definitions: float) -> dict[str, torch.Tensor]:
    """Every metric per policy setting, shape (P,): the mean over dialogs of the per-dialog means."""
    return {name: values.nanmean(0) for name, values in dialog_metrics(run, **definitions).items()}


def stability_first_turn(run: Replay) -> dict[str, torch.Tensor]:
    """Stability per policy setting, shape (P,), with turn 1's term cos(b_1, b_0) counted three ways.

    Turn 1 compares the first target with b_0 = c, the persona. When c is numerically the zero
    vector (the paper's human-log centroid, norm ≈ 1e-14) that cosine is the cosine with rounding
    noise; and every adaptive policy puts b_1 along u_1 (from b_0 ≈ 0, EMA gives α·u_1, Cap a step
    towards u_1, Dead-Band jumps to it), so the term is the same number for all of them.

    - ``as computed``: the artifact's definition, as ``summarize`` (the term included);
    - ``turn 1 = 0``: the term replaced by 0 — the cosine with an exactly-zero b_0 under the usual
      guarded convention — and still counted as a turn;
    - ``turn 1 dropped``: the mean over turns 2..T only (one-turn dialogs drop out);
    - ``turn 1 term``: the mean over dialogs of cos(b_1, b_0) itself;
    - ``turn 1 share``: what the term adds to ``as computed`` (= as computed − turn 1 = 0).
    """
    mask = run.mask[:, None].expand(run.bot.shape[:3])
    per_turn = cosine(run.bot, run.previous)
    zeroed = per_turn.clone()
    zeroed[..., 0] = 0.0
    as_computed = masked_mean(per_turn, mask).nanmean(0)
    turn_1_zero = masked_mean(zeroed, mask).nanmean(0)
    return {"as computed": as_computed,
            "turn 1 = 0": turn_1_zero,
            "turn 1 dropped": masked_mean(per_turn[..., 1:], mask[..., 1:]).nanmean(0),
            "turn 1 term": torch.where(mask[..., 0], per_turn[..., 0], torch.nan).nanmean(0),
            "turn 1 share": as_computed - turn_1_zero}
