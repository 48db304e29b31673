"""The Qwen paper's central claim, checked exactly: the token-level objective is a first-order
approximation of the sequence-level one, valid while the training–inference mismatch and the
policy staleness are small (Zheng et al., "Stabilizing Reinforcement Learning with LLMs:
Formulation and Practices", arXiv 2512.01374, §2.3 "Token-level Objective as a First-order
Approximation to Sequence-level Objective" and §2.4 "Conditions for First-order Approximation to
Hold"). What we read of the paper: the abstract, the section titles, and secondary summaries of
§2.3–2.4; not the equations themselves, so none is cited by number. The formulation as the
summaries state it:

    J_seq(θ)   = E_{y ~ π_θ}[R(y)] = E_{y ~ μ_old}[ π_θ(y)/μ_old(y) · R(y) ]
    J_token(θ) = E_{y ~ μ_old}[ Σ_t π_θ(y_t | y_<t)/μ_old(y_t | y_<t) · R(y) ]

π_θ(y)/μ_old(y) = Π_t (1 + δ_t) ≈ 1 + Σ_t δ_t with δ_t = π_θ(y_t)/μ_old(y_t) − 1, so J_token is
J_seq to first order in δ (up to a constant), and the token weight splits as
π_θ/μ_old = (π_old/μ_old: training–inference mismatch) × (π_θ/π_old: staleness).

Here every response of a tiny policy (``policy.py``) is enumerated — vocabulary 12, length 3,
1,728 responses per prompt — so every expectation is an exact sum and nothing is sampled:

- the true gradient ∇J_seq = Σ_y π_θ(y) R(y) ∇log π_θ(y) (the task's ``digit_sum`` verifier
  reward from ``tasks.py``, unscaled, prompts uniform);
- the surrogate's gradient, each response weighted by its probability under the sampler
  μ_old = ``sampler.perturbation`` applied to π_old's logits (one noise draw per prefix, so μ_old
  is a fixed autoregressive distribution), with the correction (MiniRL's weight
  sg[π_old/μ_old] · π_θ/π_old, ``objectives.minirl``) or without it (GRPO's π_θ/π_old,
  ``objectives.grpo``), clipping and truncation off: the §2.3 surrogate itself;
- staleness: π_θ is π_old after ``staleness`` Adam steps on the exact J_seq (``stale_path``).

Measured (base seeds 0, 1, 2 × 2 policies; per-policy numbers in tests/llmrl/test_first_order.py):

- μ_old = π_old = π_θ: the surrogate's gradient is the true one (relative error ≤ 2.6e-7, float32),
  corrected or not — Σ_t ∇log π(y_t) = ∇log π(y).
- mismatch (sampler noise σ = 0.05 … 1, no staleness): the relative error grows monotonically and
  linearly at small σ (err(0.1)/err(0.05) = 1.96–2.00); with the IS correction 0.024–0.042 at
  σ = 0.05 and 0.39–1.08 at σ = 1, 0.29–0.54 of the uncorrected error (0.061–0.091, 0.98–2.24).
- staleness (1 … 8 Adam steps of lr 0.01, no mismatch): 0.062–0.098 after one step, 0.61–1.19
  after eight, linear at first; the surrogate is ~3× closer to ∇J_seq(π_θ) than the stale
  gradient ∇J_seq(π_old) is.
- the objective's residual J_seq − (J_token − (L − 1)·E_μ[R]) is second order in σ with the
  correction (×3.7–5.2 per doubling of σ at 0.05 → 0.1) and first order without it.
"""
from __future__ import annotations

import math

import pandas as pd
import torch

from . import policy
from .config import LLMRLConfig
from .objectives import grpo, minirl
from .sampler import perturbation
from .tasks import Task
from .trainer import token_log_probs

NO_CLIP = math.inf          # clipping / truncation off: the surrogate of §2.3, not MiniRL's practice
CORRECTIONS = {True: "token IS (π_θ/μ_old)", False: "no IS (π_θ/π_old)"}


def first_order_config(**overrides) -> LLMRLConfig:
    """The smallest lab policy whose every response can be enumerated: vocabulary 12 (the config's
    minimum: 10 digits, 2 symbols), length 3 — 1,728 responses for each of 2 prompts — 3 seeds."""
    sizes = dict(vocab=12, length=3, prompts=2, classes=1, embed=16, hidden=32, ensemble=2, seeds=3)
    return LLMRLConfig(**{**sizes, **overrides})


class ExactProblem:
    """Every response of every prompt, its reward, and a population of policies π_old (one per seed).

    Responses are listed in lexicographic order, first token most significant, so the responses
    that share a prefix of length t form contiguous blocks of V^{L−t}."""

    def __init__(self, config: LLMRLConfig, device: torch.device | None = None):
        c = self.config = config
        self.device = device = device or torch.device("cpu")
        responses = c.vocab ** c.length
        index = torch.arange(responses, device=device)
        place = c.vocab ** torch.arange(c.length - 1, -1, -1, device=device)
        every = (index.unsqueeze(1) // place) % c.vocab                                  # (N, L)
        self.prompts = torch.arange(c.prompts, device=device).repeat_interleave(responses).expand(c.seeds, -1)
        self.tokens = every.repeat(c.prompts, 1).expand(c.seeds, -1, -1)                # (S, P·N, L)
        self.reward = Task(c, device).true_reward(self.prompts, self.tokens)             # (S, P·N)
        generator = torch.Generator(device).manual_seed(c.seed)
        self.weights = policy.init_weights(c.seeds, c.prompts, c.vocab, c.length, c.embed, c.hidden,
                                           generator, device)

    def token_log_probs(self, w: policy.Weights) -> torch.Tensor:
        """log π_w(y_t | prompt, y_<t) of every response's tokens (S, P·N, L)."""
        return token_log_probs(policy.logits(w, self.prompts, self.tokens), self.tokens)[0]

    @torch.no_grad()
    def sampler_token_log_probs(self, w_old: policy.Weights, noise: float, temperature: float = 1.0,
                                precision: str = "fp32", noise_seed: int = 0) -> torch.Tensor:
        """log μ_old(y_t | prompt, y_<t) (S, P·N, L): the sampler's perturbation of π_old's logits,
        applied once per prefix (one noise draw per prefix and seed), so that μ_old is a proper
        autoregressive distribution. The draw depends only on ``noise_seed``: growing ``noise``
        scales the same draw."""
        c = self.config
        perturb = perturbation(noise, temperature, precision, torch.Generator(self.device).manual_seed(noise_seed))
        z = policy.logits(w_old, self.prompts, self.tokens)                              # (S, P·N, L, V)
        columns = []
        for t in range(c.length):
            block = c.vocab ** (c.length - t)                                             # responses per prefix
            per_prefix = z[:, ::block, t]                                                 # (S, P·V^t, V)
            columns.append(perturb(per_prefix).repeat_interleave(block, 1))
        log_mu = torch.log_softmax(torch.stack(columns, 2), -1)
        return log_mu.gather(-1, self.tokens.unsqueeze(-1)).squeeze(-1)

    def expected_reward(self, w: policy.Weights) -> torch.Tensor:
        """J_seq per seed (S,): Σ_y π_w(y|p) R(p, y), averaged over the prompts — differentiable."""
        return (self.token_log_probs(w).sum(-1).exp() * self.reward).sum(1) / self.config.prompts

    def true_gradient(self, w: policy.Weights) -> list[torch.Tensor]:
        """∇J_seq by enumeration in score-function form, Σ_y π(y) R(y) ∇log π(y) / P, per weight (S, ...)."""
        log_pi = self.token_log_probs(w).sum(-1)
        objective = (log_pi.exp().detach() * self.reward * log_pi).sum() / self.config.prompts
        return list(torch.autograd.grad(objective, list(w.values())))

    def surrogate(self, w: policy.Weights, log_old: torch.Tensor, log_mu: torch.Tensor,
                  corrected: bool) -> torch.Tensor:
        """J_token per seed (S,) at π_θ = π_w, in exact expectation over responses y ~ μ_old — differentiable
        in w. ``log_old``, ``log_mu``: log π_old and log μ_old of every response's tokens.

        Zheng et al. (arXiv 2512.01374, §2.3): J_token = E_{y~μ_old}[Σ_t π_θ(y_t)/μ_old(y_t) · R(y)],
        written as MiniRL's sg[π_old/μ_old] · π_θ/π_old (``minirl``; clipping and truncation off).
        Uncorrected: GRPO's π_θ/π_old (``grpo``), which ignores that μ_old sampled the tokens."""
        log_p = self.token_log_probs(w)
        adv = self.reward.unsqueeze(-1).expand_as(log_p)
        if corrected:
            per_token, _ = minirl(log_p - log_old, adv, log_old - log_mu, NO_CLIP, NO_CLIP)
        else:
            per_token, _ = grpo(log_p - log_old, adv, NO_CLIP)
        return (log_mu.sum(-1).exp() * per_token.sum(-1)).sum(1) / self.config.prompts

    def surrogate_gradient(self, w: policy.Weights, log_old: torch.Tensor, log_mu: torch.Tensor,
                           corrected: bool) -> tuple[list[torch.Tensor], torch.Tensor]:
        """∇J_token per weight (S, ...), the gradient of ``surrogate``, and J_token itself (S,)."""
        value = self.surrogate(w, log_old, log_mu, corrected)
        return list(torch.autograd.grad(value.sum(), list(w.values()))), value.detach()

    def first_order_residual(self, sequence_value: torch.Tensor, token_value: torch.Tensor,
                             log_mu: torch.Tensor) -> torch.Tensor:
        """J_seq − (J_token − (L − 1)·E_{μ_old}[R]) per seed (S,): what the expansion
        Π_t (1 + δ_t) ≈ 1 + Σ_t δ_t leaves out — second order in δ when δ_t = π_θ/μ_old − 1."""
        behaviour_reward = (log_mu.sum(-1).exp() * self.reward).sum(1) / self.config.prompts
        return sequence_value - (token_value - (self.config.length - 1) * behaviour_reward)

    def stale_path(self, staleness, lr: float):
        """π_θ after each number of Adam steps (step size ``lr``) in ``staleness`` (ascending), one
        trajectory from π_old ascending the exact J_seq: yields (steps, weights)."""
        w = {k: v.detach().clone().requires_grad_() for k, v in self.weights.items()}
        optimizer = torch.optim.Adam(list(w.values()), lr=lr)
        done = 0
        for steps in sorted(staleness):
            for _ in range(steps - done):
                optimizer.zero_grad()
                (-self.expected_reward(w).sum()).backward()
                optimizer.step()
            done = steps
            yield steps, w

    def sequence_kl(self, log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
        """KL(p ‖ q) between two response distributions (S,), nats per response, averaged over prompts."""
        log_p, log_q = log_p.sum(-1), log_q.sum(-1)
        return (log_p.exp() * (log_p - log_q)).sum(1) / self.config.prompts


def flat(gradient: list[torch.Tensor]) -> torch.Tensor:
    """Each seed's gradient as one vector (S, n_weights)."""
    return torch.cat([g.flatten(1) for g in gradient], 1)


def agreement(surrogate: list[torch.Tensor], true: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per seed (S,): the cosine between the two gradients and the relative error ‖ĝ − g‖ / ‖g‖."""
    s, g = flat(surrogate), flat(true)
    return torch.cosine_similarity(s, g, dim=1), (s - g).norm(dim=1) / g.norm(dim=1)


def sweep(noises=(0.0, 0.1, 0.25, 0.5, 1.0), staleness=(0, 1, 2, 4, 8), lr: float = 0.01,
          config: LLMRLConfig | None = None, temperature: float = 1.0, precision: str = "fp32",
          noise_seed: int = 0) -> pd.DataFrame:
    """The surrogate's gradient against the true one over a grid of mismatch (the sampler's logit
    noise σ) × staleness (Adam steps of π_θ past π_old), with and without the IS correction.

    One row per seed (of base seed ``config.seed``) × noise × staleness × correction: cosine,
    relative_error, residual (the objective's |``first_order_residual``|), kl_mismatch
    (KL(π_old ‖ μ_old)) and kl_staleness (KL(π_θ ‖ π_old)), nats per response."""
    problem = ExactProblem(config or first_order_config())
    c = problem.config
    with torch.no_grad():
        log_old = problem.token_log_probs(problem.weights)
    samplers = {noise: problem.sampler_token_log_probs(problem.weights, noise, temperature, precision, noise_seed)
                for noise in noises}
    rows = []
    for steps, w in problem.stale_path(staleness, lr):
        true = problem.true_gradient(w)
        with torch.no_grad():
            log_p = problem.token_log_probs(w)
            kl_stale = problem.sequence_kl(log_p, log_old)
            sequence_value = (log_p.sum(-1).exp() * problem.reward).sum(1) / c.prompts
        for noise, log_mu in samplers.items():
            kl_mismatch = problem.sequence_kl(log_old, log_mu)
            for corrected, name in CORRECTIONS.items():
                gradient, token_value = problem.surrogate_gradient(w, log_old, log_mu, corrected)
                cosine, error = agreement(gradient, true)
                residual = problem.first_order_residual(sequence_value, token_value, log_mu).abs()
                for s in range(c.seeds):
                    rows.append(dict(base_seed=c.seed, seed=s, noise=noise, staleness=steps, correction=name,
                                     cosine=cosine[s].item(), relative_error=error[s].item(),
                                     residual=residual[s].item(),
                                     kl_mismatch=kl_mismatch[s].item(), kl_staleness=kl_stale[s].item()))
    return pd.DataFrame(rows)
