"""Typed, bounded, documented trainer configs.

Every trainer has one ``LabConfig`` subclass. Each field has a default, bounds (``ge``/``le``
or ``gt``/``lt``) or choices (``Literal``), and a one-line ``description``. The same class
checks papermill parameters (``Config.from_params(**params)``) and builds the widgets'
controls (``widgets.controls``).

A bad value raises ``ConfigError`` (a ``ValueError``), whose message names the field, the value
given and what is allowed, from every entry point: the constructor, ``from_params``,
``model_validate`` / ``model_validate_json`` / ``model_validate_strings``, attribute assignment
(which leaves the config as it was) and ``replace`` (pydantic's ``model_construct`` checks nothing,
by design, and is no entry point for outside values). Values echoed in a message are cut to
``SHOWN_CHARS`` characters (``shown``), so a 1 MB string never comes back whole.

Numbers — what each kind of field takes (anything else is refused, never converted):

- ``int`` fields: Python ints and numpy integers (given back as ``int``). Not bools, not floats
  (not even ``3.0``), not strings of digits, not ``Decimal``.
- ``float`` fields: Python floats and ints, numpy floating and integer scalars (given back as
  ``float``; a numpy float32 keeps its rounding, ``np.float32(0.1)`` > 0.1). Not bools, not
  strings, not ``Decimal`` or ``Fraction``; NaN and ±inf are refused.
- ``bool`` fields: ``True``/``False`` and numpy bools. Not 0/1, not strings.

numpy scalars are accepted because widgets, pandas and papermill's callers hand them over.

Cross-field rules: a subclass lists its broken rules in ``problems()`` (all of them reported at
once). What cannot run: a subclass estimates its largest allocations in ``memory_parts()``
(bytes per part, each part naming the fields that drive it); when their sum exceeds
``memory_budget()`` the config is refused with the estimate and the budget in the message. The
budget is ``DEFAULT_MEMORY_BUDGET`` = 2 GB per config (one trainer; on a GPU its memory, else
RAM), or the environment variable ``LAB_MEMORY_BUDGET`` in bytes or with a unit (``8G``,
``500M``). A fixed default, not a share of this machine's RAM, so that a config valid here is
valid on every machine that runs the lab's notebooks and tests.
"""
from __future__ import annotations

import os
import typing
from typing import Any

import numpy as np
import pydantic
from pydantic import ConfigDict, Field  # noqa: F401  (re-exported for trainer configs)

__all__ = ["LabConfig", "ConfigError", "Field", "allowed", "bounds", "shown", "memory_budget", "gigabytes"]

SHOWN_CHARS = 80
DEFAULT_MEMORY_BUDGET = 2_000_000_000
UNITS = {"": 1, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12}


class ConfigError(ValueError):
    """A config value is out of its allowed range, of the wrong type, or unknown."""


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters (with '…' where cut)."""
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__: say what it is instead
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def gigabytes(n_bytes: float) -> str:
    """'3.7 GB' (decimal gigabytes)."""
    return f"{n_bytes / 1e9:.2g} GB" if n_bytes < 1e10 else f"{n_bytes / 1e9:,.0f} GB"


def memory_budget() -> int:
    """Bytes one config may plan to allocate: ``LAB_MEMORY_BUDGET`` ('8G', '500M', bytes) or 2 GB."""
    text = os.environ.get("LAB_MEMORY_BUDGET", "").strip().upper().removesuffix("B")
    if not text:
        return DEFAULT_MEMORY_BUDGET
    number, unit = (text[:-1], text[-1]) if text[-1] in UNITS else (text, "")
    try:
        budget = float(number) * UNITS[unit]
    except ValueError:
        budget = float("nan")
    if not budget > 0 or budget == float("inf"):
        raise ConfigError(f"LAB_MEMORY_BUDGET = {shown(os.environ['LAB_MEMORY_BUDGET'])} is not allowed: "
                          "must be a positive number of bytes, optionally with K, M, G or T (e.g. '8G')")
    return int(budget)


def bounds(field: pydantic.fields.FieldInfo) -> dict[str, float]:
    """The numeric bounds of a field as ``{"ge": ..., "le": ..., "gt": ..., "lt": ...}``."""
    found = {}
    for item in field.metadata:
        for key in ("ge", "le", "gt", "lt"):
            value = getattr(item, key, None)
            if value is not None:
                found[key] = value
    return found


def choices(field: pydantic.fields.FieldInfo) -> tuple | None:
    """The allowed values of a ``Literal`` field, else None."""
    if typing.get_origin(field.annotation) is typing.Literal:
        return typing.get_args(field.annotation)
    return None


def allowed(field: pydantic.fields.FieldInfo) -> str:
    """What a field accepts, in words: 'a number ≥ 0 and ≤ 10', 'one of 'a', 'b''."""
    options = choices(field)
    if options is not None:
        return "one of " + ", ".join(repr(o) for o in options)
    kind = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        field.annotation, str(field.annotation))
    limits = bounds(field)
    words = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    parts = [f"{words[k]} {limits[k]:g}" for k in ("ge", "gt", "le", "lt") if k in limits]
    return kind + (" " + " and ".join(parts) if parts else "")


# The Python types each annotation takes after numpy scalars became Python ones (see the docstring).
TAKES = {int: (int,), float: (int, float), bool: (bool,)}


class LabConfig(pydantic.BaseModel):
    """Base of every trainer config: strict types, no unknown fields, checked on assignment."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, frozen=False,
                              allow_inf_nan=False)

    def __init__(self, /, **params: Any) -> None:
        try:
            super().__init__(**params)
        except pydantic.ValidationError as err:
            raise ConfigError(type(self)._explain(err, params)) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> "LabConfig":
        return cls._converted(super().model_validate, obj, *args, **kwargs)

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> "LabConfig":
        return cls._converted(super().model_validate_json, json_data, *args, **kwargs)

    @classmethod
    def model_validate_strings(cls, obj: Any, *args: Any, **kwargs: Any) -> "LabConfig":
        return cls._converted(super().model_validate_strings, obj, *args, **kwargs)

    @classmethod
    def _converted(cls, validate, obj: Any, *args: Any, **kwargs: Any) -> "LabConfig":
        try:
            return validate(obj, *args, **kwargs)
        except pydantic.ValidationError as err:
            raise ConfigError(cls._explain(err, obj if isinstance(obj, dict) else {})) from None

    def __setattr__(self, name: str, value: Any) -> None:
        fields = type(self).model_fields
        if name not in fields:
            raise ConfigError(f"{type(self).__name__}: unknown parameter {shown(name)}; "
                              f"allowed: {', '.join(fields)}")
        before = self.__dict__[name]
        try:
            super().__setattr__(name, value)
        except pydantic.ValidationError as err:
            self.__dict__[name] = before  # pydantic keeps a value its model validators refused
            raise ConfigError(type(self)._explain(err, {name: value})) from None

    @pydantic.field_validator("*", mode="before")
    @classmethod
    def _plain_number(cls, value: Any, info: pydantic.ValidationInfo) -> Any:
        """numpy scalars become Python ones; then a number field takes only the types in ``TAKES``."""
        if isinstance(value, np.generic):
            value = value.item()
        takes = TAKES.get(cls.model_fields[info.field_name].annotation)
        if takes is not None and type(value) not in takes:
            raise ValueError("wrong type")
        return value

    @pydantic.model_validator(mode="after")
    def _runnable(self):
        """Every cross-field rule of ``problems()``, then the memory estimate against the budget."""
        found = self.problems()
        if not found:
            found = self._memory_problem()
        if found:
            raise ValueError("; ".join(found))
        return self

    def problems(self) -> list[str]:
        """Broken cross-field rules, one sentence each naming the fields (none here)."""
        return []

    def memory_parts(self) -> dict[str, float]:
        """Estimated bytes of the trainer's largest allocations, keyed by what they are and the fields
        that drive them (none here: configs whose largest setting is far below the budget)."""
        return {}

    def _memory_problem(self) -> list[str]:
        parts = self.memory_parts()
        total, budget = sum(parts.values()), memory_budget()
        if total <= budget:
            return []
        items = ", ".join(f"{name} {gigabytes(n)}" for name, n in sorted(parts.items(), key=lambda p: -p[1]))
        return [f"estimated memory {gigabytes(total)} exceeds the budget of {gigabytes(budget)} "
                f"({items}); lower the fields named, or raise LAB_MEMORY_BUDGET (e.g. '8G')"]

    @classmethod
    def from_params(cls, **params: Any) -> "LabConfig":
        """Build a config from loose parameters (papermill, widgets) with a clear error."""
        return cls(**params)

    @classmethod
    def _explain(cls, err: pydantic.ValidationError, params: dict) -> str:
        lines = []
        for e in err.errors():
            name = e["loc"][0] if e["loc"] else ""
            if e["type"] in ("extra_forbidden", "invalid_key"):
                lines.append(f"unknown parameter {shown(name)}; allowed: {', '.join(cls.model_fields)}")
            elif name in cls.model_fields:
                field = cls.model_fields[name]
                lines.append(f"'{name}' = {shown(params.get(name, e.get('input')))} is not allowed: "
                             f"must be {allowed(field)} ({field.description})")
            elif e["type"] == "model_type" or e["type"].startswith("json"):
                lines.append(f"expected a mapping of parameters, got {shown(e.get('input'))}")
            else:  # a cross-field rule or the memory check, from ``_runnable``
                lines.append(e["msg"].removeprefix("Value error, "))
        return f"{cls.__name__}: " + "; ".join(lines)

    def replace(self, **changes: Any) -> "LabConfig":
        """A copy with some fields changed, validated like ``from_params``."""
        return type(self).from_params(**{**self.model_dump(), **changes})
