"""The six tabs of expressive and composed policies (issue 20: GoRL, EXPO, PA-RL, GPC, TACO, Two-Stage CAC) in
headless Chromium: each opens on its failure's setting with its paper's switch at the baseline; a short run draws
every seed's metric to the run's last step in the tab's first curve over training, and the signature view (the
first figure: every seed's actions over the true reward, or its item probabilities) changes from the picture before
any run; a run with the paper's switch turned redraws the curve with the new run's numbers. The ``page`` fixture
fails a test whose page fetched anything from another host than the lab's own server.

The waits are for the runs to end, not speed bounds."""
import pytest
from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import LAST_STEPS, VALUES, figure, select, set_value, wait_for

SEEDS = 3
STEPS = 12

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


def drawn_to_the_end(page, index: int) -> bool:
    return STEPS in figure(page, index).evaluate(LAST_STEPS)


def run_to_the_end(page, status, curve: int) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(f"Finished {STEPS} steps", timeout=120_000)
    wait_for(lambda: drawn_to_the_end(page, curve), f"figure {curve} drawing step {STEPS}")


@pytest.mark.parametrize("title", list(TABS))
def test_the_baseline_and_then_the_papers_switch_train_and_draw(page, title):
    switch, baseline, paper, options, curve = TABS[title]
    page.locator(".bk-tab", has_text=title).click()
    status = page.locator(".lab-status").first
    expect(status).to_contain_text("Ready", timeout=60_000)
    expect(page.locator(f".control-{switch} select").first).to_have_value(baseline)
    before_any_run = figure(page, 0).evaluate(VALUES)

    set_value(page, "seeds", str(SEEDS))
    set_value(page, "steps", str(STEPS))
    run_to_the_end(page, status, curve)
    wait_for(lambda: figure(page, 0).evaluate(VALUES) != before_any_run, "the signature view drawing the run")

    baseline_drawn = figure(page, curve).evaluate(VALUES)
    select(page, switch, paper)
    expect(page.locator(f".control-{switch} select").first).to_have_value(paper)
    for field, value in options.items():
        expect(page.locator(f".control-{field} input").first).to_be_enabled(timeout=10_000)
        set_value(page, field, value)
    run_to_the_end(page, status, curve)
    wait_for(lambda: figure(page, curve).evaluate(VALUES) != baseline_drawn, "the paper's run drawn")
    assert not page.errors, page.errors
