"""What the dashboard's browser tests share: a served dashboard, Chromium kept to the lab's own
server, the server's log, and the fixtures ``server_url`` and ``page`` (import them into a test module)."""
from __future__ import annotations

import contextlib
import logging
import socket
import time
from urllib.parse import urlparse

import panel as pn
import pytest
from playwright.sync_api import expect, sync_playwright

from widgets import dashboard

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_LOGGERS = ("bokeh", "tornado", "panel", "asyncio")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_dashboard(session_lifetime_ms: int = 3000, **serve_options):
    """The dashboard served by a thread of this process; yields its URL. A session without a page
    is destroyed after ``session_lifetime_ms`` (Bokeh's default is 15 s). ``serve_options``:
    ``address``, ``password`` of ``dashboard.serve``."""
    port = free_port()
    dashboard.serve(port, threaded=True, unused_session_lifetime_milliseconds=session_lifetime_ms,
                    check_unused_sessions_milliseconds=min(500, session_lifetime_ms), **serve_options)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://localhost:{port}"
    finally:
        pn.state.kill_all_servers()  # stops the server thread, also when the test failed


def keep_local(target, url: str) -> list[str]:
    """Route every request of ``target`` (a Playwright page or context): those to ``url``'s server go
    on, any other is aborted and recorded in the returned list (the dashboard must work offline)."""
    host, foreign = urlparse(url).netloc, []

    def handle(route):
        address = urlparse(route.request.url)
        if address.scheme in ("http", "https") and address.netloc != host:
            foreign.append(route.request.url)
            return route.abort()
        return route.continue_()

    target.route("**/*", handle)
    return foreign


class ServerLog(logging.Handler):
    """Records what the server logs at WARNING or above while installed (``with ServerLog() as log``)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        self.lines.append(f"{record.name}: {text}")

    def with_any(self, *words: str) -> list[str]:
        return [line for line in self.lines if any(word in line for word in words)]

    def __enter__(self) -> "ServerLog":
        for name in SERVER_LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        for name in SERVER_LOGGERS:
            logging.getLogger(name).removeHandler(self)


def set_value(page, field: str, value: str) -> None:
    """Type ``value`` into the LabView control of ``field`` on ``page`` and press Enter."""
    box = page.locator(f".control-{field} input").first
    box.fill(value)
    box.press("Enter")


def select(page, field: str, value: str) -> None:
    """Choose ``value`` in the LabView select control of ``field`` on ``page``."""
    page.locator(f".control-{field} select").first.select_option(value)


# In a figure's page element: the last x each trace reaches (None for a trace without points); every trace's y.
LAST_STEPS = "el => el.data.map(t => t.x && t.x.length ? t.x[t.x.length - 1] : null)"
VALUES = "el => JSON.stringify(el.data.map(t => t.y))"


def values_at_step(step: int) -> str:
    """A figure's VALUES once some curve of it has drawn ``step`` as its last point, else null — one read of the
    figure, so a drawing midway through a run is never taken for the run's numbers."""
    return (f"el => el.data.some(t => t.x && t.x.length && t.x[t.x.length - 1] === {int(step)})"
            " ? JSON.stringify(el.data.map(t => t.y)) : null")


def switch_value(page, switch: str, value) -> None:
    """Expect the LabView control of ``switch`` to show ``value`` (a select's option, or a checkbox's state)."""
    if isinstance(value, bool):
        expect(page.locator(f".control-{switch} input").first).to_be_checked(checked=value)
    else:
        expect(page.locator(f".control-{switch} select").first).to_have_value(value)


def turn(page, switch: str, value) -> None:
    """Set the LabView control of ``switch`` to ``value`` (a checkbox for True/False, else a select)."""
    if isinstance(value, bool):
        page.locator(f".control-{switch} input").first.set_checked(value)
    else:
        select(page, switch, value)


def run_to_the_end(page, steps: int, curve: int) -> None:
    """Press Run, wait for the status line to say the ``steps``-step run finished and for figure ``curve`` (a
    curve over training) to draw its last step."""
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".lab-status").first).to_contain_text(f"Finished {steps} steps", timeout=120_000)
    wait_for(lambda: steps in figure(page, curve).evaluate(LAST_STEPS), f"figure {curve} drawing step {steps}")


def baseline_then_paper(page, title: str, switch: str, baseline, paper, options: dict, curve: int,
                        seeds: int = 3, steps: int = 12) -> None:
    """A paper tab's round trip: open tab ``title``; it is Ready with ``switch`` at ``baseline``; a short run draws
    figure ``curve`` (a curve over training) to its last step and changes the signature view (figure 0) from its
    picture before any run; with ``switch`` at ``paper`` (and ``options`` typed) a second run, drawn to its last step,
    puts numbers of its own in that curve (the caller picks a curve the switch changes in a run of ``steps``)."""
    page.locator(".bk-tab", has_text=title).click()
    expect(page.locator(".lab-status").first).to_contain_text("Ready", timeout=60_000)
    switch_value(page, switch, baseline)
    before_any_run = figure(page, 0).evaluate(VALUES)

    set_value(page, "seeds", str(seeds))
    set_value(page, "steps", str(steps))
    run_to_the_end(page, steps, curve)
    wait_for(lambda: figure(page, 0).evaluate(VALUES) != before_any_run, "the signature view drawing the run")

    baseline_drawn = wait_for(lambda: figure(page, curve).evaluate(values_at_step(steps)), "the baseline drawn")
    turn(page, switch, paper)
    switch_value(page, switch, paper)
    for field, value in options.items():
        expect(page.locator(f".control-{field} input").first).to_be_enabled(timeout=10_000)
        set_value(page, field, value)
    run_to_the_end(page, steps, curve)
    wait_for(lambda: figure(page, curve).evaluate(values_at_step(steps)) not in (None, baseline_drawn),
             "the paper's whole run drawn with numbers of its own")
    assert not page.errors, page.errors


def figure(page, index: int):
    """The plotly element of a LabView's ``index``-th figure on ``page``."""
    return page.locator(f".lab-figure-{index} .js-plotly-plot").first


def wait_for(condition, what: str, timeout_s: float = 60):
    """``condition()``'s value once it is truthy: the figure worker may draw a finished run's figures a few
    seconds after the status line says Finished (a loaded machine)."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what} within {timeout_s} s"
        time.sleep(0.3)
    return value


@pytest.fixture
def server_url():
    """The dashboard served by a thread of this process, for one test."""
    with served_dashboard() as url:
        yield url


@pytest.fixture
def page(server_url):
    """A page on the dashboard; the test fails if the page asked any other host for anything."""
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            foreign = keep_local(page, server_url)
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
            page.goto(server_url, wait_until="networkidle")
            page.errors = errors
            yield page
            assert not foreign, f"the page fetched from outside the lab's server (it must work offline): {foreign}"
        finally:
            browser.close()
