"""The dashboard tabs of time (issue 21): one lab per paper — Decoupled Q-Chunking, ALOE, SRL, StableWorld and
FantasyHSI — each its own trainer (``lab/temporal/<paper>.py``) and view (``widgets/temporal_<paper>.py``), built
like the repair labs' tabs (``widgets.repair_tabs.paper_tab``): the paper's text above its live view, which starts
on the failure with the paper's switch at the baseline.
"""
from __future__ import annotations

from . import temporal_aloe, temporal_dqc, temporal_fantasy_hsi, temporal_srl, temporal_stableworld
from .repair_tabs import paper_tab

# (tab title, its builder), in the order
TABS = [
    ("Q-Chunking", paper_tab(temporal_dqc.TAB_TEXT, temporal_dqc.dqc_view)),
    ("ALOE", paper_tab(temporal_aloe.TAB_TEXT, temporal_aloe.aloe_view)),
    ("SRL", paper_tab(temporal_srl.TAB_TEXT, temporal_srl.srl_view)),
    ("StableWorld", paper_tab(temporal_stableworld.TAB_TEXT, temporal_stableworld.stableworld_view)),
    ("FantasyHSI", paper_tab(temporal_fantasy_hsi.TAB_TEXT, temporal_fantasy_hsi.fantasy_hsi_view)),
]
