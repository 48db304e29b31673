"""The agents view: every figure draws on an empty History and on a short real run; the advantage-quality
figure has one trace group per estimator and never touches the trainer it reads; the LabView's controls
come from AgentsConfig, and the options of a switch that is off are disabled."""
import random

import numpy as np
import pytest
import torch

from lab import Run
from lab.agents import AgentsConfig, AgentsTrainer
from widgets import agents
from widgets.agents import (ENABLED_BY, FIGURES, VIEW_START, agents_view, drift_entropy_figure, fresh_trainer,
                            groups_figure, quality_before_training, quality_figure, success_figure)
from widgets.controls import control_specs
from widgets.run_figures import run_figures

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(vocab=3, length=3, tasks=2, batch_tasks=2, group=4, embed=8, hidden=8, seeds=3, steps=4)


def short_run(**settings):
    config = AgentsConfig.from_params(**{**TINY, **settings})
    trainer = AgentsTrainer(config, "cpu")
    return trainer, Run(trainer, config.steps, progress=False).run()


def named(fig, suffix):
    return [t for t in fig.data if (t.name or "").endswith(suffix)]


def test_every_figure_draws_on_an_empty_history():
    config = AgentsConfig.from_params(**TINY)
    for fn in FIGURES:
        assert "press Run" in [t.name for t in fn(None, config).data], fn.__name__
    assert [t.name for t in quality_figure(None, config).data] == ["press Run"]


def test_figures_of_a_short_run_draw_its_per_seed_metrics():
    _, history = short_run(replay=True)
    config = AgentsConfig.from_params(**TINY, replay=True)
    success = success_figure(history, config)
    seeds = [t for t in success.data if t.name.startswith("seed ")]
    assert len(seeds) == 3
    np.testing.assert_allclose(seeds[1].y, history.values("success")[:, 1])
    median, = named(success, "success: median")
    np.testing.assert_allclose(median.y, np.median(history.values("success"), 1))
    band, = named(success, "middle half of the seeds")
    q25, q75 = np.percentile(history.values("success"), [25, 75], axis=1)
    np.testing.assert_allclose(band.y, np.r_[q75, q25[::-1]])

    groups = groups_figure(history, config)
    assert {t.name for t in groups.data} >= {"zero-advantage groups: median", "episodes replayed: median"}
    without = groups_figure(short_run()[1], AgentsConfig.from_params(**TINY))
    assert not any("replayed" in t.name for t in without.data)

    drift = drift_entropy_figure(history, config)
    assert drift.layout.yaxis.type == "log"
    largest, = named(drift, "drift: largest seed")
    np.testing.assert_allclose(largest.y, np.maximum(history.values("seq_drift").max(1), agents.DRIFT_FLOOR))
    entropy, = named(drift, "entropy: median")
    assert (np.asarray(entropy.y) <= np.log(3) + 1e-6).all()

    figures, problems = run_figures("agents", history, config.model_dump())   # a saved run's page
    assert len(figures) == len(FIGURES) and not problems


@pytest.mark.parametrize("settings, estimators", [
    ({}, ["outcome", "salt", "mc"]),
    (dict(advantage="critic"), ["outcome", "salt", "mc", "critic"]),
    (dict(advantage="dapo", objective="dapo", dapo_critic_steps=5), ["outcome", "salt", "mc", "dapo"]),
])
def test_quality_has_one_trace_group_per_estimator_and_leaves_the_trainer_as_it_was(settings, estimators):
    trainer, _ = short_run(**settings)
    generator, weights = trainer.generator.get_state(), {k: w.clone() for k, w in trainer.weights.items()}
    critic = {k: w.clone() for k, w in trainer.critic.weights.items()} if trainer.critic is not None else {}
    global_torch = torch.get_rng_state()
    fig = quality_figure(trainer)
    assert [t.legendgroup for t in fig.data] == estimators
    assert all(t.type == "box" for t in fig.data)
    assert [t.legendgroup for t in fig.data if "(the run's)" in t.name] == [trainer.config.advantage]
    for trace in fig.data:
        assert len(trace.y) <= trainer.config.seeds and np.all(np.abs(trace.y) <= 1 + 1e-6)
    assert torch.equal(trainer.generator.get_state(), generator)
    assert torch.equal(torch.get_rng_state(), global_torch)
    for k, w in trainer.weights.items():
        assert torch.equal(w, weights[k]), k
    for k, w in critic.items():
        assert torch.equal(trainer.critic.weights[k], w), k
    again = quality_figure(trainer)                      # its own generator: the same batch every redraw
    np.testing.assert_array_equal(again.data[0].y, fig.data[0].y)


def test_quality_before_training_is_a_fresh_trainer_and_keeps_the_global_random_states():
    config = AgentsConfig.from_params(**TINY, seed=5)
    states = random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state()
    fig = quality_before_training(None, config)
    assert random.getstate() == states[0] and np.array_equal(np.random.get_state()[1], states[1])
    assert torch.equal(torch.get_rng_state(), states[2])
    assert "before training" in fig.layout.title.text
    fresh = fresh_trainer(config)
    np.testing.assert_array_equal(fig.data[0].y, quality_figure(fresh).data[0].y)


def test_the_view_builds_its_controls_from_agents_config_and_draws_a_run():
    view = agents_view()
    assert view.config_cls is AgentsConfig
    assert [s.name for s in control_specs(view.config_cls, view.values)] == list(AgentsConfig.model_fields)
    assert all(view.values[k] == v for k, v in VIEW_START.items())
    assert set(ENABLED_BY) <= set(AgentsConfig.model_fields)
    assert not view.applies("replay_size") and view.set_value("replay", True) and view.applies("replay_size")
    assert not view.applies("decisive") and view.applies("depth_min")
    assert len(view.figures()) == len(FIGURES) + 1
    assert view.show() is not None and view.panel() is not None     # both front-ends build its controls
    view = agents_view(**TINY, depth_min=1)
    view.start()
    view.wait(timeout=60)
    assert view.status()[0].startswith("Finished 4 steps"), view.status()
    trainer = view.run.trainer
    generator = trainer.generator.get_state()
    figures = view.figures()
    assert len(figures) == len(FIGURES) + 1
    assert any(len(t.y) for t in figures[0].data if t.name.startswith("seed "))
    assert [t.legendgroup for t in figures[-1].data] == ["outcome", "salt", "mc"]
    assert torch.equal(trainer.generator.get_state(), generator)


def test_the_view_draws_quality_from_the_runs_view_state():
    """After a run, the quality figure is drawn from the trainer's ``view_state()`` copy (the policies at the
    run's last step), equal to the figure drawn from the trainer itself."""
    view = agents_view(**TINY, depth_min=1)
    view.start()
    view.wait(timeout=60)
    view.figures()                                   # asks the finished run for its state
    fig = view.figures()[-1]
    assert "the policies at step 4" in fig.layout.title.text
    live = quality_figure(view.run.trainer)
    np.testing.assert_array_equal(fig.data[0].y, live.data[0].y)
