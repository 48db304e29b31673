"""Make the landing page's thumbnails: a small picture of each lab's own first figure, taken from the
served dashboard in headless Chromium.

    python -m widgets.thumbnails [SLUG ...]

Serves the dashboard on a free local port, opens each lab's tab (those of the given card slugs, or all),
types a short run into its controls and presses Run where the tab has a Run button (the Critic arena:
Start), waits for the run to finish (at most ``RUN_WAIT_S``) and a few seconds more, screenshots the
first plotly figure (the Synchrony lab: its frontier) and writes it as ``data/thumbnails/<slug>.png``
(``THUMBNAIL_SIZE``). Needs Playwright and Chromium at ``/usr/bin/chromium`` (the test environment's);
the dashboard itself never imports this module.
"""
from __future__ import annotations

import argparse
import io
import socket
import time
from dataclasses import dataclass, field

from .landing import CARDS, THUMBNAIL_SIZE, THUMBNAILS, LabCard

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 900, "height": 1400}  # a figure about as wide as a thumbnail's shape


@dataclass(frozen=True)
class ShortRun:
    """A lab's run for its thumbnail: the control values typed first, the button pressed, the status
    line that says when it Finished."""
    values: dict[str, str] = field(default_factory=dict)
    button: str = "Run"
    status: str = ".lab-status"


SHORT_RUNS = {"critic-values": ShortRun({"steps": "1500"}), "llm-rl-stability": ShortRun({"steps": "40"}),
              "cooperation-collapse": ShortRun({"steps": "600"}),
              "critic-arena": ShortRun({"steps": "101", "seeds": "4"}, "Start", ".arena-status")}
FIGURES = {"synchrony": ".synchrony-frontier .js-plotly-plot"}  # else the tab's first figure
RUN_WAIT_S = 120
SETTLE_S = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_dashboard() -> str:
    """The dashboard served by a thread of this process; returns its URL once it answers."""
    from . import dashboard

    port = free_port()
    dashboard.serve(port, threaded=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"http://localhost:{port}"
        time.sleep(0.1)
    raise RuntimeError(f"the dashboard did not answer on port {port} within 30 s")


def run_briefly(page, card: LabCard) -> None:
    """Type the card's short run into the tab's controls and press its button (Run unless
    ``SHORT_RUNS`` says otherwise), then wait until its status line says Finished (or ``RUN_WAIT_S``
    passed); nothing for a tab without that button."""
    from playwright.sync_api import expect

    short = SHORT_RUNS.get(card.slug, ShortRun())
    button = page.get_by_role("button", name=short.button, exact=True)
    if button.count() == 0:
        return
    for name, value in short.values.items():
        box = page.locator(f".control-{name} input").first
        box.fill(value)
        box.press("Enter")
    button.first.click()
    try:
        expect(page.locator(short.status).first).to_contain_text("Finished", timeout=RUN_WAIT_S * 1000)
    except AssertionError:
        print(f"{card.title}: the run did not finish within {RUN_WAIT_S} s; photographed as it stands", flush=True)


def shrink(png: bytes) -> bytes:
    """``png`` scaled to fit ``THUMBNAIL_SIZE``, the rest of it white."""
    from PIL import Image, ImageOps

    picture = ImageOps.pad(Image.open(io.BytesIO(png)).convert("RGB"), THUMBNAIL_SIZE, Image.LANCZOS, color="white")
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def photograph(page, url: str, card: LabCard) -> bytes:
    """The first figure of ``card``'s lab (or the one ``FIGURES`` names), after a short run, as a thumbnail PNG."""
    page.goto(url, wait_until="networkidle")
    page.locator(".bk-tab", has_text=card.title).click()
    figure = page.locator(FIGURES.get(card.slug, ".js-plotly-plot")).first
    figure.wait_for(state="visible", timeout=120_000)
    run_briefly(page, card)
    time.sleep(SETTLE_S)
    return shrink(figure.screenshot())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Photograph each lab's first figure for the landing page.")
    parser.add_argument("slugs", nargs="*", metavar="SLUG",
                        help=f"the labs to photograph (default all: {', '.join(c.slug for c in CARDS)})")
    args = parser.parse_args(argv)
    unknown = set(args.slugs) - {card.slug for card in CARDS}
    if unknown:
        parser.error(f"unknown labs {sorted(unknown)}")
    from playwright.sync_api import sync_playwright

    url = serve_dashboard()
    THUMBNAILS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport=VIEWPORT)
        for card in CARDS:
            if args.slugs and card.slug not in args.slugs:
                continue
            card.thumbnail.write_bytes(photograph(page, url, card))
            print(f"{card.thumbnail}: {card.thumbnail.stat().st_size:,} bytes", flush=True)
        browser.close()
    import panel as pn
    pn.state.kill_all_servers()


if __name__ == "__main__":
    main()
