"""The 8-dimensional style space: its dimensions, per-dataset standardization, the persona, cosine.

Brandt (2025), "Navigating the Synchrony–Stability Frontier in Adaptive Chatbots", arXiv
2510.00339: every utterance becomes an 8-dim style vector; vectors are standardized per
dataset (z-space, a StandardScaler's mean and scale) and every policy and metric works in
z-space, where the persona c is the coherence target.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

DIMENSIONS: tuple[str, ...] = (
    "informality",
    "sentiment_compound",
    "avg_sentence_length",
    "flesch_reading_ease",
    "empath_social",
    "empath_cognitive",
    "empath_affect",
    "function_word_ratio",
)
"""The paper's order of the style dimensions (the artifact's ``style_space.json`` names)."""

N_DIMS = len(DIMENSIONS)

ZERO_PERSONA_NORM = 1e-9
"""A persona whose z-space L2 norm is at most this is numerically the zero vector."""


class PersonaError(ValueError):
    """A persona vector that cannot serve as a coherence target (wrong shape, not finite, zero)."""


def as_style_array(vectors, what: str = "style vectors") -> np.ndarray:
    """``vectors`` as a float64 array whose last axis has the 8 style dimensions, checked finite."""
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim == 0 or array.shape[-1] != N_DIMS:
        raise ValueError(f"{what} must have {N_DIMS} values per vector ({', '.join(DIMENSIONS)}); "
                         f"got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return array


@dataclass(frozen=True)
class Scaler:
    """Per-dataset standardization z = (x − mean) / scale, as scikit-learn's StandardScaler.

    Dimensions that are constant in the fitting data keep scale 1 (so z = x − mean, here 0),
    as StandardScaler does; the artifact's three Empath dimensions are such dimensions.
    """

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self):
        mean, scale = as_style_array(self.mean, "scaler mean"), as_style_array(self.scale, "scaler scale")
        if mean.shape != (N_DIMS,) or scale.shape != (N_DIMS,):
            raise ValueError(f"a scaler's mean and scale are {N_DIMS}-vectors; got {mean.shape}, {scale.shape}")
        if (scale <= 0).any():
            bad = [DIMENSIONS[i] for i in np.flatnonzero(scale <= 0)]
            raise ValueError(f"scaler scale must be > 0 in every dimension; not in {bad}")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "scale", scale)

    @classmethod
    def fit(cls, vectors) -> "Scaler":
        """Fit on raw style vectors of shape (n, 8): mean and population std (ddof 0)."""
        x = as_style_array(vectors).reshape(-1, N_DIMS)
        if len(x) < 1:
            raise ValueError("cannot fit a scaler on zero vectors")
        mean, std = x.mean(axis=0), x.std(axis=0)
        # StandardScaler's rule: a (numerically) constant dimension keeps scale 1.
        constant = std < 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))
        return cls(mean, np.where(constant, 1.0, std))

    def transform(self, vectors) -> np.ndarray:
        """Raw style vectors (..., 8) to z-space."""
        return (as_style_array(vectors) - self.mean) / self.scale

    def inverse(self, z) -> np.ndarray:
        """z-space vectors (..., 8) back to raw style vectors."""
        return as_style_array(z, "z-space vectors") * self.scale + self.mean


@dataclass(frozen=True)
class Persona:
    """The agent's own style c in z-space: the coherence target and Static's fixed output.

    A persona that is numerically the zero vector is refused: every cosine against it
    (coherence, Static's synchrony) would only measure floating-point noise. The paper's
    human-log persona is such a vector (the centroid of the very bot vectors the scaler was
    fitted on, hence 0 up to rounding); ``allow_degenerate=True`` accepts it, and exists only
    to replay the paper's artifact, whose published coherence numbers come from that noise.
    """

    z: np.ndarray
    allow_degenerate: bool = False

    def __post_init__(self):
        try:
            z = as_style_array(self.z, "persona vector")
        except ValueError as err:
            raise PersonaError(str(err)) from None
        if z.shape != (N_DIMS,):
            raise PersonaError(f"a persona is one {N_DIMS}-vector; got shape {z.shape}")
        norm = float(np.linalg.norm(z))
        if norm <= ZERO_PERSONA_NORM and not self.allow_degenerate:
            raise PersonaError(
                f"the persona vector has z-space norm {norm:.3g} (≤ {ZERO_PERSONA_NORM:g}): it is numerically "
                "the zero vector, so cosine coherence against it is meaningless. A persona computed as "
                "the centroid of the same vectors the scaler was fitted on is always ≈ 0; use a persona "
                "with a style of its own (e.g. Persona.from_raw(raw_persona, scaler)). Only to replay the "
                "paper's artifact, pass allow_degenerate=True.")
        object.__setattr__(self, "z", z)

    @classmethod
    def from_raw(cls, raw, scaler: Scaler, allow_degenerate: bool = False) -> "Persona":
        """A persona given as a raw style vector, standardized with ``scaler``."""
        return cls(scaler.transform(as_style_array(raw, "persona vector")), allow_degenerate)

    @classmethod
    def centroid(cls, z_vectors, allow_degenerate: bool = False) -> "Persona":
        """The mean of z-space bot vectors (the paper's choice; ≈ 0 on the scaler's own data)."""
        return cls(as_style_array(z_vectors).reshape(-1, N_DIMS).mean(axis=0), allow_degenerate)

    def tensor(self, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float64) -> torch.Tensor:
        return torch.as_tensor(self.z, dtype=dtype, device=device)


def cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """cos(a, b) over the last axis; 0 where either vector is exactly zero.

    No ε is added to the norms, so tiny but non-zero vectors keep their direction (the paper's
    degenerate persona is one); only an exact zero has no direction.
    """
    dot = (a * b).sum(-1)
    norms = torch.linalg.vector_norm(a, dim=-1) * torch.linalg.vector_norm(b, dim=-1)
    return torch.where(norms > 0, dot / torch.where(norms > 0, norms, torch.ones_like(norms)), torch.zeros_like(dot))
