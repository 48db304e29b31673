"""Routing Replay for a mixture-of-experts token policy (Zheng et al., "Stabilizing Reinforcement
Learning with LLMs: Formulation and Practices", arXiv 2512.01374, §3 "Challenge for Mixture of
Experts, and Routing Replay": §3.1 "Expert Routing Hinders First-order Approximation to Hold",
§3.2 "Routing Replay Restores First-order Approximation, Yet May Introduce Bias"). What we read:
the abstract and the section titles of the paper, and framework docs that implement it (ms-swift
"Router Replay (R2/R3)", NeMo AutoModel ``router_replay``): an inference engine with the same
weights can pick other experts than the trainer for the same token; replaying the rollout's
expert choices in the training forward (R3, Rollout Routing Replay) removes that source of
training–inference mismatch, while the gate weights are still computed by the live router so
that it keeps learning. Not read: the paper's equations and its R2/R3 experiments.

The model: ``policy.py``'s token policy whose last layer z = h W2 + b2 (kept as a shared expert)
gains E routed experts and a top-1 router, one set of weights per seed (leading seed axis):

    r = h R,   e = argmax_j r_j,   z = h W2 + b2 + softmax(r)_e · (h W_e + b_e).

The sampler μ_old (the inference engine) has π_old's weights but routes on r + σ·ε, ε ~ N(0, 1)
fresh per token (``router_noise`` σ: the engine's numerical differences, here only in routing).
The trainer computes π_old and π_θ on the sampled tokens either by recomputing the routing from
its own router ('recompute', plain) or by replaying the sampler's experts ('replay', R3).
One step = one rollout batch, group-normalized verifier rewards (``tasks.py``, ``advantages.py``)
and ``minibatches`` Adam steps on GRPO's or MiniRL's token objective (``objectives.py``).

Measured (``OMP_NUM_THREADS=1 python -m lab.llmrl.routing``: ``RoutingSetting()``'s defaults —
σ = 2, GRPO, lr 1e-2, 4 minibatches, E = 4, 60 steps — base seeds 0, 1, 2 × 8 seeds, three arms:
'control' (σ = 0, recomputed routing), 'recompute' and 'replay'; per-seed numbers in
tests/llmrl/test_routing.py):

- mismatch: recompute routes 26–44 % of tokens differently from the sampler; mean |log π_old −
  log μ_old| 0.108–0.262 per seed, largest 7.5–19.6. Replay: 0 (π_old = μ_old), though its
  trainer's own router would disagree with the sampler on 30–56 % of tokens.
- gradient spikes (largest grad norm > 20 over the run): recompute 3, 3, 1 of 8 seeds (up to 77,
  2390, 3210); replay 0 (largest 9.5, 2.4, 1.5); control 0 (largest 2.8, 2.1, 3.7).
- true reward, last 10 steps, mean over 8 seeds (worst seed): control 0.819 (0.59), 0.862 (0.78),
  0.758 (0.66); recompute 0.642 (0.08), 0.801 (0.57), 0.727 (0.30); replay 0.848 (0.75),
  0.834 (0.71), 0.811 (0.67). Pooled over 24 seeds: 0.813, 0.723, 0.831.
- where it does not show (same seeds, the sweep behind the defaults, 60 steps): at σ = 1 recompute shows
  no consistent reward deficit (0.86, 0.81, 0.78 vs control 0.82, 0.86, 0.76) with 0–1 seeds of 8 above a
  grad norm of 100; with MiniRL's truncated π_old/μ_old weight instead of GRPO (σ = 2), no seed's
  grad norm passes 100 but a reward deficit remains (0.78, 0.74, 0.75 vs control 0.83, 0.86, 0.76;
  replay 0.85, 0.83, 0.81).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from lab.core import member_norm

from . import policy
from .advantages import normalize_within
from .config import LLMRLConfig
from .objectives import grpo, minirl
from .tasks import Task
from .trainer import take

ROUTINGS = ("recompute", "replay")


@dataclass(frozen=True)
class RoutingSetting:
    """A population of MoE token policies trained on ``digit_sum`` from a routing-mismatched sampler."""
    routing: str = "recompute"   # trainer's experts: 'recompute' from its own router, or 'replay' the sampler's
    router_noise: float = 2.0    # σ of the sampler's router-logit noise (0: sampler and trainer route alike)
    objective: str = "grpo"      # 'grpo' (ratio to π_old, μ ignored) or 'minirl' (+ truncated π_old/μ_old weight)
    experts: int = 4
    lr: float = 1e-2
    minibatches: int = 4         # Adam steps per rollout batch (staleness)
    steps: int = 60
    seeds: int = 8
    seed: int = 0
    length: int = 4
    vocab: int = 16
    prompts: int = 8
    embed: int = 16
    hidden: int = 32
    batch_prompts: int = 8
    group: int = 8
    clip_eps: float = 0.2
    is_cap: float = 2.0


def init_weights(s: RoutingSetting, generator: torch.Generator) -> policy.Weights:
    """``policy.init_weights``'s weights plus E routed experts and a router, uniform in ±1/√hidden like W2."""
    weights = policy.init_weights(s.seeds, s.prompts, s.vocab, s.length, s.embed, s.hidden, generator,
                                  torch.device("cpu"))

    def uniform(*shape):
        return ((torch.rand(s.seeds, *shape, generator=generator) * 2 - 1) / math.sqrt(s.hidden)).requires_grad_()

    weights.update(expert_W=uniform(s.experts, s.hidden, s.vocab), expert_b=uniform(s.experts, s.vocab),
                   router=uniform(s.hidden, s.experts))
    return weights


def router_logits(w: policy.Weights, h: torch.Tensor) -> torch.Tensor:
    """r = h R: h (S, ..., hidden) → (S, ..., E)."""
    return (h.flatten(1, -2) @ w["router"]).view(*h.shape[:-1], -1)


def route(w: policy.Weights, h: torch.Tensor, noise: float, generator: torch.Generator) -> torch.Tensor:
    """Top-1 experts (S, ...) of argmax(r + noise·ε); noise 0 is the trainer's own routing."""
    r = router_logits(w, h)
    if noise > 0:
        r = r + noise * torch.randn(r.shape, generator=generator)
    return r.argmax(-1)


def moe_head(w: policy.Weights, h: torch.Tensor, experts: torch.Tensor) -> torch.Tensor:
    """z = h W2 + b2 + softmax(r)_e · (h W_e + b_e) for the given experts e (S, ...): logits (S, ..., vocab).
    The gate is the live router's, so the router gets a gradient whichever experts are used."""
    flat, index = h.flatten(1, -2), experts.flatten(1)                                  # (S, N, H), (S, N)
    out = torch.einsum("snh,sehv->snev", flat, w["expert_W"]) + w["expert_b"].unsqueeze(1)  # (S, N, E, V)
    chosen = out.gather(2, index[..., None, None].expand(-1, -1, 1, out.shape[-1])).squeeze(2)
    gate = torch.softmax(router_logits(w, flat), -1).gather(-1, index.unsqueeze(-1))
    return policy.head(w, h) + (gate * chosen).view(*h.shape[:-1], -1)


@torch.no_grad()
def sample(w: policy.Weights, prompts: torch.Tensor, length: int, router_noise: float,
           generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The sampler μ: tokens (S, B, L), its experts (S, B, L) and its log-probabilities log μ (S, B, L)."""
    tokens = torch.zeros(*prompts.shape, length, dtype=torch.long)
    experts, log_mu = torch.zeros_like(tokens), torch.zeros(tokens.shape)
    for t in range(length):
        h = policy.hidden_states(w, prompts, tokens)[:, :, t]      # position t sees only tokens < t
        experts[..., t] = route(w, h, router_noise, generator)
        log_p = torch.log_softmax(moe_head(w, h, experts[..., t]), -1)
        y = torch.multinomial(log_p.exp().flatten(0, 1), 1, generator=generator).view(prompts.shape)
        tokens[..., t] = y
        log_mu[..., t] = log_p.gather(-1, y.unsqueeze(-1)).squeeze(-1)
    return tokens, experts, log_mu


def token_log_probs(w: policy.Weights, prompts: torch.Tensor, tokens: torch.Tensor, sampler_experts: torch.Tensor,
                    routing: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The trainer's log π(y_t) (S, B, L) and the experts it used.

    Routing Replay (arXiv 2512.01374, §3.2; R3): the trainer uses the experts the sampler chose for
    each token instead of recomputing them, so expert choice is no longer a source of mismatch."""
    h = policy.hidden_states(w, prompts, tokens)
    experts = sampler_experts if routing == "replay" else route(w, h.detach(), 0.0, None)
    log_p = torch.log_softmax(moe_head(w, h, experts), -1)
    return log_p.gather(-1, tokens.unsqueeze(-1)).squeeze(-1), experts


def train(s: RoutingSetting) -> dict[str, torch.Tensor]:
    """Train ``s.seeds`` policies for ``s.steps`` steps; per step and seed, (steps, seeds) each:

    true_reward (the verifier's mean reward of the rollouts), log_ratio_abs_mean and log_ratio_max
    (|log π_old − log μ_old| per token over the batch, π_old as the trainer computes it),
    expert_differs (fraction of tokens whose expert in the trainer's π_old differs from the
    sampler's: 0 under replay), routing_disagreement (fraction where the trainer's *own* routing
    would differ from the sampler's — the mismatch that exists in either arm), grad_norm (per
    Adam step, mean over the step's minibatches)."""
    assert s.routing in ROUTINGS and s.objective in ("grpo", "minirl")
    g = torch.Generator().manual_seed(s.seed)
    task = Task(LLMRLConfig(task="digit_sum", length=s.length, vocab=s.vocab, prompts=s.prompts, classes=1),
                torch.device("cpu"))
    w = init_weights(s, g)
    params = list(w.values())
    optimizer = torch.optim.Adam(params, lr=s.lr, foreach=True)
    group = torch.arange(s.batch_prompts).repeat_interleave(s.group).expand(s.seeds, -1)
    history: dict[str, list[torch.Tensor]] = {}
    for _ in range(s.steps):
        prompts = task.draw_prompts(s.seeds, s.batch_prompts, g).repeat_interleave(s.group, 1)
        old = policy.detached(w)
        tokens, sampler_experts, log_mu = sample(old, prompts, s.length, s.router_noise, g)
        with torch.no_grad():
            log_old, old_experts = token_log_probs(old, prompts, tokens, sampler_experts, s.routing)
            own = old_experts if s.routing == "recompute" else route(old, policy.hidden_states(old, prompts, tokens),
                                                                    0.0, None)
        reward = task.true_reward(prompts, tokens)
        adv = normalize_within(reward, group, s.batch_prompts)
        batch = dict(prompts=prompts, tokens=tokens, experts=sampler_experts, adv=adv, log_old=log_old, log_mu=log_mu)
        order = torch.argsort(torch.rand(prompts.shape, generator=g), 1)
        norms = []
        for part in torch.chunk(order, s.minibatches, 1):
            mini = {k: take(v, part) for k, v in batch.items()}
            log_p, _ = token_log_probs(w, mini["prompts"], mini["tokens"], mini["experts"], s.routing)
            adv_t = mini["adv"].unsqueeze(-1).expand_as(log_p)
            if s.objective == "grpo":
                per_token, _ = grpo(log_p - mini["log_old"], adv_t, s.clip_eps)
            else:
                per_token, _ = minirl(log_p - mini["log_old"], adv_t, mini["log_old"] - mini["log_mu"], s.clip_eps,
                                      s.is_cap)
            grads = torch.autograd.grad(-per_token.flatten(1).mean(1).sum(), params)
            for p, gr in zip(params, grads):
                p.grad = gr
            optimizer.step()
            norms.append(member_norm(list(grads)))
        gap = (log_old - log_mu).abs().flatten(1)
        for name, value in dict(true_reward=reward.mean(1), log_ratio_abs_mean=gap.mean(1),
                                log_ratio_max=gap.max(1).values,
                                expert_differs=(old_experts != sampler_experts).flatten(1).float().mean(1),
                                routing_disagreement=(own != sampler_experts).flatten(1).float().mean(1),
                                grad_norm=torch.stack(norms).mean(0)).items():
            history.setdefault(name, []).append(value)
    return {k: torch.stack(v) for k, v in history.items()}


def compare(s: RoutingSetting) -> dict[str, dict[str, torch.Tensor]]:
    """The three arms of one population: 'control' (no routing noise), 'recompute' and 'replay'."""
    return {"control": train(replace(s, router_noise=0.0, routing="recompute")),
            "recompute": train(replace(s, routing="recompute")), "replay": train(replace(s, routing="replay"))}


def summary(history: dict[str, torch.Tensor], last: int = 10) -> dict[str, torch.Tensor]:
    """Per seed (seeds,): final true reward (mean of the last ``last`` steps), the largest grad norm,
    the mean and largest |log π_old − log μ_old|, the mean fraction of tokens routed differently."""
    return {"final_reward": history["true_reward"][-last:].mean(0),
            "max_grad_norm": history["grad_norm"].nan_to_num(float("inf")).max(0).values,
            "log_ratio_abs_mean": history["log_ratio_abs_mean"].mean(0),
            "log_ratio_max": history["log_ratio_max"].max(0).values,
            "expert_differs": history["expert_differs"].mean(0),
            "routing_disagreement": history["routing_disagreement"].mean(0)}


if __name__ == "__main__":
    torch.set_num_threads(1)
    for base_seed in (0, 1, 2):
        for arm, history in compare(RoutingSetting(seed=base_seed)).items():
            print(f"base seed {base_seed} {arm:9s}", {k: [round(x, 3) for x in v.tolist()]
                                                      for k, v in summary(history).items()}, flush=True)
