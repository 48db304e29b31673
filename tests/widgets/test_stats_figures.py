"""The statistics figures draw what lab.core.stats computes, and escape method names."""
import numpy as np

from lab.core import stats
from widgets.stats_figures import aggregates_figure, improvement_figure, profile_figure

RNG = np.random.default_rng(0)
SCORES = {"<b>bold</b>": RNG.normal(size=(10, 3)), "plain": RNG.normal(1.0, 1, size=(10, 3))}


def test_aggregates_figure_draws_each_methods_interval_in_each_panel():
    figure = aggregates_figure(SCORES, reps=300)
    intervals = [t for t in figure.data if t.mode == "lines"]
    assert len(intervals) == 2 * len(stats.AGGREGATES)
    expected = stats.bootstrap_aggregates(SCORES["plain"], reps=300)
    drawn = [tuple(t.x) for t in intervals if t.y[0] == "plain"]
    assert drawn == [expected[a][1:] for a in stats.AGGREGATES]
    labels = {t.y[0] for t in figure.data}
    assert labels == {"&lt;b&gt;bold&lt;/b&gt;", "plain"}


def test_improvement_figure_draws_every_pair_with_its_interval():
    figure = improvement_figure({**SCORES, "third": RNG.normal(size=(8, 3))}, reps=300)
    assert len(figure.data) == 3
    point, low, high = stats.bootstrap_improvement(SCORES["<b>bold</b>"], SCORES["plain"], reps=300)
    first = figure.data[0]
    assert first.x[0] == point and first.error_x.arrayminus[0] == point - low
    assert "&lt;b&gt;" in first.y[0] and "<b>" not in first.y[0]


def test_profile_figure_draws_a_falling_fraction_and_its_band():
    figure = profile_figure(SCORES, taus=np.linspace(-3, 4, 15), reps=200)
    lines = [t for t in figure.data if t.fill != "toself"]
    assert [t.name for t in lines] == ["&lt;b&gt;bold&lt;/b&gt;", "plain"]
    fraction = np.asarray(lines[1].y)
    assert fraction[0] == 1.0 and fraction[-1] == 0.0 and (np.diff(fraction) <= 0).all()
