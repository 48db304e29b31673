"""Sweeps of every policy's parameters as one batched replay, returned as a table.

The dialogs are replayed in ``replay.batches`` (dialogs of similar length together), so a sweep's
memory is linear in the turns rather than in dialogs × the longest dialog: 600 one-turn dialogs and
one 600-turn dialog, 129 settings, took 12.3 GB before (issue 12); the shipped corpus is one batch,
replayed exactly as before."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .frontier import pareto_front
from .metrics import dialog_metrics
from .policies import PARAMETERS, POLICIES, PolicyGrid
from .replay import batches, replay


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
    """Replay every setting of ``grid`` at once (on batches of dialogs); one row per setting with its
    parameters, its metrics (``metrics.summarize``'s means over dialogs) and ``on_frontier``
    (non-dominated in synchrony and stability)."""
    per_dialog = batched_dialog_metrics(grid, user, mask, persona)
    metrics = {k: v.nanmean(0).cpu().numpy() for k, v in per_dialog.items()}
    table = pd.DataFrame({"policy": grid.names,
                          **{k: [s[k] for s in grid.settings] for k in PARAMETERS}, **metrics})
    table["on_frontier"] = pareto_front(table["synchrony"], table["stability"])
    return table



def batched_dialog_metrics(grid: PolicyGrid, user: torch.Tensor, mask: torch.Tensor,
                           persona: torch.Tensor) -> dict[str, torch.Tensor]:
    """``metrics.dialog_metrics(replay(grid, user, mask, persona))``, each (D, P), computed batch by
    batch (``replay.batches``), each batch cut to its longest dialog."""
    turns = torch.arange(1, mask.shape[1] + 1, device=mask.device)
    lengths = (mask * turns).amax(1).cpu().numpy()  # the last real turn of each dialog
    out: dict[str, torch.Tensor] = {}
    for group in batches(lengths, len(grid)):
        rows = torch.as_tensor(group, device=user.device)
        t = max(1, int(lengths[group].max()))
        for name, values in dialog_metrics(replay(grid, user[rows, :t], mask[rows, :t], persona)).items():
            out.setdefault(name, values.new_empty((len(user),) + values.shape[1:]))[rows] = values
    return out
