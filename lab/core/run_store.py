"""The runs root: a directory of saved runs and sweeps, each a direct child named by the user.

The root is ``./runs`` unless the environment variable ``STABILITY_LAB_RUNS`` names another
(``runs_root()``); every other function takes the root explicitly.

- ``list_entries(root)``: its saved runs and sweeps, newest first, at most ``MAX_LISTED``; each read
  from its small manifest only (``run.json`` or ``sweep.json``), never its table. An entry that cannot
  be read is listed with the error that says why; listing never raises for a broken entry.
- ``save_named(history, root, name)``: a run saved under a checked, new name (``check_name``).
- ``load_run(root, name)``: a saved run's History, refusing a table over ``MAX_RUN_BYTES``.
- ``snippet(trainer_name, config)`` and ``command_line(trainer_name, config)``: Python code and the
  ``stability-lab run`` command that train the same config again.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError
from .history import History
from .run_files import FORMAT, FORMAT_1, MANIFEST, RunFileError, shown, table_name
from .sweep import SPEC as SWEEP_SPEC
from .trainers import TRAINERS, trainer_class

ENVIRONMENT_VARIABLE = "STABILITY_LAB_RUNS"
DEFAULT_ROOT = "runs"
MAX_LISTED = 300              # entries listed, newest first
MAX_SCANNED = 10_000          # children of the root looked at to find the newest
MAX_MANIFEST_BYTES = 8_000_000
MAX_RUN_BYTES = 200_000_000   # the largest table load_run reads
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
NAME_RULE = "1 to 64 characters, each an ASCII letter, a digit, '.', '_' or '-', not starting with '.'"
TRAINER_NAMES = {f"{module}.{cls}": name for name, (module, cls) in TRAINERS.items()}


class RunNameError(ValueError):
    """A run's name that is not allowed, or already taken; the message says why and what is allowed."""


@dataclass(frozen=True)
class Entry:
    """One saved run or sweep of a runs root, as its manifest describes it.

    ``trainer``: the trainer's name in ``lab.core.trainers`` (a notebook sweep: the notebook's file
    name; a run of a trainer not listed there: its module.Qualname). ``config``: a run's config, a
    sweep's fixed settings and grid. ``population``: a run's members, a sweep's points. ``error``:
    why the entry cannot be read (the other fields then hold what could be read)."""

    name: str
    kind: str                      # "run", "sweep", or "unknown" when it is neither
    saved: float                   # POSIX time of its manifest's last change
    trainer: str | None = None
    config: dict = field(default_factory=dict)
    steps: int | None = None
    population: int | None = None
    metrics: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Listing:
    entries: list[Entry]
    left_out: int                  # entries beyond MAX_LISTED (or beyond the children scanned)


def runs_root() -> Path:
    """``$STABILITY_LAB_RUNS``, else ``./runs``."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_ROOT)


def trainer_name(qualified: str) -> str | None:
    """The name in ``lab.core.trainers`` of the trainer class ``module.Qualname``; None if it has none."""
    return TRAINER_NAMES.get(qualified)


# --- names -------------------------------------------------------------------------------------

def check_name(name) -> str:
    """``name`` if it may name a run in a runs root, else a RunNameError saying what is wrong."""
    if not isinstance(name, str):
        raise RunNameError(f"a run's name must be text, not {type(name).__name__}: {NAME_RULE}")
    if not name:
        raise RunNameError(f"a run's name is empty: give {NAME_RULE}")
    if len(name) > 64:
        raise RunNameError(f"the name {shown(name)} is {len(name)} characters long: give {NAME_RULE}")
    if name.startswith("."):
        raise RunNameError(f"the name {shown(name)} starts with '.': give {NAME_RULE}")
    if not NAME.fullmatch(name):
        bad = next(c for c in name if not re.fullmatch(r"[A-Za-z0-9._-]", c))
        raise RunNameError(f"the name {shown(name)} contains {bad!r}, which is not allowed: give {NAME_RULE}")
    return name


def save_named(history: History, root: str | os.PathLike, name: str) -> Path:
    """Save ``history`` as ``root/name``; a RunNameError for a bad name or one that is taken (checked by
    creating the directory, so two saves under one name cannot both succeed)."""
    check_name(name)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    directory = root / name
    try:
        directory.mkdir()
    except FileExistsError:
        raise RunNameError(f"{shown(name)} is taken: {root} already holds a run or sweep of that name; "
                           "choose another name") from None
    try:
        return history.save(directory)
    except BaseException:
        if not any(directory.iterdir()):
            directory.rmdir()
        raise


# --- listing -----------------------------------------------------------------------------------

def list_entries(root: str | os.PathLike) -> Listing:
    """The saved runs and sweeps directly under ``root``, newest first (by their manifest's time), at
    most MAX_LISTED of the first MAX_SCANNED directories; an empty listing when ``root`` does not exist."""
    root = Path(root)
    if not root.is_dir():
        return Listing([], 0)
    found, scanned = [], 0
    with os.scandir(root) as children:
        for child in children:
            scanned += 1
            if scanned > MAX_SCANNED:
                break
            if child.is_dir(follow_symlinks=False):
                found.append((_saved(Path(child.path)), child.name))
    found.sort(reverse=True)
    more = max(0, len(found) - MAX_LISTED) + max(0, scanned - MAX_SCANNED)
    return Listing([describe(root / name, saved) for saved, name in found[:MAX_LISTED]], more)


def _saved(directory: Path) -> float:
    for manifest in (MANIFEST, SWEEP_SPEC):
        try:
            return (directory / manifest).stat().st_mtime
        except OSError:
            continue
    try:
        return directory.stat().st_mtime
    except OSError:
        return 0.0


def describe(directory: Path, saved: float) -> Entry:
    """The entry of one child of a runs root; a broken one carries its error."""
    name = directory.name
    if (directory / MANIFEST).exists():
        try:
            return _describe_run(directory, saved)
        except RunFileError as err:
            return Entry(name, "run", saved, error=str(err))
    if (directory / SWEEP_SPEC).exists():
        try:
            return _describe_sweep(directory, saved)
        except RunFileError as err:
            return Entry(name, "sweep", saved, error=str(err))
    return Entry(name, "unknown", saved, error=f"{directory} holds neither a saved run ({MANIFEST}) "
                                                f"nor a sweep ({SWEEP_SPEC})")


def _read_json(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise RunFileError(f"{path} is {size:,} bytes, more than a manifest's {MAX_MANIFEST_BYTES:,}")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except RunFileError:
        raise
    except OSError as err:
        raise RunFileError(f"{path} cannot be read: {err.strerror}") from None
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested too deeply
        raise RunFileError(f"{path} is not valid JSON: {shown(str(err), 160)}") from None
    if not isinstance(data, dict):
        raise RunFileError(f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def _field(data: dict, key: str, kind: type, path: Path):
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RunFileError(f"{path}: {key!r} must be {kind.__name__}, not {shown(value)}")
    return value


def _describe_run(directory: Path, saved: float) -> Entry:
    path = directory / MANIFEST
    manifest = _read_json(path)
    if manifest.get("format") not in (FORMAT, FORMAT_1):
        raise RunFileError(f"{path}: 'format' is {shown(manifest.get('format'))}, not a saved run's format")
    meta = _field(manifest, "meta", dict, path)
    qualified = _field(meta, "trainer", str, path)
    metrics = _field(manifest, "metrics", list, path)
    entry = Entry(directory.name, "run", saved, trainer_name(qualified) or qualified,
                  _field(meta, "config", dict, path), _field(meta, "steps", int, path),
                  _field(manifest, "population", int, path), tuple(str(m) for m in metrics))
    table = directory / table_name(manifest, path)
    if not table.is_file():
        return _with_error(entry, f"{table} is missing ({MANIFEST} names it)")
    if manifest["format"] == FORMAT and table.stat().st_size != manifest.get("table_bytes"):
        return _with_error(entry, f"{table} is not the size {MANIFEST} records: it was truncated or changed")
    return entry


def _describe_sweep(directory: Path, saved: float) -> Entry:
    path = directory / SWEEP_SPEC
    spec = _read_json(path)
    kind, target = _field(spec, "kind", str, path), _field(spec, "target", str, path)
    settings, grid = _field(spec, "settings", dict, path), _field(spec, "grid", dict, path)
    seeds = _field(spec, "seeds", list, path)
    points = len(seeds) if kind == "trainer" else 1
    for values in grid.values():
        points *= len(values) if isinstance(values, list) else 1
    steps = settings.get("steps")
    return Entry(directory.name, "sweep", saved, target if kind == "trainer" else Path(target).name,
                 {**settings, **{name: values for name, values in grid.items()}},
                 steps if isinstance(steps, int) and not isinstance(steps, bool) else None, points)


def _with_error(entry: Entry, error: str) -> Entry:
    return Entry(entry.name, entry.kind, entry.saved, entry.trainer, entry.config, entry.steps,
                 entry.population, entry.metrics, error)


# --- loading -----------------------------------------------------------------------------------

def load_run(root: str | os.PathLike, name: str) -> History:
    """The run saved as ``root/name``; a RunFileError when it is broken or its table is larger than
    MAX_RUN_BYTES (``History.load`` reads it whole into memory)."""
    directory = Path(root) / check_name(name)
    if not directory.is_dir():
        raise RunFileError(f"{directory} does not exist: no saved run there")
    path = directory / MANIFEST
    manifest = _read_json(path)
    if manifest.get("format") in (FORMAT, FORMAT_1):
        table = directory / table_name(manifest, path)
        size = table.stat().st_size if table.is_file() else 0
        if size > MAX_RUN_BYTES:
            raise RunFileError(f"{table} is {size / 1e6:,.0f} MB: the dashboard opens runs of up to "
                               f"{MAX_RUN_BYTES / 1e6:,.0f} MB; load it in a notebook with History.load")
    return History.load(directory)


# --- reproducing a run -------------------------------------------------------------------------

def checked_config(trainer: str, config: dict) -> dict:
    """``config`` checked by trainer ``trainer``'s Config, every field with its value (defaults filled);
    an UnknownTrainer or ConfigError otherwise."""
    if not isinstance(config, dict):
        raise ConfigError(f"a config must be a mapping of field names to values, not {type(config).__name__}")
    return trainer_class(trainer).Config.from_params(**config).model_dump()


def snippet(trainer: str, config: dict) -> str:
    """Python code that trains trainer ``trainer`` with ``config`` (checked, every field spelled out)."""
    values = checked_config(trainer, config)
    fields = "".join(f"    {name}={value!r},\n" for name, value in values.items())
    return (f"from lab.core import Run\n"
            f"from lab.core.trainers import trainer_class\n\n"
            f"Trainer = trainer_class({trainer!r})\n"
            f"config = Trainer.Config(\n{fields})\n"
            f"history = Run(Trainer(config), config.steps).run()\n")


def command_line(trainer: str, config: dict) -> str:
    """The ``stability-lab run`` command that trains trainer ``trainer`` with ``config`` (every field)."""
    values = checked_config(trainer, config)
    settings = " ".join(f"--set {shlex.quote(f'{name}={_text(value)}')}" for name, value in values.items())
    return f"stability-lab run {shlex.quote(trainer)} {settings}"


def _text(value) -> str:
    """A config value as ``lab.core.trainers.typed_value`` reads it back (floats exactly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)
