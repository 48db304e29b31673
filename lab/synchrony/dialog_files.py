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

Files are UTF-8 (a byte-order mark, as Excel writes it, is accepted). Every fault is a
``DialogFileError`` naming the file and, for a bad cell, its row and column — never another
exception (issue 12: before, 10 of 27 malformed files raised UnicodeDecodeError, OverflowError,
csv.Error or RecursionError, and a BOM read as "column 'dialog_id': missing"). ``DialogLimits``
bound a file's bytes, turns, dialogs and utterances; the dashboard's uploads use ``UPLOAD_LIMITS``.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .dialogs import Dialogs
from .style_space import DIMENSIONS, N_DIMS
from .text_features import style_vector


class DialogFileError(ValueError):
    """A dialog file is missing, of an unknown format, too large, or has a malformed row."""


@dataclass(frozen=True)
class DialogLimits:
    """How much a dialog file may hold; ``load_dialogs`` refuses more with a sentence naming the limit.

    The dashboard's upload uses ``UPLOAD_LIMITS``; a notebook's ``load_dialogs`` has none by default.
    """

    max_bytes: int
    max_turns: int           # rows (CSV) or lines (JSONL), bot rows included
    max_dialogs: int
    max_turns_per_dialog: int
    max_text_chars: int      # one utterance, for the text features


UPLOAD_LIMITS = DialogLimits(max_bytes=4_000_000, max_turns=20_000, max_dialogs=2_000, max_turns_per_dialog=1_000,
                             max_text_chars=10_000)
"""The dashboard's: 43× the shipped corpus's 92 KB and 20× its 998 turns (replayed in seconds, in ~100 MB)."""

MAX_MAGNITUDE = 1e9  # a style value beyond this is no style (the scaler's squares would overflow past ~1e154)


def row_error(path, row: int, column: str, problem: str) -> DialogFileError:
    """An error naming the file, the 1-based data row and the column."""
    return DialogFileError(f"{path}: row {row}, column '{column}': {problem}")


def parse_number(value, path, row: int, column: str) -> float:
    """A finite number from a cell (a number or a numeric string)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise row_error(path, row, column, f"{shown(value)} is not a number") from None
    if not math.isfinite(number):
        raise row_error(path, row, column, f"{shown(value)} is not a finite number")
    return number


def shown(value, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters (a cell may hold megabytes)."""
    text = repr(value)
    return text if len(text) <= width else text[:width] + "…"


def json_value(text: str):
    """``json.loads``; every failure (syntax, nesting too deep, an integer of too many digits) is a
    ValueError whose message is the short reason."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(err.msg) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def parse_vector(value, path, row: int, column: str) -> np.ndarray:
    """An 8-dim style vector from a JSON-list cell ("[0.1, 0.5, ...]") or an already-parsed list."""
    if isinstance(value, str):
        try:
            value = json_value(value)
        except ValueError as err:
            raise row_error(path, row, column, f"not a JSON list ({err}): {shown(value)}") from None
    if not isinstance(value, list) or len(value) != N_DIMS:
        raise row_error(path, row, column, f"must be a list of {N_DIMS} numbers "
                        f"({', '.join(DIMENSIONS)}), got {shown(value)}")
    return np.array([parse_number(v, path, row, f"{column}[{k}]") for k, v in enumerate(value)])


def decode(content: bytes, path) -> str:
    """UTF-8 text (a leading byte-order mark, as Excel writes, dropped); else an error naming the line."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = content.count(b"\n", 0, err.start) + 1
        raise DialogFileError(f"{path}: line {line}: not UTF-8 text ({err.reason} at byte {err.start}); "
                              "save the file as UTF-8") from None


def read_records(content: bytes, path, suffix: str) -> list[dict]:
    """The file's rows as dicts: CSV by header, JSONL one object per non-empty line."""
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise DialogFileError(f"{path}: unknown dialog file format {suffix!r}; use .csv or .jsonl")
    text = decode(content, path)
    if suffix == ".csv":
        reader, records = csv.DictReader(io.StringIO(text, newline="")), []
        try:
            for record in reader:
                records.append(record)
        except csv.Error as err:
            raise DialogFileError(f"{path}: row {len(records) + 1}: not readable as CSV ({err})") from None
        repeated = sorted({c for c in reader.fieldnames or () if (reader.fieldnames or []).count(c) > 1})
        if repeated:
            raise DialogFileError(f"{path}: the header names column {repeated[0]!r} more than once")
        return records
    records = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json_value(line)
        except ValueError as err:
            raise DialogFileError(f"{path}: line {line_no} is not valid JSON ({err})") from None
        if not isinstance(record, dict):
            raise DialogFileError(f"{path}: line {line_no} must be a JSON object, got {type(record).__name__}")
        records.append(record)
    return records


def record_vector(record: dict, path, row: int, limits: DialogLimits | None = None) -> np.ndarray:
    """A turn's style vector from its ``vector``, its 8 dimension columns, or its ``text``."""
    if record.get("vector") not in (None, ""):
        vector, columns = parse_vector(record["vector"], path, row, "vector"), [f"vector[{k}]" for k in range(N_DIMS)]
    elif all(d in record for d in DIMENSIONS):
        vector, columns = np.array([parse_number(record[d], path, row, d) for d in DIMENSIONS]), DIMENSIONS
    elif "text" in record:
        text = record["text"]
        if not isinstance(text, str) or not text.strip():
            raise row_error(path, row, "text", "the utterance is empty")
        if limits is not None and len(text) > limits.max_text_chars:
            raise row_error(path, row, "text", f"{len(text):,} characters; an utterance may have at most "
                            f"{limits.max_text_chars:,}")
        return style_vector(text)
    else:
        raise row_error(path, row, "vector", "the turn has no style: give 'vector', 'text' or the 8 columns "
                        + ", ".join(DIMENSIONS))
    too_large = np.flatnonzero(np.abs(vector) > MAX_MAGNITUDE)
    if too_large.size:
        k = too_large[0]
        raise row_error(path, row, columns[k],
                        f"{vector[k]:g} is too large for a style value (|x| ≤ {MAX_MAGNITUDE:g})")
    return vector


def dialog_id(record: dict, path, row: int) -> str:
    """The row's dialog id as text (JSON may give a number; a lone surrogate is refused)."""
    value = record.get("dialog_id")
    if value in (None, ""):
        raise row_error(path, row, "dialog_id", "missing; every turn needs the id of its dialog")
    value = str(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise row_error(path, row, "dialog_id", "not valid Unicode text (a lone surrogate)") from None
    return value


def check_size(size: int, path, limits: DialogLimits | None) -> None:
    if limits is not None and size > limits.max_bytes:
        raise DialogFileError(f"{path}: {size:,} bytes; a dialog file may have at most {limits.max_bytes:,} bytes "
                              f"({limits.max_bytes / 1e6:g} MB)")


def load_dialogs(path: str | os.PathLike, labels: tuple[str, ...] = (), limits: DialogLimits | None = None) -> Dialogs:
    """Dialogs from a CSV or JSONL file of turns (see the module docstring for the fields); ``limits``
    (e.g. ``UPLOAD_LIMITS``) bound its size, turns and dialogs. Every fault is a DialogFileError."""
    path = Path(path)
    if not path.is_file():
        raise DialogFileError(f"{path}: no such dialog file")
    check_size(path.stat().st_size, path, limits)
    return dialogs_from_bytes(path.read_bytes(), path, path.suffix.lower(), labels, limits)


def dialogs_from_bytes(content: bytes, path, suffix: str, labels: tuple[str, ...] = (),
                       limits: DialogLimits | None = None) -> Dialogs:
    """``load_dialogs`` of a file's ``content``; errors name ``path`` (a file name, say); ``suffix``
    (``.csv``, ``.jsonl`` or ``.ndjson``) gives the format."""
    check_size(len(content), path, limits)
    records = read_records(content, path, suffix)
    if not records:
        raise DialogFileError(f"{path}: the file has no turns")
    if limits is not None and len(records) > limits.max_turns:
        raise DialogFileError(f"{path}: {len(records):,} turns; a dialog file may have at most {limits.max_turns:,}")
    turns: dict[str, list[tuple[float, np.ndarray]]] = {}
    dialog_labels: dict[str, dict[str, object]] = {}
    for row, record in enumerate(records, start=1):
        dialog = dialog_id(record, path, row)
        if "speaker" in record and str(record["speaker"]).strip().lower() != "user":
            continue
        order = parse_number(record["turn"], path, row, "turn") if "turn" in record else float(row)
        turns.setdefault(dialog, []).append((order, record_vector(record, path, row, limits)))
        if limits is not None:
            check_counts(turns, dialog, path, row, limits)
        for name in labels:
            if name not in record:
                raise row_error(path, row, name, "missing; it was asked for as a dialog label")
            first = dialog_labels.setdefault(dialog, {}).setdefault(name, record[name])
            if record[name] != first:
                raise row_error(path, row, name, f"{shown(record[name])} differs from {shown(first)} on "
                                f"an earlier row of dialog {shown(dialog)}; a label is one value per dialog")
    if not turns:
        raise DialogFileError(f"{path}: no user turns (every row has a speaker other than 'user')")
    ids = tuple(turns)
    ordered = [sorted(turns[i], key=lambda t: t[0]) for i in ids]
    return Dialogs(ids, tuple(np.stack([v for _, v in seq]) for seq in ordered),
                   labels={name: tuple(dialog_labels[i][name] for i in ids) for name in labels})


def check_counts(turns: dict[str, list], dialog: str, path, row: int, limits: DialogLimits) -> None:
    """Refuse, at the row that crosses it, more dialogs or more turns in one dialog than ``limits`` allow."""
    if len(turns) > limits.max_dialogs:
        raise row_error(path, row, "dialog_id", f"dialog {len(turns):,}; a dialog file may have at most "
                        f"{limits.max_dialogs:,} dialogs")
    if len(turns[dialog]) > limits.max_turns_per_dialog:
        raise row_error(path, row, "dialog_id", f"turn {len(turns[dialog]):,} of dialog {shown(dialog)}; a dialog "
                        f"may have at most {limits.max_turns_per_dialog:,} user turns")
