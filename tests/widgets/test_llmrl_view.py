"""The LLM-RL view: figures from real short runs, the collapse marker where `collapsed` turns on, the ratio guard."""
import math
import warnings

import numpy as np
import pytest

from lab import Run
from lab.llmrl import LLMRLConfig, LLMRLTrainer
from lab.llmrl.compare import CompareConfig, CompareTrainer
from widgets.llmrl import (FLOOR_MEANS_FAILURE, arms_figure, collapse_onsets, entropy_figure, grad_norm_figure,
                           grad_norm_ratios, groups, llmrl_view, ratio_figure, reward_figure, safe_ratio)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def by_name(fig, name):
    return [t for t in fig.data if t.name == name]


def test_view_trains_two_objectives_on_the_same_seeds_and_marks_collapses():
    view = llmrl_view()
    assert view.config.objective == "grpo" and view.config.versus == "minirl" and view.config.sampler_temperature == 3
    before = view.figures()
    assert len(before) == 6 and "press Run" in [t.name for t in before[0].data]
    assert view.set_value("steps", 60)
    view.start()
    view.wait(timeout=120)
    assert view.status()[0].startswith("Finished 60 steps"), view.status()
    history, config = view.history, view.config
    reward, entropy, kl, ratio, grads, health = view.figures()

    # Reward: one mean line per objective, equal to the mean over that objective's seeds.
    for objective, idx in groups(history, config):
        line, = by_name(reward, f"{objective}: training reward")
        np.testing.assert_allclose(line.y, history.values("reward_mean")[:, idx].mean(1))

    # Entropy: side by side, the floor drawn, one ✕ per seed whose flag turned on, at the first step it is on.
    titles = [a.text for a in entropy.layout.annotations]
    assert titles[0].startswith("grpo: ") and titles[1].startswith("minirl: ")
    flags, steps, ent = history.values("collapsed"), history.steps, history.values("entropy")
    markers = by_name(entropy, "collapsed (flag turns on)")
    assert len(markers) == 2
    for (objective, idx), marker, title in zip(groups(history, config), markers, titles):
        expected = []
        for m in idx:
            on = np.flatnonzero(flags[:, m] > 0.5)
            if len(on):
                assert on[0] == 0 or flags[on[0] - 1, m] == 0
                expected.append((steps[on[0]], ent[on[0], m]))
        assert list(marker.x) == [s for s, _ in expected]
        np.testing.assert_allclose(marker.y, [e for _, e in expected])
        assert title == f"{objective}: {len(expected)} of {len(idx)} seeds collapsed"
    grpo_marker = markers[0]
    assert len(grpo_marker.x) >= 3                       # plain GRPO collapses under this mismatch (measured 4/4)
    notes = [t for t in titles if "collapsed, step" in t]
    assert notes and any(f"step {grpo_marker.x[0]} " in t for t in notes)
    floor = [t for t in entropy.data if (t.name or "").startswith("collapse floor")]
    assert floor and all(y == config.entropy_floor for y in floor[0].y)

    # Ratios: the clip range and three quantiles per objective; MiniRL's truncation only for MiniRL.
    assert by_name(ratio, "grpo: ratio median") and by_name(ratio, "minirl: IS weight truncated at C")
    assert not by_name(ratio, "grpo: IS weight truncated at C")
    assert "grpo" in grads.layout.title.text and "minirl" in grads.layout.title.text
    assert kl.data[1].name == "grpo: mean KL"
    counted = [a.text for a in health.layout.annotations if "at some step" in a.text]   # the health panels count
    assert len(counted) == 4 and all("grpo " in t and "minirl " in t for t in counted)  # each objective's crossings


def test_collapse_marker_sits_where_the_flag_turns_on_and_causes_are_named():
    config = LLMRLConfig.from_params(seeds=3, lr=1e-2, minibatches=8, sampler_temperature=3.0, entropy_floor=1.0,
                                     steps=40)
    history = Run(LLMRLTrainer(config, "cpu"), 40, progress=False).run()
    onsets = collapse_onsets(history, np.arange(3), config.entropy_floor)
    assert len(onsets) == 3                               # a high floor: every seed crosses it
    flags = history.values("collapsed")
    for onset in onsets:
        i = list(history.steps).index(onset["step"])
        assert flags[i, onset["member"]] == 1 and (i == 0 or flags[i - 1, onset["member"]] == 0)
        assert onset["cause"] == ("entropy" if history.values("entropy")[i, onset["member"]] < 1.0 else "reward crash")
    fig = entropy_figure(history, config)                 # a plain trainer's History: one panel
    marker, = by_name(fig, "collapsed (flag turns on)")
    assert sorted(marker.x) == sorted(o["step"] for o in onsets)
    lines, = [t for t in fig.data if t.name == "collapse onsets"]
    assert [x for x in lines.x if x is not None] == [o["step"] for o in onsets for _ in range(2)]
    assert max(y for y in lines.y if y is not None) == pytest.approx(math.log(config.vocab))


def test_gradient_norm_ratio_is_guarded_and_matches_agent_wise_normalization():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no divide-by-zero warnings
        out = safe_ratio(np.array([1.0, 0.0, 2.0, np.inf, 3.0]), np.array([0.0, 0.0, 4.0, 1.0, np.nan]))
    np.testing.assert_array_equal(np.isnan(out), [True, True, False, True, True])
    assert out[2] == 0.5
    assert np.isnan(safe_ratio(np.array([1e-9]), np.array([1.0]), tiny=1e-6)).all()   # no signal: not a ratio

    ratios = {}
    for normalization in ("global", "agent"):
        config = LLMRLConfig.from_params(seeds=2, classes=2, scale_ratio=10.0, normalization=normalization, steps=20)
        history = Run(LLMRLTrainer(config, "cpu"), 20, progress=False).run()
        ratios[normalization] = np.nanmedian(grad_norm_ratios(history, np.arange(2), 1))
        fig = grad_norm_figure(history, config)
        drawn, = by_name(fig, "grpo: agent 1 / agent 0")
        assert np.all(np.isfinite([y for y in drawn.y if y is not None]))
        assert f"grpo {np.nanmedian(grad_norm_ratios(history, np.arange(2), 1)):.2f}" in fig.layout.title.text
    assert ratios["global"] > 2 and abs(ratios["agent"] - 1) < 0.25, ratios

    one = LLMRLConfig.from_params(classes=1, seeds=1, steps=3)
    history = Run(LLMRLTrainer(one, "cpu"), 3, progress=False).run()
    assert "no ratio" in grad_norm_figure(history, one).layout.annotations[1].text


def test_hackable_reward_draws_true_and_proxy_and_bad_values_are_sentences():
    config = LLMRLConfig.from_params(seeds=2, reward="proxy", steps=5)
    history = Run(LLMRLTrainer(config, "cpu"), 5, progress=False).run()
    fig = reward_figure(history, config)
    assert by_name(fig, "grpo: true reward") and by_name(fig, "grpo: proxy reward")
    assert "hacking" in fig.layout.title.text
    assert ratio_figure(None, config).data                # empty figures build before any run
    view = llmrl_view()
    assert not view.set_value("versus", "grpo")
    sentence, is_error = view.status()
    assert is_error and "'versus' = 'grpo' is the same as 'objective'" in sentence
    assert view.set_value("versus", "mhpo")
    assert not view.set_value("sampler_temperature", 0.0)
    assert "'sampler_temperature' = 0.0 is not allowed" in view.status()[0]
    assert view.show() is not None and view.panel() is not None


def test_pass_at_1_reward_draws_the_true_reward_as_lost_variety_and_its_entropy_floor_as_failure():
    config = LLMRLConfig.from_params(seeds=2, task="diverse", reward="pass", steps=4)
    history = Run(LLMRLTrainer(config, "cpu"), 4, progress=False).run()
    fig = reward_figure(history, config)
    true, = by_name(fig, "grpo: true reward")
    np.testing.assert_allclose(true.y, history.values("true_reward").mean(1))
    assert not by_name(fig, "grpo: proxy reward") and not by_name(fig, "grpo: hack-token fraction")
    assert "lost variety" in fig.layout.title.text and "hacking" not in fig.layout.title.text
    assert FLOOR_MEANS_FAILURE in entropy_figure(history, config).layout.title.text
    digit_sum = LLMRLConfig.from_params(seeds=1, steps=4)
    assert FLOOR_MEANS_FAILURE not in entropy_figure(None, digit_sum).layout.title.text


def test_ratio_figure_draws_no_bound_on_r_for_mhpo_and_arms_figure_draws_each_arm():
    """MHPO bounds its modulated ratio e^ψ, not r = π_θ/π_old: the r panel shows only the clip range of the
    objectives that clip r."""
    config = CompareConfig.from_params(seeds=2, objective="grpo", versus="mhpo", steps=3)
    history = Run(CompareTrainer(config, "cpu"), 3, progress=False).run()
    fig = ratio_figure(history, config)
    bounds = [t for t in fig.data if t.name and "1 ± ε" in t.name]
    assert [t.name for t in bounds] == ["clip range 1 ± ε of r (grpo)"]
    assert not [t for t in fig.data if t.name and "e^{±c}" in t.name]
    assert {y for y in bounds[0].y if y is not None} == {1 - config.clip_eps, 1 + config.clip_eps}
    only_mhpo = config.single("mhpo")
    assert not [t for t in ratio_figure(None, only_mhpo).data if t.name and "1 ± ε" in t.name]

    runs = {"a": history, "b": Run(LLMRLTrainer(config.single("grpo"), "cpu"), 3, progress=False).run()}
    fig = arms_figure(runs, [("true_reward", "true reward"), ("capo_masked", "CAPO-masked")], "arms")
    lines = {t.name: t for t in fig.data if t.mode == "lines" and t.name in runs}
    np.testing.assert_allclose(lines["b"].y, runs["b"].values("true_reward").mean(1))
    assert len([t for t in fig.data if t.name in runs]) == 2   # neither run records capo_masked: that panel is empty
