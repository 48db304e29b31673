"""The dashboard in headless Chromium: every tab trains live, stops, and explains bad input; a closed
page's run stops; nothing is fetched from anywhere but the lab's own server."""
import os
import threading
import time

from playwright.sync_api import expect

from dashboard_pages import page, server_url  # noqa: F401 (fixtures)
from dashboard_pages import set_value

# The last x of the training-curve figure: the step the live figure has drawn up to.
DRAWN_STEP = "el => { const t = el.data && el.data[0]; return t && t.x && t.x.length ? t.x[t.x.length - 1] : 0; }"



def open_tab(page, tab: str):
    """Click ``tab`` and wait until its lab is built and says "Ready" (a lab is built when its tab is
    first opened); returns its status line."""
    page.locator(".bk-tab", has_text=tab).click()
    status = page.locator(".lab-status").first
    expect(status).to_contain_text("Ready", timeout=30_000)
    return status


def drawn_step(page) -> float:
    return page.locator(".lab-figure-1 .js-plotly-plot").first.evaluate(DRAWN_STEP)


def grown_past(page, above: float, timeout: float = 30) -> float:
    """The figure's last drawn step once it is beyond ``above`` (a frozen figure fails after ``timeout`` s).
    Fixed 1.5 s windows flaked at load ~9 on 2 cores (steps 100, 100: the redraw period adapts to its cost)."""
    deadline = time.monotonic() + timeout
    while (step := drawn_step(page)) <= above:
        assert time.monotonic() < deadline, f"the figure did not draw beyond step {above} in {timeout} s"
        page.wait_for_timeout(250)
    return step


def steady(page, quiet: float = 1.5, timeout: float = 20) -> float:
    """The figure's last drawn step once it has not changed for ``quiet`` seconds."""
    deadline, step, since = time.monotonic() + timeout, drawn_step(page), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"the figure kept changing for {timeout} s"
        page.wait_for_timeout(250)
        if (now := drawn_step(page)) != step:
            step, since = now, time.monotonic()
    return step


def test_policy_cliff_tab_trains_live_stops_and_reports_bad_input(page):
    status = open_tab(page, "Policy Cliff")
    set_value(page, "steps", "200000")  # long enough to watch it grow and stop it
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text("Running", timeout=10_000)

    first = grown_past(page, drawn_step(page))
    second = grown_past(page, first)
    assert first < second < grown_past(page, second)

    page.get_by_role("button", name="Stop", exact=True).click()
    expect(status).to_contain_text("Stopped", timeout=5_000)
    stopped = steady(page)   # the figure catches up with the last recorded step, then stays
    page.wait_for_timeout(1500)
    assert drawn_step(page) == stopped

    set_value(page, "alpha", "-1")
    expect(status).to_contain_text("'alpha' = -1", timeout=5_000)
    expect(status).to_contain_text("≥ 0")
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_timeout(500)
    assert drawn_step(page) == stopped  # a bad config starts nothing

    assert not page.errors, page.errors


def running_trainers() -> int:
    return sum(t.name == "lab-run" and t.is_alive() for t in threading.enumerate())


def test_closing_the_page_stops_its_run(page):
    open_tab(page, "Policy Cliff")
    set_value(page, "steps", "200000")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".lab-status").first).to_contain_text("Running", timeout=10_000)
    assert running_trainers() >= 1
    page.close()
    closed = time.time()
    while running_trainers() and time.time() - closed < 5:
        time.sleep(0.1)
    assert running_trainers() == 0, f"still training {time.time() - closed:.1f} s after the page closed"


def run_tab_to_the_end(page, tab: str, finished: str, timeout: int = 120_000, **values: str):
    """Open ``tab``, type ``values`` into its controls, press Run, and wait for the status line to
    say ``finished``; returns the status. The wait is for the run to end, not a speed bound (speed is
    a benchmark): with the 2-core machine at load ~10, the repeated-games and lattice runs were at
    steps 249 and 153 of 300 after 30 s, the earlier bound (they take a few seconds quiet)."""
    status = open_tab(page, tab)
    for field, value in values.items():
        set_value(page, field, value)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text(finished, timeout=timeout)
    return status


def test_preference_games_tab_runs_all_algorithms(page):
    status = run_tab_to_the_end(page, "Preference games", "Finished 200 steps")
    page.wait_for_timeout(500)
    names = page.locator(".lab-figure-0 .js-plotly-plot").first.evaluate("el => el.data.map(t => t.name)")
    assert {"Nash-MP", "Nash-MD", "OMD (INPO)", "(1+2β)^(−N/2)"} <= set(names)
    set_value(page, "beta", "5")
    expect(status).to_contain_text("'beta' = 5", timeout=5_000)
    assert not page.errors, page.errors


def test_matrix_editor_explains_bad_matrices_and_plays_good_ones(page):
    open_tab(page, "Preference games")
    text = page.locator(".matrix-text textarea").first
    message = page.locator(".matrix-message").first
    text.fill("0.5, 0.7\n0.7, 0.5")
    text.blur()
    page.locator(".matrix-use button").first.click()
    expect(message).to_contain_text("must be 1", timeout=5_000)
    text.fill("0.5, 0.9\n0.1, 0.5")
    text.blur()
    page.locator(".matrix-use button").first.click()
    expect(message).to_contain_text("2-action matrix", timeout=5_000)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".lab-status").first).to_contain_text("Finished", timeout=20_000)
    assert not page.errors, page.errors


def test_repeated_games_tab_shows_a_match_and_trains_a_learner(page):
    run_tab_to_the_end(page, "Repeated games", "Finished 300 steps")
    moves = page.locator(".js-plotly-plot").nth(1).evaluate("el => el.layout.title.text")
    assert "Moves, round by round" in moves and "98 : 103" in moves  # TFT vs Alternator, 40 rounds
    assert not page.errors, page.errors


def test_cooperation_collapse_tab_animates_the_lattices(page):
    run_tab_to_the_end(page, "Cooperation collapse", "Finished 300 steps", steps="300")
    page.wait_for_timeout(500)
    grids = page.locator(".lab-figure-0 .js-plotly-plot").first.evaluate(
        "el => el.data.map(t => t.z.flat().filter(v => v === 0 || v === 1).length)")
    assert grids == [100] * 4                          # four 10×10 lattices of C/D drawn
    bars = page.locator(".lab-figure-1 .js-plotly-plot").first.evaluate("el => el.data[0].error_y.array.length")
    assert bars == 5                                   # one interval per τ_init
    assert not page.errors, page.errors


def test_synchrony_tab_redraws_on_a_parameter_and_explains_a_malformed_file(page, tmp_path):
    open_tab(page, "Synchrony")
    frontier = page.locator(".synchrony-frontier .js-plotly-plot").first
    trajectory = page.locator(".synchrony-trajectory .js-plotly-plot").first
    expect(frontier).to_be_visible(timeout=15_000)
    ema = "el => el.data.filter(t => (t.name || '').startsWith('EMA (')).map(t => [t.name, t.y])"
    mine = "el => el.data.find(t => t.name === 'your settings').x"
    # Visible is not drawn: on a loaded machine (load 5 on 2 cores) the plot stood on the page before its
    # traces did, and reading 'your settings' failed ("Cannot read properties of undefined").
    drawn = "el => (el.data || []).some(t => t.name === 'your settings' || (t.name || '').startsWith('EMA ('))"
    deadline = time.time() + 30
    while not (frontier.evaluate(drawn) and trajectory.evaluate(drawn)) and time.time() < deadline:
        page.wait_for_timeout(200)
    before, mine_before = trajectory.evaluate(ema), frontier.evaluate(mine)
    assert before[0][0] == "EMA (α 0.5)" and len(mine_before) == 4
    set_value(page, "alpha", "0.1")
    deadline = time.time() + 10
    while trajectory.evaluate(ema)[0][0] != "EMA (α 0.1)" and time.time() < deadline:
        page.wait_for_timeout(200)
    after = trajectory.evaluate(ema)
    assert after[0][0] == "EMA (α 0.1)" and after[0][1] != before[0][1]  # the trajectory was redrawn
    assert frontier.evaluate(mine) != mine_before                      # and the settings moved on the frontier
    expect(page.locator(".synchrony-status").first).to_contain_text("4 setting(s) replayed on 60 dialogs")

    bad = tmp_path / "broken.csv"
    bad.write_text("dialog_id,vector\nd1,\"[0, 0, 10, 70, 0, 0, 0, 0.4]\"\nd1,\"[0, 0, 10]\"\n")
    page.locator(".synchrony-upload input.filepond--browser").first.set_input_files(str(bad))
    message = page.locator(".synchrony-data").first
    expect(message).to_contain_text("Could not load broken.csv", timeout=10_000)
    expect(message).to_contain_text("row 2, column 'vector': must be a list of 8 numbers")
    expect(message).to_contain_text("Still showing the shipped synthetic corpus")
    assert "Traceback" not in message.inner_text()

    good = tmp_path / "mine.jsonl"
    good.write_text('{"dialog_id": "x", "text": "hey!! how r u lol"}\n'
                    '{"dialog_id": "x", "text": "I would like a formal summary of the quarterly report."}\n'
                    '{"dialog_id": "x", "text": "thanks so much, that is great :)"}\n')
    page.locator(".synchrony-upload input.filepond--browser").first.set_input_files(str(good))
    expect(message).to_contain_text("mine.jsonl — 1 dialogs, 3 user turns", timeout=10_000)
    expect(page.locator(".synchrony-status").first).to_contain_text("replayed on 1 dialogs")
    assert not page.errors, page.errors


def test_llm_rl_tab_runs_two_objectives_marks_collapses_and_explains_bad_input(page):
    status = run_tab_to_the_end(page, "LLM-RL", "Finished 60 steps", steps="60")
    page.wait_for_timeout(500)
    reward = page.locator(".lab-figure-0 .js-plotly-plot").first.evaluate("el => el.data.map(t => t.name)")
    assert {"grpo: training reward", "minirl: training reward"} <= set(reward)
    assert drawn_step(page) == 60                       # the entropy figure reached the last step
    marked = page.locator(".lab-figure-1 .js-plotly-plot").first.evaluate(
        "el => el.data.filter(t => t.name === 'collapsed (flag turns on)').map(t => t.x.length)")
    assert len(marked) == 2 and marked[0] >= 1          # plain GRPO's seeds collapse under this mismatch
    notes = page.locator(".lab-figure-1 .js-plotly-plot").first.evaluate(
        "el => el.layout.annotations.map(a => a.text)")
    assert any("collapsed, step" in note for note in notes), notes
    set_value(page, "sampler_temperature", "0")
    expect(status).to_contain_text("'sampler_temperature' = 0", timeout=5_000)
    expect(status).to_contain_text("> 0")
    assert not page.errors, page.errors


def test_critic_values_tab_draws_the_value_landscape_and_explains_a_bad_env(page):
    status = run_tab_to_the_end(page, "Critic values", "Finished 300 steps", learning_starts="100", steps="300",
                                overestimation_every="100")
    page.wait_for_timeout(500)
    landscape = page.locator(".lab-figure-0 .js-plotly-plot").first.evaluate(
        "el => el.data.map(t => t.type + ':' + t.z.length)")
    assert landscape == ["heatmap:31", "heatmap:31"]             # V(s) and the greedy torque, 31 × 31
    over = page.locator(".lab-figure-2 .js-plotly-plot").first.evaluate("el => el.data.map(t => t.name)")
    assert "mean over seeds" in over
    box = page.locator(".control-env input").first
    box.fill("cartpole")
    box.press("Enter")
    expect(status).to_contain_text("unknown env 'cartpole'", timeout=5_000)
    assert not page.errors, page.errors


# Installed in the page before Stop is pressed: performance.now() of the click on Stop and of the
# first animation frame whose status line says "Stopped" (the text lives in shadow roots).
TIME_STOP = """([stop, status]) => {
  const text = node => [...(node.shadowRoot ? [node.shadowRoot] : []), ...node.childNodes]
    .map(child => child.nodeType === Node.TEXT_NODE ? child.textContent : text(child)).join('');
  window.stopTimes = {};
  stop.addEventListener('click', () => { window.stopTimes.clicked = performance.now(); }, true);
  const watch = () => {
    if (window.stopTimes.clicked !== undefined && text(status).includes('Stopped')) {
      window.stopTimes.shown = performance.now();
    } else {
      requestAnimationFrame(watch);
    }
  };
  requestAnimationFrame(watch);
}"""


def test_stop_shows_within_a_second_on_the_heaviest_tab(page):
    """Critic values, whose value landscape is the costliest redraw: 1 s at most from the click on
    Stop to "Stopped" in the status line, timed in the page. Before issue 11: 11.9 s. On a machine
    loaded beyond its cores the second is stretched by the load per core (a loop of the browser tests
    beside five training helpers, load 6 on 2 cores, measured 1.27 s): what the test guards against is
    Stop waiting for the redraw, ten times longer."""
    status = open_tab(page, "Critic values")
    set_value(page, "learning_starts", "100")
    set_value(page, "steps", "100000")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(status).to_contain_text("Running", timeout=30_000)
    page.wait_for_timeout(3000)  # updating the critics, the landscape redrawn
    stop = page.get_by_role("button", name="Stop", exact=True)
    page.evaluate(TIME_STOP, [stop.element_handle(), status.element_handle()])
    stop.click()
    expect(status).to_contain_text("Stopped", timeout=15_000)
    page.wait_for_function("() => window.stopTimes.shown !== undefined")
    times = page.evaluate("window.stopTimes")
    seconds = (times["shown"] - times["clicked"]) / 1000
    per_core = os.getloadavg()[0] / os.cpu_count()
    allowed = max(1.0, per_core)
    assert seconds <= allowed, f"Stop took {seconds:.2f} s to show (allowed {allowed:.2f} s at load {per_core:.1f} per core)"
    assert not page.errors, page.errors
