"""The ``stability-lab`` command (also ``python -m lab``).

    stability-lab dashboard [--port 5006] [--address A] [--origin H:P]   the Panel dashboard
    stability-lab lab [--port 8888]                                 JupyterLab on the notebooks
    stability-lab run TRAINER [--set key=value ...] [--out DIR]     one headless run, saved as a History
    stability-lab run TRAINER --help                                TRAINER's config fields
    stability-lab sweep TARGET --grid key=v1,v2 [--seeds 0,1] --out DIR [--engine serial|dask|ray] [--no-batch]
    stability-lab report DIR [--metric NAME]                        a sweep's tables and DIR/report.html

``dashboard``, ``lab`` and ``report`` replace this process (``exec``) with the Panel server, JupyterLab
or ``widgets.report``: signals reach them directly, and the engine never imports a UI library. ``run``
trains in this process with a progress bar and prints each metric's final mean
over the population; a bad value is an error naming the field and what it allows (exit status 2),
a run stopped by a NaN/inf metric saves what it recorded and exits with status 1.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

import numpy as np
import yaml

from .core import ConfigError, NonFiniteMetric, Run, RunFileError
from .core.config import allowed
from .core.sweep import ENGINES, SweepError, SweepSpec, run_sweep, trainer_spec
from .core.trainers import TRAINERS, UnknownTrainer, config_from_strings, trainer_class

REPO = Path(__file__).resolve().parent.parent


def fields_help(name: str) -> str:
    """TRAINER's config fields, one per line: name, what it allows, default, description."""
    config = trainer_class(name).Config
    lines = [f"{name}: {config.__doc__.strip().splitlines()[0]}", "", "fields (--set NAME=VALUE):"]
    for field_name, field in config.model_fields.items():
        lines.append(f"  {field_name} = {field.default!r}: {allowed(field)}. {field.description}")
    batched = trainer_class(name).BATCHED
    if batched:
        lines += ["", f"a sweep runs the values of {', '.join(batched)} side by side in one population (--no-batch: apart)"]
    return "\n".join(lines)


class TrainerHelp(argparse.Action):
    """``run|sweep TRAINER --help``: the trainer's fields; ``run --help``, ``sweep --help`` or ``sweep
    NOTEBOOK --help``: the usage (and the trainers)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the fields and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        trainer = getattr(namespace, "trainer", None) or getattr(namespace, "target", None)
        parser.print_help() if trainer not in TRAINERS else print(fields_help(trainer))
        parser.exit()


def parse_settings(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {pair!r} is not allowed: must be NAME=VALUE, e.g. --set lr=3e-3")
        values[key.strip()] = value.strip()
    return values


def run_command(args) -> int:
    config = config_from_strings(args.trainer, parse_settings(args.set))
    trainer = trainer_class(args.trainer)(config, args.device)
    run = Run(trainer, config.steps, progress=not args.quiet)
    try:
        history = run.run()
        status = 0
    except NonFiniteMetric as err:
        print(f"the run stopped: {err}", file=sys.stderr)
        history, status = run.history, 1
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if len(history):
        print(f"{args.trainer}: {len(history)} recorded steps of {history.population} members; "
              "final mean over members:")
        for metric in history.metrics:
            last = history.last(metric)
            print(f"  {metric} = {np.nanmean(last):.4g}" if np.isfinite(last).any() else f"  {metric} = nan")
    if args.out:
        print(f"saved to {history.save(args.out)}")
    return status


def split_grid(pairs: list[str]) -> dict[str, list[str]]:
    grid = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise SweepError(f"--grid {pair!r} is not allowed: must be NAME=V1,V2,..., e.g. --grid lr=1e-3,3e-3")
        grid[key.strip()] = [v.strip() for v in values.split(",")]
    return grid


def sweep_command(args) -> int:
    settings, grid = parse_settings(args.set), split_grid(args.grid)
    if args.target.endswith(".ipynb"):
        if args.seeds:
            raise SweepError("--seeds is for trainer sweeps; a notebook's seed is one of its parameters (--grid seed=0,1)")
        spec = SweepSpec("notebook", str(Path(args.target).resolve()), _yaml_values(settings),
                         {k: list(_yaml_values(dict(enumerate(v))).values()) for k, v in grid.items()})
    else:
        seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else []
        spec = trainer_spec(args.target, settings, grid, seeds, batch=not args.no_batch)
        print(spec.describe())
    result = run_sweep(spec, args.out, args.engine, args.workers, args.scheduler, args.address,
                       progress=not args.quiet)
    print(f"{len(result.done)} point(s) run, {len(result.skipped)} already done, {len(result.failed)} failed; "
          f"tables in {result.directory}")
    for key, error in result.failed.items():
        print(f"  failed {key}: {error}", file=sys.stderr)
    return 1 if result.failed else 0


def _yaml_values(values: dict) -> dict:
    """Notebook parameters from text, read as YAML scalars (12 → int, 0.5 → float, true → bool), as
    papermill's -y does; never evaluated."""
    return {k: yaml.safe_load(v) if v else v for k, v in values.items()}


def report_command(args) -> NoReturn:
    metrics = [f"--metric={m}" for m in args.metric]
    os.execv(sys.executable, [sys.executable, "-m", "widgets.report", str(args.directory), *metrics])


def dashboard_command(args) -> NoReturn:
    command = [sys.executable, "-m", "widgets.dashboard", "--port", str(args.port)]
    command += ["--address", args.address] if args.address else []
    os.execv(sys.executable, command + [f"--origin={origin}" for origin in args.origin])


def jupyterlab_command(args) -> NoReturn:
    jupyter = str(Path(sys.executable).parent / "jupyter")
    command = [jupyter, "lab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={args.port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={REPO / 'notebooks'}"]
    if os.geteuid() == 0:        # containers and CI run as root; there is no desktop browser to open there
        command += ["--allow-root", "--ServerApp.open_browser=False"]
    os.execv(jupyter, command)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="stability-lab", description="Stability Lab: see an instability, turn the "
                                  "paper's knob, watch it go away.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dashboard = commands.add_parser("dashboard", help="serve the Panel dashboard (localhost unless --address)")
    dashboard.add_argument("--port", type=int, default=5006)
    dashboard.add_argument("--address", help="e.g. 0.0.0.0 to serve the network, behind a password")
    dashboard.add_argument("--origin", action="append", default=[], metavar="HOST:PORT",
                           help="another origin browsers may open websockets from (repeat for several)")
    dashboard.set_defaults(handler=dashboard_command)
    jupyter = commands.add_parser("lab", help="JupyterLab on the notebooks (localhost only)")
    jupyter.add_argument("--port", type=int, default=8888)
    jupyter.set_defaults(handler=jupyterlab_command)
    run = commands.add_parser("run", help="one headless run of a trainer, saved as a History", add_help=False,
                              description="Train TRAINER headless; `run TRAINER --help` lists its fields.")
    run.add_argument("-h", "--help", action=TrainerHelp)
    run.add_argument("trainer", choices=list(TRAINERS), metavar="TRAINER", help=", ".join(TRAINERS))
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a config field (repeat for several); unset fields keep their defaults")
    run.add_argument("--out", metavar="DIR", help="save the run's History there (a run directory)")
    run.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when present, else CPU)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=run_command)
    sweep = commands.add_parser("sweep", help="a grid of runs (a trainer, or a notebook under papermill)",
                                add_help=False,
                                description="Run TARGET — a trainer name or a notebook (.ipynb) — at every point "
                                "of a grid into one table (lab/core/sweep.py); resumes into the same --out. "
                                "TARGET --help lists a trainer's fields; a notebook's: papermill --help-notebook.")
    sweep.add_argument("-h", "--help", action=TrainerHelp)
    sweep.add_argument("target", metavar="TARGET", help=f"{', '.join(TRAINERS)}, or a notebook's path")
    sweep.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="fixed for every point")
    sweep.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                       help="a swept field (repeat for several: their product)")
    sweep.add_argument("--seeds", metavar="S1,S2", help="base seeds (trainer sweeps): each point once per seed")
    sweep.add_argument("--out", required=True, metavar="DIR", help="the sweep's directory")
    sweep.add_argument("--engine", choices=ENGINES, default="serial")
    sweep.add_argument("--workers", type=int, default=2, help="local Dask/Ray worker processes (default 2)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    sweep.add_argument("--address", metavar="ADDRESS", help="an existing Ray cluster, e.g. ray://host:10001")
    sweep.add_argument("--no-batch", action="store_true",
                       help="run every grid value apart (each reproducible by `run`), not the fields the trainer "
                            "batches side by side in one population (the default, when it fits in memory)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=sweep_command)
    report = commands.add_parser("report", help="tables and figures of a sweep (DIR/report.html)")
    report.add_argument("directory", metavar="DIR")
    report.add_argument("--metric", action="append", default=[], help="a metric (repeat; default: all)")
    report.set_defaults(handler=report_command)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, UnknownTrainer, RunFileError, SweepError, ValueError) as err:
        print(f"stability-lab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
