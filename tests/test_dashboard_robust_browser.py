"""The six tabs of robustness (issue 22: H-infinity control, IWOCS, Lipschitz GAIL, Causal minimax, Unstable
directions, Optimistic actor-critic) in headless Chromium: each opens on its failure's setting with its paper's
switch at the baseline; a short run draws every seed's metric to the run's last step in the tab's first curve over
training, and the signature view (the first figure: return or error against the strength of the worst case, per
seed) changes from the picture before any run; a run with the paper's switch turned redraws the curve with the new
run's numbers. The ``page`` fixture fails a test whose page fetched anything from another host than the lab's own
server.

The waits are for the runs to end, not speed bounds."""
import pytest

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import baseline_then_paper

# tab title: (the switch, its baseline shown first, the paper's value, options set after the switch,
#             the index of a curve over training[, seeds, steps]); the switch must change that curve's numbers in
#             a run of that length, or the check could pass only by catching the second run's redraw midway
TABS = {
    "H-infinity control": ("disturber", "unconstrained", "hinf", {}, 1),
    "IWOCS": ("method", "nominal", "iwocs", {}, 1),
    "Lipschitz GAIL": ("gradient_penalty", "off", "on", {}, 1, 3, 30),   # learning starts after step 24
    "Causal minimax": ("predictor", "stable_all", "causal_minimax", {}, 2),   # figure 1 draws all three predictors
    "Unstable directions": ("training", "standard", "adversarial", {}, 1),
    "Optimistic actor-critic": ("method", "on_policy", "optimistic", {}, 1),
}


@pytest.mark.parametrize("title", list(TABS))
def test_the_baseline_and_then_the_papers_switch_train_and_draw(page, title):
    baseline_then_paper(page, title, *TABS[title])
