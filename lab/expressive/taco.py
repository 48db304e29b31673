"""TACO: test-time selection of action chunks by pseudo-counts (Yang et al., "Steering Vision-Language-Action
Models as Anti-Exploration: A Test-Time Scaling Approach", arXiv 2512.02834), on a 2-D flow policy.

The paper. A flow (or diffusion) policy fine-tuned on demonstrations keeps every mode of them, including
kinematically poor ones, and its imperfect sampler adds samples off the data's support; which one a rollout
executes depends on the sampled noise, so success swings with the noise ("0% to 80%"). TACO treats this as
offline RL's out-of-distribution problem and answers with anti-exploration at test time, without touching
the policy: a Coin Flipping Network (CFN, Lobel et al., arXiv 2306.03186) fitted on the fine-tuning data
estimates each chunk's inverse pseudo-count; at each decision K chunks are sampled and the one with the
largest pseudo-count (the most in-distribution one) is executed.

The CFN (Lobel et al., §3). Every training sample x_i gets its own vector of d fair coin flips
y_i ∈ {−1, +1}^d; f is regressed onto them, L = E_i ‖f(x_i) − y_i‖². At a point seen n times the best f is
the mean of n independent ±1 vectors, so E‖f(x)‖²/d = 1/n: ‖f(x)‖²/d estimates the inverse pseudo-count.
TACO executes argmin_k ‖f(x_k)‖² over the K candidates.

The toy. A context c ~ U[−1, 1] (the "observation"); an action chunk is a 2-D action a. The demonstrations
(``demos`` per seed, fixed at the start) come from a dominant successful mode N(μ_s(c), σ²I) with weight
1 − ``minority`` and a minority redundant mode N(μ_f(c), σ²I), μ_s(c) = (+0.9, 0.6c), μ_f(c) = (−0.9, 0.6c),
σ = ``demo_std``. A chunk succeeds when it lands within ``success_radius`` of μ_s(c). Each seed's policy is a
``lab.expressive.flow.FlowPolicy`` (conditioned on c) trained by flow matching on the demos, sampled with
few Euler steps (``flow_steps``): imperfect, it puts samples between the modes. Each seed's CFN is a batched
MLP on (c, a), trained on the same demos. One step = one Adam step of both on every seed's whole
demonstration set, then an evaluation: ``noise_seeds`` fixed noise draws, each played on ``contexts`` random
contexts (the same noise vectors for every context, as a fixed sampling seed is in the paper); the switch
``selection`` picks what is executed: 'single' (the baseline: the policy's first sample) or 'taco' (the
largest pseudo-count among K samples). Both modes draw the same K noises, so the two runs of one seed train
the same policy and CFN and differ only in what is executed.

Metrics per seed (``TacoTrainer.step``): success (mean over noise seeds of the success rate over
contexts, the headline), spread (the standard deviation of that success rate over the noise seeds: the
failure), off_support (the fraction of executed chunks where the demo density is below
``OFF_SUPPORT_DENSITY``), minority (the fraction executed in the redundant mode) and count_rank (Spearman's
rank correlation, over all K·noise_seeds·contexts candidates, between the CFN's pseudo-count ‖f‖⁻² and the
true demo density: does the CFN rank density?).

What reproduces (tests/expressive/test_taco.py: defaults, 150 steps, 16 seeds, base seeds 0, 1, 2; the last
10 steps). Executing one sample ('single'): success 0.55–0.58, spread over noise seeds 0.47 (a fixed noise
draw succeeds in nearly every context or nearly none), 24–25% of executed chunks off the support. TACO with
K = 8: success 0.92–0.96, spread 0.06–0.09, off-support 0.6–2.1%. The CFN's pseudo-count ranks the
candidates by true demo density with Spearman 0.77–0.82 (mean over seeds; every seed ≥ 0.61), against
≈ 0.5 for the untrained network. Where it stops: the pseudo-count prefers the demos' dominant mode, not the
successful one as such; with the redundant mode at half the demos (minority 0.5) TACO still removes the
off-support chunks (26% → 2–3%) but executes the redundant mode in 43–51% of decisions (success 0.45–0.53
against single's 0.33–0.36).

Inferred (the abstract, the authors' README and third-party summaries were available, not the full text):
TACO's CFN reads the VLA's internal features of the denoised chunk ("coupled" estimation with a shared
KV cache); ours reads (c, a) directly. The coin dimension d, the CFN's architecture and training, and the
toy are ours. CFN's optimistic prior and normalisation tricks (Lobel et al. §4) are left out.
"""
from __future__ import annotations

import math
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator
from lab.core.rank_correlation import spearman
from lab.critic.networks import init_mlp, mlp

from .flow import FlowPolicy

SELECTIONS = ("single", "taco")
SUCCESS_X, FAIL_X, SLOPE = 0.9, -0.9, 0.6      # μ_s(c) = (SUCCESS_X, SLOPE·c), μ_f(c) = (FAIL_X, SLOPE·c)
OFF_SUPPORT_DENSITY = 0.05                      # 'off_support': demo density below this (the modes peak at ~5)
VIEW_EPISODES = 8                               # view_state: episodes (each K candidates) per seed, at c = 0


class TacoConfig(LabConfig):
    """A flow policy per seed fine-tuned on bimodal demonstrations; at test time either its first sample
    or, TACO, the most in-distribution of K samples by a coin-flipping network's pseudo-count."""

    selection: Literal[SELECTIONS] = Field(
        "single", description="what is executed: 'single' (one sample of the policy, the baseline) or 'taco' "
        "(the sample with the largest CFN pseudo-count among K)")
    candidates: int = Field(8, ge=1, le=64, description="K: chunks sampled per decision (what 'taco' chooses "
                            "from; 'single' executes the first)")
    demos: int = Field(256, ge=8, le=4096, description="demonstrations per seed (the fine-tuning data)")
    minority: float = Field(0.3, ge=0.0, le=0.5, description="weight of the redundant (failing) demo mode")
    demo_std: float = Field(0.12, gt=0.0, le=1.0, description="σ of each demo mode")
    success_radius: float = Field(0.3, gt=0.0, le=2.0, description="a chunk succeeds within this of μ_s(c)")
    flow_steps: int = Field(4, ge=1, le=64, description="Euler steps of the policy's sampler (few: off-support "
                            "samples between the modes)")
    hidden: int = Field(64, ge=8, le=512, description="hidden width of the flow and the CFN")
    lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size of the flow policy")
    coin_dim: int = Field(16, ge=1, le=256, description="d: coin flips per demonstration (CFN output size)")
    cfn_lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size of the CFN")
    noise_seeds: int = Field(8, ge=2, le=256, description="fixed noise draws evaluated per step")
    contexts: int = Field(8, ge=1, le=256, description="contexts each noise draw is played on per step")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(150, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.selection == "taco" and self.candidates < 2:
            found.append(f"'candidates' = {self.candidates} must be at least 2 with selection 'taco' "
                         "(there is nothing to choose from)")
        return found


# --- the pieces ------------------------------------------------------------------------------------


def mode_centres(context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """μ_s(c) and μ_f(c) for contexts (...,): (..., 2) each."""
    y = SLOPE * context
    return (torch.stack([torch.full_like(y, SUCCESS_X), y], -1), torch.stack([torch.full_like(y, FAIL_X), y], -1))


def demo_density(context: torch.Tensor, action: torch.Tensor, minority: float, std: float) -> torch.Tensor:
    """The true density of the demonstrations' action given the context: (...,), (..., 2) → (...,)."""
    success, fail = mode_centres(context)
    norm = 1.0 / (2 * math.pi * std ** 2)
    bump = lambda centre: norm * torch.exp(-(action - centre).pow(2).sum(-1) / (2 * std ** 2))  # noqa: E731
    return (1 - minority) * bump(success) + minority * bump(fail)


def draw_demos(seeds: int, n: int, minority: float, std: float, generator: torch.Generator,
               device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` demonstrations per seed: contexts (S, n) ~ U[−1, 1], actions (S, n, 2) from the two modes."""
    context = torch.rand(seeds, n, generator=generator, device=device) * 2 - 1
    success, fail = mode_centres(context)
    redundant = torch.rand(seeds, n, 1, generator=generator, device=device) < minority
    noise = std * torch.randn(seeds, n, 2, generator=generator, device=device)
    return context, torch.where(redundant, fail, success) + noise


def inverse_pseudo_count(cfn: list[torch.Tensor], context: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    """The CFN's estimate of 1/n at (c, a): ‖f(c, a)‖²/d (Lobel et al., arXiv 2306.03186, §3). Contexts
    (S, ...), actions (S, ..., 2) → (S, ...)."""
    x = torch.cat([context.unsqueeze(-1), action], -1)
    shape = x.shape
    f = mlp(cfn, x.reshape(shape[0], -1, 3))
    return f.pow(2).mean(-1).reshape(shape[:-1])


def cfn_loss(cfn: list[torch.Tensor], context: torch.Tensor, action: torch.Tensor, coins: torch.Tensor) -> torch.Tensor:
    """Each seed's CFN regression loss (Lobel et al., arXiv 2306.03186, §3: f(x_i) regressed onto x_i's own d
    coin flips y_i ∈ {±1}^d): contexts (S, n), actions (S, n, 2), coins (S, n, d) → (S,)."""
    return (mlp(cfn, torch.cat([context.unsqueeze(-1), action], -1)) - coins).pow(2).sum(-1).mean(-1)


def select_chunk(candidates: torch.Tensor, inverse_count: torch.Tensor) -> torch.Tensor:
    """TACO's test-time selection (arXiv 2512.02834, the executed chunk is the sampled one with maximum
    pseudo-count): among candidates (..., K, 2) the one with the smallest inverse pseudo-count (..., K) →
    (..., 2)."""
    best = inverse_count.argmin(-1)
    return candidates.gather(-2, best[..., None, None].expand(*best.shape, 1, candidates.shape[-1])).squeeze(-2)


# --- the trainer -----------------------------------------------------------------------------------


class TacoTrainer(Trainer):
    """``seeds`` flow policies and CFNs fitted on each seed's demonstrations; every step one update of both
    and an evaluation of the chosen selection over fixed noise draws."""

    Config = TacoConfig

    def __init__(self, config: TacoConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.demo_context, self.demo_action = draw_demos(c.seeds, c.demos, c.minority, c.demo_std, g, dev)
        self.coins = torch.randint(0, 2, (c.seeds, c.demos, c.coin_dim), generator=g, device=dev) * 2.0 - 1.0
        self.policy = FlowPolicy(c.seeds, 2, g, dev, cond_dim=1, hidden=c.hidden, steps=c.flow_steps)
        self.cfn = init_mlp((c.seeds,), [3, c.hidden, c.hidden, c.coin_dim], g, dev)
        self.optimizer = torch.optim.Adam(self.policy.params, lr=c.lr)
        self.cfn_optimizer = torch.optim.Adam(self.cfn, lr=c.cfn_lr)
        self.view_generator = view_generator(c.seed, dev)

    @property
    def population(self) -> int:
        return self.config.seeds

    def candidates(self, context: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """The policy's chunks from noise (S, ..., K, 2) at contexts (S, ...): (S, ..., K, 2), no gradient."""
        shape = noise.shape
        cond = context[..., None, None].expand(*shape[:-1], 1)
        with torch.no_grad():
            out = self.policy.sample(noise.reshape(shape[0], -1, 2), cond.reshape(shape[0], -1, 1))
        return out.reshape(shape)

    def execute(self, context: torch.Tensor, candidates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The executed chunk (S, ..., 2) under the config's selection, and every candidate's inverse
        pseudo-count (S, ..., K)."""
        with torch.no_grad():
            inverse = inverse_pseudo_count(self.cfn, context[..., None].expand(candidates.shape[:-1]), candidates)
        if self.config.selection == "single":
            return candidates[..., 0, :], inverse
        return select_chunk(candidates, inverse), inverse

    def fit(self) -> None:
        """One Adam step of every seed's flow (flow matching) and CFN on its whole demonstration set."""
        cond = self.demo_context.unsqueeze(-1)
        flow_loss = self.policy.loss(self.demo_action, self.generator, cond=cond).sum()
        coin_loss = cfn_loss(self.cfn, self.demo_context, self.demo_action, self.coins).sum()
        self.optimizer.zero_grad(set_to_none=True)
        self.cfn_optimizer.zero_grad(set_to_none=True)
        (flow_loss + coin_loss).backward()
        self.optimizer.step()
        self.cfn_optimizer.step()

    def step(self) -> dict[str, torch.Tensor]:
        """One update, then the evaluation; per-seed metrics (seeds,): success, spread (std of the success
        rate over noise seeds), off_support, minority (executed in the redundant mode), count_rank."""
        c, g, dev = self.config, self.generator, self.device
        self.fit()
        context = torch.rand(c.seeds, 1, c.contexts, generator=g, device=dev) * 2 - 1             # (S, 1, B)
        noise = torch.randn(c.seeds, c.noise_seeds, 1, c.candidates, 2, generator=g, device=dev)   # (S, E, 1, K, 2)
        context = context.expand(-1, c.noise_seeds, -1)                                           # (S, E, B)
        chunks = self.candidates(context, noise.expand(-1, -1, c.contexts, -1, -1))                # (S, E, B, K, 2)
        executed, inverse = self.execute(context, chunks)
        success_centre, fail_centre = mode_centres(context)
        success = ((executed - success_centre).norm(dim=-1) < c.success_radius).to(torch.float32)  # (S, E, B)
        in_minority = ((executed - fail_centre).norm(dim=-1) < c.success_radius).to(torch.float32)
        density = demo_density(context, executed, c.minority, c.demo_std)
        rate = success.mean(-1)                                                                   # (S, E)
        all_density = demo_density(context[..., None].expand(inverse.shape), chunks, c.minority, c.demo_std)
        rank = spearman(-inverse.reshape(c.seeds, -1), all_density.reshape(c.seeds, -1))
        return {"success": rate.mean(-1), "spread": rate.std(-1), "off_support":
                (density < OFF_SUPPORT_DENSITY).to(torch.float32).mean((1, 2)),
                "minority": in_minority.mean((1, 2)), "count_rank": rank}

    def view_state(self) -> dict[str, torch.Tensor]:
        """At context 0: each seed's K candidates for ``VIEW_EPISODES`` episodes (S, episodes·K, 2) and the
        executed chunks (S, episodes, 2), drawn with the view's own generator."""
        c = self.config
        context = torch.zeros(c.seeds, VIEW_EPISODES, device=self.device)
        noise = torch.randn(c.seeds, VIEW_EPISODES, c.candidates, 2, generator=self.view_generator, device=self.device)
        chunks = self.candidates(context, noise)
        executed, _ = self.execute(context, chunks)
        return {"candidates": chunks.reshape(c.seeds, -1, 2).detach().clone(), "executed": executed.detach().clone()}
