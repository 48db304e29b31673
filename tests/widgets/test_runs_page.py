"""The Runs page's logic without a browser (no server session: its background work runs at once), the
figures of saved runs, and the save row below a live view's status line."""
import html
import io
import json

import numpy as np
import pandas as pd
import panel as pn
import pytest

from lab.core import History, Run
from lab.core.run_store import save_named
from lab.core.trainers import TRAINERS, trainer_class
from widgets import run_figures
from widgets.cliff import cliff_view
from widgets.panel_front import SaveRow
from widgets.runs_page import (RunsPage, config_bytes, csv_bytes, entries_table, parquet_bytes)

HOSTILE = "<img src=x onerror=alert(1)>"


def trained(name: str, **values) -> History:
    trainer = trainer_class(name)
    config = trainer.Config.from_params(**values)
    return Run(trainer(config, "cpu"), config.steps, progress=False).run()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A runs root with two cliff runs, a preference run, a broken run, a hostile run.json and a sweep."""
    root = tmp_path_factory.mktemp("runs")
    save_named(trained("cliff", steps=30, seeds=2, n_eps=3), root, "cliff-a")
    save_named(trained("cliff", steps=30, seeds=2, n_eps=3, alpha=0.0), root, "cliff-b")
    save_named(trained("preference", steps=20), root, "games")
    save_named(trained("cliff", steps=10, seeds=2, n_eps=3), root, "broken")
    next((root / "broken").glob("history-*.parquet")).unlink()
    hostile = root / "hostile"
    hostile.mkdir()
    (hostile / "run.json").write_text(json.dumps({"format": "stability-lab-run/2", "meta": {
        "trainer": HOSTILE, "config": {HOSTILE: HOSTILE}, "steps": 1}, "metrics": [], "population": 1,
        "table": "history-0123456789abcdef.parquet"}))
    sweep = root / "grid"
    (sweep / "points").mkdir(parents=True)
    (sweep / "sweep.json").write_text(json.dumps({"kind": "trainer", "target": "cliff", "settings": {"steps": 20},
                                                   "grid": {"alpha": [0.0, 0.1]}, "seeds": [0, 1]}))
    finals = pd.DataFrame({"point": np.repeat(["p0", "p1", "p2", "p3"], 3), "alpha": np.repeat([0.0, 0.0, 0.1, 0.1], 3),
                           "seed": np.repeat([0, 1, 0, 1], 3), "member": np.tile([0, 1, 2], 4),
                           "pi_a2": np.linspace(0, 1, 12)})
    finals.to_parquet(sweep / "finals.parquet")
    return root


@pytest.fixture
def page(root):
    page = RunsPage(root)
    page.refresh()
    return page


def plain(alert: pn.pane.Alert) -> str:
    """An alert's sentence as the page shows it (markdown_text's escapes undone)."""
    return html.unescape(alert.object.replace("\\", ""))


def texts(column: pn.Column) -> str:
    return " ".join(str(getattr(part, "object", "")) for part in column.select(pn.pane.PaneBase))


def test_the_table_lists_every_entry_and_escapes_what_it_shows(page):
    table = page.table.object
    for name in ["cliff-a", "cliff-b", "games", "broken", "hostile", "grid"]:
        assert f"<td>{name}</td>" in table
    assert HOSTILE not in table and "&lt;img src=x onerror=alert(1)&gt;" in table
    assert "is missing (run.json names it)" in table            # the broken run, with its error
    assert "alpha=0.0" in table                                  # cliff-b's config, off the defaults
    assert set(page.chosen.options) == {
        "cliff-a", "cliff-b", "games", "broken", "hostile", "grid"}
    assert set(page.compared.options) == {"cliff-a", "cliff-b", "games"}   # runs that can be read


def test_an_empty_root_says_so(tmp_path):
    page = RunsPage(tmp_path / "none")
    page.refresh()
    assert "No saved runs or sweeps" in page.table.object


def test_opening_a_run_draws_its_lab_figures_with_data_config_and_code(page):
    page.open("cliff-a")
    plots = page.opened.select(pn.pane.Plotly)
    assert len(plots) == 2                                        # the Policy Cliff lab's two figures
    learned = [t for t in plots[0].object.data if t.name == "learned, per seed"]
    assert len(learned) == 1 and len(learned[0].y) == 2 * 3      # every member's last π(a₂)
    shown = texts(page.opened)
    assert "trainer_class(&#x27;cliff&#x27;)" in shown             # the snippet, escaped, in the code box
    assert "stability-lab run cliff" in shown
    assert "<code>alpha</code>" in shown                           # the config table
    assert not page.message.visible


def test_opening_a_sweep_shows_its_table_and_figures(page):
    page.open("grid")
    assert len(page.opened.select(pn.pane.Plotly)) == 3            # aggregates, profile, improvement
    assert "iqm_low" in texts(page.opened)


@pytest.mark.parametrize("name, sentence", [("broken", "is missing (run.json names it)"),
                                             ("hostile", "history-0123456789abcdef.parquet is missing"),
                                             (None, "Choose a run")])
def test_opening_what_cannot_be_read_is_a_sentence(page, name, sentence):
    page.open(name)
    assert page.message.visible and page.message.alert_type == "danger"
    assert sentence in plain(page.message)
    assert "<img" not in page.message.object


def test_comparing_runs_draws_each_with_its_seed_band(page):
    page.compared.value = ["cliff-a", "cliff-b"]
    assert "pi_a2" in page.metric.options
    page.compare(["cliff-a", "cliff-b"], "pi_a2")
    fig = page.comparison.objects[0].object
    assert {t.name for t in fig.data if t.showlegend is not False} >= {"cliff-a", "cliff-b"}
    page.compare(["cliff-a"], "pi_a2")
    assert "Choose 2 to 6 runs" in plain(page.message)


def test_runs_of_different_labs_compare_only_on_shared_metrics(page):
    page.compared.value = ["cliff-a", "games"]
    assert page.metric.options == [] and page.metric.value is None
    page.compare(["cliff-a", "games"], page.metric.value)
    assert "no metric in common" in plain(page.message)


def test_downloads_hold_the_history_and_config(root):
    history = History.load(root / "cliff-a")
    frame = pd.read_csv(csv_bytes(history))
    assert list(frame.columns) == list(history.frame().columns) and len(frame) == len(history) * history.population
    pd.testing.assert_frame_equal(pd.read_parquet(parquet_bytes(history)), history.frame())
    assert json.load(io.BytesIO(config_bytes(history).getvalue())) == history.meta["config"]


def test_every_trainer_has_figures_that_exist():
    assert set(run_figures.FIGURES) == set(TRAINERS)
    for module, names in run_figures.FIGURES.values():
        views = __import__(module, fromlist=names)
        assert all(callable(getattr(views, name)) for name in names)


def test_a_run_of_another_lab_draws_that_lab_figures(root):
    figures, problems = run_figures.run_figures("preference", History.load(root / "games"),
                                                trainer_class("preference").Config().model_dump())
    assert len(figures) == 3 and not problems
    assert any(len(t.x) for t in figures[0].data if getattr(t, "x", None) is not None)


def test_entries_table_says_when_entries_were_left_out(page):
    from lab.core.run_store import Listing
    assert "4 older entries are not listed" in entries_table(Listing(page.listing.entries, 4), page.root)


# --- the save row of a live view (widgets.panel_front.SaveRow) ------------------------------------

@pytest.fixture
def finished_view(one_torch_thread):
    view = cliff_view()
    view.set_value("steps", 20)
    view.start()
    view.wait(60)
    return view


def test_the_save_row_appears_when_the_run_ends_and_saves_under_a_checked_name(finished_view, tmp_path, monkeypatch):
    monkeypatch.setenv("STABILITY_LAB_RUNS", str(tmp_path))
    row = SaveRow(finished_view)
    assert not row.layout.visible
    row.follow_the_run()
    assert row.layout.visible
    assert "trainer_class(&#x27;cliff&#x27;)" in texts(row.details)
    row.name.value_input = HOSTILE
    row.save()
    assert row.outcome.alert_type == "danger" and "Not saved" in plain(row.outcome) and "<img" not in row.outcome.object
    row.name.value_input = "../evil"
    row.save()
    assert "starts with" in plain(row.outcome) and not (tmp_path.parent / "evil").exists()
    row.name.value_input = "mine"
    row.save()
    assert row.outcome.alert_type == "success" and f"Saved as mine in {tmp_path}." in plain(row.outcome)
    assert History.load(tmp_path / "mine").meta["config"] == finished_view.run.trainer.config.model_dump()
    row.save()
    assert "is taken" in plain(row.outcome)
    finished_view.reset()
    row.follow_the_run()
    assert not row.layout.visible
