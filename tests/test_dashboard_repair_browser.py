"""The five tabs of critics that judge and repair (issue 19: RLAC, Critique-RL, Agent-R, Search-R2, MMC) in headless
Chromium: each opens on its failure's setting with its paper's switch at the baseline, a short run draws every
seed's headline metric to the run's last step in the first figure, and a run with the paper's switch turned redraws
it with the new run's numbers (``dashboard_pages.baseline_then_paper``). The ``page`` fixture fails a test whose
page fetched anything from another host than the lab's own server.

The waits are for the runs to end, not speed bounds."""
import pytest

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import baseline_then_paper

# tab title: (the switch, its baseline shown first, the paper's value, options set after the switch, the figure
#             drawn over training: the first)
TABS = {
    "RLAC": ("critic", "frozen_rm", "rlac", {}, 0),
    "Critique-RL": ("training", "indirect", "two_stage", {"stage1_steps": "5"}, 0),   # stage II within the 12 steps
    "Agent-R": ("data", "expert", "agent_r", {"round_steps": "5"}, 0),                 # a search within them
    "Search-R2": ("method", "grpo", "search_r2", {}, 0),
    "MMC": ("critique_data", "outcome", "mmc", {}, 0),
}


@pytest.mark.parametrize("title", list(TABS))
def test_the_baseline_and_then_the_papers_switch_train_and_draw(page, title):
    baseline_then_paper(page, title, *TABS[title])
