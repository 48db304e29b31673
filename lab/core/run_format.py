"""What a saved run holds, and the checks that make a malformed one a clear RunFileError.

``encode_run`` turns a History's long table into a manifest (population, members, metrics, rows,
meta) and Parquet bytes; ``decode_run`` checks a manifest and table read by ``run_files`` against
each other and returns the columns of the History they describe. The table must be exactly what
``encode_run`` writes: columns ``step``, ``member``, one per member label and one per metric, no
others; one block of ``population`` rows per recorded step, in order, members numbered 0..P-1
within each block; steps integers that strictly increase; labels equal to the manifest's members;
metrics numbers (NaN and inf are data). Anything else names the file, the field or column, and
what is wrong with it.
"""
from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .run_files import MANIFEST, RunFileError, shown

RESERVED = ("step", "member")


@dataclass(frozen=True)
class RunContents:
    members: dict[str, list]
    meta: dict
    steps: np.ndarray               # (recorded steps,) int64, strictly increasing
    values: dict[str, np.ndarray]   # metric -> (recorded steps, population) float64


def encode_run(frame: pd.DataFrame, population: int, members: dict[str, list], metrics: list[str],
               meta: dict) -> tuple[dict, bytes]:
    """The manifest fields and Parquet bytes of a History's ``frame()``; a ValueError, before
    anything is written, for a History that ``decode_run`` would refuse."""
    names = [*RESERVED, *members, *metrics]
    repeated = _repeated(names)
    if repeated:
        raise ValueError(f"cannot save: {repeated} name both a member label and a metric (or 'step'/'member')")
    steps = frame["step"].to_numpy()[::population]
    if np.any(np.diff(steps) <= 0):
        at = int(np.flatnonzero(np.diff(steps) <= 0)[0])
        raise ValueError(f"cannot save: recorded steps must increase, but step {steps[at + 1]} follows {steps[at]}")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    manifest = {"population": population,
                "members": {label: np.asarray(values).tolist() for label, values in members.items()},
                "metrics": list(metrics), "rows": len(frame), "meta": meta}
    return manifest, buffer.getvalue()


def decode_run(manifest: dict, table_bytes: bytes, manifest_path: Path, table_path: Path) -> RunContents:
    """The History that ``manifest`` and the Parquet ``table_bytes`` describe, once they are checked."""
    population = _integer(manifest, "population", 1, manifest_path)
    rows = _integer(manifest, "rows", 0, manifest_path)
    members = _members(manifest, population, manifest_path)
    metrics = _metrics(manifest, manifest_path)
    meta = manifest.get("meta", {})
    if not isinstance(meta, dict):
        raise RunFileError(f"{manifest_path}: 'meta' must be a JSON object, not {type(meta).__name__}")
    names = [*RESERVED, *members, *metrics]
    repeated = _repeated(names)
    if repeated:
        raise RunFileError(f"{manifest_path}: {repeated} name both a member label and a metric (or 'step'/'member')")

    table = _parquet(table_bytes, table_path)
    _check_columns(table, names, table_path)
    if len(table) != rows:
        raise RunFileError(f"{table_path} has {len(table)} rows, {MANIFEST} says {rows}")
    if rows % population:
        raise RunFileError(f"{table_path}: {rows} rows are not a whole number of steps of population {population}")
    n = rows // population
    steps = _steps(table, n, population, table_path)
    _check_member_numbers(table, n, population, table_path)
    for label, values in members.items():
        _check_label(table, label, np.asarray(values), n, table_path)
    values = {metric: _metric(table, metric, n, population, table_path) for metric in metrics}
    return RunContents(members, meta, steps, values)


# --- run.json ------------------------------------------------------------------------------

def _integer(manifest: dict, key: str, minimum: int, path: Path) -> int:
    if key not in manifest:
        raise RunFileError(f"{path}: '{key}' is missing")
    value = manifest[key]
    if type(value) is not int:
        raise RunFileError(f"{path}: '{key}' must be an integer, not {shown(value)}")
    if value < minimum:
        raise RunFileError(f"{path}: '{key}' is {shown(value)}, it must be at least {minimum}")
    return value


def _members(manifest: dict, population: int, path: Path) -> dict[str, list]:
    if "members" not in manifest:
        raise RunFileError(f"{path}: 'members' is missing")
    members = manifest["members"]
    if not isinstance(members, dict) or not members:
        raise RunFileError(f"{path}: 'members' must be a JSON object mapping each member label to a list "
                           f"of values, not {shown(members)}")
    for label, values in members.items():
        if not isinstance(values, list) or len(values) != population:
            count = f"{len(values)} values" if isinstance(values, list) else shown(values)
            raise RunFileError(f"{path}: 'members' label {label!r} has {count} for population {population}")
        odd = next((v for v in values if not isinstance(v, (str, int, float))), None)
        if odd is not None:
            raise RunFileError(f"{path}: 'members' label {label!r} holds {shown(odd)}, not a number or text")
    return members


def _metrics(manifest: dict, path: Path) -> list[str]:
    if "metrics" not in manifest:
        raise RunFileError(f"{path}: 'metrics' is missing")
    metrics = manifest["metrics"]
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise RunFileError(f"{path}: 'metrics' must be a list of names, not {shown(metrics)}")
    twice = _repeated(metrics)
    if twice:
        raise RunFileError(f"{path}: 'metrics' names {twice[0]!r} twice")
    return metrics


def _repeated(names: list[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


# --- the table -----------------------------------------------------------------------------

def _parquet(data: bytes, path: Path) -> pd.DataFrame:
    try:
        table = pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow raises many types (ArrowInvalid, OSError, ...) for a bad file
        raise RunFileError(f"{path} cannot be read as Parquet (truncated or not a Parquet file): "
                           f"{type(err).__name__}: {shown(str(err), 160)}") from None
    if not table.columns.is_unique:
        raise RunFileError(f"{path} has columns of the same name: {shown(list(table.columns))}")
    return table


def _check_columns(table: pd.DataFrame, names: list[str], path: Path) -> None:
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise RunFileError(f"{path} lacks the columns {shown(missing, 160)} that {MANIFEST} lists")
    known = set(names)
    extra = [name for name in table.columns if name not in known]
    if extra:
        raise RunFileError(f"{path} has columns {shown(extra, 160)} that {MANIFEST} does not list")


def _numpy_column(table: pd.DataFrame, name: str, kinds: str, what: str, path: Path) -> np.ndarray:
    dtype = table[name].dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in kinds:
        raise RunFileError(f"{path}: column '{name}' holds {dtype}, not {what}")
    return table[name].to_numpy()


def _steps(table: pd.DataFrame, n: int, population: int, path: Path) -> np.ndarray:
    steps = _numpy_column(table, "step", "i", "signed integers", path).reshape(n, population)
    mixed = np.flatnonzero((steps != steps[:, :1]).any(axis=1))
    if len(mixed):
        raise RunFileError(f"{path}: column 'step' changes within the block of rows of one recorded step "
                           f"(rows {mixed[0] * population}..{(mixed[0] + 1) * population - 1})")
    steps = steps[:, 0].astype(np.int64)
    backwards = np.flatnonzero(np.diff(steps) <= 0)
    if len(backwards):
        at = backwards[0] + 1
        raise RunFileError(f"{path}: column 'step' must increase from one recorded step to the next, but "
                           f"step {steps[at]} (row {at * population}) follows step {steps[at - 1]}")
    return steps


def _check_member_numbers(table: pd.DataFrame, n: int, population: int, path: Path) -> None:
    member = _numpy_column(table, "member", "iu", "integers", path).reshape(n, population)
    wrong = np.argwhere(member != np.arange(population))
    if len(wrong):
        step, index = wrong[0]
        raise RunFileError(f"{path}: column 'member' must number the members 0..{population - 1} in order "
                           f"within each recorded step; row {step * population + index} has {member[step, index]}")


def _check_label(table: pd.DataFrame, label: str, expected: np.ndarray, n: int, path: Path) -> None:
    column, kind = table[label], expected.dtype.kind
    if kind == "U":  # text: numpy's '<U', pandas' str (or object) dtype
        fits = pd.api.types.is_string_dtype(column.dtype)
    else:
        fits = isinstance(column.dtype, np.dtype) and column.dtype.kind == kind
    if not fits:
        raise RunFileError(f"{path}: column '{label}' holds {column.dtype}, but {MANIFEST}'s members "
                           f"'{label}' are {'text' if kind == 'U' else expected.dtype}")
    values = column.to_numpy().reshape(n, expected.size)
    wrong = np.argwhere((values != expected) & ~(pd.isna(values) & pd.isna(expected)))
    if len(wrong):
        step, index = wrong[0]
        raise RunFileError(f"{path}: column '{label}' has {shown(_plain(values[step, index]))} at row "
                           f"{step * expected.size + index}, but {MANIFEST}'s members say {shown(_plain(expected[index]))}")


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _metric(table: pd.DataFrame, metric: str, n: int, population: int, path: Path) -> np.ndarray:
    values = _numpy_column(table, metric, "iuf", "numbers", path)
    return values.astype(float).reshape(n, population)
