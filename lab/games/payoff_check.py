"""Payoff numbers and tables, checked: finite real numbers of the expected shape, or a ``ConfigError``
naming the argument and what it must be. Bools and strings are refused, not converted (``R="3"``
is an error, like a config's float field given a string)."""
from __future__ import annotations

import math

import numpy as np

from lab.core.config import ConfigError, shown


def payoff_number(value, name: str, meaning: str) -> float:
    """``value`` as a float: a Python or numpy int or float, finite. Converted before it is checked: numpy cannot
    check a Python int beyond 64 bits (``np.isfinite(-2**63 - 1)`` is a TypeError), and one beyond a float's range
    does not convert (OverflowError) — both are refused like ±inf."""
    number = math.nan
    if not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:
            pass
    if not math.isfinite(number):
        raise ConfigError(f"'{name}' = {shown(value)} is not allowed: must be a finite number ({meaning})")
    return number


def payoff_table(value, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a numeric array (its own int or float dtype) of ``shape`` with finite entries."""
    expected = f"a {shape} table of finite numbers"
    try:
        table = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise ConfigError(f"'{name}' = {shown(value)} is not allowed: must be {expected}") from None
    if table.dtype.kind not in "iuf":
        raise ConfigError(f"'{name}' = {shown(value)} is not allowed: must be {expected} (got entries of type "
                          f"{table.dtype}; numbers only)")
    if table.shape != shape:
        raise ConfigError(f"'{name}' has shape {table.shape}; must be {expected}")
    if not np.all(np.isfinite(table)):
        raise ConfigError(f"'{name}' = {shown(table.tolist())} is not allowed: must be {expected} "
                          "(NaN and ±inf are not)")
    return table
