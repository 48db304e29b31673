"""The adaptation policies: one update rule with switchable parts, and the paper's named presets.

Brandt (2025), arXiv 2510.00339: the adaptation policies of its method (the bot's style target
b_t after user turn u_t, in z-space, persona c, b_0 = c) and the policy set of its Table 1;
the defaults are the artifact's (α 0.5, cap 0.25, ε 0.1, r 0.75, ε_cache 0.01). Every named policy is
the rule ``adapt`` with some parts switched off, so that any mix of policies and parameter
values runs as one batch (a leading parameter-grid axis P):

    Static         b_t = c
    Hybrid+Cache   keep b_{t−1} when cos(u_t, b_{t−1}) ≥ 1 − ε_cache           (a cache hit)
    Dead-Band      keep b_{t−1} unless 1 − cos(u_t, b_{t−1}) > ε
    EMA            s = α (u_t − b_{t−1})                    (α = 1: the whole step, Uncapped)
    Cap            s ← s · min(1, cap / ‖s‖₂)
    Radius         b_t = c + d · min(1, r / ‖d‖₂)  with d = b_{t−1} + s − c

A switched-off part has its neutral value: α = 1, cap = r = ∞, ε = ε_cache = −∞.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .style_space import cosine

PARAMETERS = ("alpha", "cap", "deadband", "radius", "cache_eps")
"""The rule's numeric parameters; ``static`` (0/1) picks Static."""

NEUTRAL = {"alpha": 1.0, "cap": math.inf, "deadband": -math.inf, "radius": math.inf, "cache_eps": -math.inf}
"""The value of each parameter that switches its part of the rule off."""


@dataclass(frozen=True)
class Policy:
    """A named policy: which parameters it tunes (with the paper's defaults), and whether it is Static."""

    name: str
    defaults: dict[str, float]
    static: bool = False

    def parameters(self, **values: float) -> dict[str, float]:
        """All rule parameters for this policy, its tunable ones set from ``values`` or the defaults."""
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise ValueError(f"policy {self.name!r} has no parameter {sorted(unknown)}; "
                             f"its parameters: {', '.join(self.defaults) or 'none'}")
        chosen = {**NEUTRAL, **self.defaults, **values}
        check_parameters(self.name, chosen)
        return chosen


def check_parameters(name: str, p: dict[str, float]) -> None:
    """Refuse values outside each parameter's meaningful range, naming policy and parameter."""
    rules = {"alpha": (0 < p["alpha"] <= 1, "in (0, 1]"), "cap": (p["cap"] > 0, "> 0"),
             "deadband": (p["deadband"] < 2, "< 2 (1 − cos is at most 2)"), "radius": (p["radius"] > 0, "> 0"),
             "cache_eps": (p["cache_eps"] < 2, "< 2 (1 − cos is at most 2)")}
    for key, (ok, allowed) in rules.items():
        if not ok or math.isnan(p[key]):
            raise ValueError(f"policy {name!r}: {key} = {p[key]!r} is not allowed; must be {allowed}")


DEFAULT_ALPHA, DEFAULT_CAP, DEFAULT_DEADBAND, DEFAULT_RADIUS, DEFAULT_CACHE_EPS = 0.5, 0.25, 0.1, 0.75, 0.01

POLICIES: dict[str, Policy] = {p.name: p for p in (
    Policy("Uncapped", {}),
    Policy("Cap", {"cap": DEFAULT_CAP}),
    Policy("EMA", {"alpha": DEFAULT_ALPHA}),
    Policy("Dead-Band", {"deadband": DEFAULT_DEADBAND}),
    Policy("Hybrid", {"alpha": DEFAULT_ALPHA, "cap": DEFAULT_CAP}),
    Policy("Hybrid+Radius", {"alpha": DEFAULT_ALPHA, "cap": DEFAULT_CAP, "radius": DEFAULT_RADIUS}),
    Policy("Hybrid+Cache", {"alpha": DEFAULT_ALPHA, "cap": DEFAULT_CAP, "cache_eps": DEFAULT_CACHE_EPS}),
    Policy("Static", {}, static=True),
)}
"""The paper's policies (Table 1) with the issue's defaults: α 0.5, cap 0.25, ε 0.1, r 0.75, ε_cache 0.01."""


def policy(name: str) -> Policy:
    """The named policy, with a clear error listing the names."""
    if name not in POLICIES:
        raise KeyError(f"no policy {name!r}; policies: {', '.join(POLICIES)}")
    return POLICIES[name]


@dataclass(frozen=True)
class PolicyGrid:
    """P (policy, parameters) settings as tensors of shape (P,), one batch axis for a replay."""

    names: tuple[str, ...]
    settings: tuple[dict[str, float], ...]

    @classmethod
    def of(cls, *entries: str | tuple[str, dict[str, float]]) -> "PolicyGrid":
        """From policy names (defaults) or (name, {parameter: value}) pairs."""
        names, settings = [], []
        for entry in entries:
            name, values = (entry, {}) if isinstance(entry, str) else entry
            settings.append(policy(name).parameters(**values))
            names.append(name)
        if not names:
            raise ValueError("a policy grid needs at least one setting")
        return cls(tuple(names), tuple(settings))

    def __len__(self) -> int:
        return len(self.names)

    def tensors(self, device: torch.device | str = "cpu",
                dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
        """Each parameter as a (P,) tensor, plus ``static`` as a (P,) boolean tensor."""
        out = {k: torch.tensor([s[k] for s in self.settings], dtype=dtype, device=device) for k in PARAMETERS}
        out["static"] = torch.tensor([policy(n).static for n in self.names], device=device)
        return out


def adapt(b: torch.Tensor, u: torch.Tensor, c: torch.Tensor,
          p: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """One turn of every policy in the batch: the new targets b_t (..., P, 8) and cache hits (..., P).

    b: previous targets (..., P, 8); u: user vectors broadcastable to b; c: persona (8,);
    p: ``PolicyGrid.tensors()``. Brandt (2025), arXiv 2510.00339, adaptation policies — see the module docstring.
    """
    cos_ub = cosine(u, b)
    hit = cos_ub >= 1 - p["cache_eps"]                          # Hybrid+Cache: reuse the last target
    move = (1 - cos_ub) > p["deadband"]                         # Dead-Band: move only past ε
    step = p["alpha"][:, None] * (u - b)                        # EMA: b + α(u − b)
    step = step * shrink(step, p["cap"])                        # Cap: ‖step‖₂ ≤ cap
    offset = b + step - c
    target = c + offset * shrink(offset, p["radius"])           # Radius: ‖b − c‖₂ ≤ r
    new = torch.where((move & ~hit)[..., None], target, b)
    static = p["static"]
    return torch.where(static[:, None], c.expand_as(new), new), hit & ~static


def shrink(v: torch.Tensor, limit: torch.Tensor) -> torch.Tensor:
    """The factor min(1, limit / ‖v‖₂) that brings v into the ball of radius ``limit`` (…, 1)."""
    norm = torch.linalg.vector_norm(v, dim=-1, keepdim=True)
    return torch.clamp(limit[:, None] / norm, max=1.0)  # ‖v‖ = 0 gives ∞, clamped to 1
