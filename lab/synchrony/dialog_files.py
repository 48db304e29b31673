"""Loading dialogs from CSV or JSONL files of turns, with errors that name the row and column.

One row (CSV) or one line (JSONL, a JSON object per line) per turn, with fields:

- ``dialog_id`` (required): which dialog the turn belongs to;
- ``turn`` (optional): an integer order within the dialog; without it, file order is used;
- ``speaker`` (optional): only rows whose speaker is ``user`` are read (policies produce the
  bot's side); without it every row is a user turn;
- the style, one of: ``vector`` (a JSON list of 8 numbers, in ``DIMENSIONS`` order), the 8
  dimension columns by name, or ``text`` (the utterance; its vector is computed by
  ``text_features.style_vector``);
- any columns named in ``labels``: per-dialog labels (e.g. ``kind``), equal on every row of a dialog.
"""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import numpy as np

from .dialogs import Dialogs
from .style_space import DIMENSIONS, N_DIMS
from .text_features import style_vector


class DialogFileError(ValueError):
    """A dialog file is missing, of an unknown format, or has a malformed row."""


def row_error(path, row: int, column: str, problem: str) -> DialogFileError:
    """An error naming the file, the 1-based data row and the column."""
    return DialogFileError(f"{path}: row {row}, column '{column}': {problem}")


def parse_number(value, path, row: int, column: str) -> float:
    """A finite number from a cell (a number or a numeric string)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise row_error(path, row, column, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise row_error(path, row, column, f"{value!r} is not a finite number")
    return number


def parse_vector(value, path, row: int, column: str) -> np.ndarray:
    """An 8-dim style vector from a JSON-list cell ("[0.1, 0.5, ...]") or an already-parsed list."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise row_error(path, row, column, f"not a JSON list ({err.msg}): {value[:60]!r}") from None
    if not isinstance(value, list) or len(value) != N_DIMS:
        raise row_error(path, row, column, f"must be a list of {N_DIMS} numbers "
                        f"({', '.join(DIMENSIONS)}), got {str(value)[:60]!r}")
    return np.array([parse_number(v, path, row, f"{column}[{k}]") for k, v in enumerate(value)])


def read_records(path: Path) -> list[dict]:
    """The file's rows as dicts: CSV by header, JSONL one object per non-empty line."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    if suffix in (".jsonl", ".ndjson"):
        records = []
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DialogFileError(f"{path}: line {line_no} is not valid JSON ({err.msg})") from None
            if not isinstance(record, dict):
                raise DialogFileError(f"{path}: line {line_no} must be a JSON object, got {type(record).__name__}")
            records.append(record)
        return records
    raise DialogFileError(f"{path}: unknown dialog file format {suffix!r}; use .csv or .jsonl")


def record_vector(record: dict, path, row: int) -> np.ndarray:
    """A turn's style vector from its ``vector``, its 8 dimension columns, or its ``text``."""
    if record.get("vector") not in (None, ""):
        return parse_vector(record["vector"], path, row, "vector")
    if all(d in record for d in DIMENSIONS):
        return np.array([parse_number(record[d], path, row, d) for d in DIMENSIONS])
    if "text" in record:
        if not isinstance(record["text"], str) or not record["text"].strip():
            raise row_error(path, row, "text", "the utterance is empty")
        return style_vector(record["text"])
    raise row_error(path, row, "vector", "the turn has no style: give 'vector', 'text' or the 8 columns "
                    + ", ".join(DIMENSIONS))


def load_dialogs(path: str | os.PathLike, labels: tuple[str, ...] = ()) -> Dialogs:
    """Dialogs from a CSV or JSONL file of turns (see the module docstring for the fields)."""
    path = Path(path)
    if not path.is_file():
        raise DialogFileError(f"{path}: no such dialog file")
    records = read_records(path)
    if not records:
        raise DialogFileError(f"{path}: the file has no turns")
    turns: dict[str, list[tuple[float, np.ndarray]]] = {}
    dialog_labels: dict[str, dict[str, object]] = {}
    for row, record in enumerate(records, start=1):
        dialog = record.get("dialog_id")
        if dialog in (None, ""):
            raise row_error(path, row, "dialog_id", "missing; every turn needs the id of its dialog")
        dialog = str(dialog)
        if "speaker" in record and str(record["speaker"]).strip().lower() != "user":
            continue
        order = parse_number(record["turn"], path, row, "turn") if "turn" in record else float(row)
        turns.setdefault(dialog, []).append((order, record_vector(record, path, row)))
        for name in labels:
            if name not in record:
                raise row_error(path, row, name, "missing; it was asked for as a dialog label")
            first = dialog_labels.setdefault(dialog, {}).setdefault(name, record[name])
            if record[name] != first:
                raise row_error(path, row, name, f"{record[name]!r} differs from {first!r} on an earlier "
                                f"row of dialog {dialog!r}; a label is one value per dialog")
    if not turns:
        raise DialogFileError(f"{path}: no user turns (every row has a speaker other than 'user')")
    ids = tuple(turns)
    ordered = [sorted(turns[i], key=lambda t: t[0]) for i in ids]
    return Dialogs(ids, tuple(np.stack([v for _, v in seq]) for seq in ordered),
                   labels={name: tuple(dialog_labels[i][name] for i in ids) for name in labels})
