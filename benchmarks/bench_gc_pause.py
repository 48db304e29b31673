"""Benchmark: the dashboard server's full garbage collection, with and without its start-up objects frozen.

    .venv/bin/python benchmarks/bench_gc_pause.py [--repeats 5]

A served dashboard collects garbage on its event loop: after each burst of closed pages
(``widgets.server_memory.return_freed_memory``) and whenever Python's collector decides to walk its oldest
generation. Each such collection walks every container object in the process, and most are the modules,
classes and functions of torch, Panel, Bokeh and the lab, alive for as long as the process is. ``serve``
moves them out of the collector's reach at start-up (``widgets.server_memory.freeze_startup_objects``).

Each variant runs in a process of its own: serve the dashboard (a thread of that process; the frozen
variant freezes first, as ``serve`` does), open one page in headless Chromium and every tab on it, close it,
wait for the session to be destroyed, then time ``gc.collect()`` ``--repeats`` times (median) and count the
objects a collection walks (``gc.get_objects()``). Prints one line per variant and their ratio.
"""
from __future__ import annotations

import argparse
import gc
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import panel as pn

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def measure(frozen: bool, repeats: int) -> dict:
    """One variant, in this process."""
    from playwright.sync_api import sync_playwright

    from widgets import dashboard
    from widgets.server_memory import freeze_startup_objects

    if frozen:
        freeze_startup_objects()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dashboard.serve(port, threaded=True, unused_session_lifetime_milliseconds=3000,
                    check_unused_sessions_milliseconds=500)
    time.sleep(2)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"http://localhost:{port}/", timeout=120_000)
        page.wait_for_selector(".lab-landing", timeout=120_000)
        tabs = page.locator(".bk-tab")
        for index in range(tabs.count()):
            tabs.nth(index).click()
            page.wait_for_timeout(1500)
        browser.close()
    time.sleep(12)  # the session destroyed (3 s unused lifetime) and its memory returned (~6 s later)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - started)
    return {"frozen": frozen, "objects_walked": len(gc.get_objects()), "frozen_objects": gc.get_freeze_count(),
            "collect_ms": 1000 * statistics.median(times), "tabs": len(dashboard.TABS) + 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variant", choices=("frozen", "plain"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant == "frozen", args.repeats)), flush=True)
        pn.state.kill_all_servers()  # the server's thread would keep this process alive
        return
    results = {}
    for variant in ("plain", "frozen"):
        out = subprocess.run([sys.executable, __file__, "--variant", variant, "--repeats", str(args.repeats)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
        r = results[variant]
        print(f"{variant:6s}: a full collection walks {r['objects_walked']:,} objects in {r['collect_ms']:.0f} ms "
              f"(median of {args.repeats}; {r['frozen_objects']:,} frozen; {r['tabs']} tabs opened)")
    print(f"frozen / plain collection time: {results['frozen']['collect_ms'] / results['plain']['collect_ms']:.2f}")


if __name__ == "__main__":
    main()
