"""History: what a run recorded, per member of the population, in columns.

Each metric is a ``(recorded steps, population)`` array; scalar metrics are broadcast to
every member. Member labels (seed, ε, ...) come from the trainer. A History is the single
source for figures, test assertions and saved files. A saved run is a directory: the long table
in Parquet and ``run.json`` with the run's metadata (config, seed, device, versions), written
whole or not at all (``lab.core.run_files``) and checked field by field on loading
(``lab.core.run_format``); never pickle.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from .run_files import RunFileError, read_run, write_run
from .run_format import decode_run, encode_run

__all__ = ["History", "RunFileError", "bootstrap_mean", "iqm"]


class History:
    """Per-member, columnar record of a run; safe to read while a background run appends.

    A reader that needs several columns (every figure does) takes ``snapshot()`` first: one
    frozen History in which every column has the same length and nothing changes, whatever the
    run appends meanwhile.
    """

    def __init__(self, members: dict[str, list], meta: dict | None = None):
        sizes = {len(v) for v in members.values()}
        if len(sizes) != 1:
            raise ValueError(f"member labels must all have the same length, got {sizes}")
        self.members = {k: list(v) for k, v in members.items()}
        self.population = sizes.pop()
        self.meta = dict(meta or {})
        self._steps = np.zeros(64, dtype=np.int64)
        self._values: dict[str, np.ndarray] = {}
        self._n = 0
        self._lock = threading.Lock()
        self.version = 0  # bumps on every append; live views redraw when it changes
        self.frozen = False

    def __len__(self) -> int:
        return self._n

    @property
    def metrics(self) -> list[str]:
        with self._lock:
            return list(self._values)

    def snapshot(self) -> "History":
        """A frozen, consistent copy of what is recorded now: all columns cut at the same row, one
        version. Cheap: rows below the current length are never written again (growing the columns
        allocates new arrays), so the snapshot shares them as read-only views instead of copying."""
        with self._lock:
            snap = History.__new__(History)
            snap.members, snap.population, snap.meta = self.members, self.population, dict(self.meta)
            snap._steps = _read_only(self._steps[: self._n])
            snap._values = {name: _read_only(column[: self._n]) for name, column in self._values.items()}
            snap._n, snap.version, snap.frozen = self._n, self.version, True
            snap._lock = threading.Lock()
        return snap

    @property
    def steps(self) -> np.ndarray:
        with self._lock:
            return self._steps[: self._n].copy()

    def append(self, step: int, metrics: dict[str, np.ndarray | float]) -> None:
        """Add one recorded step: each metric a scalar or an array of shape (population,)."""
        if self.frozen:
            raise RuntimeError("this History is a snapshot: it cannot be appended to")
        with self._lock:
            if self._n == len(self._steps):
                self._steps = np.resize(self._steps, 2 * self._n)
                for k, v in self._values.items():
                    self._values[k] = np.resize(v, (2 * self._n, self.population))
            for name, value in metrics.items():
                column = self._values.get(name)
                if column is None:
                    if self._n:
                        raise ValueError(f"metric {name!r} appeared at step {step} but not before")
                    column = self._values[name] = np.full((len(self._steps), self.population), np.nan)
                column[self._n] = np.broadcast_to(np.asarray(value, dtype=float), (self.population,))
            self._steps[self._n] = step
            self._n += 1
            self.version += 1

    def values(self, name: str) -> np.ndarray:
        """A copy of metric ``name`` as a (recorded steps, population) array."""
        if name not in self._values:
            raise KeyError(f"no metric {name!r}; recorded: {', '.join(self.metrics) or 'none yet'}")
        with self._lock:
            return self._values[name][: self._n].copy()

    def last(self, name: str) -> np.ndarray:
        """The latest value of ``name`` for every member, shape (population,)."""
        column = self.values(name)
        if not len(column):
            raise ValueError("the history is empty")
        return column[-1]

    def frame(self) -> pd.DataFrame:
        """The long table: one row per (step, member) with member labels and every metric."""
        if not self.frozen:
            return self.snapshot().frame()
        steps = self.steps
        n, p = len(steps), self.population
        table = {"step": np.repeat(steps, p), "member": np.tile(np.arange(p), n)}
        for label, values in self.members.items():
            table[label] = np.tile(np.asarray(values), n)
        for name in self.metrics:
            table[name] = self.values(name)[:n].reshape(-1)
        return pd.DataFrame(table)

    def summary(self, name: str, by: str | None = None, level: float = 0.95,
                n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Mean of ``name`` across members per step (and per label ``by``), with a bootstrap CI.

        Columns: step, [by], mean, lo, hi, n. The interval is the percentile bootstrap of the
        mean over members, ``n_boot`` resamples, at confidence ``level``.
        """
        if not self.frozen:
            return self.snapshot().summary(name, by, level, n_boot, seed)
        values, steps = self.values(name), self.steps[: len(self)]
        rng = np.random.default_rng(seed)
        parts = []
        for label, idx in self._groups(by):
            mean, lo, hi = bootstrap_mean(values[:, idx], level, n_boot, rng)
            part = pd.DataFrame({"step": steps, "mean": mean, "lo": lo, "hi": hi, "n": len(idx)})
            if by is not None:
                part.insert(1, by, label)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def final(self, name: str, by: str, window: float = 0.1, level: float = 0.95,
              n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Each member's mean of ``name`` over the last ``window`` of recorded steps, then the mean
        over members per label ``by`` with a bootstrap CI. Columns: [by], mean, lo, hi, n."""
        if not self.frozen:
            return self.snapshot().final(name, by, window, level, n_boot, seed)
        if not 0 < window <= 1:
            raise ValueError(f"window = {window!r} must be in (0, 1]")
        if not len(self):
            raise ValueError("the run has recorded nothing yet")
        values = self.values(name)
        per_member = values[-max(1, round(window * len(values))):].mean(axis=0)
        rng = np.random.default_rng(seed)
        rows = []
        for label, idx in self._groups(by):
            mean, lo, hi = bootstrap_mean(per_member[idx][None], level, n_boot, rng)
            rows.append({by: label, "mean": mean[0], "lo": lo[0], "hi": hi[0], "n": len(idx)})
        return pd.DataFrame(rows)

    def _groups(self, by: str | None) -> list[tuple[object, np.ndarray]]:
        """(label, member indices) for each value of the member label ``by`` (all members if None)."""
        if by is None:
            return [(None, np.arange(self.population))]
        if by not in self.members:
            raise KeyError(f"no member label {by!r}; labels: {', '.join(self.members)}")
        labels = np.asarray(self.members[by])
        return [(g, np.flatnonzero(labels == g)) for g in np.unique(labels)]

    # --- saving and loading (lab.core.run_files: on disk; lab.core.run_format: what a run holds) ---

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the run into ``directory``, whole or not at all: ``run.json`` and the Parquet table it
        names. Saves of a live run take one snapshot; concurrent saves to one directory take turns."""
        snapshot = self if self.frozen else self.snapshot()
        manifest, table = encode_run(snapshot.frame(), self.population, self.members, snapshot.metrics, self.meta)
        write_run(Path(directory), manifest, table)
        return Path(directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "History":
        """Read a run saved by ``save``; a missing, truncated or malformed run is a RunFileError that
        names the file and the fault."""
        run = decode_run(*read_run(Path(directory)))
        history = cls(run.members, run.meta)
        for i, step in enumerate(run.steps):
            history.append(int(step), {metric: values[i] for metric, values in run.values.items()})
        return history


def bootstrap_mean(sample: np.ndarray, level: float, n_boot: int, rng: np.random.Generator,
                   statistic=np.mean) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over the last axis of ``sample`` (rows, members) and its percentile-bootstrap interval;
    ``statistic(array, axis=...)`` in place of the mean (``iqm``, say) when given."""
    resample = rng.integers(0, sample.shape[1], size=(n_boot, sample.shape[1]))
    boot = statistic(sample[:, resample], axis=2)                # (rows, n_boot)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], axis=1)
    return statistic(sample, axis=1), lo, hi


def iqm(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Interquartile mean along ``axis``: the mean of what is left after cutting ⌊n/4⌋ values from
    each end (scipy's ``trim_mean(values, 0.25)``), the aggregate Agarwal et al. recommend ("Deep RL at
    the Edge of the Statistical Precipice", NeurIPS 2021, Sec. 4)."""
    ordered = np.sort(np.moveaxis(values, axis, -1), axis=-1)
    cut = ordered.shape[-1] // 4
    return ordered[..., cut:ordered.shape[-1] - cut].mean(axis=-1)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
