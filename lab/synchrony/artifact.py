"""Readers for the paper's artifact files (Brandt 2025, arXiv 2510.00339; tj-brandt/synchrony-stability).

- ``turn_level_metrics.csv``: one row per turn; ``user_style_vector`` and ``bot_style_vector``
  as JSON lists of the 8 raw dimensions, ``stability_score`` (empty on a session's first
  turn) and the other per-turn scores. Read by ``load_turn_metrics`` into ``Dialogs``, one
  dialog per ``session_id``, turns ordered by ``turn_number``.
- ``style_space.json``: dimension names, per-dataset scalers, personas (``load_style_space``).
- ``policy_summary_*.csv``: the published per-policy numbers (``load_policy_summary``).

Every reader takes any path, so a user can point it at their own copy of the artifact.
"""
from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .dialog_files import DialogFileError, parse_number, parse_vector, row_error
from .dialogs import Dialogs
from .style_space import DIMENSIONS, Scaler

TURN_COLUMNS = ("session_id", "turn_number", "condition", "user_style_vector", "bot_style_vector")
SCORE_COLUMNS = ("stability_score", "coherence_score", "synchrony_lsm", "synchrony_embedding")


def load_turn_metrics(path: str | os.PathLike) -> Dialogs:
    """The artifact's turns as Dialogs (ids = session ids) with user and bot raw vectors.

    ``turn_values`` holds the per-turn scores (NaN where a cell is empty, as on each session's
    first ``stability_score``); ``labels`` holds ``condition`` and ``participant_id``.
    """
    path = Path(path)
    if not path.is_file():
        raise DialogFileError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in TURN_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DialogFileError(f"{path}: missing columns {missing}; a turn_level_metrics file has "
                                  f"{', '.join(TURN_COLUMNS)}")
        scores = [c for c in SCORE_COLUMNS if c in reader.fieldnames]
        sessions: dict[str, list] = {}
        labels: dict[str, tuple[str, str]] = {}
        for row, record in enumerate(reader, start=1):
            session = record["session_id"]
            if not session:
                raise row_error(path, row, "session_id", "empty")
            turn = parse_number(record["turn_number"], path, row, "turn_number")
            values = [math.nan if record[c] in ("", None) else parse_number(record[c], path, row, c) for c in scores]
            sessions.setdefault(session, []).append(
                (turn, parse_vector(record["user_style_vector"], path, row, "user_style_vector"),
                 parse_vector(record["bot_style_vector"], path, row, "bot_style_vector"), values))
            label = (record["condition"], record.get("participant_id", ""))
            if labels.setdefault(session, label) != label:
                raise row_error(path, row, "condition", f"session {session!r} changes condition or participant")
    if not sessions:
        raise DialogFileError(f"{path}: no turns")
    ids = tuple(sessions)
    ordered = [sorted(sessions[s], key=lambda t: t[0]) for s in ids]
    return Dialogs(
        ids,
        user=tuple(np.stack([t[1] for t in seq]) for seq in ordered),
        bot=tuple(np.stack([t[2] for t in seq]) for seq in ordered),
        turn_values={c: tuple(np.array([t[3][k] for t in seq]) for seq in ordered) for k, c in enumerate(scores)},
        labels={"condition": tuple(labels[s][0] for s in ids), "participant_id": tuple(labels[s][1] for s in ids)},
    )


@dataclass(frozen=True)
class StyleSpace:
    """The artifact's style space: per-dataset scalers, the human-log persona centroid (z-space,
    numerically 0) and the raw assistant persona used for the external corpora."""

    scalers: dict[str, Scaler]
    persona_centroid_z: np.ndarray
    assistant_persona_raw: np.ndarray


def load_style_space(path: str | os.PathLike) -> StyleSpace:
    """Read ``style_space.json``; its dimension names must be the lab's ``DIMENSIONS``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["dimensions"]) != DIMENSIONS:
            raise DialogFileError(f"{path}: dimensions {data['dimensions']} are not the lab's {list(DIMENSIONS)}")
        return StyleSpace({name: Scaler(s["mean"], s["scale"]) for name, s in data["scalers"].items()},
                          np.asarray(data["persona_centroid_human_log_z"], dtype=float),
                          np.asarray(data["assistant_persona_raw"], dtype=float))
    except FileNotFoundError:
        raise DialogFileError(f"{path}: no such file") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        if isinstance(err, DialogFileError):
            raise
        raise DialogFileError(f"{path} is not a style_space.json ({type(err).__name__}: {err})") from None


def load_policy_summary(path: str | os.PathLike) -> pd.DataFrame:
    """A published policy table (``policy_summary_*.csv``), indexed by the lab's policy names."""
    table = pd.read_csv(path)
    if "policy" not in table.columns:
        raise DialogFileError(f"{path}: no 'policy' column")
    names = {"Dead-band": "Dead-Band", "Static Baseline": "Static"}
    return table.assign(policy=table["policy"].replace(names)).set_index("policy")
