"""The dashboard tabs of expressive and composed policies (issue 20): one lab per paper — GoRL, EXPO, PA-RL,
GPC, TACO and the Two-Stage Constrained Actor-Critic — each its own trainer (``lab/expressive/<paper>.py``) and
view (``widgets/expressive_<paper>.py``), built like the repair labs' tabs (``widgets.repair_tabs.paper_tab``):
the paper's text above its live view, which starts on the failure with the paper's switch at the baseline.
"""
from __future__ import annotations

from . import (expressive_expo, expressive_gorl, expressive_gpc, expressive_pa_rl, expressive_taco,
               expressive_two_stage)
from .repair_tabs import paper_tab

# (tab title, its builder), in the order
TABS = [
    ("GoRL", paper_tab(expressive_gorl.TAB_TEXT, expressive_gorl.gorl_view)),
    ("EXPO", paper_tab(expressive_expo.TAB_TEXT, expressive_expo.expo_view)),
    ("PA-RL", paper_tab(expressive_pa_rl.TAB_TEXT, expressive_pa_rl.pa_rl_view)),
    ("GPC", paper_tab(expressive_gpc.TAB_TEXT, expressive_gpc.gpc_view)),
    ("TACO", paper_tab(expressive_taco.TAB_TEXT, expressive_taco.taco_view)),
    ("Two-Stage CAC", paper_tab(expressive_two_stage.TAB_TEXT, expressive_two_stage.two_stage_view)),
]
