"""The dashboard tabs of the critics that judge and repair (issue 19): one lab per paper — RLAC, Critique-RL,
Agent-R, Search-R2 and MMC — each its own trainer (``lab/agents/<paper>.py``) and view
(``widgets/agents_<paper>.py``). A tab is the paper's text (the failure, the knob, the measured difference and
what does not reproduce) above its live view, which starts on the failure with the paper's switch at the baseline.
"""
from __future__ import annotations

from typing import Callable

from . import agents_agent_r, agents_critique, agents_mmc, agents_rlac, agents_search_r2
from .labview import LabView


def paper_tab(text: str, view: Callable[[], LabView]) -> Callable[[], object]:
    """The function building one paper's tab for a browser session."""
    def build():
        import panel as pn

        return pn.Column(pn.pane.Markdown(text), view().panel(), sizing_mode="stretch_width")
    return build


# (tab title, its builder), in the order
TABS = [
    ("RLAC", paper_tab(agents_rlac.TAB_TEXT, agents_rlac.rlac_view)),
    ("Critique-RL", paper_tab(agents_critique.TAB_TEXT, agents_critique.critique_view)),
    ("Agent-R", paper_tab(agents_agent_r.TAB_TEXT, agents_agent_r.agent_r_view)),
    ("Search-R2", paper_tab(agents_search_r2.TAB_TEXT, agents_search_r2.search_r2_view)),
    ("MMC", paper_tab(agents_mmc.TAB_TEXT, agents_mmc.mmc_view)),
]
