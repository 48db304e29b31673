"""The landing page without a browser: a card and a thumbnail for every lab, a missing picture left out,
each card's Open opening its own lab, and what a page sends that is not a card's index ignored."""
import panel as pn

from widgets import dashboard, landing
from widgets.landing import LabCard, LabCards


def test_every_lab_has_a_card_and_a_thumbnail():
    titles = [title for title, _ in dashboard.TABS]
    cards = [landing.card_for(title) for title in titles]  # a KeyError names a lab without a card
    missing = [f"{card.title}: {card.thumbnail}" for card in cards if not card.thumbnail.is_file()]
    assert not missing, f"no thumbnail (make it with python -m widgets.thumbnails SLUG): {missing}"
    assert len({card.slug for card in cards}) == len(cards)


def test_a_card_shows_its_paper_finding_and_thumbnail_from_this_server():
    card = landing.card_for("Policy Cliff")
    assert landing.card_fields(card) == dict(title="Policy Cliff", slug="cliff", paper=card.paper,
                                             finding=card.finding, thumbnail="thumbnails/cliff.png")


def test_a_card_without_its_thumbnail_file_shows_no_picture():
    fields = landing.card_fields(LabCard("A lab", "no-such-lab", "a paper", "a finding"))
    assert fields["thumbnail"] == "" and fields["finding"] == "a finding"


def test_the_cards_set_their_text_as_text_never_as_html():
    assert "textContent" in LabCards._esm and "innerHTML" not in LabCards._esm


def lab_tabs(monkeypatch) -> tuple[pn.Tabs, LabCards]:
    """The dashboard with stand-in labs (a Markdown of their title), and its landing page's cards."""
    monkeypatch.setattr(dashboard, "TABS", [(title, lambda title=title: pn.pane.Markdown(title))
                                            for title, _ in dashboard.TABS])
    tabs = dashboard.app()
    (cards,) = tabs[0].select(LabCards)
    return tabs, cards


def test_each_cards_open_opens_and_builds_its_own_lab(monkeypatch):
    tabs, cards = lab_tabs(monkeypatch)
    home, *labs = tabs
    assert [card["title"] for card in cards.cards] == [title for title, _ in dashboard.TABS]
    for i, (title, _) in enumerate(dashboard.TABS):
        cards._handle_msg(i)  # what a card's Open button sends
        assert tabs.active == i + 1 and labs[i].objects[0].object == title
    assert "lab-landing" in home.css_classes and tabs.tabs_location == "left"


def test_what_is_not_a_cards_index_opens_nothing(monkeypatch):
    tabs, cards = lab_tabs(monkeypatch)
    for sent in (len(cards.cards), -1, True, "2", 1.0, None, {"index": 1}):
        cards._handle_msg(sent)
    assert tabs.active == 0 and not any(lab.objects for lab in list(tabs)[1:])
