"""The LLM-RL tab in headless Chromium: a live run draws the rollout-correction health metrics seed by seed (a
line per seed in every panel, verl's bounds, a ✕ per crossing seed that the panel's title counts), and Routing
Replay and the first-order check draw when asked. The ``page`` fixture fails a test whose page fetched anything
from another host than the lab's own server.

Measured with --durations (2026-12-01, load 9–13 from other jobs on the 2-core machine): the live run's test 35–48 s,
the on-demand figures' 44–60 s (the two computations run at once, each about 10 s on a quiet machine)."""
import time

from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import set_value

SEEDS = 4          # the view's default population
STEPS = 20
PANELS = 6         # widgets.llmrl.HEALTH_PANELS
BOUNDS = 5         # verl's bounds drawn: the mean IS weight's two, the std's, the ESS's and the χ² (token)'s

# Per health panel (its x axis 'x', 'x2', …): the per-seed lines (objective, number of points, last value) and the
# ✕ markers' hover texts ("grpo seed 3").
HEALTH_TRACES = """el => {
  const panels = [];
  for (let k = 0; k < 6; k++) {
    const axis = k ? 'x' + (k + 1) : 'x';
    const mine = el.data.filter(t => (t.xaxis || 'x') === axis);
    panels.push({
      lines: mine.filter(t => (t.name || '').endsWith(': one line per seed'))
                 .map(t => [t.name.split(':')[0], t.x.length, t.y[t.y.length - 1]]),
      crosses: mine.filter(t => t.name === 'seed crosses (first step)').flatMap(t => Array.from(t.text || [])),
    });
  }
  return {panels, bounds: el.data.filter(t => t.name === "verl's warning bound").length,
          titles: el.layout.annotations.map(a => a.text)};
}"""


def open_llmrl(page):
    page.locator(".bk-tab", has_text="LLM-RL").click()
    status = page.locator(".lab-status").first
    expect(status).to_contain_text("Ready", timeout=30_000)
    return status


def every_seed_drawn(drawn) -> bool:
    """Every health panel has a line per seed of each objective, each with STEPS points."""
    return all(len(p["lines"]) == 2 * SEEDS and all(n == STEPS for _, n, _ in p["lines"]) for p in drawn["panels"])


def test_a_live_run_draws_the_health_metrics_of_every_seed(page):
    status = open_llmrl(page)
    set_value(page, "steps", str(STEPS))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(f"Finished {STEPS} steps", timeout=120_000)
    health = page.locator(".lab-figure-5 .js-plotly-plot").first
    # The figure worker draws the six figures one after another, the health figure last, so it may show the finished
    # run a few seconds after the status line does. Wait until every panel has each seed's line at full length; a
    # figure that never draws the run fails after 60 s. (Until 2026-12-01 this wait read "every line drawn has
    # STEPS points", which a figure with no line at all satisfies: it did not wait, and failed CI once and a quiet
    # loop round once, both within a second of "Finished".)
    deadline = time.time() + 60
    drawn = health.evaluate(HEALTH_TRACES)
    while time.time() < deadline and not every_seed_drawn(drawn):
        page.wait_for_timeout(300)
        drawn = health.evaluate(HEALTH_TRACES)

    assert drawn["bounds"] == BOUNDS
    for k, panel in enumerate(drawn["panels"]):
        objectives = [objective for objective, _, _ in panel["lines"]]
        assert objectives.count("grpo") == SEEDS and objectives.count("minirl") == SEEDS, (k, objectives)
        assert all(n == STEPS for _, n, _ in panel["lines"]), (k, panel["lines"])
        assert len({round(last, 9) for _, _, last in panel["lines"]}) > 1, (k, panel["lines"])  # seeds, not a mean

    # Each bounded panel's title counts the seeds whose ✕ it draws: "seeds … at some step: grpo 2 of 4, minirl 4 of 4".
    counted = [(k, t) for k, t in enumerate(drawn["titles"][:PANELS]) if "at some step" in t]
    assert [k for k, _ in counted] == [0, 1, 2, 3], drawn["titles"]
    for k, title in counted:
        crosses = drawn["panels"][k]["crosses"]
        for objective in ("grpo", "minirl"):
            marked = sum(text.startswith(f"{objective} seed ") for text in crosses)
            assert f"{objective} {marked} of {SEEDS}" in title, (k, title, crosses)
    # Under this mismatch (μ_old at temperature 3) some seed crosses somewhere: the ✕ marks are drawn, not just empty.
    assert any(p["crosses"] for p in drawn["panels"]), drawn["panels"]
    assert not page.errors, page.errors


# The routing figure's per-seed gradient-norm lines per arm (label, largest value) and its first panel's title.
ROUTING_TRACES = """el => ({
  lines: el.data.filter(t => (t.name || '').endsWith(': one line per seed'))
                .map(t => [t.name.split(':')[0], t.x.length, Math.max(...t.y)]),
  title: el.layout.annotations[0].text})"""
FIRST_ORDER_TRACES = "el => el.data.filter(t => t.showlegend !== false).map(t => [t.name, t.y.length])"


def test_routing_replay_and_the_first_order_check_draw_when_asked(page):
    open_llmrl(page)
    routing_status = page.locator(".llmrl-routing-status").first
    first_order_status = page.locator(".llmrl-first-order-status").first
    expect(routing_status).to_contain_text("Press Train")
    page.locator(".llmrl-routing-start button").first.click()
    page.locator(".llmrl-first-order-start button").first.click()
    expect(routing_status).to_contain_text("Computing", timeout=10_000)
    expect(routing_status).to_contain_text("Computed the three arms", timeout=120_000)
    expect(first_order_status).to_contain_text("Computed the exact gradients", timeout=120_000)
    page.wait_for_timeout(500)

    routing = page.locator(".llmrl-routing-figure .js-plotly-plot").first.evaluate(ROUTING_TRACES)
    arms = {"control (σ = 0)": "control", "recompute (plain)": "recompute", "replay (R3)": "replay"}
    for label in arms:
        lines = [line for line in routing["lines"] if line[0] == label]
        assert len(lines) == SEEDS and all(n == 60 for _, n, _ in lines), (label, lines)
    # The title counts, per arm, the seeds whose line goes above the spike line at 20.
    for label, arm in arms.items():
        spiking = sum(top > 20 for name, _, top in routing["lines"] if name == label)
        assert f"{arm} {spiking} of {SEEDS}" in routing["title"], (routing["title"], routing["lines"])

    exact = page.locator(".llmrl-first-order-figure .js-plotly-plot").first.evaluate(FIRST_ORDER_TRACES)
    names = {name for name, _ in exact}
    assert {"token IS (π_θ/μ_old)", "no IS (π_θ/π_old)"} <= names, exact
    assert all(n >= 5 for _, n in exact), exact       # one point per mismatch level / staleness
    assert not page.errors, page.errors
