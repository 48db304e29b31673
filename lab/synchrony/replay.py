"""Replaying policies on recorded user turns: every dialog × every policy setting, one batch.

The user's turns are fixed (recorded or synthetic); a policy only decides the bot's style
target b_t after each user turn u_t, starting from b_0 = c, the persona — the paper's replay
(Brandt 2025, arXiv 2510.00339) of the adaptive-condition user vectors.

``batches`` splits a corpus for replays whose memory is linear in its turns: a replay holds
(dialogs, settings, longest turns, 8) tensors, so one long dialog among many short ones made the
dashboard pad all of them to it (issue 12: 200/400 one-turn dialogs and one 200/400-turn dialog,
129 settings: 1.4/4.2 GB, 600: 12.3 GB).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .policies import PolicyGrid, adapt


@dataclass(frozen=True)
class Replay:
    """What a replay produced, for D dialogs, P policy settings and T turns.

    user: (D, T, 8) z-space user vectors; mask: (D, T), true on real (not padded) turns;
    persona: (8,); bot: (D, P, T, 8) the targets b_1..b_T; cache_hits: (D, P, T).
    """

    grid: PolicyGrid
    user: torch.Tensor
    mask: torch.Tensor
    persona: torch.Tensor
    bot: torch.Tensor
    cache_hits: torch.Tensor

    @property
    def previous(self) -> torch.Tensor:
        """b_0..b_{T−1}, shape (D, P, T, 8), with b_0 = the persona."""
        start = self.persona.expand_as(self.bot[:, :, :1])
        return torch.cat([start, self.bot[:, :, :-1]], dim=2)


def replay(grid: PolicyGrid, user: torch.Tensor, mask: torch.Tensor, persona: torch.Tensor) -> Replay:
    """Run every policy setting of ``grid`` over every dialog of ``user`` (D, T, 8) at once.

    Everything runs on ``user``'s device: pad with ``dialogs.padded(scaler, lab.device())`` to use
    CUDA when present. On padded turns (mask false) b stays where it was and no cache hit is counted.
    """
    if user.ndim != 3 or mask.shape != user.shape[:2]:
        raise ValueError(f"user must be (dialogs, turns, 8) with a (dialogs, turns) mask; "
                         f"got {tuple(user.shape)} and {tuple(mask.shape)}")
    params = grid.tensors(user.device, user.dtype)
    d, t_max, k = user.shape
    b = persona.to(user).expand(d, len(grid), k)
    bots, hits = [], []
    for t in range(t_max):
        new, hit = adapt(b, user[:, None, t], persona.to(user), params)
        real = mask[:, t, None]
        b = torch.where(real[..., None], new, b)
        bots.append(b)
        hits.append(hit & real)
    return Replay(grid, user, mask, persona.to(user), torch.stack(bots, dim=2), torch.stack(hits, dim=2))


BATCH_ELEMENTS = 2 ** 21
"""The most (dialogs × padded turns × settings × 8) in one batch of ``batches``: 16 MB per float64
tensor of its replay (the shipped corpus with the 129 settings of the dashboard fits: 1.5 M)."""


def batches(lengths, settings: int, elements: int = BATCH_ELEMENTS) -> list[np.ndarray]:
    """Dialog indices in groups to replay one after the other, so that memory is linear in the turns.

    ``lengths``: each dialog's turns (padded ones excluded). All dialogs in their order when padding
    them to the longest at most doubles their turns and fits ``elements`` (so a corpus of similar
    lengths replays exactly as one batch); otherwise sorted by length into groups that each pad at
    most ×2 and fit ``elements`` (a dialog too long for it alone is a group of one).
    """
    lengths = np.maximum(np.asarray(lengths, dtype=np.int64), 1)
    cells = max(1, elements // (settings * 8))  # dialogs × padded turns per batch
    padded = len(lengths) * int(lengths.max())
    if padded <= min(2 * int(lengths.sum()), cells):
        return [np.arange(len(lengths))]
    groups, group, turns = [], [], 0
    for i in np.argsort(lengths, kind="stable"):
        n = int(lengths[i])
        if group and (len(group) + 1) * n > min(2 * (turns + n), cells):
            groups.append(np.array(group))
            group, turns = [], 0
        group.append(i)
        turns += n
    groups.append(np.array(group))
    return groups
