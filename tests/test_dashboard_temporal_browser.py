"""The five tabs of time (issue 21: Q-Chunking, ALOE, SRL, StableWorld, FantasyHSI) in
headless Chromium: each opens on its failure's setting with its paper's switch at the baseline; a short run draws
every seed's metric to the run's last step in the tab's first curve over training, and the signature view (the
first figure: error against horizon per seed, or what the lab draws live) changes from the picture before
any run; a run with the paper's switch turned redraws the curve with the new run's numbers. The ``page`` fixture
fails a test whose page fetched anything from another host than the lab's own server.

The waits are for the runs to end, not speed bounds."""
import pytest

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import baseline_then_paper

# tab title: (the switch, its baseline shown first, the paper's value, options set after the switch,
#             the index of the tab's first curve over training); a switch of True/False is a checkbox
TABS = {
    "Q-Chunking": ("method", "one_step", "dqc", {}, 2),
    "ALOE": ("value", "progress", "aloe", {}, 1),
    "SRL": ("method", "repeat", "srl", {}, 1),
    "StableWorld": ("window", "plain", "stableworld", {}, 2),
    "FantasyHSI": ("critic_loop", False, True, {}, 2),
}


@pytest.mark.parametrize("title", list(TABS))
def test_the_baseline_and_then_the_papers_switch_train_and_draw(page, title):
    baseline_then_paper(page, title, *TABS[title])
