"""The time lab's signature view: error against horizon on a log scale, per seed, for each mechanism on and off.

A lab of ``lab/temporal`` (issue 21) hands its view, through ``Trainer.view_state()`` (or from the History), an
error per seed at each horizon for every variant it compares; ``horizon_error_figure`` draws each variant's seeds
as thin lines and its median as a thick one, so drift that grows without bound and drift that stays bounded are
seen side by side.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .seed_curves import variant_curves_figure


def horizon_error_figure(title: str, horizons: np.ndarray, errors: dict[str, np.ndarray] | None,
                         error_label: str = "error", horizon_label: str = "horizon") -> go.Figure:
    """``errors`` maps a variant's name (e.g. "plain window", "StableWorld") to its errors (seeds, len(horizons)),
    drawn against ``horizons`` on log–log axes (see ``variant_curves_figure``). None or {} draws empty axes."""
    return variant_curves_figure(title, horizons, errors, horizon_label, error_label, x_type="log", y_type="log")
