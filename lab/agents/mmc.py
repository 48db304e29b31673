"""MMC's critique data from a search tree (Liu et al., "MMC: Iterative Refinement of VLM Reasoning via
MCTS-based Multimodal Critique", arXiv 2504.11009), on a toy arithmetic chain.

This is a **data-construction mechanism, not a stabilizer**: nothing here keeps a training run from
diverging; what changes is which labels a critic is trained on, and so what the critic can say.

The toy. A problem is a start value x₀ and L operands a₁…a_L modulo M; the true chain is
x_t = x_{t−1} + a_t (mod M). The actor (fixed, not trained: the paper's pre-trained model) writes the
intermediate results y_t = y_{t−1} + a_t from its *own* previous result, and with probability
``actor_error`` writes a uniformly drawn wrong value instead; an error propagates, so the answer y_L is
wrong unless a later error happens to cancel it. The critic reads the chain and names the first wrong
step or "all right". It is a table of logits per seed, one per step (y_{t−1}, a_t, y_t), σ(z) being
P(the step is right); it names the first step with σ < ``threshold`` (½, the calibrated verdict, by
default), or "all right" when there is none (``named_step``). At test time the actor refines until the
critic is satisfied: for ``rounds`` rounds, a chain the critic flags at step t is regenerated from step t
on (steps before t are kept); a chain it calls right is left alone.

The mechanism (``critique_data``), both built from the same search tree (``search_tree``):
- 'mmc': at each depth, the pair of sibling children (paths that share an ancestor and diverge at the
  next step) whose values V differ most among those writing different steps; the lower-V path's
  divergent step is its first error, the shared prefix and the higher-V path's divergent step are
  right, later steps unlabelled (``mmc_labels``). V can mislead (a wrong step whose rollouts end right by
  a cancelling error; a prefix that already holds an error), so the labels are noisy: ``label_error``
  measures 0.04 of them wrong at the defaults (outcome labels: 0.42).
- 'outcome' (the baseline): every complete path of the tree, each step labelled with the path's final
  answer (right/wrong) — outcome supervision, as an outcome reward model is trained and then used step
  by step. Its σ learns P(the answer ends right | this step), not P(this step is right): where chains
  often fail somewhere, right steps score below ½ too and the critic, at the ½ rule, names an early right
  step. It still *ranks* the steps (every right one above every wrong one: ``step_auroc`` 1.000), so
  a lower threshold (0.3) localises with it as well as with MMC's — the failure is one of calibration.
  Where chains rarely fail (short chains, a reliable actor) that probability stays above ½ and the
  outcome critic localises at ½ as well as MMC's — the failure needs chains that usually go wrong.
Both critics minimise the same binary cross-entropy on their labelled steps (``critique_loss``).

The search (the paper's §3, as summarised): a node is a partial chain; selection takes the child of
highest value V; expansion draws ``children`` next steps from the actor; simulation rolls each child out
``rollouts`` times to the end and V = the fraction of rollouts whose answer is right. Here it is one
depth-first pass (``mmc_tree.py``) — expand the selected node, simulate its children, select the best,
descend — which is MCTS with greedy selection and one expansion per level; the paper's repeated
iterations from the root, visit counts and back-propagation (which re-rank nodes across iterations) are
not built.

Inferred (only the abstract and third-party summaries of the paper were available): the annotator that
writes the critique from a pair is replaced by its result — the first step where the two paths differ —
and the critique text by that step's index; pairing siblings by their values V, which steps a pair labels
(the prefix and the two divergent steps: labelling the right path's whole rollout, whose later steps may
hold errors that cancel, made the critic call wrong steps right), the outcome baseline and its per-step
labels, the decision threshold, and regeneration from the flagged step with the actor's unchanged error
rate (the paper's actor reads the critique text) are this toy's, not the paper's.

What reproduces (tests/agents/test_mmc.py, base seeds 0, 1, 2, 16 seeds each; defaults M 8, L 6, actor
error 0.2, 3 rounds, 100 steps), at the ½ decision rule: MMC's critic names the first wrong step on 0.97
of wrong chains where the outcome-trained critic manages 0.65–0.68, and three refinement rounds raise
accuracy from 0.31 by +0.58 with it against +0.22–0.25 with the outcome critic (16/16 seeds). What does
not: (1) the outcome critic is only miscalibrated — step AUROC 1.000 for both critics; at its best
threshold (0.3, chosen on held-out chains) it localises on 1.00 of wrong chains, and deciding at 0.3 its
refinement gains +0.61 against MMC's +0.58 at ½ (16/16 seeds; MMC at its own best threshold also
localises on 1.00). So "outcome labels cannot locate the bad step" holds only for the ½ verdict.
(2) With a more reliable actor (error 0.1, answers right 0.55 of the time, 60 steps) the outcome critic
localises as well or better even at ½ (1.00 vs 0.93; gain +0.44 vs +0.40) — its many labels then outweigh
MMC's sparser pairs.
"""
from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F

from lab.core import Field, LabConfig, Trainer

from .mmc_tree import LABELS, actor_steps, first_wrong_step, search_tree, step_right

CRITIQUE_DATA = ("outcome", "mmc")


class MMCConfig(LabConfig):
    """A critic of arithmetic chains trained on outcome labels or on MMC's sibling-pair critiques."""

    modulus: int = Field(8, ge=3, le=16, description="M: values and operands are 0…M−1, arithmetic mod M")
    length: int = Field(6, ge=2, le=12, description="L: steps per chain")
    actor_error: float = Field(0.2, gt=0.0, lt=1.0, description="probability the actor writes a wrong value at a step")
    critique_data: Literal[CRITIQUE_DATA] = Field(
        "outcome", description="the critic's training labels: 'outcome' (every step of every searched path "
        "labelled with its final answer) or 'mmc' (MMC: sibling paths from a shared ancestor, one right and "
        "one wrong; the divergent step is the wrong path's first error)")
    train_problems: int = Field(16, ge=1, le=256, description="problems searched per training step and seed")
    children: int = Field(3, ge=2, le=8, description="search: next steps the actor draws at each expanded node")
    rollouts: int = Field(4, ge=1, le=32, description="search: rollouts per child to estimate its value V")
    lr: float = Field(0.1, gt=0.0, le=10.0, description="Adam step size of the critic's logits")
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="the critic's decision rule: it judges a step "
                             "wrong when σ (its P(step right)) is below this; ½ is the calibrated verdict")
    rounds: int = Field(3, ge=1, le=8, description="test time: refinement rounds (critique, then regenerate "
                        "from the flagged step)")
    test_chains: int = Field(64, ge=1, le=4096, description="test chains per step and seed for the metrics")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(100, ge=1, le=100_000, description="training steps (one searched batch each)")

    def memory_parts(self) -> dict[str, float]:
        paths = self.seeds * self.train_problems * self.length * self.children * self.rollouts
        return {"search tree (seeds·train_problems·length²·children·rollouts)": 8.0 * 6 * paths * self.length}


# --- the critic -----------------------------------------------------------------------------------


def cell_index(start: torch.Tensor, operands: torch.Tensor, written: torch.Tensor, modulus: int) -> torch.Tensor:
    """The critic's table row of every step, (y_{t−1}, a_t, y_t) flattened: (..., L) long."""
    before = torch.cat([start.unsqueeze(-1), written[..., :-1]], -1)
    return (before * modulus + operands) * modulus + written


def step_logits(table: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
    """The critic's logit z (σ(z) = P(step right)) of every step: table (S, M³), cells (S, ...) → (S, ...)."""
    return table.gather(1, cells.flatten(1)).view(cells.shape)


def named_step(z: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """The critic's critique of each chain: the first step it judges wrong (σ(z) < ``threshold``), or L
    ("all right") when it judges none wrong. (..., L) → (...,) long."""
    return first_wrong_step(z >= math.log(threshold / (1 - threshold)))


def step_auroc(z: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """The critic's ranking of steps, free of any threshold: the probability that a right step scores above
    a wrong one (ties count ½) over the steps of each seed's chains. z, right (S, ...) → (S,); ½ when a seed
    has no right or no wrong step."""
    z, right = z.flatten(1), right.flatten(1)
    ranked = torch.where(right, z, torch.inf).sort(1).values                   # the right steps' z, ascending
    at_most = torch.searchsorted(ranked, z.contiguous(), right=True)            # right steps with z_right ≤ z
    below = torch.searchsorted(ranked, z.contiguous())                          # right steps with z_right < z
    n_right = right.sum(1, keepdim=True)
    wins = ((n_right - at_most) + 0.5 * (at_most - below)) * ~right             # per wrong step
    count = (n_right * (~right).sum(1, keepdim=True))[:, 0]
    return torch.where(count > 0, wins.sum(1) / count.clamp(min=1), 0.5)


def label_error(start, operands, paths, target, mask, modulus) -> torch.Tensor:
    """How often a training label is wrong (S,): the share of labelled steps whose target (right = 1)
    disagrees with whether the step follows from the one before it."""
    S, P, N, L = paths.shape
    right = step_right(start.view(S, P, 1).expand(S, P, N), operands.view(S, P, 1, L).expand(S, P, N, L),
                       paths, modulus)
    return ((target != right.float()).float() * mask).flatten(1).sum(1) / mask.flatten(1).sum(1).clamp(min=1)


def critique_loss(table, start, operands, paths, target, mask, modulus) -> torch.Tensor:
    """The critic's loss per seed (S,): binary cross-entropy of σ(z) against the labelled steps' targets,
    mean over the seed's labelled steps. On ``mmc_labels`` it is the negative log-likelihood of the pair's
    critique with steps judged independently — the wrong path's P(first error at d) = Π_{s<d} σ_s·(1 − σ_d)
    and the right path's Π_{s≤d} σ_s (the paper fine-tunes its critic on the critique text); the baseline is
    the same loss on ``outcome_labels``."""
    S, P, N, L = paths.shape
    z = step_logits(table, cell_index(start.view(S, P, 1).expand(S, P, N),
                                      operands.view(S, P, 1, L).expand(S, P, N, L), paths, modulus))
    bce = F.binary_cross_entropy_with_logits(z, target, reduction="none") * mask
    return bce.flatten(1).sum(1) / mask.flatten(1).sum(1).clamp(min=1)


# --- the trainer ----------------------------------------------------------------------------------


class MMCTrainer(Trainer):
    """``seeds`` critics, one per seed, each trained on its own searched problems; every step also refines
    fresh test chains with each seed's critic."""

    Config = MMCConfig

    def __init__(self, config: MMCConfig, device=None):
        super().__init__(config, device)
        c = config
        self.table = torch.zeros(c.seeds, c.modulus ** 3, device=self.device, requires_grad=True)
        self.optimizer = torch.optim.Adam([self.table], lr=c.lr)

    @property
    def population(self) -> int:
        return self.config.seeds

    def problems_batch(self, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``count`` problems per seed: start values (S, count) and operands (S, count, L)."""
        c, g = self.config, self.generator
        start = torch.randint(c.modulus, (c.seeds, count), generator=g, device=self.device)
        return start, torch.randint(c.modulus, (c.seeds, count, c.length), generator=g, device=self.device)

    def step(self) -> dict[str, torch.Tensor]:
        """One searched batch and one Adam step of every seed's critic, then the test metrics (seeds,) each:
        accuracy (the answers right after ``rounds`` refinement rounds: the headline), gain (that minus the
        actor's accuracy before refinement), localisation (on chains whose answer is wrong, how often the
        critic names their first wrong step at ``threshold``; 0 when no test chain is wrong),
        verdict_accuracy (how often "all right" vs "wrong" matches the answer), step_auroc (threshold-free:
        how often the critic scores a right step above a wrong one), accuracy_r0 … accuracy_rR (after each
        round), critic_loss and label_error (the share of this step's training labels that are wrong)."""
        c, g = self.config, self.generator
        start, operands = self.problems_batch(c.train_problems)
        chains, ends_right, _ = search_tree(start, operands, c.actor_error, c.modulus, c.children, c.rollouts, g)
        paths, target, mask = LABELS[c.critique_data](chains, ends_right)
        loss = critique_loss(self.table, start, operands, paths, target, mask, c.modulus)
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.optimizer.step()
        with torch.no_grad():
            noise = label_error(start, operands, paths, target, mask, c.modulus)
            return {**self.evaluate(), "critic_loss": loss.detach(), "label_error": noise}

    def logits(self, start, operands, written) -> torch.Tensor:
        """The critic's z of every step of the chains (S, ..., L)."""
        return step_logits(self.table, cell_index(start, operands, written, self.config.modulus))

    def critique(self, start, operands, written, threshold: float | None = None) -> torch.Tensor:
        """The critic's answer for each chain: the first wrong step's index, or L for "all right"."""
        return named_step(self.logits(start, operands, written), threshold or self.config.threshold)

    def localisation_by_threshold(self, thresholds, count: int, generator: torch.Generator) -> torch.Tensor:
        """A diagnostic, outside training: localisation (as in ``step``) of the critic as it stands on ``count``
        fresh chains per seed drawn from ``generator``, at each decision threshold: (thresholds, S)."""
        c = self.config
        start = torch.randint(c.modulus, (c.seeds, count), generator=generator, device=self.device)
        operands = torch.randint(c.modulus, (c.seeds, count, c.length), generator=generator, device=self.device)
        written = actor_steps(start, operands, c.actor_error, c.modulus, generator)
        wrong = (written[..., -1] != (start + operands.sum(-1)) % c.modulus).float()
        first = first_wrong_step(step_right(start, operands, written, c.modulus))
        with torch.no_grad():
            located = [(self.critique(start, operands, written, t) == first).float() for t in thresholds]
        return torch.stack([(hit * wrong).sum(1) / wrong.sum(1).clamp(min=1) for hit in located])

    def evaluate(self) -> dict[str, torch.Tensor]:
        """Fresh test chains of the actor, critiqued and refined ``rounds`` times (see ``step``)."""
        c, g = self.config, self.generator
        start, operands = self.problems_batch(c.test_chains)
        truth = (start + operands.sum(-1)) % c.modulus
        written = actor_steps(start, operands, c.actor_error, c.modulus, g)
        z = self.logits(start, operands, written)
        answer = named_step(z, c.threshold)
        right_steps = step_right(start, operands, written, c.modulus)
        wrong = written[..., -1] != truth
        located = answer == first_wrong_step(right_steps)
        metrics = {"localisation": (located & wrong).float().sum(1) / wrong.float().sum(1).clamp(min=1),
                   "verdict_accuracy": ((answer == c.length) != wrong).float().mean(1),
                   "step_auroc": step_auroc(z, right_steps)}
        accuracy = [(~wrong).float().mean(1)]
        position = torch.arange(c.length, device=self.device)
        for _ in range(c.rounds):
            # Refinement: regenerate from the flagged step t on; a chain called "all right" (t = L) is kept.
            redo = position >= answer.unsqueeze(-1)
            written = regenerate(start, operands, written, redo, c.actor_error, c.modulus, g)
            answer = self.critique(start, operands, written)
            accuracy.append((written[..., -1] == truth).float().mean(1))
        metrics = {"accuracy": accuracy[-1], "gain": accuracy[-1] - accuracy[0], **metrics}
        return {**metrics, **{f"accuracy_r{r}": a for r, a in enumerate(accuracy)}}


def regenerate(start, operands, written, redo, error, modulus, generator) -> torch.Tensor:
    """The chains with the steps where ``redo`` (from the flagged step on) rewritten by the actor, each from
    the step before it as it stands."""
    steps, value = [], start
    for t in range(operands.shape[-1]):
        again = actor_steps(value, operands[..., t:t + 1], error, modulus, generator)[..., 0]
        value = torch.where(redo[..., t], again, written[..., t])
        steps.append(value)
    return torch.stack(steps, -1)
