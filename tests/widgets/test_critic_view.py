"""The critic-values view: returns with seed intervals and diagnostics, from a real SAC run."""
import numpy as np
import pytest

from lab.critic.sac import SACConfig
from widgets.controls import control_specs
from widgets.critic import critic_view


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
    np.testing.assert_allclose(over.data[-1].y, view.history.summary("overestimation", n_boot=200)["mean"])
    band, mean = returns.data
    summary = view.history.summary("episode_return", n_boot=200)
    np.testing.assert_allclose(mean.y, summary["mean"])
    assert (np.asarray(band.y[: len(mean.y)]) >= np.asarray(mean.y) - 1e-9).all()   # upper edge over the mean
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
