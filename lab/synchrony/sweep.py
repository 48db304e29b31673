"""Sweeps of every policy's parameters as one batched replay, returned as a table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .frontier import pareto_front
from .metrics import summarize
from .policies import PARAMETERS, POLICIES, PolicyGrid
from .replay import replay


def default_sweeps() -> PolicyGrid:
    """Each policy over a grid of its parameters, around the paper's defaults (z-space units)."""
    alphas = np.round(np.linspace(0.05, 1.0, 20), 4)
    caps = np.round(np.geomspace(0.02, 20.0, 25), 4)
    entries: list = list(POLICIES)  # every policy at its defaults
    entries += [("EMA", {"alpha": a}) for a in alphas[:-1]]
    entries += [("Cap", {"cap": c}) for c in caps]
    entries += [("Dead-Band", {"deadband": e}) for e in np.round(np.linspace(0.0, 1.5, 16), 4)]
    entries += [("Hybrid", {"alpha": a, "cap": c}) for a in (0.1, 0.25, 0.5, 0.75) for c in caps[::3]]
    entries += [("Hybrid+Radius", {"radius": r}) for r in np.round(np.geomspace(0.1, 10.0, 11), 4)]
    entries += [("Hybrid+Cache", {"cache_eps": e}) for e in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)]
    return PolicyGrid.of(*entries)


def sweep(grid: PolicyGrid, user: torch.Tensor, mask: torch.Tensor, persona: torch.Tensor) -> pd.DataFrame:
    """Replay every setting of ``grid`` at once; one row per setting with its parameters, its
    metrics and ``on_frontier`` (non-dominated in synchrony and stability)."""
    metrics = {k: v.cpu().numpy() for k, v in summarize(replay(grid, user, mask, persona)).items()}
    table = pd.DataFrame({"policy": grid.names,
                          **{k: [s[k] for s in grid.settings] for k in PARAMETERS}, **metrics})
    table["on_frontier"] = pareto_front(table["synchrony"], table["stability"])
    return table

