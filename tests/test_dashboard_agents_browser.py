"""The Agents tab in headless Chromium (issue 18): a short run draws a success line per seed to its last step and
the advantage quality follows it; during a long run the lines grow, and turning ARPO's replay on enables its
option and the status line says the change applies to the next run; that run draws the replayed episodes. The
``page`` fixture fails a test whose page fetched anything from another host than the lab's own server.

The waits are for the runs to end, not speed bounds: quiet, a 40-step run of 4 seeds trains in well under a second."""

from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import figure, set_value, wait_for

SEEDS = 4
STEPS = 40

# The success figure's per-seed lines: (name, number of points, last step drawn).
SEED_LINES = """el => el.data.filter(t => (t.name || '').startsWith('seed '))
                             .map(t => [t.name, t.x.length, t.x.length ? t.x[t.x.length - 1] : null])"""
TRACE_NAMES = "el => el.data.map(t => t.name)"
TITLE = "el => el.layout.title.text"


def last_drawn(page) -> float:
    """The last step the success figure's per-seed lines reach (0 before any)."""
    return max([last or 0 for _, _, last in figure(page, 0).evaluate(SEED_LINES)], default=0)


def every_seed_drawn(page) -> list:
    lines = figure(page, 0).evaluate(SEED_LINES)
    full = len(lines) == SEEDS and all(n == STEPS and last == STEPS for _, n, last in lines)
    return lines if full else []


def test_a_run_draws_every_seed_and_replay_changes_the_next_run(page):
    page.locator(".bk-tab", has_text="Agents").click()
    status = page.locator(".lab-status").first
    expect(status).to_contain_text("Ready", timeout=60_000)
    expect(page.get_by_role("heading", name="Agents").first).to_be_visible()
    replay_size = page.locator(".control-replay_size input").first
    expect(replay_size).to_be_disabled()                 # ARPO's option waits for its switch
    quality = figure(page, 3)
    expect(quality).to_be_visible(timeout=30_000)
    assert "before training" in quality.evaluate(TITLE)

    set_value(page, "seeds", str(SEEDS))
    set_value(page, "steps", str(STEPS))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(f"Finished {STEPS} steps", timeout=120_000)
    lines = wait_for(lambda: every_seed_drawn(page), f"the success figure drawing {SEEDS} seeds to step {STEPS}")
    assert sorted(name for name, _, _ in lines) == [f"seed {s}" for s in range(SEEDS)], lines
    assert "success: median" in figure(page, 0).evaluate(TRACE_NAMES)
    wait_for(lambda: "the policies at step" in quality.evaluate(TITLE), "the advantage quality following the run")
    estimators = {name.split(" ")[0].rstrip(",") for name in quality.evaluate(TRACE_NAMES) if name}
    assert {"outcome", "salt", "mc"} <= estimators, estimators
    groups = figure(page, 1)
    assert "episodes replayed: median" not in groups.evaluate(TRACE_NAMES)

    # A long run to watch grow; turning replay on meanwhile enables its option and is named in the status line.
    set_value(page, "steps", "100000")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text("Running", timeout=30_000)
    drawn = 0
    for _ in range(3):   # the lines grow, redraw after redraw (the first may still be the short run's)
        drawn = wait_for(lambda: (step := last_drawn(page)) > drawn and step, f"the success lines passing step {drawn}")
    page.locator(".control-replay input").first.check()
    expect(replay_size).to_be_enabled(timeout=10_000)
    expect(status).to_contain_text("Changed controls apply to the next run", timeout=10_000)
    expect(status).to_contain_text("replay")
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(status).to_contain_text("Stopped", timeout=30_000)

    set_value(page, "steps", str(STEPS))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(f"Finished {STEPS} steps", timeout=120_000)
    wait_for(lambda: "episodes replayed: median" in groups.evaluate(TRACE_NAMES),
             "the groups figure drawing the replayed episodes")
    assert "episodes replayed" in groups.evaluate(TITLE)
    wait_for(lambda: every_seed_drawn(page), f"the replay run's success lines reaching step {STEPS}")
    assert not page.errors, page.errors
