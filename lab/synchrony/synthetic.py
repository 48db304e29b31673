"""A seeded synthetic dialog corpus: users whose style stays put, drifts, or jumps register.

Users are drawn in a nominal z-space and mapped to raw style vectors with ``NOMINAL_SCALER``
(plausible chat-text means and spreads), clipped to each dimension's valid range. Three kinds:

- ``steady``: a personal base style plus small turn-to-turn noise;
- ``drift``: the base style moves linearly to a second style over the dialog;
- ``jump``: two registers (the second the mirror image of the first in informality, sentiment
  and sentence length), switched with probability ``switch_p`` after each turn, at least once.

The shipped file ``data/synchrony/synthetic_dialogs.csv`` is ``write_synthetic_dialogs`` with
``SHIPPED`` settings (made by ``data/synchrony/make_synthetic_dialogs.py``); regenerating it
gives the same bytes.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from .dialog_files import load_dialogs
from .dialogs import Dialogs
from .style_space import DIMENSIONS, N_DIMS, Persona, Scaler

NOMINAL_SCALER = Scaler(mean=[0.4, 0.2, 10.0, 75.0, 0.05, 0.05, 0.04, 0.4],
                        scale=[0.3, 0.4, 4.0, 18.0, 0.04, 0.04, 0.03, 0.12])
"""Nominal raw means and spreads of chat turns, used to map synthetic z-vectors to raw vectors."""

RAW_LIMITS = np.array([(0, 1), (-1, 1), (1, 60), (-50, 121), (0, 1), (0, 1), (0, 1), (0, 1)], dtype=float)
"""Valid range of each raw dimension (informality, compound, words/sentence, Flesch, rates)."""

KINDS = ("steady", "drift", "jump")
SHIPPED_PATH = Path(__file__).resolve().parents[2] / "data" / "synchrony" / "synthetic_dialogs.csv"
PERSONA_RAW = np.array([0.15, 0.5, 14.0, 60.0, 0.05, 0.06, 0.03, 0.45])
"""A composed assistant's raw style (formal, warm, longer sentences): the corpus's persona."""
SHIPPED = {"per_kind": 20, "min_turns": 10, "max_turns": 24, "seed": 20251001}
"""The settings of the shipped corpus."""


def synthetic_dialogs(per_kind: int = 20, min_turns: int = 10, max_turns: int = 24, seed: int = 0,
                      noise: float = 0.35, drift: float = 2.5, switch_p: float = 0.25) -> Dialogs:
    """``per_kind`` dialogs of each kind, ``min_turns``..``max_turns`` user turns each, raw vectors."""
    if per_kind < 1 or not 2 <= min_turns <= max_turns:
        raise ValueError(f"need per_kind ≥ 1 and 2 ≤ min_turns ≤ max_turns; got {per_kind}, {min_turns}, {max_turns}")
    rng = np.random.default_rng(seed)
    ids, users, kinds = [], [], []
    for kind in KINDS:
        for n in range(per_kind):
            turns = int(rng.integers(min_turns, max_turns + 1))
            base = rng.normal(0.0, 0.8, N_DIMS)
            if kind == "steady":
                path = np.repeat(base[None], turns, axis=0)
            elif kind == "drift":
                direction = rng.normal(size=N_DIMS)
                end = base + drift * direction / np.linalg.norm(direction)
                path = base + np.linspace(0.0, 1.0, turns)[:, None] * (end - base)
            else:
                other = base.copy()
                other[:3] = -base[:3] - np.sign(base[:3]) * 1.0  # the mirrored register
                switches = rng.random(turns) < switch_p
                switches[rng.integers(1, turns)] = True          # at least one jump
                switches[0] = False
                path = np.where((np.cumsum(switches) % 2 == 1)[:, None], other, base)
            z = path + rng.normal(0.0, noise, (turns, N_DIMS))
            raw = np.clip(NOMINAL_SCALER.inverse(z), RAW_LIMITS[:, 0], RAW_LIMITS[:, 1])
            ids.append(f"{kind}-{n:03d}")
            users.append(raw)
            kinds.append(kind)
    return Dialogs(tuple(ids), tuple(users), labels={"kind": tuple(kinds)})


def shipped_corpus() -> tuple[Dialogs, Scaler, Persona]:
    """The shipped synthetic dialogs, the scaler fitted on their user turns, and ``PERSONA_RAW`` as persona."""
    if not SHIPPED_PATH.is_file():
        raise FileNotFoundError(f"{SHIPPED_PATH} is missing; run data/synchrony/make_synthetic_dialogs.py")
    dialogs = load_dialogs(SHIPPED_PATH, labels=("kind",))
    scaler = Scaler.fit(dialogs.all_user())
    return dialogs, scaler, Persona.from_raw(PERSONA_RAW, scaler)


def write_synthetic_dialogs(path: str | os.PathLike, **settings) -> Path:
    """Write ``synthetic_dialogs(**settings)`` (default: ``SHIPPED``) as a CSV of turns, 6 decimals."""
    path = Path(path)
    dialogs = synthetic_dialogs(**{**SHIPPED, **settings})
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["dialog_id", "kind", "turn", *DIMENSIONS])
        for dialog, kind, user in zip(dialogs.ids, dialogs.labels["kind"], dialogs.user):
            for turn, vector in enumerate(user, start=1):
                writer.writerow([dialog, kind, turn, *(f"{v:.6f}" for v in vector)])
    return path
