"""A notebook's key numbers: ``lab.record(name, value)``.

When a results path is set (``lab.results_to(path)``, which notebooks call with their
``results_path`` parameter, or the ``LAB_RESULTS`` environment variable), every record
rewrites that JSON file atomically, so the file always holds everything recorded so far.
Tests read it instead of parsing notebook outputs.

``results_to`` checks its path at once and writes ``{}`` there, so that a directory, a name that is
not ``.json`` or a place that cannot be written fails before a notebook trains, not at its first
record.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from .config import ConfigError, shown

RESULTS_ENV = "LAB_RESULTS"
PATH_CHARS = 400  # a path in a message is cut only past this length
_results: dict[str, object] = {}
_path: Path | None = None


def results_to(path: str | os.PathLike | None) -> None:
    """Write recorded results to ``path``, a .json file (None or '': only ``$LAB_RESULTS`` if set);
    a path that cannot take them is a ``ConfigError`` naming ``results_path``, raised now."""
    global _path
    _path = None
    _results.clear()
    if not path:
        return
    target = Path(path)
    if target.is_dir():
        example = shown(str(target / "results.json"), PATH_CHARS)
        raise _refused(path, f"it is a directory; name a .json file, e.g. {example}")
    if target.suffix.lower() != ".json":
        raise _refused(path, "must name a .json file")
    try:
        _write(target)
    except OSError as err:
        raise _refused(path, f"cannot write there ({err})") from None
    _path = target


def _refused(path, reason: str) -> ConfigError:
    """The error for a results path that cannot take the results."""
    return ConfigError(f"'results_path' = {shown(str(path), PATH_CHARS)} is not allowed: {reason}")


def _plain(value):
    """A JSON-able copy of numbers, arrays, tensors, lists and dicts."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.generic,)):
        return _plain(value.item())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"lab.record: cannot record a {type(value).__name__}; "
                    "record numbers, strings, lists, dicts, arrays or tensors")


def record(name: str, value) -> object:
    """Record one key number (or list/dict of them) under ``name``; returns the value as stored."""
    _results[name] = _plain(value)
    target = _path or (Path(os.environ[RESULTS_ENV]) if os.environ.get(RESULTS_ENV) else None)
    if target is not None:
        _write(target)
    return _results[name]


def _write(target: Path) -> None:
    """Everything recorded so far into ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(_results, indent=2))
    os.replace(tmp, target)


def recorded() -> dict[str, object]:
    """Everything recorded so far in this process."""
    return dict(_results)
