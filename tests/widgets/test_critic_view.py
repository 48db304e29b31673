"""The critic-values view: returns with seed intervals and diagnostics, from a real SAC run."""
import numpy as np
import pytest
import torch

from widgets.critic import critic_view


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_critic_view_draws_returns_with_intervals_and_diagnostics():
    view = critic_view()
    assert view.config.hidden == 64 and view.config.steps == 10_000
    for name, value in dict(steps=150, learning_starts=50, hidden=16, batch=32, seeds=3).items():
        assert view.set_value(name, value), view.status()
    view.start()
    view.wait(timeout=120)
    assert view.status()[0].startswith("Finished 150 steps"), view.status()
    returns, diagnostics = view.figures()
    band, mean = returns.data
    summary = view.history.summary("episode_return", n_boot=200)
    np.testing.assert_allclose(mean.y, summary["mean"])
    assert (np.asarray(band.y[: len(mean.y)]) >= np.asarray(mean.y) - 1e-9).all()   # upper edge over the mean
    titles = [a.text for a in diagnostics.layout.annotations]
    assert titles[:3] == ["temperature α", "entropy", "critic loss"]
    alpha = np.asarray(diagnostics.data[0].y)
    assert alpha[-1] < alpha[0]                                  # α is tuned down once learning starts
