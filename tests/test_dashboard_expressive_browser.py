"""The six tabs of expressive and composed policies (issue 20: GoRL, EXPO, PA-RL, GPC, TACO, Two-Stage CAC) in
headless Chromium: each opens on its failure's setting with its paper's switch at the baseline; a short run draws
every seed's metric to the run's last step in the tab's first curve over training, and the signature view (the
first figure: every seed's actions over the true reward, or its item probabilities) changes from the picture before
any run; a run with the paper's switch turned redraws the curve with the new run's numbers. The ``page`` fixture
fails a test whose page fetched anything from another host than the lab's own server.

The waits are for the runs to end, not speed bounds."""
import pytest

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import baseline_then_paper

# tab title: (the switch, its baseline shown first, the paper's value, options set after the switch,
#             the index of the tab's first curve over training)
TABS = {
    "GoRL": ("policy", "gaussian", "gorl", {}, 1),
    "EXPO": ("method", "backprop_chain", "expo", {}, 1),
    "PA-RL": ("method", "reinforce", "pa_rl", {}, 1),
    "GPC": ("policy", "parent_1", "gpc", {}, 2),
    "TACO": ("selection", "single", "taco", {}, 1),
    "Two-Stage CAC": ("method", "summed", "two_stage", {"stage1_steps": "5"}, 1),   # stage two within the 12 steps
}


@pytest.mark.parametrize("title", list(TABS))
def test_the_baseline_and_then_the_papers_switch_train_and_draw(page, title):
    baseline_then_paper(page, title, *TABS[title])
