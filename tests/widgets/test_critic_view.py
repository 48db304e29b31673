"""The critic-values view: returns with seed intervals and diagnostics, from a real SAC run; figures drawn
only where they mean what they say; controls disabled while their switch is off."""
import numpy as np
import panel as pn
import pytest

from lab import ConfigError, Run
from lab.core import History
from lab.critic.sac import SACConfig, SACTrainer
from lab.critic.value_grid import ValueGrid
from widgets.controls import control_specs
from widgets.critic import ENABLED_BY, critic_view, landscape_figure, overestimation_figure, returns_figure


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_critic_view_draws_landscape_returns_overestimation_and_diagnostics():
    view = critic_view()
    assert view.config.hidden == 64 and view.config.steps == 10_000
    assert "press Run" in view.figures()[0].layout.title.text
    for name, value in dict(learning_starts=50, steps=150, hidden=16, batch=32, seeds=3,
                            overestimation_every=50, overestimation_states=4).items():
        assert view.set_value(name, value), view.status()
    view.start()
    view.wait(timeout=120)
    assert view.status()[0].startswith("Finished 150 steps"), view.status()
    landscape, returns, over, diagnostics = view.figures()
    value, torque = landscape.data                                # twin Q: no σ panel
    assert np.shape(value.z) == (31, 31) and np.isfinite(value.z).all()
    assert (np.abs(torque.z) <= 2 + 1e-6).all()                    # Pendulum's torque limit
    summary = view.history.summary("overestimation", n_boot=200)
    measured = summary[summary["step"] >= 50]                   # the first measurement is at learning_starts
    assert over.data[-1].x[0] == 50
    np.testing.assert_allclose(over.data[-1].y, measured["mean"])
    assert [trace.name for trace in returns.data] == ["no episode has finished yet"]   # Pendulum's are 200 steps
    titles = [a.text for a in diagnostics.layout.annotations]
    assert titles[:3] == ["temperature α", "entropy", "critic loss"]
    alpha = np.asarray(diagnostics.data[0].y)
    assert alpha[-1] < alpha[0]                                  # α is tuned down once learning starts


def test_a_text_field_gets_a_text_control_and_a_bad_value_a_sentence():
    spec = {s.name: s for s in control_specs(SACConfig)}["env"]
    assert spec.kind == "text" and spec.default == "pendulum"
    view = critic_view()
    assert not view.set_value("env", "cartpole")
    sentence, is_error = view.status()
    assert is_error and "cartpole" in sentence and "pendulum" in sentence
    assert view.show() is not None and view.panel() is not None     # both front-ends build a text box


def test_the_return_curve_starts_when_every_copy_of_every_seed_has_finished_an_episode():
    """Point-mass episodes last 100 steps: the curve starts at step 100, and from there it is the
    mean over seeds of the finished episodes' returns."""
    config = SACConfig.from_params(env="point-mass", seeds=2, envs=2, hidden=8, batch=8, buffer=200,
                                   learning_starts=110, steps=115)
    history = Run(SACTrainer(config, "cpu"), config.steps, progress=False).run()
    fraction = history.values("finished_fraction")
    assert (fraction[:99] == 0).all() and (fraction[99:] == 1).all()
    band, mean = returns_figure(history, config).data
    summary = history.summary("episode_return", n_boot=200)
    assert list(mean.x) == list(range(100, 116))
    np.testing.assert_allclose(mean.y, summary["mean"][99:])
    assert (np.asarray(band.y[: len(mean.y)]) >= np.asarray(mean.y) - 1e-9).all()   # upper edge over the mean


def test_the_return_curve_waits_for_the_last_seed_but_not_for_a_frozen_one():
    history = History({"seed": [0, 1, 2]})
    for step, finished in enumerate([[0, 0, 0], [1, 0.5, 0], [1, 0.5, np.nan], [1, 1, np.nan], [1, 1, np.nan]], 1):
        history.append(step, {"episode_return": np.full(3, -float(step)), "finished_fraction": np.array(finished)})
    mean = returns_figure(history, SACConfig()).data[-1]
    assert list(mean.x) == [4, 5] and list(mean.y) == [-4, -5]
    history = History({"seed": [0, 1]})
    history.append(1, {"episode_return": np.zeros(2), "finished_fraction": np.array([1.0, 0.5])})
    assert [trace.name for trace in returns_figure(history, SACConfig()).data] == ["no episode has finished yet"]


def test_overestimation_is_drawn_from_the_first_measurement_on():
    config = SACConfig.from_params(learning_starts=3, steps=10, overestimation_every=2)
    history = History({"seed": [0, 1]})
    history.append(1, {"overestimation": np.zeros(2)})
    history.append(2, {"overestimation": np.zeros(2)})
    assert [trace.name for trace in overestimation_figure(history, config).data] == [
        "measured from step 3 on, when learning starts"]
    history.append(3, {"overestimation": np.array([4.0, 6.0])})
    history.append(4, {"overestimation": np.array([4.0, 6.0])})
    mean = overestimation_figure(history, config).data[-1]
    assert list(mean.x) == [3, 4] and list(mean.y) == [5.0, 5.0]


@pytest.mark.parametrize("std", [None, np.ones((7, 5))])
def test_each_colourbar_lies_under_its_own_heatmap_and_over_no_other(std):
    angle, velocity = np.linspace(-np.pi, np.pi, 7), np.linspace(-8, 8, 5)
    grid = ValueGrid(value=np.zeros((7, 5)), action=np.zeros((7, 5)), std=std, angle=angle, velocity=velocity)
    fig = landscape_figure(grid, SACConfig())
    domains = [fig.layout[f"xaxis{i if i > 1 else ''}"].domain for i in range(1, len(fig.data) + 1)]
    for heatmap, own in zip(fig.data, domains):
        bar = heatmap.colorbar
        assert bar.orientation == "h" and bar.lenmode == "fraction" and bar.xanchor == "center"
        left, right = bar.x - bar.len / 2, bar.x + bar.len / 2
        assert own[0] - 1e-9 <= left < right <= own[1] + 1e-9
        for other in domains:
            assert other == own or right <= other[0] or left >= other[1]
        # below the plot area, where the heatmaps are: in the bottom margin
        assert (bar.yref, bar.y, bar.yanchor) == ("container", 0, "bottom")
        assert bar.ypad + bar.thickness < fig.layout.margin.b


# A switch, a value of it that turns its options on, one that turns them off, and its options.
SWITCHES = [("critic", "stac", "twin", ["stac_beta", "dropout"]),
            ("critic", "hl-gauss", "twin", ["hl_bins", "hl_v_min", "hl_v_max"]),
            ("critic", "flow", "twin", ["flow_steps"]),
            ("critic", "sl-mgac", "twin", ["sl_weight", "sl_horizon", "mg_groups", "sl_layer_norm"]),
            ("actor", "mdpo", "sac", ["mdpo_kl", "mdpo_every"]),
            ("env", "point-mass", "pendulum", ["reward_noise"]),
            ("freeze_diverged", True, False, ["divergence_bound"]),
            ("reward_t_scale", 1.0, 0.0, ["reward_t_df"]),
            ("swaddling", 1.0, 0.0, ["swaddling_beta"]),
            ("temporal_advantage", False, True, ["advantage_clip"]),
            ("env", "pendulum", "gym:Pendulum-v1", ["overestimation_every"])]
AWAY = dict(stac_beta=1.0, dropout=0.1, hl_bins=51, hl_v_min=-900.0, hl_v_max=50.0, flow_steps=2, mdpo_kl=2.0,
            mdpo_every=10, reward_noise=2.0, divergence_bound=10.0, reward_t_df=3, swaddling_beta=0.1,
            advantage_clip=2.0, overestimation_every=10, sl_weight=2.0, sl_horizon=8, mg_groups=3,
            sl_layer_norm=False)


def test_the_switch_map_is_what_the_config_refuses():
    fields = SACConfig.model_fields
    only = {name for name, field in fields.items() if " only:" in field.description}
    assert only <= set(ENABLED_BY), f"an option of a switch, {only - set(ENABLED_BY)}, is missing in ENABLED_BY"
    assert {option for *_, options in SWITCHES for option in options} == set(ENABLED_BY)
    for switch, on, off, options in SWITCHES:
        for option in options:
            SACConfig.from_params(**{switch: on, option: AWAY[option]})
            with pytest.raises(ConfigError, match=f"'{option}'"):
                SACConfig.from_params(**{switch: off, option: AWAY[option]})


def jupyter_controls(view):
    return {control.description: control for control in view.show().children[1].children}


def panel_controls(view):
    (grid,) = view.panel().select(pn.GridBox)
    return {row[0].css_classes[0].removeprefix("control-"): row[0] for row in grid}


@pytest.mark.parametrize("front_end", [jupyter_controls, panel_controls])
def test_options_of_a_switch_that_is_off_are_disabled_and_at_their_default(front_end):
    view = critic_view()
    controls = front_end(view)
    for switch, on, off, options in SWITCHES:
        controls[switch].value = on
        assert not any(controls[option].disabled for option in options), switch
        for option in options:
            controls[option].value = AWAY[option]
            assert view.values[option] == AWAY[option]
        controls[switch].value = off
        for option in options:
            default = SACConfig.model_fields[option].default
            assert controls[option].disabled, option
            assert controls[option].value == view.values[option] == default, option
        assert view.status() == ("Ready: press Run.", False)         # nothing offered and then refused
        assert not view.set_value(switch, None) and view.status()[1]  # a cleared box: a sentence, no exception
        view.set_value(switch, off)
    assert not any(control.disabled for name, control in controls.items() if name not in ENABLED_BY)
