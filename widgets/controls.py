"""Controls generated from a LabConfig, for ipywidgets and for Panel, from one definition.

``control_specs(Config)`` reads each field's type, default, bounds or choices and help text
into a ``ControlSpec``; ``ipywidget(spec)`` and ``panel_widget(spec)`` turn a spec into a
widget of each front-end. Numbers get sliders within their bounds (a log slider for fields
marked ``json_schema_extra={"log": True}``); integers with a very wide range (seeds) get a
text box. Panel's editable sliders accept typed values outside the slider, so a bad value
reaches the config's check and its message shows in the view's status line.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from lab.core.config import LabConfig, allowed, bounds, choices

WIDE_RANGE = 10_000  # integer fields wider than this get a text box instead of a slider


@dataclass(frozen=True)
class ControlSpec:
    name: str
    kind: str            # "int", "float", "bool", "choice" or "text"
    default: object
    low: float | None = None
    high: float | None = None
    options: tuple = ()
    log: bool = False
    help: str = ""

    @property
    def wide(self) -> bool:
        return self.kind == "int" and (self.high - self.low) > WIDE_RANGE

    @property
    def step(self) -> float:
        if self.kind == "int":
            return 1
        return float(f"{(self.high - self.low) / 200:.1g}")


def control_specs(config_cls: type[LabConfig], values: dict | None = None) -> list[ControlSpec]:
    """One spec per field of ``config_cls``, in declaration order; a control starts at
    ``values[name]`` when given, else at the field's default."""
    specs = []
    for name, field in config_cls.model_fields.items():
        start = (values or {}).get(name, field.default)
        help_text = f"{field.description} — {allowed(field)}"
        options = choices(field)
        if options is not None:
            specs.append(ControlSpec(name, "choice", start, options=options, help=help_text))
            continue
        if field.annotation is bool:
            specs.append(ControlSpec(name, "bool", start, help=help_text))
            continue
        if field.annotation is str:  # free text checked by the config's own validators (an env id, say)
            specs.append(ControlSpec(name, "text", start, help=help_text))
            continue
        limits = bounds(field)
        low, high = limits.get("ge", limits.get("gt")), limits.get("le", limits.get("lt"))
        if low is None or high is None or field.annotation not in (int, float):
            raise TypeError(f"{config_cls.__name__}.{name}: a control needs an int or float field "
                            "with both bounds, a bool, a str, or a Literal of choices")
        log = bool((field.json_schema_extra or {}).get("log"))
        specs.append(ControlSpec(name, field.annotation.__name__, start, low, high,
                                 log=log, help=help_text))
    return specs


def follow_switches(view, controls: dict) -> None:
    """Disable the controls of ``view`` (a LabView) whose switch is off and show the values the view
    holds for them; ``controls`` maps field names to widgets of either front-end (both have
    ``.disabled`` and ``.value``)."""
    for name in view.enabled_by:
        controls[name].disabled = not view.applies(name)
        if controls[name].value != view.values[name]:
            controls[name].value = view.values[name]


def ipywidget(spec: ControlSpec):
    """The ipywidgets control of a spec; ``.value`` is the field's value."""
    import ipywidgets as w

    common = dict(description=spec.name, tooltip=spec.help, style={"description_width": "110px"},
                  layout=w.Layout(width="360px"))
    if spec.kind == "choice":
        return w.Dropdown(options=list(spec.options), value=spec.default, **common)
    if spec.kind == "bool":
        return w.Checkbox(value=spec.default, **common)
    if spec.kind == "text":
        return w.Text(value=spec.default, continuous_update=False, **common)
    if spec.wide:
        return w.IntText(value=spec.default, **common)
    if spec.kind == "int":
        return w.IntSlider(value=spec.default, min=spec.low, max=spec.high, continuous_update=False, **common)
    if spec.log:
        low = math.log10(max(spec.low, spec.high * 1e-6))
        return w.FloatLogSlider(value=spec.default, min=low, max=math.log10(spec.high), base=10,
                                continuous_update=False, readout_format=".2g", **common)
    return w.FloatSlider(value=spec.default, min=spec.low, max=spec.high, step=spec.step,
                         continuous_update=False, readout_format=".3g", **common)


def panel_widget(spec: ControlSpec):
    """The Panel control of a spec; ``.value`` is the field's value (help text: ``panel_help``)."""
    import panel as pn

    common = dict(label=spec.name, css_classes=[f"control-{spec.name}"], width=280)
    if spec.kind == "choice":
        widget = pn.widgets.Select(options=list(spec.options), value=spec.default, **common)
    elif spec.kind == "bool":
        widget = pn.widgets.Checkbox(value=spec.default, **common)
    elif spec.kind == "text":
        widget = pn.widgets.TextInput(value=spec.default, **common)
    elif spec.wide:
        widget = pn.widgets.IntInput(value=spec.default, **common)
    elif spec.kind == "int":
        widget = pn.widgets.EditableIntSlider(value=spec.default, start=int(spec.low), end=int(spec.high), **common)
    else:
        widget = pn.widgets.EditableFloatSlider(value=spec.default, start=spec.low, end=spec.high,
                                                step=spec.step, **common)
    return widget


def panel_help(spec: ControlSpec):
    """A help icon showing the field's description and allowed values on hover."""
    import panel as pn

    return pn.widgets.TooltipIcon(value=spec.help, margin=(28, 0, 0, 0))
