"""Aggregate statistics over runs and tasks, with stratified bootstrap intervals.

Agarwal, Schwarzer, Castro, Courville & Bellemare, "Deep Reinforcement Learning at the Edge of the
Statistical Precipice" (NeurIPS 2021; the rliable library): report an aggregate over a score matrix
``scores[run, task]`` with a confidence interval from a *stratified* bootstrap — every resample
draws each task's runs with replacement, keeping the tasks (Sec. 3 and App. A.4). The aggregates
(Sec. 4):

- IQM: the mean of the middle 50 % of all runs × tasks scores (⌊N/4⌋ cut from each end, as
  ``scipy.stats.trim_mean(x, 0.25)``);
- median and mean of the per-task mean scores;
- optimality gap: γ − mean(min(score, γ)), how far below the target γ the runs fall;
- probability of improvement P(X > Y): per task the Mann–Whitney statistic
  U/(n·m) = P(x > y) + ½·P(x = y), averaged over tasks (Sec. 4.3);
- performance profile: for each threshold τ, the fraction of all runs × tasks scoring above τ
  (the run-score distribution, Sec. 4.2).

One readable trick makes 50,000 resamples cheap: a resample is a *count* per run (how often it was
drawn), so every aggregate is a weighted sum over the original scores. The IQM sorts the pooled
scores once; a resample's middle 50 % is then the part of its cumulative counts between ⌊N/4⌋ and
N − ⌊N/4⌋, and summing by parts turns it into one dot product of the clipped cumulative counts.
No resampled copy of the data is ever built; work goes in chunks of resamples small enough to stay
in the CPU's cache (``MAX_CELLS``).
"""
from __future__ import annotations

import numpy as np

AGGREGATES = ("iqm", "median", "mean", "optimality_gap")
MAX_CELLS = 100_000      # resamples × runs × tasks held at once (one chunk): 0.8 MB of counts, in cache
MAX_RESAMPLES = 1_000_000


class StatsError(ValueError):
    """A score matrix or option the statistics cannot use; the message says what is allowed."""


def score_matrix(scores, name: str = "scores") -> np.ndarray:
    """``scores`` as a finite float (runs, tasks) array; a 1-D array is one task."""
    array = np.asarray(scores, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise StatsError(f"{name} must be a (runs, tasks) matrix with at least one of each, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise StatsError(f"{name} holds {int((~np.isfinite(array)).sum())} non-finite value(s); "
                         "drop or replace them first (a diverged run's score is a number you choose)")
    return array


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean of all runs × tasks scores."""
    pooled = np.sort(score_matrix(scores).ravel())
    cut = pooled.size // 4
    return float(pooled[cut:pooled.size - cut].mean())


def point_aggregates(scores, gamma: float = 1.0) -> dict[str, float]:
    """Each of AGGREGATES on the scores themselves (no resampling)."""
    scores = score_matrix(scores)
    task_means = scores.mean(0)
    return {"iqm": iqm(scores), "median": float(np.median(task_means)), "mean": float(task_means.mean()),
            "optimality_gap": float(gamma - np.minimum(scores, gamma).mean())}


def probability_of_improvement(x, y) -> float:
    """P(X > Y) averaged over tasks: per task P(x > y) + ½·P(x = y) over all pairs of runs."""
    x, y = score_matrix(x, "x"), score_matrix(y, "y")
    _same_tasks(x, y)
    return float(np.mean([_wins(x[:, t], y[:, t]).mean() for t in range(x.shape[1])]))


def performance_profile(scores, taus) -> np.ndarray:
    """Fraction of all runs × tasks scores above each τ."""
    scores = score_matrix(scores)
    return (scores.ravel()[:, None] > np.asarray(taus, dtype=float)[None, :]).mean(0)


# --- stratified bootstrap ---------------------------------------------------------------------

def bootstrap_aggregates(scores, reps: int = 50_000, level: float = 0.95, seed: int = 0,
                         gamma: float = 1.0) -> dict[str, tuple[float, float, float]]:
    """Each of AGGREGATES as (point, low, high): a percentile interval at ``level`` over ``reps``
    stratified resamples (each task's runs drawn with replacement)."""
    scores = score_matrix(scores)
    _check_options(reps, level)
    runs, tasks = scores.shape
    n = runs * tasks
    by_task = scores.T.ravel()                                   # layout of the counts: task t, run r at t·runs + r
    order = np.argsort(by_task, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)                                   # where each run lands in the pooled sorted order
    values = by_task[order]
    task_mean = np.zeros((n, tasks))
    task_mean[np.arange(n), order // runs] = values / runs       # counts @ task_mean = the resample's task means
    capped = np.minimum(values, gamma) / n
    cut = n // 4
    steps = np.append(values[:-1] - values[1:], values[-1])      # the IQM summed by parts (_middle_half_sum)
    out = {name: [] for name in AGGREGATES}
    for counts in _resample_counts(np.random.default_rng(seed), runs, tasks, reps, rank):
        weights = counts.astype(float)
        task_means = weights @ task_mean
        out["mean"].append(task_means.mean(1))
        out["median"].append(np.median(task_means, 1))
        out["optimality_gap"].append(gamma - weights @ capped)
        out["iqm"].append((_middle_half_sum(counts, cut, steps) - cut * values[0]) / (n - 2 * cut))
    point = point_aggregates(scores, gamma)
    return {name: (point[name], *_interval(np.concatenate(out[name]), level)) for name in AGGREGATES}


def bootstrap_improvement(x, y, reps: int = 50_000, level: float = 0.95,
                          seed: int = 0) -> tuple[float, float, float]:
    """P(X > Y) as (point, low, high); x's and y's runs resampled independently within each task.

    Per resample and task, Σ_i cx_i·[#(y < x_i) + ½·#(y = x_i)] counted with y's resample counts cy.
    y's runs are numbered in sorted order within each task (a relabelling: the resamples have the
    same distribution), so those counts are two columns of cy's cumulative sum."""
    x, y = score_matrix(x, "x"), score_matrix(y, "y")
    _same_tasks(x, y)
    _check_options(reps, level)
    (nx, tasks), ny = x.shape, y.shape[0]
    y_sorted = np.sort(y, 0)
    task_start = np.repeat(np.arange(tasks) * (ny + 1), nx)     # task t's cumulative counts start at t·(ny + 1)
    below = task_start + np.concatenate([np.searchsorted(y_sorted[:, t], x[:, t], "left") for t in range(tasks)])
    at_most = task_start + np.concatenate([np.searchsorted(y_sorted[:, t], x[:, t], "right") for t in range(tasks)])
    rng = np.random.default_rng(seed)
    chunk = max(1, MAX_CELLS // (max(nx, ny) * tasks))          # the same resamples per chunk on both sides
    samples = []
    for cx, cy in zip(_resample_counts(rng, nx, tasks, reps, chunk=chunk), _resample_counts(rng, ny, tasks, reps, chunk=chunk)):
        c = len(cx)
        cum = np.zeros((c, tasks, ny + 1), dtype=cy.dtype)
        np.cumsum(cy.reshape(c, tasks, ny), 2, out=cum[:, :, 1:])              # cy summed over sorted y
        cum = cum.reshape(c, tasks * (ny + 1))
        beaten = np.take(cum, below, 1)
        beaten += np.take(cum, at_most, 1)
        samples.append(np.einsum("ij,ij->i", cx, beaten) / (2 * nx * ny * tasks))
    return (probability_of_improvement(x, y), *_interval(np.concatenate(samples), level))


def bootstrap_profile(scores, taus, reps: int = 2_000, level: float = 0.95,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The performance profile at each τ with its pointwise interval: (fraction, low, high)."""
    scores = score_matrix(scores)
    _check_options(reps, level)
    taus = np.asarray(taus, dtype=float)
    runs, tasks = scores.shape
    above = (scores.T.reshape(-1, 1) > taus).astype(float) / (runs * tasks)      # (tasks·runs, τ)
    samples = [counts.astype(float) @ above for counts in _resample_counts(np.random.default_rng(seed), runs, tasks, reps)]
    low, high = _interval(np.concatenate(samples), level)
    return performance_profile(scores, taus), low, high


def _resample_counts(rng: np.random.Generator, runs: int, tasks: int, reps: int,
                     layout: np.ndarray | None = None, chunk: int | None = None):
    """Stratified resamples as counts, in chunks of (chunk, runs·tasks) integers (integer sums along a
    row are several times faster than float ones): how often each run was drawn when every task draws
    its ``runs`` runs with replacement. Task t's run r is column t·runs + r, or ``layout[t·runs + r]``
    when a layout is given. The draws are ``rng.integers(0, runs, (chunk, tasks, runs),
    dtype=draw_dtype(runs))``, chunk after chunk (16-bit draws are about 3× cheaper than 64-bit ones);
    a chunk is ``MAX_CELLS // (runs·tasks)`` resamples unless given."""
    n = tasks * runs
    chunk = chunk or max(1, MAX_CELLS // n)
    task_start = runs * np.arange(tasks, dtype=np.int64).reshape(1, tasks, 1)
    row_start = n * np.arange(chunk).reshape(chunk, 1, 1)
    for start in range(0, reps, chunk):
        c = min(chunk, reps - start)
        draws = rng.integers(0, runs, size=(c, tasks, runs), dtype=draw_dtype(runs))
        if layout is None:
            columns = draws + (task_start + row_start[:c])
        else:
            columns = layout[draws + task_start]
            columns += row_start[:c]
        yield np.bincount(columns.ravel(), minlength=c * n).reshape(c, n)


def draw_dtype(runs: int) -> type:
    """The integer type of the resampling draws: 16 bits while the runs fit."""
    return np.int16 if runs <= np.iinfo(np.int16).max else np.int64


def _middle_half_sum(counts: np.ndarray, cut: int, steps: np.ndarray) -> np.ndarray:
    """Σ_j v_j·w_j + cut·v_0 per resample, where w_j is the weight of sorted value v_j in the resample's
    middle half: the part of its counts between the ⌊N/4⌋-th and (N − ⌊N/4⌋)-th drawn value, i.e.
    w_j = g(A_j) − g(A_{j−1}) with A the cumulative counts and g clipping to [cut, N − cut].
    Summed by parts that is Σ_j g(A_j)·(v_j − v_{j+1}) (v_N = 0), with ``steps`` = v_j − v_{j+1}."""
    drawn = np.cumsum(counts, 1)
    np.clip(drawn, cut, counts.shape[1] - cut, out=drawn)
    return drawn @ steps


def _wins(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 where x_i > y_j, ½ where equal, 0 below: (len x, len y)."""
    return (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])


def _interval(samples: np.ndarray, level: float) -> tuple:
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)


def _same_tasks(x: np.ndarray, y: np.ndarray) -> None:
    if x.shape[1] != y.shape[1]:
        raise StatsError(f"x and y must score the same tasks: x has {x.shape[1]} task(s), y has {y.shape[1]}")


def _check_options(reps: int, level: float) -> None:
    if not isinstance(reps, (int, np.integer)) or not 1 <= reps <= MAX_RESAMPLES:
        raise StatsError(f"reps must be an integer from 1 to {MAX_RESAMPLES:,}, got {reps!r}")
    if not 0 < level < 1:
        raise StatsError(f"level must be in (0, 1), e.g. 0.95, got {level!r}")
