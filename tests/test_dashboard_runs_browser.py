"""Saved runs in headless Chromium: finish a Policy Cliff run, save it under a name (hostile names refused
as text), find it on the Runs page, open it (its figures drawn with data, its code copied), download its
History and config, and compare it with a second saved run — in the dashboard, its Policy Cliff tab and its
Runs tab."""
import csv
import io
import json
import time

import pandas as pd
import pytest
from playwright.sync_api import expect, sync_playwright

from dashboard_pages import CHROMIUM, FLAGS, keep_local, served_dashboard, set_value
from lab.core import History

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def runs_root(tmp_path, monkeypatch):
    monkeypatch.setenv("STABILITY_LAB_RUNS", str(tmp_path))   # where a live view's Save run saves
    return tmp_path


@pytest.fixture
def server_url(runs_root):
    """The dashboard, its runs root ``runs_root``, served by a thread of this process."""
    with served_dashboard() as url:
        yield url


@pytest.fixture
def page(server_url):
    """A page that may use the clipboard; the test fails if it fetched from anywhere but the server,
    logged an error or opened a dialog (a hostile name's script)."""
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True,
                                          permissions=["clipboard-read", "clipboard-write"])
            page = context.new_page()
            foreign = keep_local(page, server_url)
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
            page.goto(server_url, wait_until="networkidle")
            yield page
            assert not foreign, f"the page fetched from outside the lab's server: {foreign}"
            assert not errors, errors
        finally:
            browser.close()


def finish_a_run(page, **values: str) -> None:
    """Type ``values``, press Run and wait until the save row is back for this run: a new run hides the
    last save's outcome (a short run's status may read "Finished" before and after, never "Running")."""
    for field, value in values.items():
        set_value(page, field, value)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".lab-save-status").first).to_be_hidden(timeout=30_000)
    expect(page.locator(".lab-status").first).to_contain_text("Finished", timeout=30_000)
    expect(page.locator(".lab-save-name input").first).to_be_visible(timeout=5_000)


def save_as(page, name: str) -> None:
    box = page.locator(".lab-save-name input").first
    box.fill(name)
    page.locator(".button-save-run button").first.click()


def legend(page, css: str) -> list[str]:
    return page.locator(f"{css} .js-plotly-plot").first.evaluate("el => el.data.map(t => t.name)")


def test_a_finished_run_is_saved_listed_opened_downloaded_and_compared(page, runs_root):
    started = time.monotonic()
    page.locator(".bk-tab", has_text="Policy Cliff").click()
    expect(page.locator(".lab-status").first).to_contain_text("Ready", timeout=30_000)
    outcome = page.locator(".lab-save-status").first
    finish_a_run(page, steps="60", seeds="4")

    save_as(page, HOSTILE)
    expect(outcome).to_contain_text("Not saved", timeout=10_000)
    expect(outcome).to_contain_text(f"the name '{HOSTILE}' contains '<'")   # shown as text, not an image
    save_as(page, "../evil")
    expect(outcome).to_contain_text("starts with '.'", timeout=10_000)
    save_as(page, "first")
    expect(outcome).to_contain_text(f"Saved as first in {runs_root}", timeout=10_000)
    assert sorted(p.name for p in runs_root.iterdir()) == ["first"]

    page.locator(".lab-reproduce .card-header").first.click()             # the collapsed config card
    page.locator(".lab-snippet .lab-copy").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("from lab.core import Run") and "    steps=60,\n" in copied and "    seeds=4,\n" in copied

    finish_a_run(page, alpha="0")
    save_as(page, "second")
    expect(outcome).to_contain_text("Saved as second", timeout=10_000)

    page.locator(".bk-tab", has_text="Runs").click()                       # built now: it lists both
    table = page.locator(".lab-runs-table").first
    expect(table).to_contain_text("second", timeout=10_000)
    expect(table).to_contain_text("first")

    page.locator(".lab-runs-open select").first.select_option("first")
    page.locator(".button-open-run button").first.click()
    learned = page.locator(".lab-run-figure-0 .js-plotly-plot").first
    expect(learned).to_be_visible(timeout=15_000)
    saved = History.load(runs_root / "first")
    points = learned.evaluate("el => el.data.filter(t => t.name === 'learned, per seed').map(t => t.y.length)")
    assert points == [saved.population]                                     # every member's last π(a₂)
    expect(page.locator(".lab-runs-opened .lab-snippet").first).to_contain_text("trainer_class('cliff')")

    with page.expect_download() as download:
        page.locator(".lab-download-csv button").first.click()
    rows = list(csv.reader(io.StringIO(open(download.value.path()).read())))
    assert rows[0] == list(saved.frame().columns) and len(rows) - 1 == len(saved) * saved.population
    with page.expect_download() as download:
        page.locator(".lab-download-parquet button").first.click()
    pd.testing.assert_frame_equal(pd.read_parquet(download.value.path()), saved.frame())
    with page.expect_download() as download:
        page.locator(".lab-download-config button").first.click()
    assert json.load(open(download.value.path())) == saved.meta["config"]

    page.locator(".lab-runs-compared select").first.select_option(["first", "second"])
    expect(page.locator(".lab-runs-metric select").first).to_have_value("pi_a2", timeout=5_000)
    page.locator(".button-compare-runs button").first.click()
    expect(page.locator(".lab-compare-figure .js-plotly-plot").first).to_be_visible(timeout=15_000)
    assert {"first", "second"} <= set(legend(page, ".lab-compare-figure"))
    assert time.monotonic() - started < 60
