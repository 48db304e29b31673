"""The landing page in headless Chromium: a card per lab with its title, its finding and its thumbnail,
loaded from the lab's own server; a card's Open button shows its lab."""
from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from widgets import dashboard
from widgets.landing import card_for

LOADED = "img => img.complete && img.naturalWidth > 0"


def test_the_landing_page_shows_a_card_per_lab_with_its_thumbnail_from_this_server(page, server_url):
    expect(page.locator(".lab-landing").first).to_contain_text("Stability Lab", timeout=60_000)
    expect(page.locator(".lab-card")).to_have_count(len(dashboard.TABS))
    for title, _ in dashboard.TABS:
        card = card_for(title)
        shown = page.locator(f".lab-card-{card.slug}")
        expect(shown).to_contain_text(title)
        expect(shown).to_contain_text(card.finding)
        picture = shown.locator("img.lab-card-thumbnail")
        page.wait_for_function(LOADED, arg=picture.element_handle(), timeout=10_000)
        assert picture.evaluate("img => img.src") == f"{server_url}/thumbnails/{card.slug}.png"
    assert not page.errors, page.errors


def test_a_cards_open_button_shows_its_lab(page):
    expect(page.locator(".lab-landing").first).to_contain_text("Stability Lab", timeout=60_000)
    page.locator(".lab-card-repeated-games").get_by_role("button", name="Open").click()
    expect(page.locator(".bk-tab.bk-active")).to_have_text("Repeated games", timeout=10_000)
    expect(page.locator(".lab-status").first).to_contain_text("Ready", timeout=60_000)
    expect(page.get_by_role("heading", name="Repeated games")).to_be_visible()
