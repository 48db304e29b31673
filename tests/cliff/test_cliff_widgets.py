"""The Policy Cliff tab: its top tie-bandit figure follows the controls (issue 13, item 9: it was drawn at
α = 0.1 whatever the α control said), and the cost-of-stability figure."""
import numpy as np
import panel as pn
import pytest

from lab.cliff.regularized import reward_lost
from lab.cliff.tie_bandit import softmax_policy, tie_rewards, total_variation
from widgets import cliff


def softmax_trace(fig):
    return next((t for t in fig.data if t.name.startswith("softmax")), None)


def test_the_figure_is_drawn_at_the_alpha_it_is_given():
    """α = 0.5 and α = 0.1 give different softmax curves and bounds; each curve is TV(softmax(R(ε)/α), softmax(R(0)/α))."""
    fig_01, fig_05 = cliff.tie_bandit_figure(alpha=0.1), cliff.tie_bandit_figure(alpha=0.5)
    for fig, alpha in [(fig_01, 0.1), (fig_05, 0.5)]:
        trace = softmax_trace(fig)
        eps = np.asarray(trace.x)
        expected = [total_variation(softmax_policy(tie_rewards(3, 2, e), alpha), softmax_policy(tie_rewards(3, 2, 0.0), alpha))
                    for e in eps]
        np.testing.assert_allclose(trace.y, expected, atol=1e-12)
        assert f"α = {alpha:g}" in fig.layout.title.text
    assert np.max(np.abs(np.asarray(softmax_trace(fig_01).y) - np.asarray(softmax_trace(fig_05).y))) > 0.01


def test_alpha_zero_draws_only_the_argmax_maps():
    fig = cliff.tie_bandit_figure(alpha=0.0)
    assert [t.name for t in fig.data] == ["greedy argmax (lowest index)", "uniform over argmax"]


def tab_parts():
    tab = cliff.cliff_tab()  # no server session: the live view's worker is closed at once
    pane = next(p for p in tab.select(pn.pane.Plotly) if "cliff-tie-bandit" in p.css_classes)
    controls = {w.name: w for w in tab.select(pn.widgets.Widget) if w.name in cliff.TIE_BANDIT_CONTROLS}
    return tab, pane, controls


def test_the_tabs_top_figure_follows_the_alpha_control():
    """Before: the pane kept α = 0.1 whatever the control said. Now it redraws at the control's α, K, m, ε_max."""
    _, pane, controls = tab_parts()
    assert set(controls) == set(cliff.TIE_BANDIT_CONTROLS)
    assert "α = 0.1" in pane.object.layout.title.text
    controls["alpha"].value = 0.5
    assert "α = 0.5" in pane.object.layout.title.text
    np.testing.assert_allclose(softmax_trace(pane.object).y, softmax_trace(cliff.tie_bandit_figure(alpha=0.5)).y)
    controls["alpha"].value = 0.0
    assert softmax_trace(pane.object) is None
    controls["arms"].value = 5
    assert "K = 5" in pane.object.layout.title.text


def test_an_invalid_combination_keeps_the_last_figure():
    """tied = 4 > arms = 3 is no config (the status line says so): the figure stays as it was."""
    _, pane, controls = tab_parts()
    controls["alpha"].value = 0.3
    before = pane.object
    controls["tied"].value = 4
    assert pane.object is before


def test_cost_figure_draws_the_reward_lost():
    fig = cliff.cost_figure(3, 2, alpha=0.2)
    lost = next(t for t in fig.data if t.name.startswith("reward lost"))
    np.testing.assert_allclose(lost.y, reward_lost(np.array([1.0, 1.0, 0.0]), np.asarray(lost.x)), atol=1e-12)
    assert any(shape.x0 == pytest.approx(0.2) for shape in fig.layout.shapes)
