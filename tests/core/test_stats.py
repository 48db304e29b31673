"""lab.core.stats against plain re-derivations: the same resamples computed the slow, obvious way
(numpy indexing, scipy's trim_mean and Mann–Whitney U), hand-worked cases, and what stratification
and a percentile interval must do."""
import numpy as np
import pytest
import scipy.stats

from lab.core import stats


def plain_resamples(scores: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """(reps, runs, tasks): resample b takes run draws[b, t, r] of task t — the obvious way."""
    return np.stack([scores[draws[:, t, :], t] for t in range(scores.shape[1])], axis=2)


def chunked_draws(seed: int, reps: int, runs: int, tasks: int, chunk: int) -> np.ndarray:
    """The resampling draws as lab.core.stats makes them: ``chunk`` resamples per call of one generator."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.integers(0, runs, size=(min(chunk, reps - start), tasks, runs), dtype=stats.draw_dtype(runs))
                           for start in range(0, reps, chunk)])


def percentile_interval(samples) -> tuple[float, float]:
    return tuple(np.quantile(samples, [0.025, 0.975]))


CHUNKS = [400, 7]     # resamples per chunk: all at once, and 7 at a time (57 chunks, the last one short)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_aggregate_intervals_equal_a_plain_bootstrap_on_the_same_resamples(chunk, monkeypatch):
    monkeypatch.setattr(stats, "MAX_CELLS", chunk * 12 * 4)
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(12, 4))
    scores[3, 2] = scores[5, 2]                       # a tie
    reps, seed = 400, 11
    got = stats.bootstrap_aggregates(scores, reps=reps, seed=seed, gamma=0.5)
    resampled = plain_resamples(scores, chunked_draws(seed, reps, 12, 4, chunk))
    plain = {"iqm": [scipy.stats.trim_mean(r.ravel(), 0.25) for r in resampled],
             "mean": resampled.mean((1, 2)),
             "median": np.median(resampled.mean(1), 1),
             "optimality_gap": [0.5 - np.minimum(r, 0.5).mean() for r in resampled]}
    for name, samples in plain.items():
        np.testing.assert_allclose(got[name][1:], percentile_interval(samples), rtol=1e-12, atol=1e-12,
                                   err_msg=name)
    assert got["iqm"][0] == pytest.approx(scipy.stats.trim_mean(scores.ravel(), 0.25))


@pytest.mark.parametrize("chunk", CHUNKS)
def test_probability_of_improvement_interval_equals_a_plain_bootstrap_on_the_same_resamples(chunk, monkeypatch):
    """x's and y's chunks (of the same number of resamples, set by the larger of the two) alternate on one
    generator; y's runs are numbered in sorted order per task."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(0.3, 1, size=(9, 3)), rng.normal(0, 1, size=(6, 3))
    y[2, 1] = x[4, 1]                                 # a tie across x and y
    reps, seed = 300, 5
    monkeypatch.setattr(stats, "MAX_CELLS", chunk * 9 * 3)
    got = stats.bootstrap_improvement(x, y, reps=reps, seed=seed)
    draws = np.random.default_rng(seed)
    rx, ry = [], []
    for start in range(0, reps, chunk):
        c = min(chunk, reps - start)
        rx.append(plain_resamples(x, draws.integers(0, 9, size=(c, 3, 9), dtype=stats.draw_dtype(9))))
        ry.append(plain_resamples(np.sort(y, 0), draws.integers(0, 6, size=(c, 3, 6), dtype=stats.draw_dtype(6))))
    rx, ry = np.concatenate(rx), np.concatenate(ry)

    def mann_whitney(a, b):
        return np.mean([scipy.stats.mannwhitneyu(a[:, t], b[:, t]).statistic / (len(a) * len(b))
                        for t in range(a.shape[1])])
    assert got[0] == pytest.approx(mann_whitney(x, y))
    np.testing.assert_allclose(got[1:], percentile_interval([mann_whitney(a, b) for a, b in zip(rx, ry)]),
                               rtol=1e-12)


def test_point_aggregates_on_a_hand_worked_matrix():
    # 8 scores, ⌊8/4⌋ = 2 cut from each end: IQM = mean(2, 3, 4, 10) = 4.75.
    scores = np.array([[0.0, 3.0], [1.0, 4.0], [2.0, 10.0], [100.0, 50.0]])
    got = stats.point_aggregates(scores, gamma=2.0)
    assert got["iqm"] == 4.75
    assert got["mean"] == pytest.approx((103 / 4 + 67 / 4) / 2)
    assert got["median"] == pytest.approx((103 / 4 + 67 / 4) / 2)        # two tasks: median = mean
    assert got["optimality_gap"] == pytest.approx(2.0 - (0 + 1 + 2 + 2 + 2 + 2 + 2 + 2) / 8)


def test_probability_of_improvement_counts_ties_as_half():
    x, y = np.array([[1.0], [2.0]]), np.array([[1.0], [0.0]])
    # pairs (x, y): (1,1) ½, (1,0) 1, (2,1) 1, (2,0) 1 → 3.5 / 4
    assert stats.probability_of_improvement(x, y) == 0.875
    assert stats.probability_of_improvement(y, x) == 0.125
    same = np.random.default_rng(0).normal(size=(5, 2))
    assert stats.probability_of_improvement(same, same) == 0.5


def test_resamples_stay_within_their_task():
    """Task 0 scores 0 in every run, task 1 scores 1: a stratified resample always holds runs·½ of
    each, so the mean of every resample is ½ exactly; a bootstrap that pooled runs across tasks would
    spread it (its 95 % interval for 8 + 8 runs is about [0.25, 0.75])."""
    scores = np.stack([np.zeros(8), np.ones(8)], axis=1)
    got = stats.bootstrap_aggregates(scores, reps=2000, seed=0)
    assert got["mean"] == (0.5, 0.5, 0.5)
    assert got["median"] == (0.5, 0.5, 0.5)


@pytest.mark.parametrize("base", [0, 1, 2])
def test_the_iqm_interval_covers_the_true_centre_about_as_often_as_it_says(base):
    """200 draws of 20 runs × 2 tasks from N(0, 1): the 90 % interval of the IQM (1,000 resamples)
    covers 0 in measured 175 / 180 / 175 of 200 for base seeds 0 / 1 / 2 (percentile intervals
    under-cover a little at 40 scores); 180 ± 2 sd of binomial(200, 0.9) is [172, 188]. An interval
    that ignored resampling (zero width) or was taken at the wrong quantiles would miss it."""
    rng = np.random.default_rng(base)
    covered = 0
    for seed in range(200):
        _, low, high = stats.bootstrap_aggregates(rng.normal(size=(20, 2)), reps=1000, level=0.9, seed=seed)["iqm"]
        covered += low <= 0 <= high
    assert 165 <= covered <= 192, covered


def test_performance_profile_and_its_interval():
    scores = np.array([[0.1, 0.6], [0.4, 0.9], [0.7, 0.2]])
    taus = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(stats.performance_profile(scores, taus), [1.0, 0.5, 0.0])
    fraction, low, high = stats.bootstrap_profile(scores, taus, reps=500, seed=1)
    np.testing.assert_allclose(fraction, [1.0, 0.5, 0.0])
    np.testing.assert_allclose([low[0], high[0], low[2], high[2]], [1, 1, 0, 0], atol=1e-12)   # all above 0, none above 1
    assert low[1] < 0.5 < high[1]


@pytest.mark.parametrize("bad, message", [
    (np.array([[1.0, np.nan]]), "non-finite"),
    (np.zeros((2, 2, 2)), "(runs, tasks) matrix"),
    (np.zeros((0, 3)), "(runs, tasks) matrix"),
])
def test_bad_scores_are_named(bad, message):
    with pytest.raises(stats.StatsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        stats.bootstrap_aggregates(bad, reps=10)


@pytest.mark.parametrize("options, message", [
    (dict(reps=0), "reps must be an integer from 1"),
    (dict(reps=2.5), "reps must be an integer from 1"),
    (dict(reps=10**7), "reps must be an integer from 1"),
    (dict(reps=10, level=1.0), "level must be in"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(stats.StatsError, match=message):
        stats.bootstrap_aggregates(np.zeros((3, 2)), **options)


def test_improvement_needs_the_same_tasks():
    with pytest.raises(stats.StatsError, match="same tasks: x has 2 task"):
        stats.probability_of_improvement(np.zeros((3, 2)), np.zeros((3, 3)))
