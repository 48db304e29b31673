"""Dialogs: per-dialog sequences of raw user (and optionally bot) style vectors, and their padding.

A ``Dialogs`` is what every loader returns and what every policy replay consumes. Vectors are
raw (not standardized); ``padded`` standardizes them with a scaler and stacks them into one
``(dialogs, turns, 8)`` tensor with a mask for dialogs shorter than the longest.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .style_space import N_DIMS, Scaler, as_style_array


@dataclass(frozen=True)
class Dialogs:
    """Dialogs with per-turn raw style vectors.

    ids: one id per dialog. user: per dialog an array (turns, 8) of the user's raw vectors.
    bot: the same for the bot's actual replies, when known (the artifact has them).
    turn_values: extra per-turn numbers by name, per dialog an array (turns,) (e.g. the
    artifact's ``stability_score``). labels: per-dialog labels by name (e.g. condition, kind).
    """

    ids: tuple[str, ...]
    user: tuple[np.ndarray, ...]
    bot: tuple[np.ndarray, ...] | None = None
    turn_values: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    labels: dict[str, tuple] = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.ids)
        if n == 0:
            raise ValueError("a Dialogs needs at least one dialog")
        if len(set(self.ids)) != n:
            raise ValueError("dialog ids must be unique")
        object.__setattr__(self, "user", tuple(as_style_array(u, f"user vectors of dialog {i!r}")
                                                for i, u in zip(self.ids, self.user)))
        for i, u in zip(self.ids, self.user):
            if u.ndim != 2 or len(u) == 0:
                raise ValueError(f"dialog {i!r} needs at least one turn of {N_DIMS}-dim user vectors")
        if self.bot is not None:
            object.__setattr__(self, "bot", tuple(as_style_array(b, f"bot vectors of dialog {i!r}")
                                                   for i, b in zip(self.ids, self.bot)))
        per_turn = {"user": self.user, **({"bot": self.bot} if self.bot is not None else {}), **self.turn_values}
        for name, seqs in per_turn.items():
            if len(seqs) != n or any(len(s) != len(u) for s, u in zip(seqs, self.user)):
                raise ValueError(f"'{name}' must have one sequence per dialog with one entry per turn")
        for name, values in self.labels.items():
            if len(values) != n:
                raise ValueError(f"label '{name}' must have one value per dialog")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(u) for u in self.user])

    def select(self, keep) -> "Dialogs":
        """The dialogs where ``keep`` (a boolean per dialog) is true."""
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (len(self),):
            raise ValueError(f"select needs one boolean per dialog ({len(self)}), got shape {keep.shape}")
        if not keep.any():
            raise ValueError("select would keep no dialog")
        pick = lambda seq: tuple(s for s, k in zip(seq, keep) if k)  # noqa: E731
        return Dialogs(pick(self.ids), pick(self.user), pick(self.bot) if self.bot is not None else None,
                       {k: pick(v) for k, v in self.turn_values.items()},
                       {k: pick(v) for k, v in self.labels.items()})

    def where(self, **labels) -> "Dialogs":
        """The dialogs whose labels equal the given values, e.g. ``where(condition="adaptive")``."""
        keep = np.ones(len(self), dtype=bool)
        for name, value in labels.items():
            if name not in self.labels:
                raise KeyError(f"no dialog label {name!r}; labels: {', '.join(self.labels) or 'none'}")
            keep &= np.array([v == value for v in self.labels[name]])
        return self.select(keep)

    def all_user(self) -> np.ndarray:
        """Every user vector, stacked: (total turns, 8)."""
        return np.concatenate(self.user)

    def padded(self, scaler: Scaler, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float64,
               who: str = "user") -> tuple[torch.Tensor, torch.Tensor]:
        """z-space vectors as one tensor (dialogs, max turns, 8), zero-padded, and its mask (dialogs, max turns)."""
        seqs = {"user": self.user, "bot": self.bot}[who]
        if seqs is None:
            raise ValueError("these dialogs have no bot vectors")
        t_max = int(self.lengths.max())
        z = np.zeros((len(self), t_max, N_DIMS))
        mask = np.zeros((len(self), t_max), dtype=bool)
        for i, s in enumerate(seqs):
            z[i, : len(s)] = scaler.transform(s)
            mask[i, : len(s)] = True
        return (torch.as_tensor(z, dtype=dtype, device=device), torch.as_tensor(mask, device=device))
