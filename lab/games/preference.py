"""Preference games: a matrix P with P[y, y'] = P(y ≻ y') ∈ [0, 1] and P + Pᵀ = 1.

Constructors for the games the preference lab plays (random, rock–paper–scissors,
Bradley–Terry, SPO's intransitive aggregate, noisy versions), a validator with clear errors,
and CSV load/save. Everything is a float64 numpy array; the batched dynamics convert to torch.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from lab.core.config import shown

TOLERANCE = 1e-9


class PreferenceError(ValueError):
    """A matrix is not a valid preference matrix."""


def check_preference(P, name: str = "P", tol: float = TOLERANCE) -> np.ndarray:
    """P as a float64 array, refused unless square, within [0, 1] and with P + Pᵀ = 1 (to ``tol``)."""
    try:
        P = np.asarray(P, dtype=float)
    except (TypeError, ValueError):
        raise PreferenceError(f"{name} must be a square matrix of numbers") from None
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] < 2:
        raise PreferenceError(f"{name} must be a square matrix with at least 2 actions, got shape {P.shape}")
    if not np.all(np.isfinite(P)):
        raise PreferenceError(f"{name} has entries that are not finite numbers")
    if P.min() < -tol or P.max() > 1 + tol:
        i, j = np.unravel_index(np.argmax(np.maximum(-P, P - 1)), P.shape)
        raise PreferenceError(f"{name}[{i}, {j}] = {P[i, j]:g} is outside [0, 1]: entries are probabilities P(y ≻ y')")
    gap = np.abs(P + P.T - 1)
    if gap.max() > tol:
        i, j = np.unravel_index(np.argmax(gap), P.shape)
        raise PreferenceError(f"{name}[{i}, {j}] + {name}[{j}, {i}] = {P[i, j] + P[j, i]:g}, must be 1 "
                              f"(to within {tol:g}): P(y ≻ y') + P(y' ≻ y) = 1")
    return np.clip(P, 0.0, 1.0)


def rock_paper_scissors() -> np.ndarray:
    """Rock–paper–scissors: each action beats the next one for sure."""
    return np.array([[0.5, 0.0, 1.0], [1.0, 0.5, 0.0], [0.0, 1.0, 0.5]])


def random_preference(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random preference matrix: ½ + an antisymmetric part with entries uniform in [−½, ½]."""
    if n < 2:
        raise PreferenceError(f"n = {n} actions: a game needs at least 2")
    upper = np.triu(rng.uniform(-0.5, 0.5, size=(n, n)), k=1)
    return 0.5 + upper - upper.T


def bradley_terry(scores) -> np.ndarray:
    """Transitive preferences from scores: P(y ≻ y') = σ(s_y − s_y')."""
    s = np.asarray(scores, dtype=float)
    return 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))


def spo_intransitive(proportions=(0.4, 0.35, 0.25)) -> np.ndarray:
    """SPO's intransitive aggregate (Swamy et al., arXiv 2401.04056): three populations over three
    responses, each with a strict transitive ranking (a>b>c, b>c>a, c>a>b), mixed in ``proportions``.
    No population majority is transitive when every proportion is below ½ — a Condorcet cycle."""
    w = np.asarray(proportions, dtype=float)
    if w.shape != (3,) or np.any(w < 0) or not np.isclose(w.sum(), 1):
        raise PreferenceError(f"proportions {w.tolist()} must be 3 non-negative numbers summing to 1")
    rankings = [(0, 1, 2), (1, 2, 0), (2, 0, 1)]
    P = np.full((3, 3), 0.5)
    for i in range(3):
        for j in range(3):
            if i != j:
                P[i, j] = sum(wk for wk, r in zip(w, rankings) if r.index(i) < r.index(j))
    return P


def noisy(P, scale: float, rng: np.random.Generator) -> np.ndarray:
    """P plus antisymmetric Gaussian noise of std ``scale``, clipped back into [0, 1]."""
    P = check_preference(P)
    upper = np.triu(rng.normal(scale=scale, size=P.shape), k=1)
    return np.clip(P + upper - upper.T, 0.0, 1.0)


def parse_preference(text: str) -> np.ndarray:
    """A preference matrix from CSV text (one row per line, commas between entries); validated."""
    try:
        rows = [[float(x) for x in line.replace(";", ",").split(",")] for line in text.strip().splitlines() if line.strip()]
    except ValueError as err:
        raise PreferenceError(f"the matrix must be rows of comma-separated numbers ({shown(str(err), 160)})") from None
    if len({len(r) for r in rows}) > 1:
        raise PreferenceError(f"every row needs the same number of entries, got {[len(r) for r in rows]}")
    return check_preference(rows)


def load_preference(path: str | os.PathLike) -> np.ndarray:
    """Read a preference matrix from a CSV file of numbers (no header, UTF-8 with or without the byte
    order mark Excel writes); validated. Every failure is a ``PreferenceError`` naming the file."""
    path = Path(path)
    try:
        with warnings.catch_warnings():  # an empty file: its shape (0, 0) is refused below
            warnings.simplefilter("ignore", UserWarning)
            P = np.loadtxt(path, delimiter=",", ndmin=2, encoding="utf-8-sig")
    except (OSError, ValueError) as err:  # UnicodeDecodeError is a ValueError
        raise PreferenceError(f"{path}: cannot read a matrix of numbers ({shown(str(err), 160)})") from None
    return check_preference(P, name=path.name)


def save_preference(P, path: str | os.PathLike) -> Path:
    """Write a validated preference matrix as CSV."""
    path = Path(path)
    np.savetxt(path, check_preference(P), delimiter=",", fmt="%.17g")
    return path
