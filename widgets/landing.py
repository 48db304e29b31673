"""The dashboard's landing page: a card per lab — its title, the paper it draws on, its one-line finding,
a small picture of its own figure — each with an Open button that switches the dashboard to that lab.

The pictures are PNGs in ``data/thumbnails`` (made by ``python -m widgets.thumbnails``), served by the
dashboard's own server under ``thumbnails/``; a card whose picture is missing shows no picture.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import panel as pn

THUMBNAILS = Path(__file__).resolve().parent.parent / "data" / "thumbnails"
THUMBNAIL_ROUTE = "thumbnails"  # where the dashboard serves THUMBNAILS
THUMBNAIL_SIZE = (240, 150)
CARD_WIDTH = 270


@dataclass(frozen=True)
class LabCard:
    """What the landing page says of one lab: ``title`` is its tab's title, ``slug`` names its thumbnail."""
    title: str
    slug: str
    paper: str
    finding: str

    @property
    def thumbnail(self) -> Path:
        return THUMBNAILS / f"{self.slug}.png"


# Papers and findings as the labs' own texts state them (widgets/<topic>.py, lab/<topic>/).
CARDS = [
    LabCard("Policy Cliff", "cliff", "Xu (2025), The Policy Cliff, arXiv 2507.20150",
            "With entropy bonus α = 0 the learned policy jumps where two rewards tie and splits between seeds; "
            "with α > 0 every seed settles on one smooth softmax curve."),
    LabCard("Preference games", "preference-games",
            "Tiapkin et al. (2025), arXiv 2505.19731; Munos et al. 2023; Zhang et al. 2024",
            "Nash-MP and its peers on the same β-regularized preference games: at η = 2, β = 0.01 Nash-MP's "
            "last iterate converges while OMD spirals out."),
    LabCard("Repeated games", "repeated-games",
            "Classic strategies of the iterated Prisoner's Dilemma (scores equal the Axelrod library's); "
            "tabular Q-learning (Watkins 1989)",
            "A Q-learner learns to cooperate with Tit For Tat at a high discount γ and defects against a "
            "Defector; lower γ or raise ε and cooperation falls."),
    LabCard("Cooperation collapse", "cooperation-collapse",
            "Weng & Lee, How Exploration Breaks Cooperation in Shared-Policy Multi-Agent RL, arXiv 2601.05509",
            "Double DQN agents sharing one network cooperate less at the end the more they explored early; "
            "switch the sharing, or add Weng & Lee's augmented observation, to compare."),
    LabCard("Critic values", "critic-values", "Haarnoja et al., Soft Actor-Critic, arXiv 1812.05905",
            "Returns climb from about −1,400 toward −150 as the temperature α falls; switch the critic from "
            "twin to single and its Q-values run ahead of the returns."),
    LabCard("Critic arena", "critic-arena",
            "SAC's critics (Haarnoja et al., arXiv 1812.05905); the twin critic is Fujimoto et al.'s (2018) "
            "clipped double-Q",
            "Stability maps over two stress axes: without a target network at γ = 0.999 the twin critic "
            "diverges in 5 of 16 seeds at lr 3e-3 where the single one keeps all 16; at lr 1e-2 both diverge."),
    LabCard("Synchrony", "synchrony",
            "Brandt (2025), Navigating the Synchrony–Stability Frontier in Adaptive Chatbots, arXiv 2510.00339",
            "A bot's style mirrors its user's (synchrony) but should stay itself (stability): bounded policies "
            "trade a little synchrony for much stability — drag their parameters and watch the frontier move."),
    LabCard("LLM-RL stability", "llm-rl-stability",
            "Zheng et al., Stabilizing Reinforcement Learning with LLMs, arXiv 2512.01374; GRPO (Shao et al., "
            "arXiv 2402.03300) and its stabilizers",
            "Under a mismatched sampler GRPO loses more true reward than MiniRL; MHPO and SAFE's KL hinge prevent "
            "their failures, CAPO deepens GRPO's collapse, Dr. MAS matters only against a global baseline."),
]


def card_for(title: str) -> LabCard:
    """The card of the lab whose tab is ``title`` (a KeyError names a lab without one)."""
    cards = {card.title: card for card in CARDS}
    if title not in cards:
        raise KeyError(f"the lab {title!r} has no card in widgets/landing.py's CARDS")
    return cards[title]


def card_html(card: LabCard) -> str:
    """The card's text, and its picture when the thumbnail file exists."""
    width, height = THUMBNAIL_SIZE
    picture = (f'<img class="lab-card-thumbnail" src="{THUMBNAIL_ROUTE}/{html.escape(card.slug)}.png" '
               f'width="{width}" height="{height}" alt="{html.escape(card.title)}: its figure">'
               if card.thumbnail.exists() else "")
    return (f'{picture}<h3 class="lab-card-title">{html.escape(card.title)}</h3>'
            f'<p class="lab-card-paper"><em>{html.escape(card.paper)}</em></p>'
            f'<p class="lab-card-finding">{html.escape(card.finding)}</p>')


def lab_card(card: LabCard, open_lab: Callable[[], None]) -> pn.Column:
    """One card: its text and picture, then an Open button that calls ``open_lab``."""
    button = pn.widgets.Button(label="Open", color="primary", width=90, css_classes=["lab-card-open"])
    button.on_click(lambda event: open_lab())
    return pn.Column(pn.pane.HTML(card_html(card), width=CARD_WIDTH - 36), button, width=CARD_WIDTH,
                     css_classes=["lab-card", f"lab-card-{card.slug}"],
                     styles={"border": "1px solid #ddd", "border-radius": "6px", "padding": "8px"})


def landing(titles: list[str], open_lab: Callable[[int], None]) -> pn.Column:
    """The landing page: a short introduction, then the card of each lab in ``titles``, in order;
    the Open button of the ``i``-th calls ``open_lab(i)``. It costs the server almost nothing, so a
    page opens at once (the pictures are files the browser fetches)."""
    cards = [lab_card(card_for(title), lambda i=i: open_lab(i)) for i, title in enumerate(titles)]
    return pn.Column(
        pn.pane.Markdown("## Stability Lab\nSee an instability happen, turn one knob, watch it go away. Each lab "
                         "runs small trainers on a population of seeds while its figures follow them; open one "
                         "here or from the list on the left."),
        pn.FlexBox(*cards, gap="12px", sizing_mode="stretch_width"),
        css_classes=["lab-landing"], sizing_mode="stretch_width")
