"""The dashboard's landing page: a card per lab — its title, the paper it draws on, its one-line finding,
a small picture of its own figure — each with an Open button that switches the dashboard to that lab.

The pictures are PNGs in ``data/thumbnails`` (made by ``python -m widgets.thumbnails``), served by the
dashboard's own server under ``thumbnails/``; a card whose picture is missing shows no picture.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import panel as pn
import param
from panel.custom import JSComponent

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
    LabCard("Agents", "agents",
            "ARPO (Lu et al., arXiv 2505.16282), SALT, DAPO, ProAct, FiberPO and CM2 on tiny multi-step token "
            "agents, success computed exactly",
            "Outcome-only GRPO barely opens hard locks (nine groups in ten carry no advantage); ARPO's replay of "
            "past successes ends about 3× higher. Not all hold: FiberPO's gates did not bound the drift here."),
    LabCard("RLAC", "rlac",
            "RLAC (Wu et al., arXiv 2511.01758): an adversarial critic proposes the one check most likely to fail",
            "RLAC's trained critic gets all 8 facts right 91–93% of the time with one validator call per output, "
            "where checking every fact costs 8; a reward model fitted once on few labels steers facts wrong."),
    LabCard("Critique-RL", "critique-rl",
            "Critique-RL (Xi et al., arXiv 2510.24320): two-stage critic training, discriminability then "
            "helpfulness",
            "On the indirect reward alone the critic drifts to calling everything wrong and breaks right answers; "
            "two stages keep its verdicts honest (0.80 vs 0.55) — though here they do not raise final accuracy."),
    LabCard("Agent-R", "agent-r",
            "Agent-R (Yuan et al., arXiv 2501.11425): MCTS-built revision trajectories that splice the first error "
            "onto a correct path",
            "A cloned expert never saw a trap, so in one it loops; trained on revision trajectories the agent backs "
            "out within about 2 steps and succeeds under action noise 0.85 of the time against 0.64."),
    LabCard("Search-R2", "search-r2",
            "Search-R2 (He et al., arXiv 2602.03647): cut a flawed search at its first bad step, regenerate, and "
            "reward the evidence",
            "Outcome-only GRPO pays lucky guesses: 83–89% of its successes come with a broken evidence chain; the "
            "refiner and the evidence reward cut that to a third, with about eight times the grounded answers."),
    LabCard("MMC", "mmc",
            "MMC (Liu et al., arXiv 2504.11009): critique data from sibling branches of a search tree",
            "At its ½ verdict a step critic trained on outcome labels finds the first wrong step 65–68% of the "
            "time, one trained on sibling pairs 97% — though outcome labels rank the steps as well when tuned."),
    LabCard("GoRL", "gorl",
            "GoRL (Zhang et al., arXiv 2512.02581): a Gaussian latent policy and a flow decoder trained on a slower "
            "timescale",
            "Gradients through an 8-step flow sampler diverge in 11–15 of 16 seeds, GoRL's in none; but on this "
            "two-bump bandit its KL to the optimal policy is not lower than the mode-averaging Gaussian's."),
    LabCard("EXPO", "expo",
            "EXPO (Dong et al., arXiv 2507.07986): an imitation-trained flow plus a small Gaussian edit, acting by "
            "max-Q",
            "Q backpropagated through the flow's chain blows up in 7–13 of 16 seeds when its raw sample reaches the "
            "critic; clamped it learns slower than EXPO (0.51–0.61 vs 0.80–0.90), tuned as well. EXPO never diverges."),
    LabCard("PA-RL", "pa-rl",
            "PA-RL (Sobol Mark et al., arXiv 2412.06685): re-rank sampled actions by Q, step them up Q, distill "
            "the best",
            "REINFORCE against a learned Q brings 6–7 of 16 seeds near the optimum, most of the rest stuck on a "
            "decoy; action optimization brings 12–16. The gradient step on actions improves targets, barely the policy."),
    LabCard("GPC", "gpc",
            "GPC (Cao et al., arXiv 2510.01068): a convex combination of two flow policies' velocities, the weight "
            "searched at test time",
            "Two parents trained on demonstrations biased to either side hit the target 41–48% of the time; their "
            "composition at the searched weight 98% — on this easy toy; parents with wrong modes of their own gain little."),
    LabCard("TACO", "taco",
            "TACO (arXiv 2512.02834): sample K action chunks, execute the one a coin-flipping network counts as "
            "most in-distribution",
            "A flow policy's success swings with its sampling noise (0.55–0.58, spread 0.47 over noise seeds); "
            "executing the highest-pseudo-count chunk of 8 gives 0.92–0.96 with spread 0.06–0.09."),
    LabCard("Two-Stage CAC", "two-stage-cac",
            "Two-Stage Constrained Actor-Critic (Cai et al., arXiv 2302.01680): per-signal policies, then the main "
            "reward under KL to them",
            "A summed reward keeps the like and share floors in 0 of 48 seeds at any weight; two stages keep both "
            "in 48 of 48 — at 3% less watch time, not at matched watch time as the paper reports."),
    LabCard("Q-Chunking", "q-chunking",
            "Decoupled Q-Chunking (Li et al., arXiv 2512.10926): a chunk critic, a partial critic distilled "
            "optimistically, short chunks chosen best-of-N",
            "On a 40-state key chain with slip, one-step TD reaches the goal 28–30% of the time and an open-loop "
            "8-step chunk 4–6%; DQC 91–93% — though with four times the training one-step TD gets there too."),
    LabCard("ALOE", "aloe",
            "ALOE (Yang et al., arXiv 2602.12691): chunked, conservative off-policy evaluation of the current policy "
            "from a mixed buffer",
            "A buffer mixing old policies and interventions: its average return ranks the true advantages at "
            "0.47–0.50, ALOE's chunked estimate at 0.65–0.68 — but improvement is steady with either here."),
    LabCard("SRL", "srl",
            "SRL (arXiv 2410.08979): at slow decisions the actor emits J actions, each scored by the critic at a "
            "learned model's predicted state",
            "A double integrator deciding every 8 steps: repeating one action keeps 42–49% of a full-frequency "
            "controller's performance, SRL's sequences 51–71%; its frequency-averaged score 0.59–0.72 vs 0.45–0.49."),
    LabCard("StableWorld", "stableworld",
            "StableWorld (arXiv 2601.15281): a sliding window that keeps consistent early frames and evicts "
            "drifted ones",
            "A model rolled out on its own frames drifts without bound in a plain window (background error "
            "1.36–1.46 at 512 frames); keeping the first consistent frame holds it at 0.10, motion tracked as well."),
    LabCard("FantasyHSI", "fantasyhsi",
            "FantasyHSI (Mu et al., arXiv 2509.01232): a critic that re-plans when motion strays from the path, "
            "and DPO against jerk",
            "A biased motion generator ends 9.2–9.7 segments off its path open loop, 0.23 with the critic loop; DPO "
            "on smooth-versus-jerky pairs cuts jerk 12-fold with displacement kept — if the pairs are its own."),
    LabCard("H-infinity control", "h-infinity-control",
            "H∞ locomotion control (Long et al., arXiv 2404.14405): a disturber whose cost is held under η · force "
            "by a Lagrange multiplier",
            "Against a pendulum balancer, an unconstrained disturber collapses 16 of 16 seeds; under the H∞ "
            "constraint 5–6 — but random pushes give as good a worst case (0.24–0.25 against 0.23–0.24)."),
    LabCard("IWOCS", "iwocs",
            "IWOCS (Zouitine et al., arXiv 2410.06212): a robust MDP solved as a sequence of static problems, "
            "each adding the worst model found",
            "On windy grids with cliffs the calm-trained policy's worst case is 0.10–0.20 below robust value "
            "iteration's; IWOCS is within 0.025 after one iteration and equal to it after two."),
    LabCard("Lipschitz GAIL", "lipschitz-gail",
            "Blondé et al., Lipschitzness is all you need to tame off-policy generative adversarial imitation "
            "learning, arXiv 2006.16785",
            "Without a gradient penalty the discriminator's reward sharpens (input gradient ≈ 50) and 0–1 of 16 "
            "seeds imitate the expert; with it the gradient stays at 1 and 16 of 16 do."),
    LabCard("Causal minimax", "causal-minimax",
            "Liu et al., Which Invariance Should We Transfer? A Causal Minimax Learning Approach, arXiv 2107.01876 "
            "(regression, not RL)",
            "Under a shifted mechanism the whole stable feature set's worst error is 2.3–2.6 and least squares' "
            "6.1–7.2; the causal-minimax subset's 0.64–0.67, in every seed."),
    LabCard("Unstable directions", "unstable-directions",
            "Korkmaz, Understanding and Diagnosing Deep Reinforcement Learning, arXiv 2406.16979 (a diagnostic)",
            "A perturbation of 0.1 changes a standard policy's action in 82–84% of states, an adversarially "
            "trained one's in 51–53%, whose unstable directions are less shared across states and time."),
    LabCard("Optimistic actor-critic", "optimistic-actor-critic",
            "Tan et al., Actor-Critics Can Achieve Optimal Sample Efficiency, arXiv 2505.03710",
            "On a deep sea of depth 10 an on-policy actor-critic never finds the treasure in 600 episodes; with "
            "optimism and rare resets every seed does in 52–73, from offline data in 8–25."),
]


def card_for(title: str) -> LabCard:
    """The card of the lab whose tab is ``title`` (a KeyError names a lab without one)."""
    cards = {card.title: card for card in CARDS}
    if title not in cards:
        raise KeyError(f"the lab {title!r} has no card in widgets/landing.py's CARDS")
    return cards[title]


def card_fields(card: LabCard) -> dict[str, str]:
    """What the page shows of ``card``; ``thumbnail`` is its picture's address on this server, or empty
    when the file is missing."""
    thumbnail = f"{THUMBNAIL_ROUTE}/{card.slug}.png" if card.thumbnail.is_file() else ""
    return dict(title=card.title, slug=card.slug, paper=card.paper, finding=card.finding, thumbnail=thumbnail)


class LabCards(JSComponent):
    """The cards, drawn in the browser from ``cards`` (``card_fields``; every text set as text, never as
    HTML); a card's Open button sends its index, and ``open_lab(index)`` is called. One model for all
    cards: built of Panel panes and buttons, the landing page of eight cards took 0.12 s of the server's
    CPU per page (its model built and serialized), as one model 0.02 s."""

    cards = param.List(item_type=dict)

    def __init__(self, open_lab: Callable[[int], None], **params):
        super().__init__(**params)
        self._open_lab = open_lab  # not a parameter: those go to the page

    _esm = """
    export function render({ model, el }) {
      const grid = document.createElement("div")
      grid.className = "lab-cards"
      model.cards.forEach((card, index) => {
        const box = document.createElement("div")
        box.className = `lab-card lab-card-${card.slug}`
        if (card.thumbnail) {
          const picture = document.createElement("img")
          Object.assign(picture, {className: "lab-card-thumbnail", src: card.thumbnail, width: WIDTH,
                                  height: HEIGHT, alt: `${card.title}: its figure`})
          box.append(picture)
        }
        for (const [tag, name] of [["h3", "title"], ["p", "paper"], ["p", "finding"]]) {
          const part = document.createElement(tag)
          part.className = `lab-card-${name}`
          part.textContent = card[name]
          box.append(part)
        }
        const open = document.createElement("button")
        open.className = "lab-card-open"
        open.textContent = "Open"
        open.addEventListener("click", () => model.send_msg(index))
        box.append(open)
        grid.append(box)
      })
      el.append(grid)
    }
    """.replace("WIDTH", str(THUMBNAIL_SIZE[0])).replace("HEIGHT", str(THUMBNAIL_SIZE[1]))

    _stylesheets = [f"""
    .lab-cards {{ display: flex; flex-wrap: wrap; gap: 12px; }}
    .lab-card {{ width: {CARD_WIDTH}px; box-sizing: border-box; padding: 10px; border: 1px solid #ddd;
                border-radius: 6px; display: flex; flex-direction: column; }}
    .lab-card-title {{ margin: 8px 0 4px; }}
    .lab-card-paper {{ font-style: italic; margin: 0 0 6px; }}
    .lab-card-finding {{ margin: 0 0 10px; flex-grow: 1; }}
    .lab-card-open {{ align-self: flex-start; padding: 6px 20px; border: none; border-radius: 4px;
                     background: #0072b5; color: white; cursor: pointer; }}
    """]

    def _handle_msg(self, index) -> None:
        """A page's Open click: a card's index, or anything a hostile page sent (ignored)."""
        if type(index) is int and 0 <= index < len(self.cards):
            self._open_lab(index)


def landing(titles: list[str], open_lab: Callable[[int], None]) -> pn.Column:
    """The landing page: a short introduction, then the card of each lab in ``titles``, in order; the
    Open button of the ``i``-th calls ``open_lab(i)``. It costs the server almost nothing, so a page
    opens at once (the pictures are files the browser fetches)."""
    cards = LabCards(open_lab, cards=[card_fields(card_for(title)) for title in titles], sizing_mode="stretch_width")
    return pn.Column(
        pn.pane.Markdown("## Stability Lab\nSee an instability happen, turn one knob, watch it go away. Each lab "
                         "runs small trainers on a population of seeds while its figures follow them; open one "
                         "here or from the list on the left."),
        cards, css_classes=["lab-landing"], sizing_mode="stretch_width")
