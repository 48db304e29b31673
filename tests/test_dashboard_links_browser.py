"""Shareable views in headless Chromium (issue 16, item 5): a lab's control values live in the page's URL,
and the URL opened in a fresh page brings back the same lab with the same values; a hostile link changes
nothing and says which of its values it did not use. The ``page`` fixture fails a test whose page fetched
anything from another host than the lab's own server."""
import re

from playwright.sync_api import expect

from dashboard_pages import keep_local, page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import set_value

LAB = "policy-cliff"


def open_cliff(page):
    page.locator(".bk-tab", has_text="Policy Cliff").click()
    expect(page.locator(".lab-status").first).to_contain_text("Ready", timeout=60_000)


def control_value(page, field: str) -> str:
    return page.locator(f".control-{field} input, .control-{field} select").first.input_value()


def test_a_link_brings_back_the_lab_and_its_values(page, server_url):
    open_cliff(page)
    set_value(page, "alpha", "0.3")
    set_value(page, "steps", "500")
    page.locator(".control-baseline select").first.select_option("none")
    expect(page).to_have_url(re.compile(rf"{LAB}\.baseline=none"), timeout=10_000)
    link = page.url
    assert f"lab={LAB}" in link and f"{LAB}.alpha=0.3" in link and f"{LAB}.steps=500" in link, link
    assert f"{LAB}.seeds" not in link, link          # a control at its default stays out of the link

    fresh = page.context.browser.new_page()
    foreign = keep_local(fresh, server_url)
    fresh.goto(link, wait_until="networkidle")
    expect(fresh.locator(".lab-status").first).to_contain_text("Ready", timeout=60_000)   # the lab itself is open
    assert [control_value(fresh, f) for f in ("alpha", "steps", "baseline", "seeds")] == ["0.3", "500", "none", "16"]
    expect(fresh.locator(".lab-link-problems").first).to_be_hidden()
    assert not foreign, foreign


def test_a_hostile_link_changes_nothing_and_says_what_it_did_not_use(page, server_url):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    script = "<img src=x onerror=alert(1)>"
    page.goto(f"{server_url}/?lab={LAB}&{LAB}.alpha=abc&{LAB}.steps=99999999&{LAB}.baseline={script}"
              f"&{LAB}.nonsense=1&junk=" + "[" * 3000, wait_until="networkidle")
    expect(page.locator(".lab-status").first).to_contain_text("Ready", timeout=60_000)
    problems = page.locator(".lab-link-problems")
    for expected in (f"{LAB}.alpha = 'abc'", "a finite number", f"{LAB}.steps = '99999999'", "≤ 200000",
                     f"{LAB}.baseline = '{script}'", "leave-one-out, none", f"{LAB}.nonsense is not a control"):
        expect(problems.filter(has_text=expected).first).to_be_visible(timeout=10_000)
    assert problems.locator("img").count() == 0                        # shown as text, never markup
    assert [control_value(page, f) for f in ("alpha", "steps", "baseline")] == ["0.1", "2000", "leave-one-out"]
    assert not dialogs and not page.errors, (dialogs, page.errors)
