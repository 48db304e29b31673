"""Benchmark: dashboard sessions — the time of a page, of eight pages opened together, and the
server's memory over open/run/close cycles of Critic-tab pages.

    .venv/bin/python benchmarks/bench_sessions.py [--requests 9] [--pages 8] [--cycles 5]

The dashboard is served by this process (a thread, as in the browser tests, with Bokeh's
unused-session lifetime shortened to 3 s so that a closed page's session is destroyed soon) and
driven by headless Chromium (/usr/bin/chromium):

* GET /: ``--requests`` requests one after another, after one warm-up; each builds a session.
  Median wall time and median CPU time of this process (the server's work; the machine is shared).
* eight pages: ``--pages`` pages navigated at once; the time until every one shows the landing
  page, beside the same for bare Panel pages with the same scripts (Bokeh, Panel, plotly.js) and a
  Markdown pane (the browser's share); then each opens the Policy Cliff tab at once: the time until
  every one shows its status line and figures.
* cycles: ``--cycles`` times, open ``--pages`` pages at once, open the Critic tab on each, press Run
  (10,000 steps), wait until every page says "Running" (the median and slowest time from the click,
  and how many took over 30 s), let it train 3 s and close the pages; then
  wait until the server has destroyed their sessions and handed the freed memory back
  (widgets.server_memory, ~6 s after the last one) and record the process's RSS,
  the live ``LabView`` objects, the live run threads and what the server logged: writes to closed
  websockets ("Failed sending message", WebSocketClosedError) and errors (AssertionError, "Uncaught
  exception").
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import logging
import socket
import statistics
import threading
import time
import urllib.request
from datetime import date

import panel as pn
import psutil
from bokeh.server.session import ServerSession
from playwright.async_api import async_playwright, expect

from widgets import dashboard
from widgets.labview import LabView
from widgets.server_memory import after_closed_pages

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(bare: bool = False) -> str:
    """The dashboard (or a bare Panel page with its scripts) served by a thread; returns its URL."""
    port, lifetimes = free_port(), dict(unused_session_lifetime_milliseconds=3000,
                                        check_unused_sessions_milliseconds=500)
    if bare:
        pn.serve(lambda: pn.pane.Markdown("## Stability Lab", css_classes=["lab-landing"]), port=port,
                 websocket_origin=[f"localhost:{port}"], threaded=True, show=False, verbose=False, **lifetimes)
    else:
        dashboard.serve(port, threaded=True, **lifetimes)
    url = f"http://localhost:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/favicon.ico", timeout=5)
            return url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the dashboard did not start on {url}")


class LogCount(logging.Handler):
    """Counts what the server logs, by kind (and keeps it off the terminal)."""

    KINDS = {"write to a closed websocket": ("Failed sending message", "WebSocketClosedError"),
             "error": ("AssertionError", "Uncaught exception")}

    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts = collections.Counter()
        for name in ("bokeh", "tornado", "panel", "asyncio"):
            logging.getLogger(name).addHandler(self)
            logging.getLogger(name).propagate = False

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (repr(record.exc_info[1]) if record.exc_info else "")
        kind = next((k for k, words in self.KINDS.items() if any(w in text for w in words)), "other")
        self.counts[kind] += 1

    def take(self) -> str:
        counts, self.counts = self.counts, collections.Counter()
        return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"


def get_page(url: str) -> tuple[float, float]:
    """(wall s, CPU s of this process) of one GET /."""
    process = psutil.Process()
    wall, cpu = time.perf_counter(), sum(process.cpu_times()[:2])
    urllib.request.urlopen(url, timeout=60).read()
    return time.perf_counter() - wall, sum(process.cpu_times()[:2]) - cpu


def live(kind: type) -> int:
    gc.collect()
    return sum(issubclass(type(o), kind) for o in gc.get_objects())


def open_sessions() -> int:
    return sum(issubclass(type(o), ServerSession) and not o.destroyed for o in gc.get_objects())


def run_threads() -> int:
    return sum(t.name == "lab-run" and t.is_alive() for t in threading.enumerate())


async def open_pages(browser, url: str, n: int, timeout_s: float = 120):
    """``n`` pages of a fresh browser context (empty cache) navigated at once; returns (pages, seconds
    until all show the landing page)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    pages = [await context.new_page() for _ in range(n)]
    started = time.perf_counter()
    await asyncio.gather(*(page.goto(url, wait_until="commit", timeout=timeout_s * 1000) for page in pages))
    for page in pages:
        await expect(page.locator(".lab-landing").first).to_contain_text("Stability Lab", timeout=timeout_s * 1000)
    return pages, time.perf_counter() - started


async def open_lab(page, tab: str, timeout_s: float = 120) -> None:
    """Open ``tab`` and wait for its status line and first figure."""
    await page.locator(".bk-tab", has_text=tab).click()
    await expect(page.locator(".lab-status").first).to_contain_text("Ready", timeout=timeout_s * 1000)
    await page.locator(".lab-figure-0 .js-plotly-plot").first.wait_for(timeout=timeout_s * 1000)


async def run_critic(page, timeout_s: float = 180) -> float:
    """Open the Critic tab, press Run once and wait until the page says "Running"; returns the seconds
    from the click. On a loaded machine the answer can take over 30 s: Chromium sends the click at
    once, but the server's event loop (every page's tab builds, figures and clicks) reads it late — a
    click that looked lost after 30 s (1–6 of 8 pages at load 12–19) was answered later."""
    await open_lab(page, "Critic values")
    status = page.locator(".lab-status").first
    started = time.perf_counter()
    await page.get_by_role("button", name="Run", exact=True).click()
    await expect(status).to_contain_text("Running", timeout=timeout_s * 1000)
    return time.perf_counter() - started


def wait_until(condition, timeout_s: float) -> float:
    started = time.perf_counter()
    while not condition() and time.perf_counter() - started < timeout_s:
        time.sleep(0.25)
    return time.perf_counter() - started


async def main(args) -> None:
    print(f"{date.today()}, {psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f}", flush=True)
    url, bare_url = start_server(), start_server(bare=True)
    log = LogCount()
    get_page(url)  # warm-up: imports, the first session's caches
    timings = [get_page(url) for _ in range(args.requests)]
    wall, cpu = statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)
    print(f"GET /: median {wall:.2f} s wall, {cpu:.2f} s CPU over {args.requests} requests "
          f"(min {min(t[0] for t in timings):.2f} s, max {max(t[0] for t in timings):.2f} s)", flush=True)
    wait_until(lambda: open_sessions() == 0, 60)

    process = psutil.Process()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for n in (1, args.pages):  # one page first: the browser's own first-use costs, in neither timing
            bare_pages, bare = await open_pages(browser, bare_url, n)
            for page in bare_pages:
                await page.close()
        pages, seconds = await open_pages(browser, url, args.pages)
        print(f"{args.pages} pages opened together: all show the landing page after {seconds:.1f} s "
              f"(bare Panel pages: {bare:.1f} s)", flush=True)
        started = time.perf_counter()
        await asyncio.gather(*(open_lab(page, "Policy Cliff") for page in pages))
        print(f"then all open Policy Cliff together: all show it after {time.perf_counter() - started:.1f} s",
              flush=True)
        for page in pages:
            await page.close()
        wait_until(lambda: open_sessions() == 0, 60)
        print(f"before the cycles: RSS {process.memory_info().rss / 2**20:,.0f} MB, "
              f"live LabViews {live(LabView)}; logged {log.take()}", flush=True)

        first = None
        for cycle in range(1, args.cycles + 1):
            pages, _ = await open_pages(browser, url, args.pages)
            answers = await asyncio.gather(*(run_critic(page) for page in pages))
            await asyncio.sleep(3)
            closed, closed_at = time.perf_counter(), time.monotonic()
            for page in pages:
                await page.close()
            stopped = wait_until(lambda: run_threads() == 0, 60)
            wait_until(lambda: open_sessions() == 0, 60)
            wait_until(lambda: after_closed_pages.returned_at > closed_at, 60)
            destroyed, views = time.perf_counter() - closed, live(LabView)  # live() collects garbage first
            rss = process.memory_info().rss / 2**20
            first = first or rss
            print(f"cycle {cycle}: runs stopped {stopped:.1f} s after the pages closed; sessions destroyed "
                  f"after {destroyed:.1f} s; RSS {rss:,.0f} MB ({rss / first - 1:+.1%} vs cycle 1); live "
                  f"LabViews {views}; run threads {run_threads()}; Run answered after {statistics.median(answers):.1f} s median, "
                  f"{max(answers):.1f} s at most, {sum(a > 30 for a in answers)} after over 30 s; logged {log.take()}", flush=True)
        await browser.close()
    pn.state.kill_all_servers()
    print(f"load average {psutil.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=9, help="timed GET / requests (default 9)")
    parser.add_argument("--pages", type=int, default=8, help="pages opened together (default 8)")
    parser.add_argument("--cycles", type=int, default=5, help="open/run/close cycles (default 5)")
    asyncio.run(main(parser.parse_args()))
