"""The Critic arena tab in headless Chromium: a stability map fills in cell by cell, says so in its status
line, explains a bad axis, and stops when its page closes; nothing is fetched from anywhere but the lab's
own server.

The maps are small through the tab's own controls (4 seeds a cell, 101 steps — 100 random, one learning —
γ = 0.99 instead of the default's 0.999), so that a cell trains in about a second."""
import re
import threading
import time

from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import set_value

# The number of coloured cells in the map (a cell not yet trained is NaN, or null once serialized).
FILLED = """el => el.data.map(t => Array.from(t.z).map(row => Array.from(row))
                               .flat().filter(v => v !== null && v === v).length).reduce((a, b) => a + b, 0)"""



def map_threads() -> int:
    return sum(t.name == "critic-map" and t.is_alive() for t in threading.enumerate())


def open_arena(page, **values: str):
    page.locator(".bk-tab", has_text="Critic arena").click()
    status = page.locator(".arena-status").first
    expect(status).to_contain_text("Ready: press Start.", timeout=30_000)
    for field, value in {"fixed": "tau=1", "steps": "101", "seeds": "4", **values}.items():
        set_value(page, field, value)
    return status


def test_the_map_fills_in_cell_by_cell(page):
    status = open_arena(page, x_values="3e-4, 1e-2", y_values="1")       # 2 points × 2 critics
    page.locator(".arena-start button").first.click()
    expect(status).to_contain_text("Running", timeout=10_000)
    plot = page.locator(".arena-map .js-plotly-plot").first
    counts = []
    deadline = time.time() + 40
    while time.time() < deadline and (not counts or counts[-1] < 4):
        counts.append(plot.evaluate(FILLED))
        page.wait_for_timeout(100)
    expect(status).to_contain_text("Finished 4 cells", timeout=5_000)
    assert counts == sorted(counts) and counts[-1] == 4, counts        # cells only ever get coloured
    assert any(0 < c < 4 for c in counts), counts                      # and the page saw the map part filled
    assert plot.evaluate("el => el.data.map(t => t.type)") == ["heatmap", "heatmap"]
    titles = plot.evaluate("el => el.layout.annotations.map(a => a.text)")
    assert titles[:2] == ["single", "twin"]
    expect(status).to_contain_text("single: ")
    expect(status).to_contain_text("twin: ")

    set_value(page, "y_values", "1, 2.5")
    page.locator(".arena-start button").first.click()
    expect(status).to_contain_text("Not a valid map: utd: '2.5' is not an integer", timeout=5_000)

    # 12 cells of 400 steps, so that Stop comes before the end: at 101 steps a quiet machine finished all 12
    # in 5 s, past the "1 of 12" this test once waited for (2026-12-01).
    set_value(page, "y_values", "1, 2, 4")
    set_value(page, "steps", "400")
    page.locator(".arena-start button").first.click()
    expect(status).to_contain_text(re.compile(r"Running: \d+ of 12 cells done"), timeout=60_000)
    page.locator(".arena-stop button").first.click()
    expect(status).to_contain_text("Stopped after", timeout=30_000)
    expect(status).not_to_contain_text("of 12 cells done")
    assert plot.evaluate(FILLED) < 12
    assert not page.errors, page.errors


def test_closing_the_page_stops_its_map(page):
    open_arena(page, x_values="1e-4, 3e-4, 1e-3, 3e-3, 1e-2", y_values="1, 2, 4")   # 30 cells: minutes
    page.locator(".arena-start button").first.click()
    expect(page.locator(".arena-status").first).to_contain_text("Running", timeout=10_000)
    assert map_threads() == 1
    page.close()
    closed = time.time()
    while map_threads() and time.time() - closed < 20:
        time.sleep(0.1)
    assert map_threads() == 0, f"still computing {time.time() - closed:.1f} s after the page closed"
