"""The synchrony–stability views: the frontier from a real sweep, one dialog's trajectory, the controller live."""
import numpy as np
import pandas as pd
import pytest

from lab.synchrony import PolicyGrid, default_sweeps, dialog_metrics, replay, sweep
from widgets.synchrony import (GREY, POLICY_COLORS, Corpus, chosen_grid, combined_grid, controller_view,
                               frontier_figure, load_dialog_bytes, setting_label, style_path_figure, sweep_table,
                               trajectory_figure, turn_metrics)


@pytest.fixture(scope="module")
def corpus():
    return Corpus.shipped()


def traces(fig):
    return {t.name: t for t in fig.data}


def test_frontier_points_are_coloured_and_dominated_ones_grey(corpus):
    table = sweep(default_sweeps(), corpus.user, corpus.mask, corpus.c)     # the engine's own table
    fig = frontier_figure(table)
    by_name = traces(fig)
    dominated = table[~table["on_frontier"]]
    assert by_name["dominated"].marker.color == GREY
    np.testing.assert_allclose(by_name["dominated"].x, dominated["synchrony"])
    np.testing.assert_allclose(by_name["dominated"].y, dominated["stability"])
    coloured = [t for t in fig.data if t.name in POLICY_COLORS]
    assert sum(len(t.x) for t in coloured) == table["on_frontier"].sum() > 5
    for t in coloured:  # each policy's frontier points in its colour, exactly its frontier rows
        rows = table[table["on_frontier"] & (table["policy"] == t.name)]
        assert t.marker.color == POLICY_COLORS[t.name]
        assert sorted(t.x) == pytest.approx(sorted(rows["synchrony"]))
    line = by_name["Pareto frontier"]
    assert np.all(np.diff(line.x) >= 0) and np.all(np.diff(line.y) <= 1e-12)  # a staircase down to the right
    assert {"Static", "Uncapped"} <= set(by_name)                            # the two ends are on it


def test_hover_shows_the_policy_its_parameters_and_whether_it_is_dominated(corpus):
    fig = frontier_figure(corpus.table)
    hybrid = traces(fig)["Hybrid"]
    assert all(text.startswith("<b>Hybrid (α ") and ", cap " in text and "on the Pareto frontier" in text
               for text in hybrid.text)
    dominated = traces(fig)["dominated"].text
    assert all("dominated" in text for text in dominated)
    assert any(text.startswith("<b>Hybrid+Cache (α 0.5, cap 0.25, ε_cache ") and "cache hits" in text
               for text in dominated)
    assert setting_label("Static", {}) == "Static"
    assert setting_label("Dead-Band", {"deadband": 0.1}) == "Dead-Band (ε 0.1)"


def test_chosen_settings_are_marked_and_greyed_when_dominated(corpus):
    grid = chosen_grid(["Cap", "EMA", "Static"], {"alpha": 0.3, "cap": 0.25, "radius": 2.0})
    assert grid.settings[1]["alpha"] == 0.3 and grid.settings[0]["alpha"] == 1.0  # α only where it is tuned
    table = sweep_table(combined_grid(grid), corpus, chosen=len(grid))
    assert list(table["chosen"]) == [True] * 3 + [False] * len(default_sweeps())
    mine = traces(frontier_figure(table))["your settings"]
    assert list(mine.text) == ["Cap", "EMA", "Static"]
    on = table["on_frontier"][:3].tolist()
    assert on[2]  # Static is the most stable setting there is
    assert list(mine.marker.color) == [POLICY_COLORS[p] if f else GREY for p, f in zip(["Cap", "EMA", "Static"], on)]
    with pytest.raises(ValueError, match="alpha = 0.0 is not allowed"):
        chosen_grid(["EMA"], {"alpha": 0.0})


def test_trajectory_is_the_per_turn_metrics_of_one_dialog(corpus):
    grid = PolicyGrid.of("Uncapped", "Hybrid", "Static")
    run = replay(grid, corpus.user, corpus.mask, corpus.c)
    k = 45                                                  # a "jump" dialog
    per_turn = turn_metrics(run, k)
    n = corpus.dialogs.lengths[k]
    assert per_turn["synchrony"].shape == (3, n)
    np.testing.assert_allclose(per_turn["synchrony"][0], 1.0)      # Uncapped mirrors every turn
    np.testing.assert_allclose(per_turn["coherence"][2], 1.0)      # Static is the persona
    means = dialog_metrics(run)
    for metric, values in per_turn.items():                        # the lab's per-dialog means
        np.testing.assert_allclose(values.mean(axis=1), means[metric][k].numpy())
    fig = trajectory_figure(run, k, corpus.dialogs.ids[k])
    assert len(fig.data) == 9 and "jump-005" in fig.layout.title.text
    np.testing.assert_allclose(fig.data[3].y, per_turn["stability"][0])
    assert [t.showlegend for t in fig.data[:3]] == [True] * 3
    path = style_path_figure(run, k, ("informality", "avg_sentence_length"))
    user, hybrid = traces(path)["user u_t"], traces(path)["Hybrid (α 0.5, cap 0.25)"]
    np.testing.assert_allclose(user.x, corpus.user[k, :n, 0].numpy())
    np.testing.assert_allclose(hybrid.y[0], corpus.c[2].item())    # b_0 = the persona
    assert len(hybrid.x) == n + 1
    with pytest.raises(ValueError, match="no style dimension 'tone'"):
        style_path_figure(run, k, ("tone", "informality"))


def test_controller_view_trains_and_draws_against_the_frontier(corpus):
    view = controller_view(corpus)
    objective, against = view.figures()
    assert objective.data[0].name == "press Run" and "learned controller" not in traces(against)
    assert view.set_value("steps", 30) and view.set_value("n_lam", 2) and view.set_value("seeds", 1)
    view.start()
    view.wait(timeout=60)
    assert view.status()[0].startswith("Finished 30 steps")
    objective, against = view.figures()
    lines = [t for t in objective.data if t.name.startswith("λ = ")]
    assert [t.name for t in lines] == ["λ = 0.20", "λ = 0.80"] and len(lines[0].x) == 30
    learned = traces(against)["learned controller"]
    assert list(learned.marker.color) == pytest.approx([0.2, 0.8])
    assert all("gap" in text and "best hand-made" in text for text in learned.text)
    assert not view.set_value("noise", 0.0)
    assert "'noise' = 0.0 is not allowed" in view.status()[0]


def test_uploaded_files_load_or_explain_what_is_wrong(tmp_path):
    good = b'{"dialog_id": "a", "text": "hey there!! lol"}\n{"dialog_id": "a", "text": "Well, I think so."}\n'
    dialogs = load_dialog_bytes(good, "mine.jsonl")
    assert dialogs.ids == ("a",) and dialogs.user[0].shape == (2, 8)
    corpus = Corpus.of("mine.jsonl", dialogs)
    assert isinstance(corpus.table, pd.DataFrame) and corpus.table["on_frontier"].any()
    with pytest.raises(ValueError, match=r"^broken.csv: row 2, column 'informality': 'x' is not a number"):
        load_dialog_bytes(b"dialog_id,informality,sentiment_compound,avg_sentence_length,flesch_reading_ease,"
                          b"empath_social,empath_cognitive,empath_affect,function_word_ratio\n"
                          b"a,0,0,1,1,0,0,0,0\na,x,0,1,1,0,0,0,0\n", "broken.csv")
    with pytest.raises(ValueError, match="not UTF-8"):
        load_dialog_bytes(b"\xff\xfe\x00", "binary.csv")
    with pytest.raises(ValueError, match="unknown dialog file format '.txt'"):
        load_dialog_bytes(b"hello", "notes.txt")
