"""CM2's checklist rewards (arXiv 2602.12268) on a task of hidden properties judged item by item.

CM2 (Zhang et al., "CM2: Reinforcement Learning with Checklist Rewards for Multi-Turn and Multi-Step
Agentic Tool Use") replaces one open-ended score by a *checklist*: binary, evidence-grounded items
written post hoc from a reference trajectory, each with a weight (Σ_c w_c = 1, Table 1), answered one
by one by an LLM judge. The trajectory-level reward — the paper's final choice — is the weighted sum
of the items' verdicts (Eq. 4, R ∈ [0, 1]), and its advantage is R's deviation from the group mean
(Eq. 5). The principle: "sparse in assignment, dense in criteria".

The toy. Task p has a hidden reference episode r_p (``tasks.combinations``, fixed by ``task_seed``)
and K = 2·length + length // 2 items, each a property of one or two positions of the episode y (the
item's evidence), read off r_p so that r_p passes them all. Every item is "(y_i − a·y_j) mod V lies in
an allowed set" (a ∈ {0, 1}; a table ``allowed`` (P, K, V)):

- one *hard* item per position i (passed by 1/V of the tokens there): i = 0 and, at random, half
  (``RELATIONS``) of the others are a *match*, y_i = r_i; the rest are a *relation* to one earlier
  position j < i, (y_i − y_j) mod V = (r_i − r_j) mod V. Together they pin down r_p: it is the only
  episode that passes every hard item, so a uniform policy passes the whole checklist with
  probability V^−L (1/4096 at V = 4, L = 6);
- one *coarse* item per position (passed by ⌊V/2⌋/V): y_i lies in a random ⌊V/2⌋ of the tokens that
  holds r_i — partial progress towards the reference (a match when V < 4);
- length // 2 *easy* items (passed by (V − 1)/V): y_i ≠ x at a random position i, x ≠ r_i.

Weights: uniform in [0.5, 1.5), the hard items' times ``HARD_WEIGHT`` = 3, normalised to Σ_c w_c = 1
per task (CM2's example checklists weigh items from 0.05 to 0.45; the items that decide the task
weigh most). With equal weights a hard item was worth ~0.04 at L = 6, below the judge's noise, and
the policy settled on tokens that pass only the coarse and easy items (measured while writing this).

- ``expected_reward``: the TRUE quality the lab reports as 'success' (and ``exact.py`` enumerates):
  1 when every item is truly satisfied, else 0 — noise-free, and not the expectation of the training
  reward (``mean_reward`` is that).
- ``reward``: what training sees, by ``reward``. The judge returns each item's verdict flipped with
  probability ``judge_noise``, independently per item and episode:
  'outcome'   1 iff the judge passes every item (an all-or-nothing verifier, noisy as the judge);
  'holistic'  the fraction of items truly met + N(0, holistic_noise²): one noisy overall score;
  'checklist' CM2's Eq. 4 with one turn: Σ_c w_c · verdict_c.
  All randomness comes from the generator passed in; nothing is read back to the host.
- ``states``: before step t, (t, the verdicts of the items already decided — those whose positions
  are all < t — and the tokens y_s, s < t, that an undecided item still reads). This is the exact
  Markov state of every reward mode: two prefixes with the same state have the same futures.

Simplified or inferred (CM2 has turns, strictness, dependencies and per-step judging):
- one turn, judged once at the end. Eq. 2's "first flip" of an item over the steps of a turn, and the
  authors' code's OR over steps, both reduce to the final verdict for properties of the finished
  episode; there is no per-step judging and no step- or turn-level assignment (Eqs. 3, 6–10), so
  Eq. 4's 1/L^(i) is 1;
- no strict items and no early termination (CM2 ends a rollout when a strict item fails at a turn's
  end: left out); no dependencies between items (Eq. 1) — the authors' trajectory-level code does not
  check them either. A relation item couples two positions, which is the nearest thing here;
- the judge's noise is a symmetric, independent flip per item: our model of an LLM judge's errors;
- the advantage is the trainer's (GRPO's group normalisation, (r − mean)/std), not Eq. 5 with
  F_norm = 1 (App. .3: CM2 does not divide by the group's std);
- 'holistic' stands for the single open-ended score CM2 argues against: our model of it is the
  unweighted fraction of items met (judged without item noise) plus one Gaussian noise.
"""
from __future__ import annotations

import torch

from .tasks import Task, combinations

REWARD_MODES = ("outcome", "holistic", "checklist")


def item_values(tokens: torch.Tensor, first: torch.Tensor, second: torch.Tensor, coefficient: torch.Tensor,
                vocab: int) -> torch.Tensor:
    """(y_i − a·y_j) mod V of every item: tokens (..., L) and the items' i, j, a (..., K) → (..., K)."""
    return (tokens.gather(-1, first) - coefficient * tokens.gather(-1, second)) % vocab


def one_hot(index: torch.Tensor, vocab: int) -> torch.Tensor:
    """index (...) → (..., V) booleans, True at the index."""
    return index.unsqueeze(-1) == torch.arange(vocab, device=index.device)


class Checklist(Task):
    """Episodes that must satisfy hidden properties; a noisy judge scores each item."""

    RELATIONS = 0.5          # the chance that a hard item after the first is a relation rather than a match
    HARD_WEIGHT = 3.0        # the hard items' weight relative to the coarse and easy ones (before normalising)

    def __init__(self, vocab: int, length: int, tasks: int, task_seed: int, reward: str, judge_noise: float,
                 holistic_noise: float, device: torch.device):
        super().__init__(vocab, length, tasks, device)
        if reward not in REWARD_MODES:
            raise ValueError(f"reward must be one of {REWARD_MODES}, got {reward!r}")
        self.mode, self.judge_noise, self.holistic_noise = reward, judge_noise, holistic_noise
        P, L, V = tasks, length, vocab
        self.reference = combinations(P, V, L, task_seed, torch.device("cpu"))           # r_p, (P, L)
        r = self.reference
        g = torch.Generator().manual_seed(task_seed + 1)
        # Hard items: one per position; a match (a = 0) or a relation to an earlier position j (a = 1).
        hard_i = torch.arange(L).expand(P, L)
        relation = (torch.rand(P, L, generator=g) < self.RELATIONS) & (hard_i > 0)
        hard_j = torch.where(relation, (torch.rand(P, L, generator=g) * hard_i).long(), hard_i)
        hard = one_hot(item_values(r, hard_i, hard_j, relation.long(), V), V)
        # Coarse items: y_i among a random ⌊V/2⌋ of the tokens, r_i one of them.
        C = L
        coarse_i = torch.arange(L).expand(P, L)
        score = torch.rand(P, C, V, generator=g).scatter(-1, r.unsqueeze(-1), -1.0)       # r_i sorts first
        half = torch.argsort(score, -1)[..., :V // 2]
        coarse = torch.zeros(P, C, V, dtype=torch.bool).scatter(-1, half, True)
        # Easy items: y_i ≠ x at a random position, x one of the V − 1 tokens other than r_i.
        E = L // 2
        easy_i = torch.randint(L, (P, E), generator=g)
        easy_x = (r.gather(1, easy_i) + 1 + torch.randint(V - 1, (P, E), generator=g)) % V
        easy = ~one_hot(easy_x, V)
        self.first = torch.cat([hard_i, coarse_i, easy_i], 1)                             # i_c, (P, K)
        self.second = torch.cat([hard_j, coarse_i, easy_i], 1)                            # j_c (= i_c: one position)
        self.coefficient = torch.cat([relation.long(), torch.zeros(P, C + E, dtype=torch.long)], 1)   # a_c
        self.allowed = torch.cat([hard, coarse, easy], 1)                                 # (P, K, V): passing values
        self.items = L + C + E
        weight = (0.5 + torch.rand(P, self.items, generator=g)) * torch.cat(
            [torch.full((L,), float(self.HARD_WEIGHT)), torch.ones(C + E)])
        self.weight = weight / weight.sum(1, keepdim=True)                               # w_c, Σ_c w_c = 1
        self.decided = torch.maximum(self.first, self.second)                            # the step that settles c
        for name in ("reference", "first", "second", "coefficient", "allowed", "weight", "decided"):
            setattr(self, name, getattr(self, name).to(device))

    def satisfied(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Each item's true verdict (..., K) booleans, for tokens (..., L) of tasks prompts (...)."""
        tokens = tokens.long()
        prompts = prompts.expand(tokens.shape[:-1])
        value = item_values(tokens, self.first[prompts], self.second[prompts], self.coefficient[prompts], self.vocab)
        return self.allowed[prompts].gather(-1, value.unsqueeze(-1)).squeeze(-1)

    def expected_reward(self, prompts, tokens):
        """The true quality: 1 when every item is truly satisfied, else 0 (noise-free): (...,)."""
        return self.satisfied(prompts, tokens).all(-1).to(torch.float32)

    def judge(self, prompts, tokens, generator) -> torch.Tensor:
        """The judge's verdicts (..., K): each true verdict flipped with probability ``judge_noise``."""
        sat = self.satisfied(prompts, tokens)
        flip = torch.rand(sat.shape, generator=generator, device=sat.device) < self.judge_noise
        return sat ^ flip

    def reward(self, prompts, tokens, generator):
        """The training reward (...,) by the config's ``reward``: 'outcome', 'holistic' or 'checklist'."""
        if self.mode == "holistic":
            met = self.satisfied(prompts, tokens).to(torch.float32).mean(-1)
            return met + self.holistic_noise * torch.randn(met.shape, generator=generator, device=met.device)
        verdict = self.judge(prompts, tokens, generator).to(torch.float32)
        if self.mode == "outcome":
            return verdict.prod(-1)
        lead = verdict.shape[:-1]
        return (self.weight[prompts.expand(lead)] * verdict).sum(-1)

    def mean_reward(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """E[reward | episode] over the judge's and the score's noise, exactly: (...,). A verdict passes
        with probability p_c = (1 − q) for a met item and q for an unmet one (q = ``judge_noise``):
        'outcome' Π_c p_c, 'checklist' Σ_c w_c p_c, 'holistic' the fraction met."""
        sat = self.satisfied(prompts, tokens).to(torch.float32)
        if self.mode == "holistic":
            return sat.mean(-1)
        q = self.judge_noise
        passes = sat * (1 - q) + (1 - sat) * q
        if self.mode == "outcome":
            return passes.prod(-1)
        return (self.weight[prompts.expand(sat.shape[:-1])] * passes).sum(-1)

    def states(self, prompts, tokens):
        """The state before each step t (..., L): t, the verdicts of the items decided before t (their
        positions all < t) and the tokens y_s, s < t, that an item not yet decided still reads, as

            id = (t · 2^K + Σ_{c decided} sat_c 2^c) · V^L + Σ_{s < t, s read by an undecided item} y_s V^s.
        """
        tokens = tokens.long()
        lead = tokens.shape[:-1]
        prompts = prompts.expand(lead)
        L, V, K = self.length, self.vocab, self.items
        t = torch.arange(L, device=tokens.device)
        sat = self.satisfied(prompts, tokens).long()                                       # (..., K)
        decided = self.decided[prompts].unsqueeze(-2) < t.unsqueeze(-1)                    # (..., L_t, K)
        bits = (sat.unsqueeze(-2) * decided * (1 << torch.arange(K, device=tokens.device))).sum(-1)
        s = torch.arange(L, device=tokens.device)
        reads = ((self.first[prompts].unsqueeze(-1) == s) | (self.second[prompts].unsqueeze(-1) == s))  # (..., K, L_s)
        pending = (~decided).unsqueeze(-1) & reads.unsqueeze(-3)                           # (..., L_t, K, L_s)
        needed = pending.any(-2) & (s < t.unsqueeze(-1))                                  # (..., L_t, L_s)
        code = (needed * tokens.unsqueeze(-2) * V ** s).sum(-1)
        return (t * (1 << K) + bits) * V ** L + code
