"""Sweeps: a grid of settings run as independent points, on this process, Dask or Ray, into one table.

Two kinds, one result format:

- a *trainer sweep* runs a trainer (``lab.core.trainers``) at every point of a grid over its config
  fields × base seeds. The seed axis is batched: each point trains its ``seeds`` population in one
  run (as every lab's trainer does). So are the grid's fields the trainer can batch (its ``BATCHED``,
  e.g. the cliff's α, step size and reward noise): every combination of their values is a block of one
  population, when that population fits the memory budget. The other fields and the base seeds fan
  out as jobs. A batched point's blocks share one generator, so a block is not bit-identical to its
  values run alone (it is the same experiment, drawn differently); ``batch=False`` runs each
  combination apart. Every point's config is built and checked before anything runs, so a bad value
  stops the sweep at once, named.
- a *notebook sweep* runs a notebook under papermill at every point of a grid over its parameters and
  collects what it records with ``lab.record``.

A sweep lives in one directory::

    sweep.json        what was asked (kind, trainer or notebook, settings, grid, seeds)
    points/<id>/      one point: a saved run (trainer) or the executed notebook and results.json
    finals.parquet    one row per point × member (trainer: the last recorded metrics; notebook: one row
                      per point, its records) with the point's settings as columns (a batched field's
                      from its member's block) and the member's labels as ``member_<label>``
                      (``member_seed``: its seed within the population)
    steps.parquet     trainer sweeps: one row per point × member × recorded step
    failures.json     the points that failed or were lost with their worker, each with its error

A point's id is a hash of its settings, so a sweep resumes: run it again into the same directory and
the points already done are skipped (the directory must hold the same sweep). A failed point is
recorded, never fatal; the rest go on.

Engines: ``serial``; ``dask`` — a ``distributed.LocalCluster`` of ``workers`` processes started here,
or the cluster at ``scheduler``; ``ray`` — a local Ray (its workers get this process's ``sys.path``), or the cluster at ``address`` (Ray
is an optional extra). Every job trains on one torch thread (the lab's tensors are small; threads fight).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .config import memory_budget
from .history import History
from .trainers import TRAINERS, trainer_class, typed_value

ENGINES = ("serial", "dask", "ray")
MAX_POINTS = 10_000
SPEC, FINALS, STEPS, FAILURES = "sweep.json", "finals.parquet", "steps.parquet", "failures.json"


class SweepError(ValueError):
    """A sweep that cannot run as asked; the message says what is wrong and what is allowed."""


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep. ``grid`` maps a field (or notebook parameter) to its values; ``seeds`` are base
    seeds (trainer sweeps; each point trains a population from one of them); ``batched`` names the
    grid fields run side by side in one population (trainer sweeps)."""

    kind: str                                   # "trainer" or "notebook"
    target: str                                 # a trainer name, or a notebook's path
    settings: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: [0])
    batched: list[str] = field(default_factory=list)

    def points(self) -> list[dict[str, Any]]:
        """Every point's settings: the fixed settings, one value per fanned-out grid field, (trainer) the
        seed, and (when fields are batched) ``blocks``: one mapping of batched values per block."""
        combos = _product({n: v for n, v in self.grid.items() if n not in self.batched})
        if self.kind == "trainer":
            combos = [{**c, "seed": s} for c in combos for s in self.seeds]
        blocks = self.blocks()
        if len(combos) * max(1, len(blocks)) > MAX_POINTS:
            raise SweepError(f"the grid has {len(combos) * max(1, len(blocks)):,} points; at most {MAX_POINTS:,} are allowed")
        return [{**self.settings, **c, **({"blocks": blocks} if blocks else {})} for c in combos]

    def blocks(self) -> list[dict[str, Any]]:
        """The batched fields' combinations, one per block of a point's population ([] when none)."""
        return _product({n: self.grid[n] for n in self.batched}) if self.batched else []

    def describe(self) -> str:
        """A sentence: how many runs, and what each batches."""
        runs = len(self.points())
        if not self.batched:
            return f"{runs} run(s), one per point"
        return (f"{runs} run(s): each trains {len(self.blocks())} blocks side by side "
                f"({' × '.join(f'{n} ({len(self.grid[n])} values)' for n in self.batched)}) in one population")


def _product(grid: dict[str, list]) -> list[dict[str, Any]]:
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


def point_id(settings: dict[str, Any]) -> str:
    """A stable name for a point: a hash of its settings."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:12]


def trainer_spec(trainer: str, settings: dict[str, str], grid: dict[str, list[str]], seeds: list[int],
                 batch: bool = True) -> SweepSpec:
    """A trainer sweep from text values (the command line), typed by the trainer's config fields;
    every point's config is checked now, so a bad value stops the sweep before anything runs. With
    ``batch``, the grid fields the trainer batches run side by side in one population per point, as
    many of them as keep that population within the memory budget."""
    if not grid and len(seeds) < 2:
        raise SweepError("a sweep needs a grid (--grid name=v1,v2) or several seeds (--seeds 0,1,2)")
    for name, values in grid.items():
        if not values:
            raise SweepError(f"--grid {name} has no values; give them as {name}=v1,v2")
    cls = trainer_class(trainer)
    config = cls.Config
    spec = SweepSpec("trainer", trainer, {k: typed_value(config, k, v) for k, v in settings.items()},
                     {k: [typed_value(config, k, v) for v in values] for k, values in grid.items()},
                     list(seeds or [0]))
    configs = [config.from_params(**point) for point in spec.points()]
    batchable = [name for name in spec.grid if batch and name in cls.BATCHED and len(spec.grid[name]) > 1]
    largest = max(sum(c.memory_parts().values()) for c in configs)
    while batchable and largest * len(SweepSpec(**{**asdict(spec), "batched": batchable}).blocks()) > memory_budget():
        batchable.pop()              # the last batched field fans out instead
    return SweepSpec(**{**asdict(spec), "batched": batchable})


def _unbatched(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k != "blocks"}


# --- one point --------------------------------------------------------------------------------------

def run_trainer_point(module: str, cls: str, settings: dict[str, Any], directory: str) -> dict:
    """Train one point (its ``blocks`` side by side, when it has them) and save its History in
    ``directory``; a job for any engine (a plain function of plain values, importable by workers)."""
    import importlib

    import torch

    from .run import Run

    torch.set_num_threads(1)
    trainer_cls = getattr(importlib.import_module(module), cls)
    config = trainer_cls.Config.from_params(**_unbatched(settings))
    trainer = trainer_cls(config, blocks=settings["blocks"]) if "blocks" in settings else trainer_cls(config)
    history = Run(trainer, config.steps, progress=False).run()
    history.save(directory)
    return {"recorded": len(history)}


def run_notebook_point(notebook: str, parameters: dict, directory: str, kernel: str) -> dict:
    """Execute the notebook with ``parameters`` into ``directory``; its ``lab.record`` results."""
    import papermill

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    partial, results = folder / "results.partial.json", folder / "results.json"
    papermill.execute_notebook(notebook, str(folder / Path(notebook).name), kernel_name=kernel, progress_bar=False,
                               parameters={**parameters, "results_path": str(partial)})
    partial.replace(results)       # only a notebook that ran to its end counts as done when the sweep resumes
    return json.loads(results.read_text())


# --- engines ----------------------------------------------------------------------------------------

def _serial(jobs) -> Iterator[tuple[str, Any, BaseException | None]]:
    for key, fn, args in jobs:
        try:
            yield key, fn(*args), None
        except Exception as err:  # noqa: BLE001 - a failed point is recorded, the sweep goes on
            yield key, None, err


def _dask(jobs, workers: int, scheduler: str | None):
    import dask
    from distributed import Client, LocalCluster, as_completed

    # One point per worker at a time (saturation 1: nothing queued on a worker), so a worker that dies takes
    # only the point it was running with it; that point is retried once, then recorded as lost.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}):
        cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                      dashboard_address=None)
        try:
            with Client(scheduler or cluster) as client:
                futures = {client.submit(fn, *args, pure=False, key=f"lab-{key}"): key for key, fn, args in jobs}
                for future in as_completed(futures):
                    try:
                        yield futures[future], future.result(), None
                    except Exception as err:  # noqa: BLE001 - KilledWorker, or the point's own error
                        yield futures[future], None, err
        finally:
            if cluster is not None:      # the local workers end with the sweep, whatever happened
                cluster.close()


def _ray(jobs, workers: int, address: str | None):
    try:
        import ray
    except ImportError:
        raise SweepError("the ray engine needs Ray: pip install 'stability-lab[ray]' (or pip install ray)") from None
    # A local Ray's workers import what this process imports (as Dask's spawned workers do): its sys.path.
    local = None if address else {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
    ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
             ignore_reinit_error=True, log_to_driver=False, runtime_env=local)
    try:
        pending = {ray.remote(max_retries=0)(fn).remote(*args): key for key, fn, args in jobs}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            key = pending.pop(done[0])
            try:
                yield key, ray.get(done[0]), None
            except Exception as err:  # noqa: BLE001 - a crashed worker or the point's own error
                yield key, None, err
    finally:
        ray.shutdown()


# --- a sweep ----------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    directory: Path
    done: list[str]          # points run now
    skipped: list[str]       # points found done already (resumed)
    failed: dict[str, str]   # point → its error

    @property
    def finals(self) -> pd.DataFrame:
        """The finals table (empty when no point has finished)."""
        path = self.directory / FINALS
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def run_sweep(spec: SweepSpec, out: str | os.PathLike, engine: str = "serial", workers: int = 2,
              scheduler: str | None = None, address: str | None = None, kernel: str = "stability-lab",
              progress: bool = True) -> SweepResult:
    """Run every point of ``spec`` not yet done in ``out`` on ``engine``; write the tables."""
    if engine not in ENGINES:
        raise SweepError(f"engine {engine!r} is not allowed: must be one of {', '.join(ENGINES)}")
    if not 1 <= workers <= 256:
        raise SweepError(f"workers = {workers} is not allowed: must be from 1 to 256")
    directory = Path(out)
    _claim(directory, spec)
    points = {point_id(p): p for p in spec.points()}
    skipped = [key for key in points if _is_done(spec, directory / "points" / key)]
    jobs = [(key, *_job(spec, points[key], directory / "points" / key, kernel)) for key in points if key not in skipped]
    runner = {"serial": lambda: _serial(jobs), "dask": lambda: _dask(jobs, workers, scheduler),
              "ray": lambda: _ray(jobs, workers, address)}[engine]()
    done, failed = [], {}
    with _progress(len(jobs), progress) as bar:
        for key, _, err in runner:
            if err is None:
                done.append(key)
            else:
                failed[key] = f"{type(err).__name__}: {err}"
            bar.update(1)
    (directory / FAILURES).write_text(json.dumps(
        [{"point": key, "settings": points[key], "error": error} for key, error in failed.items()], indent=1,
        default=str))
    _write_tables(spec, directory, {key: p for key, p in points.items() if key not in failed})
    return SweepResult(directory, done, skipped, failed)


def _job(spec: SweepSpec, settings: dict, folder: Path, kernel: str):
    if spec.kind == "trainer":
        module, cls = TRAINERS[spec.target]
        return run_trainer_point, (module, cls, settings, str(folder))
    return run_notebook_point, (spec.target, settings, str(folder), kernel)


def _claim(directory: Path, spec: SweepSpec) -> None:
    """Write the spec, or check that the directory holds this same sweep (to resume it)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SPEC
    asked = json.loads(json.dumps(asdict(spec), default=str))
    if path.exists():
        found = json.loads(path.read_text())
        if found != asked:
            raise SweepError(f"{directory} holds another sweep ({found.get('kind')} {found.get('target')!r}, "
                             f"grid {found.get('grid')}); resume it with the same arguments or use a new directory")
    else:
        path.write_text(json.dumps(asked, indent=1))


def _is_done(spec: SweepSpec, folder: Path) -> bool:
    if spec.kind == "notebook":
        return (folder / "results.json").is_file()
    try:
        History.load(folder)
        return True
    except Exception:  # noqa: BLE001 - missing, partial or damaged: run it again
        return False


def _write_tables(spec: SweepSpec, directory: Path, points: dict[str, dict]) -> None:
    finals, steps = [], []
    for key, settings in points.items():
        folder = directory / "points" / key
        columns = {"point": key, **_unbatched(settings)}
        if spec.kind == "notebook":
            finals.append(pd.DataFrame([{**columns, **_flat(json.loads((folder / "results.json").read_text()))}]))
            continue
        history = History.load(folder).snapshot()
        labels = {label: label if label in spec.batched else f"member_{label}" for label in history.members}
        members = pd.DataFrame(history.members).rename(columns=labels)
        members.insert(0, "member", range(history.population))
        last = pd.DataFrame({m: history.last(m) for m in history.metrics})
        finals.append(pd.concat([pd.DataFrame([columns] * history.population), members, last], axis=1))
        steps.append(history.frame().rename(columns=labels).assign(**columns))
    if finals:
        pd.concat(finals, ignore_index=True).to_parquet(directory / FINALS, index=False)
    if steps:
        pd.concat(steps, ignore_index=True).to_parquet(directory / STEPS, index=False)


def _flat(results: dict, prefix: str = "") -> dict:
    """A notebook's records as columns: nested mappings joined with '.', lists kept whole (as JSON)."""
    flat = {}
    for name, value in results.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = json.dumps(value) if isinstance(value, list) else value
    return flat


class _progress:
    """tqdm over points when asked, else nothing."""

    def __init__(self, total: int, shown: bool):
        self.bar = None
        if shown:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total, desc="sweep points", unit="point")

    def __enter__(self):
        return self

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


# --- reading a sweep back ---------------------------------------------------------------------------

def load_sweep(directory: str | os.PathLike) -> tuple[SweepSpec, pd.DataFrame]:
    """A sweep directory's spec and finals table, or a SweepError saying what is missing."""
    folder = Path(directory)
    if not (folder / SPEC).is_file():
        raise SweepError(f"{folder} is not a sweep directory (no {SPEC}); make one with `stability-lab sweep`")
    spec = SweepSpec(**json.loads((folder / SPEC).read_text()))
    finals = SweepResult(folder, [], [], {}).finals
    if finals.empty:
        raise SweepError(f"{folder} holds no finished point yet (no {FINALS}); run or resume the sweep")
    return spec, finals


def metric_columns(spec: SweepSpec, finals: pd.DataFrame) -> list[str]:
    """The finals' numeric result columns: not the point, its settings or the member's labels."""
    settings = set(spec.settings) | set(spec.grid) | {"seed", "point", "member"}
    return [c for c in finals.columns if c not in settings and not c.startswith("member_")
            and pd.api.types.is_numeric_dtype(finals[c])]


def summarize(spec: SweepSpec, finals: pd.DataFrame, metric: str, reps: int = 5_000) -> pd.DataFrame:
    """Per grid setting (over every base seed and member): n, mean, IQM and its stratified-bootstrap
    95 % interval of ``metric``'s final value (members × seeds are the runs; one task)."""
    from .stats import bootstrap_aggregates

    if metric not in finals.columns:
        raise SweepError(f"no metric {metric!r} in this sweep; its metrics: {', '.join(metric_columns(spec, finals))}")
    rows = []
    by = list(spec.grid) or ["point"]
    for key, group in finals.groupby(by, sort=True):
        values = group[metric].to_numpy(float)
        values = values[np.isfinite(values)]
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row["n"] = len(values)
        if len(values):
            point, low, high = bootstrap_aggregates(values, reps=reps)["iqm"]
            row.update(mean=values.mean(), iqm=point, iqm_low=low, iqm_high=high)
        rows.append(row)
    return pd.DataFrame(rows)
