"""Typed, bounded, documented trainer configs.

Every trainer has one ``LabConfig`` subclass. Each field has a default, bounds (``ge``/``le``
or ``gt``/``lt``) or choices (``Literal``), and a one-line ``description``. The same class
checks papermill parameters (``Config.from_params(**params)``) and builds the widgets'
controls (``widgets.controls``). A bad value raises ``ConfigError``, whose message names the
field, the value given and what is allowed.
"""
from __future__ import annotations

import typing
from typing import Any

import pydantic
from pydantic import ConfigDict, Field  # noqa: F401  (re-exported for trainer configs)

__all__ = ["LabConfig", "ConfigError", "Field", "allowed", "bounds"]


class ConfigError(ValueError):
    """A config value is out of its allowed range, of the wrong type, or unknown."""


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


class LabConfig(pydantic.BaseModel):
    """Base of every trainer config: strict types, no unknown fields, checked on assignment."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, frozen=False)

    @classmethod
    def from_params(cls, **params: Any) -> "LabConfig":
        """Build a config from loose parameters (papermill, widgets) with a clear error."""
        try:
            return cls(**params)
        except pydantic.ValidationError as err:
            raise ConfigError(cls._explain(err, params)) from None

    @classmethod
    def _explain(cls, err: pydantic.ValidationError, params: dict) -> str:
        lines = []
        for e in err.errors():
            name = str(e["loc"][0]) if e["loc"] else ""
            if e["type"] == "extra_forbidden":
                lines.append(f"unknown parameter '{name}'; allowed: {', '.join(cls.model_fields)}")
            elif name in cls.model_fields:
                field = cls.model_fields[name]
                lines.append(f"'{name}' = {params.get(name, e.get('input'))!r} is not allowed: "
                             f"must be {allowed(field)} ({field.description})")
            else:  # a cross-field rule from a model validator
                lines.append(e["msg"].removeprefix("Value error, "))
        return f"{cls.__name__}: " + "; ".join(lines)

    def replace(self, **changes: Any) -> "LabConfig":
        """A copy with some fields changed, validated like ``from_params``."""
        return type(self).from_params(**{**self.model_dump(), **changes})
