"""Search-R2 (He et al., "Enhancing Search-Integrated Reasoning via Actor-Refiner Collaboration", arXiv
2602.03647) on a multi-hop query chain: a Meta-Refiner that cuts a flawed trajectory at its earliest bad
step and regenerates the suffix, and a reward that adds dense credit for retrieved evidence to the outcome.

**The toy.** Each task (the prompt) is a question with a hidden chain of H correct queries, one per hop,
among ``vocab`` possible queries, and a hidden answer. The agent writes H query tokens, then an answer
token (the lab's token policy, ``lab.llmrl.policy``). Hop h retrieves its evidence only when its query is
the chain's and every earlier hop retrieved its own: one wrong early query derails the chain, later hops
find nothing whatever they ask. With the whole chain retrieved, the answer is correct when the answer
token is the task's answer; with the chain broken the agent can only guess, and a guess is right with
probability ``luck`` — a lucky guess, correct but useless (its searches found nothing).

**The failure.** Outcome-only GRPO (``method`` 'grpo') pays a lucky guess exactly as a grounded answer, so
early on almost every success is a lucky guess made with useless searches, and those searches are what
the update reinforces: the signal for the right first query is a few percent of the reward's noise.

**The mechanism** (``method`` 'search_r2'), each part switchable:
- the hybrid reward R = 1[correct] + w · (evidence hops retrieved)/H (``process_weight`` w; 0 = off);
- the Meta-Refiner (``trimmer``): a discriminator flags a trajectory whose chain broke (with probability
  ``detect_prob``), the trimmer cuts it at the first hop without evidence and regenerates only the suffix
  (the queries from there and the answer) from π_old; the repaired trajectory replaces the original in
  its GRPO group.

The default ``luck`` 0.2 is below chance: a whole chain with a random answer pays 1/``vocab`` = 0.25, so
finding the chain pays more than breaking it: the failure is not guesses paying more than the chain, but their
paying almost as much, so their noise drowns the signal of a right query.

What reproduces (tests/agents/test_search_r2.py: defaults, 200 steps, base seeds 0–2, 24 seeds each): GRPO's
failure happens — 0.83–0.89 of its successes over the run are lucky guesses with a broken chain (0.68–0.83 at
the end), grounded success 0.07–0.13 after 200 steps. Search-R2 cuts the lucky share of the successes by the end
(0.68–0.83 → 0.08–0.14), the correct-but-useless episodes (0.17–0.19 → 0.04–0.07; a guess stays possible
whenever a chain breaks) and learns grounded answers sooner (mean over the run 0.04–0.06 → 0.41–0.48). Each part
alone helps less: the process reward alone 0.20–0.25, the trimmer alone 0.11–0.16. How much of GRPO's failure
is the lucky guesses: at ``luck`` 0 (none) GRPO reaches 0.29–0.31 over the run, 4.7–7.8× its 0.04–0.06 at 0.2 —
0.23–0.27 of its 0.37–0.42 gap to Search-R2 — and stays below Search-R2 (0.41–0.48 at 0.2, 0.58–0.61 at 0): the
rest is the sparse outcome reward, which the process reward and the trimmer also make denser.

Inferred (only the abstract and summaries were readable; no code): the reward's exact form and weight
(here additive, as the brief states it; the paper may gate it by correctness); the discriminator and
trimmer are the toy's exact flaw check, not models trained jointly with the actor as in the paper; one
regeneration per flagged trajectory. Success is measured on the actor's own rollouts before any repair.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.agents.advantages import outcome
from lab.agents.tasks import grouped_tasks
from lab.agents.trainer import ascend, step_log_probs
from lab.core import Field, LabConfig, Trainer
from lab.llmrl import policy
from lab.llmrl.objectives import grpo as clipped_surrogate
from lab.llmrl.trainer import seed_mean


class SearchR2Config(LabConfig):
    """Token agents searching a multi-hop chain, outcome-only GRPO or Search-R2; a population of seeds."""

    method: Literal["grpo", "search_r2"] = Field(
        "grpo", description="'grpo' (outcome-only reward, no refiner) or 'search_r2' (the hybrid reward and the "
        "Meta-Refiner's cut-and-regenerate, each switchable below)")
    process_weight: float = Field(0.5, ge=0.0, le=10.0, description="search_r2: weight w of the dense process "
                                  "reward (fraction of hops whose evidence was retrieved); 0 turns it off")
    trimmer: bool = Field(True, description="search_r2: cut a flagged trajectory at its first hop without "
                          "evidence and regenerate only the suffix")
    detect_prob: float = Field(1.0, ge=0.0, le=1.0, description="search_r2 with trimmer: probability the "
                               "discriminator flags a trajectory whose evidence chain broke")
    hops: int = Field(3, ge=1, le=6, description="hops H: queries before the answer")
    vocab: int = Field(4, ge=2, le=16, description="queries to choose from at each hop (and answers)")
    luck: float = Field(0.2, ge=0.0, le=1.0, description="probability a guess without the full evidence is "
                       "correct (below 1/vocab: a whole chain with a random answer pays more)")
    tasks: int = Field(4, ge=1, le=16, description="questions (the prompt says which)")
    task_seed: int = Field(0, ge=0, le=2**31 - 1, description="draws every question's chain and answer")
    embed: int = Field(16, ge=4, le=128, description="embedding width")
    hidden: int = Field(32, ge=4, le=256, description="hidden units of the policy's MLP")
    batch_tasks: int = Field(4, ge=1, le=64, description="questions per rollout batch")
    group: int = Field(8, ge=2, le=64, description="episodes per question (the group G)")
    epochs: int = Field(1, ge=1, le=16, description="optimizer steps on each rollout batch")
    lr: float = Field(1e-2, gt=0.0, le=1.0, description="Adam step size of the policy")
    clip_eps: float = Field(0.2, gt=0.0, le=10.0, description="GRPO's token ratio clip ε")
    seeds: int = Field(8, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(100, ge=1, le=100_000, description="training steps (rollout batches)")

    def problems(self) -> list[str]:
        found = []
        if self.batch_tasks > self.tasks:
            found.append(f"'batch_tasks' = {self.batch_tasks} must be at most 'tasks' = {self.tasks}")
        return found


class Chain:
    """The questions: each a hidden chain of correct queries (tasks, H) and a hidden answer (tasks,)."""

    def __init__(self, tasks: int, hops: int, vocab: int, luck: float, task_seed: int, device: torch.device):
        g = torch.Generator().manual_seed(task_seed)
        self.queries = torch.randint(vocab, (tasks, hops), generator=g).to(device)
        self.answers = torch.randint(vocab, (tasks,), generator=g).to(device)
        self.hops, self.luck = hops, luck

    def evidence(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """1 where hop h retrieved its evidence — its query and every earlier one on the chain: (S, B, H)."""
        right = (tokens[..., :self.hops] == self.queries[prompts]).long()
        return torch.cumprod(right, -1)

    def outcome(self, prompts, tokens, evidence, generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Grounded (the whole chain and the right answer) and correct (grounded, or a lucky guess with the
        chain broken, drawn with probability ``luck``): (S, B) floats."""
        chained = evidence[..., -1].float()
        grounded = chained * (tokens[..., self.hops] == self.answers[prompts]).float()
        lucky = (torch.rand(prompts.shape, generator=generator, device=prompts.device) < self.luck).float()
        return grounded, grounded + (1 - chained) * lucky


def hybrid_reward(correct: torch.Tensor, evidence: torch.Tensor, weight: float) -> torch.Tensor:
    """Search-R2's hybrid reward (arXiv 2602.03647, §3, "couples outcome correctness with a dense process
    reward quantifying the information density of retrieved evidence"): here

        R = 1[correct] + w · (1/H) Σ_h 1[hop h retrieved its evidence].

    Inferred: the additive form and w (the paper's exact coupling was not readable). (S, B)."""
    return correct + weight * evidence.float().mean(-1)


def first_flaw(evidence: torch.Tensor) -> torch.Tensor:
    """The trimmer's cut: the earliest hop without evidence (H when the chain is whole): (S, B)."""
    return evidence.sum(-1)


@torch.no_grad()
def regenerate(w: policy.Weights, prompts: torch.Tensor, tokens: torch.Tensor, cut: torch.Tensor,
               generator: torch.Generator) -> torch.Tensor:
    """Search-R2's cut-and-regenerate (arXiv 2602.03647, Meta-Refiner): keep positions < ``cut`` (S, B) and
    sample every later position afresh from ``w``'s policy given the kept prefix (``policy.sample``'s
    ``keep``). A cut at the length keeps the trajectory whole."""
    return policy.sample(w, prompts, tokens.shape[-1], lambda z: z, generator, keep=(tokens, cut))[0]


class SearchR2Trainer(Trainer):
    """``seeds`` independent search agents; one step = one rollout batch (refined under 'search_r2') and
    ``epochs`` GRPO updates."""

    Config = SearchR2Config

    def __init__(self, config: SearchR2Config, device=None):
        super().__init__(config, device)
        c = config
        self.chain = Chain(c.tasks, c.hops, c.vocab, c.luck, c.task_seed, self.device)
        self.weights = policy.init_weights(c.seeds, c.tasks, c.vocab, c.hops + 1, c.embed, c.hidden,
                                           self.generator, self.device)
        self.params = list(self.weights.values())
        self.optimizer = torch.optim.Adam(self.params, lr=c.lr)

    @property
    def population(self) -> int:
        return self.config.seeds

    def draw_tasks(self) -> torch.Tensor:
        """``batch_tasks`` distinct questions per seed, each repeated ``group`` times: (S, B)."""
        c = self.config
        return grouped_tasks(c.seeds, c.tasks, c.batch_tasks, c.group, self.generator, self.device)

    def step(self) -> dict[str, torch.Tensor]:
        """One rollout batch and ``epochs`` updates of every seed; per-seed metrics, (seeds,) each, of the
        actor's own fresh rollouts (before any repair), over the batch's episodes: success (sampled over the
        tokens, expected over the luck draw: grounded plus ``luck`` times the broken chains), grounded (correct
        with the whole evidence chain), correct_useless (sampled: correct with the chain broken, over all
        episodes), useless_share (this batch's ratio: of its correct episodes, the lucky ones; 0 when none is
        correct — a per-step ratio, which the tests and views average over steps, not a ratio of sums), evidence
        (hops retrieved per episode); then regenerated (the fraction the Meta-Refiner cut and regenerated),
        reward (the training reward's mean), clip_frac and grad_norm (the last epoch's)."""
        c, g, chain = self.config, self.generator, self.chain
        old = policy.detached(self.weights)
        prompts = self.draw_tasks()
        tokens, _ = policy.sample(old, prompts, c.hops + 1, lambda z: z, g)
        evidence = chain.evidence(prompts, tokens)
        grounded, correct = chain.outcome(prompts, tokens, evidence, g)
        broken = 1 - evidence[..., -1].float()
        useless = correct * broken
        metrics = {"success": (grounded + broken * c.luck).mean(1), "grounded": grounded.mean(1),
                   "correct_useless": useless.mean(1),
                   "useless_share": useless.sum(1) / correct.sum(1).clamp(min=1),
                   "evidence": evidence.float().sum(-1).mean(1)}
        flagged = torch.zeros_like(broken)
        if c.method == "search_r2" and c.trimmer:
            flagged = broken * (torch.rand(prompts.shape, generator=g, device=self.device) < c.detect_prob).float()
            cut = torch.where(flagged > 0, first_flaw(evidence), c.hops + 1)
            tokens = regenerate(old, prompts, tokens, cut, g)
            evidence = chain.evidence(prompts, tokens)
            _, repaired = chain.outcome(prompts, tokens, evidence, g)
            correct = torch.where(flagged > 0, repaired, correct)
        metrics["regenerated"] = flagged.mean(1)
        weight = c.process_weight if c.method == "search_r2" else 0.0
        reward = hybrid_reward(correct, evidence, weight)
        metrics["reward"] = reward.mean(1)
        adv = outcome(reward, c.group, c.hops + 1)
        log_old, _ = step_log_probs(old, prompts, tokens)
        for _ in range(c.epochs):
            metrics.update(self._update(prompts, tokens, log_old, adv))
        return metrics

    def _update(self, prompts, tokens, log_old, adv) -> dict[str, torch.Tensor]:
        """One Adam step of every seed: GRPO's clipped surrogate (``lab.llmrl.objectives.grpo``)."""
        log_p, _ = step_log_probs(self.weights, prompts, tokens)
        per_step, clipped = clipped_surrogate(log_p - log_old, adv, self.config.clip_eps)
        grad_norm = ascend(per_step, self.params, self.optimizer)
        return {"clip_frac": seed_mean(clipped), "grad_norm": grad_norm}
