"""A notebook's papermill parameters, checked before anything runs.

A notebook declares its parameters in the cell tagged ``parameters``, each with a type:
``steps: int = 2000  # help`` (papermill's ``--help-notebook`` shows the type and the help).
papermill runs that cell, then the cell it injects (a first line ``# Parameters``, then one
``name = value`` per parameter given), then the notebook's setup cell, which calls
``lab.check_parameters(globals())``: a given name that the parameters cell does not declare, or a
value not of its declared type, is a ``ConfigError`` that names it. papermill's own names
(``PAPERMILL_INPUT_PATH``, ``PAPERMILL_OUTPUT_PATH``: ``--inject-paths``) are let through. The
injected names are read with ``ast`` from the kernel's input history; no value is evaluated.

``with lab.parameter_names(steps="episodes"): ...`` makes the config errors raised inside name the
notebook's parameter (``episodes``) instead of the config field it feeds (``steps``).
"""
from __future__ import annotations

import ast
import difflib
import typing
from collections.abc import Iterable
from contextlib import contextmanager

from .config import ConfigError, shown

INJECTED = "# Parameters"  # the first line of the cell that papermill injects
PAPERMILL_NAMES = {"PAPERMILL_INPUT_PATH", "PAPERMILL_OUTPUT_PATH"}  # papermill's own (--inject-paths)
KINDS = {bool: "True or False", int: "an integer", float: "a number", str: "a string"}
ITEMS = {bool: "True/False values", int: "integers", float: "numbers", str: "strings"}
TAKES = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}


def injected_names(history: Iterable[str]) -> list[str]:
    """The names assigned by the last injected-parameters cell in ``history`` (IPython's ``In``)."""
    for source in reversed(list(history)):
        if source.splitlines()[:1] == [INJECTED]:
            return [target.id for node in ast.parse(source).body if isinstance(node, ast.Assign)
                    for target in node.targets if isinstance(target, ast.Name)]
    return []


def fits(value, kind) -> bool:
    """Whether ``value`` is of the declared ``kind``: bool, int, float (ints too), str or list[...] of them."""
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return isinstance(value, list) and all(fits(v, item) for v in value)
    return (kind is bool or not isinstance(value, bool)) and isinstance(value, TAKES[kind])


def wrong_type(name: str, value, kind) -> str:
    """The sentence for a value that is not of its parameter's declared kind, with how to pass one."""
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        message = f"'{name}' = {shown(value)} is not allowed: must be a list of {ITEMS[item]}"
        if isinstance(value, list):
            return message
        example = value.strip() if isinstance(value, str) and value.strip().startswith("[") else f"[{value}]"
        return message + f"; papermill's -p passes one value, a list goes as YAML: -y \"{name}: {example}\""
    message = f"'{name}' = {shown(value)} is not allowed: must be {KINDS[kind]}"
    if kind is str and (value is None or isinstance(value, (int, float))):
        return message + f"; papermill's -p reads numbers as numbers, -r passes text: -r {name} {value}"
    return message


def unknown_names(unknown: list[str], declared: list[str]) -> str:
    """The sentence for names the parameters cell does not declare, each with its closest declared name."""
    lowered = {name.lower(): name for name in declared}
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name.lower(), lowered, n=1)
        parts.append(f"'{name}'" + (f" (did you mean '{lowered[close[0]]}'?)" if close else ""))
    return (f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
            f"allowed: {', '.join(declared)}")


def check_parameters(namespace: dict) -> None:
    """Check a notebook's parameters in its ``globals()``: every name papermill injected is declared
    in the parameters cell, and every declared parameter has a value of its declared type."""
    declared = dict(namespace.get("__annotations__", {}))
    unknown = [name for name in injected_names(namespace.get("In", ()))
               if name not in declared and name not in PAPERMILL_NAMES]
    if unknown:
        raise ConfigError(unknown_names(unknown, list(declared)))
    for name, kind in declared.items():
        if name in namespace and not fits(namespace[name], kind):
            raise ConfigError(wrong_type(name, namespace[name], kind))


@contextmanager
def parameter_names(**names: str):
    """Config errors raised inside name the notebook's parameters: ``names`` maps a config field to
    the parameter that feeds it (``steps="episodes"``); messages quote fields as ``'steps'``."""
    try:
        yield
    except ConfigError as err:
        message = str(err)
        for field, name in names.items():
            message = message.replace(f"'{field}'", f"'{name}'")
        raise ConfigError(message) from None
