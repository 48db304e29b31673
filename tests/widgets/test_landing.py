"""The landing page without a browser: a card and a thumbnail for every lab, text escaped, a missing
picture left out, and each card's Open button opening its own lab."""
import html

import panel as pn

from widgets import dashboard, landing
from widgets.landing import LabCard


def test_every_lab_has_a_card_and_a_thumbnail():
    titles = [title for title, _ in dashboard.TABS]
    cards = [landing.card_for(title) for title in titles]  # a KeyError names a lab without a card
    missing = [f"{card.title}: {card.thumbnail}" for card in cards if not card.thumbnail.is_file()]
    assert not missing, f"no thumbnail (make it with python -m widgets.thumbnails SLUG): {missing}"
    assert len({card.slug for card in cards}) == len(cards)


def test_a_card_shows_its_paper_and_finding_escaped_and_its_thumbnail_from_this_server():
    card = landing.card_for("Policy Cliff")
    text = landing.card_html(card)
    assert html.escape(card.paper) in text and html.escape(card.finding) in text
    assert f'src="thumbnails/{card.slug}.png"' in text
    odd = LabCard("<script>x</script>", "cliff", "A & B", "<b>bold</b>")
    text = landing.card_html(odd)
    assert "<script>" not in text and "&lt;script&gt;" in text and "A &amp; B" in text and "<b>" not in text


def test_a_card_without_its_thumbnail_file_shows_no_picture():
    text = landing.card_html(LabCard("A lab", "no-such-lab", "a paper", "a finding"))
    assert "<img" not in text and "A lab" in text and "a finding" in text


def test_each_cards_open_button_opens_and_builds_its_own_lab(monkeypatch):
    monkeypatch.setattr(dashboard, "TABS", [(title, lambda title=title: pn.pane.Markdown(title))
                                            for title, _ in dashboard.TABS])
    tabs = dashboard.app()
    home, *labs = tabs
    buttons = home.select(pn.widgets.Button)
    assert [b.label for b in buttons] == ["Open"] * len(labs)
    for i, (title, _) in enumerate(dashboard.TABS):
        buttons[i].clicks += 1
        assert tabs.active == i + 1 and [lab.objects[0].object for lab in labs[i:i + 1]] == [title]
    assert "lab-landing" in home.css_classes and tabs.tabs_location == "left"
