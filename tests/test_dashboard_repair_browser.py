"""The five tabs of critics that judge and repair (issue 19: RLAC, Critique-RL, Agent-R, Search-R2, MMC) in headless
Chromium: each opens on its failure's setting with its paper's switch at the baseline, a short run draws every
seed's headline metric to the run's last step in the first figure, and a run with the paper's switch turned redraws
it with the new run's numbers. The ``page`` fixture fails a test whose
page fetched anything from another host than the lab's own server.

The waits are for the runs to end, not speed bounds."""
import pytest
from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import LAST_STEPS, VALUES, figure, select, set_value, wait_for

SEEDS = 3
STEPS = 12

# tab title: (the switch, its baseline shown first, the paper's value, options set after the switch)
TABS = {
    "RLAC": ("critic", "frozen_rm", "rlac", {}),
    "Critique-RL": ("training", "indirect", "two_stage", {"stage1_steps": "5"}),   # stage II within the 12 steps
    "Agent-R": ("data", "expert", "agent_r", {"round_steps": "5"}),                 # a search within them
    "Search-R2": ("method", "grpo", "search_r2", {}),
    "MMC": ("critique_data", "outcome", "mmc", {}),
}


def drawn_to_the_end(page) -> bool:
    return STEPS in figure(page, 0).evaluate(LAST_STEPS)


@pytest.mark.parametrize("title", list(TABS))
def test_the_baseline_and_then_the_papers_switch_train_and_draw(page, title):
    switch, baseline, paper, options = TABS[title]
    page.locator(".bk-tab", has_text=title).click()
    status = page.locator(".lab-status").first
    expect(status).to_contain_text("Ready", timeout=60_000)
    expect(page.locator(f".control-{switch} select").first).to_have_value(baseline)

    set_value(page, "seeds", str(SEEDS))
    set_value(page, "steps", str(STEPS))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(f"Finished {STEPS} steps", timeout=120_000)
    wait_for(lambda: drawn_to_the_end(page), f"the first figure drawing step {STEPS}")

    baseline_drawn = figure(page, 0).evaluate(VALUES)
    select(page, switch, paper)
    expect(page.locator(f".control-{switch} select").first).to_have_value(paper)
    for field, value in options.items():
        expect(page.locator(f".control-{field} input").first).to_be_enabled(timeout=10_000)
        set_value(page, field, value)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(f"Finished {STEPS} steps", timeout=120_000)
    wait_for(lambda: figure(page, 0).evaluate(VALUES) != baseline_drawn and drawn_to_the_end(page),
             f"the paper's run drawn to step {STEPS}")
    assert not page.errors, page.errors
