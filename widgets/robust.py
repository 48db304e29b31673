"""The robustness lab's signature view: return against the strength of the worst case, per seed, for each method.

A lab of ``lab/robust`` (issue 22) hands its view, through ``Trainer.view_state()``, each seed's return (or error)
at each strength of the adversary, wind, shift or perturbation for every method it compares;
``robustness_curve_figure`` draws the curves so a method that holds up as the worst case strengthens and one that
falls off are seen side by side — a robustness curve rather than a single number.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .seed_curves import variant_curves_figure


def robustness_curve_figure(title: str, strengths: np.ndarray, returns: dict[str, np.ndarray] | None,
                            return_label: str = "return", strength_label: str = "strength of the worst case",
                            log_strength: bool = False) -> go.Figure:
    """``returns`` maps a method's name (e.g. "nominal", "IWOCS") to its returns (seeds, len(strengths)) drawn
    against ``strengths`` (see ``variant_curves_figure``); ``log_strength`` puts the strengths on a log axis.
    None or {} (no run yet) draws empty axes."""
    return variant_curves_figure(title, strengths, returns, strength_label, return_label,
                                 x_type="log" if log_strength else "linear")
