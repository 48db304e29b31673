"""Shareable views: a dashboard page's lab and control values live in its URL (issue 16, item 5).

A changed control writes ``<lab>.<control>=<value>`` into the page's query (only values that differ from
the control's default, so a link stays short); opening such a link — in another browser, after a reload —
sets the controls back, each value checked before it is used. The page's own lab is ``lab=<slug>``.

The query is read here, never by Panel's parser (which ``literal_eval``s values that start with ``[``):
at most ``MAX_QUERY_CHARS`` characters and ``MAX_FIELDS`` fields, each value converted by the type of its
control (a choice must be one of the options, a number a finite number, a text at most ``MAX_TEXT``
characters). A value that does not convert, or that the lab's config rejects, is not used: the control keeps
its default and ``share`` returns a sentence naming the parameter, the value and what is allowed.

Outside a served session (a notebook, a test building a layout) nothing is read or written.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import re
import weakref
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl, urlencode

import panel as pn
import param

MAX_QUERY_CHARS = 4000
MAX_FIELDS = 200
MAX_TEXT = 200
LAB_KEY = "lab"

_LAB_BEING_BUILT: contextvars.ContextVar[str | None] = contextvars.ContextVar("lab_being_built", default=None)


def slug(title: str) -> str:
    """A lab's name in URLs: "LLM-RL stability" → "llm-rl-stability"."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def read_query(search: str) -> dict[str, str]:
    """The fields of a URL query (``?a=1&b=x``) as text, bounded; a longer query is read up to the limit."""
    fields = parse_qsl(search.lstrip("?")[:MAX_QUERY_CHARS], keep_blank_values=True)
    return dict(fields[:MAX_FIELDS])


def value_from_text(widget: pn.widgets.Widget, text: str):
    """``text`` as a value of ``widget``: one of its options, true/false, a finite integer or number, or a
    short text — by the type of its ``value``. A ValueError says what is allowed."""
    options = getattr(widget, "options", None)
    if options:
        allowed = {as_text(o): o for o in (options.values() if isinstance(options, dict) else options)}
        if isinstance(widget.value, list):
            chosen = [name.strip() for name in text.split(",") if name.strip()]
            if not all(name in allowed for name in chosen):
                raise ValueError(f"a comma-separated choice among {', '.join(allowed)}")
            return [allowed[name] for name in chosen]
        if text not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")
        return allowed[text]
    kind = widget.param["value"]
    if isinstance(kind, param.Boolean):
        if text.lower() not in ("true", "false"):
            raise ValueError("true or false")
        return text.lower() == "true"
    if isinstance(kind, param.Integer):
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            raise ValueError("an integer")
        return int(text)
    if isinstance(kind, param.Number):
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError("a finite number")
        return number
    if len(text) > MAX_TEXT:
        raise ValueError(f"a text of at most {MAX_TEXT} characters")
    return text


def set_value(widget: pn.widgets.Widget, value) -> str | None:
    """Set ``widget`` to ``value``; why it refused (its bounds), or None."""
    try:
        widget.value = value
    except (ValueError, TypeError):
        start, end = getattr(widget, "start", None), getattr(widget, "end", None)
        return f"allowed: from {start} to {end}" if start is not None and end is not None else "the control refused it"
    return None


def as_text(value) -> str:
    """A control's value as it is written in the URL."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(as_text, value))
    return str(value)


class PageQuery:
    """One page's query: what the URL said when the page opened, and what it says now (kept here and
    written whole to the page's location, so Panel's parser never reads a field of ours)."""

    def __init__(self, location):
        self.location = location
        self.opened_with = read_query(location.search or "")
        self.fields: dict[str, str] = {}
        self.claimed: set[str] = set()

    def set(self, key: str, text: str | None) -> None:
        """Write ``key`` (None removes it) into the page's URL."""
        if text is None:
            self.fields.pop(key, None)
        else:
            self.fields[key] = text
        self.location.search = "?" + urlencode(self.fields) if self.fields else ""


_QUERIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def page_query() -> PageQuery | None:
    """The query of the served page being built or called back now; None outside a served session."""
    document = pn.state.curdoc
    if document is None or document.session_context is None:
        return None
    query = _QUERIES.get(document)
    if query is None:
        query = _QUERIES[document] = PageQuery(pn.state.location)
    return query


@contextlib.contextmanager
def building(lab_title: str) -> Iterator[None]:
    """The controls shared while this block runs belong to the lab ``lab_title``."""
    token = _LAB_BEING_BUILT.set(slug(lab_title))
    try:
        yield
    finally:
        _LAB_BEING_BUILT.reset(token)


def share(widgets: dict[str, pn.widgets.Widget], check: Callable[[str, object], str | None] = lambda n, v: None
          ) -> list[str]:
    """Keep ``widgets`` (by control name) in the page's URL under the lab being built: set each from the
    link the page was opened with, then write each change. ``check(name, value)`` returns why a value is not
    allowed (None when it is: a LabView's config check). Returns a sentence per value of the link not used."""
    query, lab = page_query(), _LAB_BEING_BUILT.get()
    if query is None or lab is None:
        return []
    problems = []
    for name, widget in widgets.items():
        key, default = f"{lab}.{name}", as_text(widget.value)
        if key in query.claimed:
            raise ValueError(f"two controls of the lab '{lab}' are called '{name}' in the URL")
        query.claimed.add(key)
        if key in query.opened_with:
            text = query.opened_with[key]
            try:
                value = value_from_text(widget, text)
            except ValueError as err:
                value, reason = None, f"allowed: {err}"
            else:
                reason = check(name, value) or set_value(widget, value)
            if reason is None:
                query.fields[key] = as_text(value)
            if reason is not None:
                problems.append(f"The link's {key} = '{text[:MAX_TEXT]}' was not used ({reason}).")
        widget.param.watch(lambda event, key=key, default=default: query.set(
            key, None if as_text(event.new) == default else as_text(event.new)), "value")
    return problems


def opened_lab(names: list[str]) -> tuple[int | None, list[str]]:
    """The index in ``names`` of the lab the page's link names (``lab=<name>``), or None; and a sentence if
    it names none of them."""
    query = page_query()
    asked = query.opened_with.get(LAB_KEY) if query is not None else None
    if asked is None:
        return None, []
    if asked not in names:
        return None, [f"The link's {LAB_KEY} = '{asked[:MAX_TEXT]}' is not a page of this dashboard (its pages: "
                      f"{', '.join(names)})."]
    query.fields[LAB_KEY] = asked
    return names.index(asked), []


def build_lab(title: str, build: Callable[[], pn.viewable.Viewable]) -> pn.viewable.Viewable:
    """The lab ``title`` built by ``build()`` with its controls in the page's URL; above it, the link's values it
    did not use: any ``<lab>.<name>`` that names no control of the lab (a control's own bad value is said by the
    control's lab, next to it)."""
    with building(title):
        lab = build()
    query, prefix = page_query(), slug(title) + "."
    if query is None:
        return lab
    unknown = sorted(k for k in query.opened_with if k.startswith(prefix) and k not in query.claimed)
    known = sorted(k[len(prefix):] for k in query.claimed if k.startswith(prefix))
    problems = [f"The link's {k[:MAX_TEXT]} is not a control of this lab (its controls: {', '.join(known)})."
                for k in unknown]
    return pn.Column(link_problems(problems), lab, sizing_mode="stretch_width") if problems else lab


def link_problems(problems: list[str]) -> pn.pane.Alert:
    """A warning above a lab's controls listing the link's values it did not use (hidden when none)."""
    from .panel_front import markdown_text

    return pn.pane.Alert(markdown_text(" ".join(problems)), alert_type="warning", visible=bool(problems),
                         css_classes=["lab-link-problems"], sizing_mode="stretch_width")
