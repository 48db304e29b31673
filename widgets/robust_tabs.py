"""The dashboard tabs of robustness (issue 22): one lab per paper — H∞ control, IWOCS, Lipschitz GAIL, causal
minimax, unstable directions and optimistic actor-critics — each its own trainer (``lab/robust/<paper>.py``) and
view (``widgets/robust_<paper>.py``), built like the repair labs' tabs (``widgets.repair_tabs.paper_tab``): the
paper's text above its live view, which starts on the failure with the paper's switch at the baseline.
"""
from __future__ import annotations

from . import (robust_causal_minimax, robust_hinf, robust_iwocs, robust_lipschitz_gail, robust_optimistic_ac,
               robust_unstable_directions)
from .repair_tabs import paper_tab

# (tab title, its builder), in the order
TABS = [
    ("H-infinity control", paper_tab(robust_hinf.TAB_TEXT, robust_hinf.hinf_view)),
    ("IWOCS", paper_tab(robust_iwocs.TAB_TEXT, robust_iwocs.iwocs_view)),
    ("Lipschitz GAIL", paper_tab(robust_lipschitz_gail.TAB_TEXT, robust_lipschitz_gail.lipschitz_gail_view)),
    ("Causal minimax", paper_tab(robust_causal_minimax.TAB_TEXT, robust_causal_minimax.causal_minimax_view)),
    ("Unstable directions", paper_tab(robust_unstable_directions.TAB_TEXT,
                                      robust_unstable_directions.unstable_directions_view)),
    ("Optimistic actor-critic", paper_tab(robust_optimistic_ac.TAB_TEXT, robust_optimistic_ac.optimistic_ac_view)),
]
