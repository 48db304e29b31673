"""RLAC's adversarial critic (Wu, Zhang, Min, Levine, Kumar, "RLAC: Reinforcement Learning with Adversarial
Critic for Free-Form Generation Tasks", arXiv 2511.01758) on a toy of K binary facts against a hidden truth.

The paper. An output must satisfy every rubric item c of its prompt x; "satisfies all" is a minimum over
items, so the training objective is the game

    max_π  min_{π_c}  E_{x, y ~ π(·|x), c ~ π_c(·|x, y)} [ v(x, y, c) ],                      (RLAC's min–max)

v ∈ {0, 1} an external validator's verdict on the single check c. The critic π_c proposes the check most
likely to fail; the validator tests only that one; the critic is rewarded when it fails (1 − v), the
generator when it passes (v); both are trained. Baselines it is compared with: enumerative verification
(every item checked, many validator calls per output), a reward model (cheap, exploitable) and a fixed
critic.

The toy. P prompts, each with a hidden truth of K bits (``tasks.combinations`` with vocabulary 2, fixed by
``task_seed``). The generator of each seed is a table of logits θ (S, P, K): fact k of an output is 1 with
probability σ(θ_pk), independently (initial logits ~ N(0, init_std²), drawn per seed). The validator checks
one fact per call: v = [y_k = t_k]. Each step every prompt gets ``group`` outputs; the generator is
updated by REINFORCE with GRPO's group-normalised advantage (``advantages.group_normalised``), one Adam step. The
switch ``critic`` picks what the generator is rewarded with:

- 'frozen_rm' (default, the failure): a reward model r(y) = w·f(y) over the facts' signs s = 2y − 1, their
  pairwise products s_j·s_k and a constant (``rm_features``), fitted once by ridge regression on
  ``rm_samples`` outputs per prompt of the seed's initial generator, labelled with the fraction of facts
  right (``rm_samples``·K validator calls up front, none during training), then frozen. Few labels for
  its 37 weights (at K = 8) leave some facts' weights with the wrong sign and spurious pair terms: the
  model is under-fitted / mis-specified, and the generator, climbing its score, is steered to state those
  facts confidently wrong while the all-facts-right probability stays near 0;
- 'fixed': a critic that always checks the same facts 0 … ``checks``−1; reward 1 when all of them pass
  (``checks`` calls per output). Those facts are learned, the rest stay where they started;
- 'all': every fact checked, reward = fraction right (K calls per output: enumerative verification);
- 'rlac': the paper's game. The critic of each seed is a table of logits φ (S, P, K, 2): it sees the
  prompt and the output and picks fact k with probability softmax_k φ[p, k, y_k] — "fact k said as y_k
  looks wrong here". Being a table per prompt, it can memorise each prompt's hidden truth (an answer-key
  lookup); the toy does not ask the critic to generalise to unseen prompts. One call per output.
  Generator reward v, critic reward 1 − v, each with GRPO's group-normalised advantage over the prompt's
  ``group`` outputs; the critic has its own Adam (critic_lr);
- 'random': the same single check, drawn uniformly by a critic that is never trained (the ablation: is it
  the adversary, or only the one-fact reward, that helps?).

Metrics per seed per step (``RlacTrainer.step``): accuracy — the exact probability that all K facts are
right, mean over prompts, Π_k q_pk with q_pk = σ(±θ_pk) the chance fact k is right — then fact_accuracy
(mean q_pk), reward (the batch mean of what the generator is trained on), gap (reward minus what the
reward claims to measure: the per-fact accuracy for the fraction rewards 'frozen_rm' and 'all', the
all-facts accuracy for the pass/fail verdicts 'fixed', 'random' and 'rlac'; > 0 is a reward that
overstates its target), steered_wrong (the fraction of (prompt, fact) pairs pushed below their initial
right probability to under 0.1), calls (validator calls per output during training, the config's
constant) and missed (the fraction of outputs that have a wrong fact and pass the verification; the
reward model checks nothing, so for it every wrong output is missed).

What reproduces (tests/agents/test_rlac.py; the defaults — K = 8, 4 prompts, group 8, 300 steps — 24 seeds,
base seeds 0, 1, 2; exact all-facts accuracy at the end): RLAC 0.91–0.93 with one validator call per
output (per fact 0.98–0.99), its pass/fail reward tracking P(all right) (gap ≈ 0); the fixed critic 0.02
(its two facts learned, the other six left at their initial odds; its pass verdict overstates P(all right)
by 0.97); checking all 8 facts 0.95 at 8 calls; an untrained critic checking one random fact 0.68. RLAC
needs more steps than checking every fact but reaches all-facts accuracy 0.8 on 5.0–5.1× fewer validator
calls at K = 8 and 4.5–4.7× at K = 16 (the paper: "up to around 5–6× fewer checks"; here the saving does
not grow with K). The frozen reward model at its default budget (8 outputs per prompt, 64 calls up
front, 37× fewer than RLAC's 2400) ends at 0.04–0.07 — NOT hacked (its score stays 0.02–0.04 below the
per-fact accuracy it predicts) but mis-specified: it steers 23–24% of the facts to confidently wrong.
At matched validator calls RLAC has no advantage: a reward model fitted on the labels RLAC spends to
reach 0.8 (≈ 1700 calls per prompt) ends at 0.915–0.954, on RLAC's whole 2400 at 0.935–0.954 (RLAC:
0.91–0.93) — the truth is linear in the facts, so with enough labels there is nothing to mis-specify.

Inferred (only the abstract, the project page and the authors' summary thread were available to us):
the min–max objective above is the authors' stated formulation (its equation number unknown to us);
the update rule — REINFORCE with group-normalised advantages for both players, simultaneous updates —
is ours (the authors say the cycle "can work with any online or offline RL algorithm"); the critic's
form (a table over (prompt, fact, said value)), the reward model's form (linear and pairwise terms,
ridge, labelled by the fraction of facts right on the initial policy's outputs), the enumerative
baseline's reward (the fraction of facts right, not their minimum, which is too sparse at K = 8) and the fixed critic's rule (all its checks
must pass) are our toy's.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer

from .advantages import group_normalised
from .tasks import combinations, sample_from

CRITICS = ("frozen_rm", "fixed", "all", "random", "rlac")
FRACTION_REWARDS = ("frozen_rm", "all")   # rewards that score the fraction of facts right; the rest are pass/fail
CONFIDENTLY_WRONG = 0.1                   # 'steered_wrong': a fact right with less than this probability


class RlacConfig(LabConfig):
    """A generator of K binary facts per prompt, rewarded by a frozen reward model, a fixed critic, every
    fact checked, or RLAC's trained adversarial critic; a population of seeds trained at once."""

    critic: Literal[CRITICS] = Field(
        "frozen_rm", description="what rewards the generator: 'frozen_rm' (a reward model fitted once on the "
        "initial outputs, then frozen), 'fixed' (always the same `checks` facts validated), 'all' (every fact "
        "validated: K calls), 'random' (one fact drawn uniformly is validated: RLAC's game without training the "
        "critic) or 'rlac' (a trained critic picks the one fact to validate)")
    facts: int = Field(8, ge=1, le=32, description="K: binary facts per output")
    tasks: int = Field(4, ge=1, le=64, description="prompts, each with its own hidden truth")
    task_seed: int = Field(0, ge=0, le=2**31 - 1, description="draws the hidden truths")
    group: int = Field(8, ge=2, le=256, description="outputs per prompt per step (the group G)")
    init_std: float = Field(1.0, ge=0.0, le=10.0, description="std of the generator's initial logits")
    lr: float = Field(0.05, gt=0.0, le=10.0, description="Adam step size of the generator")
    critic_lr: float = Field(0.05, gt=0.0, le=10.0, description="'rlac': Adam step size of the critic")
    checks: int = Field(2, ge=1, le=32, description="'fixed': how many facts (the first ones) it always checks")
    rm_samples: int = Field(8, ge=2, le=4096, description="'frozen_rm': outputs per prompt of the initial "
                            "generator labelled (K validator calls each) to fit the reward model")
    rm_ridge: float = Field(1.0, gt=0.0, le=1000.0, description="'frozen_rm': ridge penalty of the fit")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(300, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.checks > self.facts:
            found.append(f"'checks' = {self.checks} must be at most 'facts' = {self.facts}")
        return found


# --- the pieces ------------------------------------------------------------------------------------


def right_probability(logits: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """q = P(fact right) per fact: σ(θ) where the truth is 1, σ(−θ) where it is 0. (S, P, K) → (S, P, K)."""
    return torch.sigmoid(torch.where(truth.bool(), logits, -logits))


def rm_features(outputs: torch.Tensor) -> torch.Tensor:
    """The reward model's features of outputs (..., K) in {0, 1}: the signs s = 2y − 1 of every fact, the
    products s_j·s_k of every pair j < k, and a constant 1: (..., K + K(K−1)/2 + 1)."""
    s = 2.0 * outputs - 1.0
    K = s.shape[-1]
    j, k = torch.triu_indices(K, K, offset=1, device=s.device)
    return torch.cat([s, s[..., j] * s[..., k], torch.ones_like(s[..., :1])], -1)


def fit_reward_model(features: torch.Tensor, labels: torch.Tensor, ridge: float) -> torch.Tensor:
    """Ridge regression of labels on features (S, P, N, F) whose last is the constant: labels (S, P, N) →
    weights (S, P, F); w = (XᵀX + λD)⁻¹ Xᵀ y per seed and prompt, D = diag(1, …, 1, 0) (no penalty on the bias)."""
    x = features
    penalty = torch.ones(x.shape[-1], dtype=x.dtype, device=x.device)
    penalty[-1] = 0.0
    gram = x.transpose(-1, -2) @ x + ridge * torch.diag(penalty)
    return torch.linalg.solve(gram, (x.transpose(-1, -2) @ labels.unsqueeze(-1))).squeeze(-1)


def reward_model_score(weights: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    """r(y) = w·f(y): weights (S, P, F), outputs (S, P, G, K) → (S, P, G)."""
    return (rm_features(outputs) * weights.unsqueeze(2)).sum(-1)


def critic_logits(critic: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    """The critic's logit of checking fact k of output y: φ[p, k, y_k]. critic (S, P, K, 2), outputs
    (S, P, G, K) → (S, P, G, K)."""
    table = critic.unsqueeze(2).expand(-1, -1, outputs.shape[2], -1, -1)
    return table.gather(-1, outputs.long().unsqueeze(-1)).squeeze(-1)


def game_rewards(right: torch.Tensor, check: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """RLAC's rewards (arXiv 2511.01758, the min–max objective max_π min_{π_c} E[v(x, y, c)]): the validator's
    verdict v = [fact c is right] on the critic's single check c; the generator gets v, the critic 1 − v.
    right (..., K) booleans, check (...) fact indices → (generator reward, critic reward), (...) each."""
    v = right.gather(-1, check.unsqueeze(-1)).squeeze(-1).to(torch.float32)
    return v, 1.0 - v


# --- the trainer -----------------------------------------------------------------------------------


class RlacTrainer(Trainer):
    """``seeds`` independent generators (and, for 'rlac', critics); one step = ``group`` outputs per prompt,
    the chosen verification, one Adam step of each player."""

    Config = RlacConfig

    def __init__(self, config: RlacConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.truth = combinations(c.tasks, 2, c.facts, c.task_seed, dev).to(torch.float32)       # t (P, K)
        self.logits = (c.init_std * torch.randn(c.seeds, c.tasks, c.facts, generator=g, device=dev)).requires_grad_()
        self.optimizer = torch.optim.Adam([self.logits], lr=c.lr)
        self.critic = torch.zeros(c.seeds, c.tasks, c.facts, 2, device=dev, requires_grad=True)  # φ, uniform
        self.critic_optimizer = torch.optim.Adam([self.critic], lr=c.critic_lr)
        self.initial_right = right_probability(self.logits.detach(), self.truth)                 # q at step 0
        self.rm = self._fit_reward_model() if c.critic == "frozen_rm" else None
        self.calls_per_output = {"frozen_rm": 0, "fixed": c.checks, "all": c.facts, "random": 1, "rlac": 1}[c.critic]

    @property
    def population(self) -> int:
        return self.config.seeds

    def sample(self, n: int) -> torch.Tensor:
        """n outputs per prompt of the current generator: (S, P, n, K) in {0, 1}."""
        p = torch.sigmoid(self.logits.detach()).unsqueeze(2).expand(-1, -1, n, -1)
        return (torch.rand(p.shape, generator=self.generator, device=self.device) < p).to(torch.float32)

    def _fit_reward_model(self) -> torch.Tensor:
        """The reward model, fitted once on the initial generator's outputs labelled with their fraction of
        facts right (``rm_samples``·K validator calls per prompt), then frozen: weights (S, P, F)."""
        outputs = self.sample(self.config.rm_samples)
        labels = (outputs == self.truth[:, None]).to(torch.float32).mean(-1)
        return fit_reward_model(rm_features(outputs), labels, self.config.rm_ridge)

    def verify(self, outputs: torch.Tensor, right: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The chosen verification of outputs (S, P, G, K), ``right`` their facts' correctness: the generator's
        reward, the critic's reward, the critic's log-probability of its check (both 0 unless a critic
        picks the check) and whether the checks found a wrong fact (0 for the reward model: it checks none);
        (S, P, G) each."""
        c = self.config
        none = torch.zeros_like(outputs[..., 0])
        if c.critic == "frozen_rm":
            return reward_model_score(self.rm, outputs), none, none, none
        if c.critic == "all":
            return right.mean(-1), none, none, 1.0 - right.prod(-1)
        if c.critic == "fixed":
            passed = right[..., :c.checks].prod(-1)
            return passed, none, none, 1.0 - passed
        log_p = torch.log_softmax(critic_logits(self.critic, outputs), -1)                   # (S, P, G, K)
        u = torch.rand(log_p.shape[:-1], generator=self.generator, device=self.device).unsqueeze(-1)
        check = sample_from(log_p.detach().exp(), u).squeeze(-1)                               # c ~ π_c(·|x, y)
        reward, critic_reward = game_rewards(right.bool(), check)
        return reward, critic_reward, log_p.gather(-1, check.unsqueeze(-1)).squeeze(-1), 1.0 - reward

    def step(self) -> dict[str, torch.Tensor]:
        """One batch and one update of every seed; per-seed metrics (seeds,): accuracy (exact P(all facts
        right) before the update, the headline), fact_accuracy, reward, gap (reward − what the reward claims to
        measure: fact_accuracy for the fraction rewards, accuracy for the pass/fail ones), steered_wrong (the
        fraction of (prompt, fact) pairs pushed below their initial right probability to under
        ``CONFIDENTLY_WRONG``), calls (per
        output, the config's constant) and missed (the fraction of outputs with a wrong fact that the
        verification passed)."""
        c = self.config
        q = right_probability(self.logits.detach(), self.truth)
        accuracy, fact_accuracy = q.prod(-1).mean(-1), q.mean((1, 2))
        outputs = self.sample(c.group)                                                         # (S, P, G, K)
        right = (outputs == self.truth[:, None]).to(torch.float32)
        reward, critic_reward, check_log_p, found = self.verify(outputs, right)
        S, P, G, K = outputs.shape
        log_p = -torch.nn.functional.binary_cross_entropy_with_logits(
            self.logits.unsqueeze(2).expand(-1, -1, G, -1), outputs, reduction="none").sum(-1)  # log π(y|x)
        # RLAC's game (arXiv 2511.01758, max_π min_{π_c} E[v(x, y, c)]): both players by REINFORCE with GRPO's
        # group-normalised advantages over each prompt's G outputs — the generator on v (or a baseline's
        # reward), the critic on 1 − v (zero, so no gradient, when no critic picks the check). Inferred rule.
        advantage = group_normalised(reward.view(S, P * G), G).view(S, P, G)
        critic_advantage = group_normalised(critic_reward.view(S, P * G), G).view(S, P, G)
        loss = -(advantage * log_p).mean((1, 2)).sum() - (critic_advantage * check_log_p).mean((1, 2)).sum()
        self.optimizer.zero_grad(set_to_none=True)
        self.critic_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if c.critic == "rlac":                          # 'random' keeps its uniform critic
            self.critic_optimizer.step()
        missed = ((1.0 - right.prod(-1)) * (1.0 - found)).mean((1, 2))
        mean_reward = reward.mean((1, 2))
        claimed = fact_accuracy if c.critic in FRACTION_REWARDS else accuracy
        steered_wrong = ((q < self.initial_right) & (q < CONFIDENTLY_WRONG)).to(torch.float32).mean((1, 2))
        return {"accuracy": accuracy, "fact_accuracy": fact_accuracy, "reward": mean_reward,
                "gap": mean_reward - claimed, "steered_wrong": steered_wrong,
                "calls": torch.full_like(accuracy, float(self.calls_per_output)), "missed": missed}
