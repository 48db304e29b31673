"""The LLM-RL trainer: a population of tiny token policies, each step one rollout batch from a
perturbed sampler μ_old and N mini-batch updates of π_θ against the stale π_old.

One ``step()``:
1. π_old ← π_θ (a frozen copy). Each seed draws ``batch_prompts`` prompts and ``group`` responses
   per prompt from μ_old (``sampler.py``: π_old's logits at lower precision, another
   temperature, noise) and keeps μ_old's log-probabilities, as an inference engine reports them.
2. The verifier and the proxy ensemble score the responses (``tasks.py``); the training
   reward is the true, the proxy or the robust one, times the prompt class's scale.
3. Advantages: group / global / agent normalization (``advantages.py``), or SAFE's critic.
4. The rollouts are shuffled into ``minibatches`` = N parts and π_θ takes one Adam step per
   part, so parts 2..N are off-policy by 1..N−1 updates (staleness). The objective per part is
   in ``_objective`` — one place, one branch per switch, each citing its paper.

Every seed has its own weights, optimizer state, prompts and samples, held with a leading seed
axis; the seeds' losses are summed for one backward pass, and since each seed's loss depends
only on its own weights and Adam is elementwise, the seeds stay independent.
"""
from __future__ import annotations

import torch

from lab.core import Trainer, member_norm

from . import policy
from .advantages import advantages
from .capo import capo_mask
from .collapse import CollapseTracker
from .config import LLMRLConfig
from .health import health_metrics
from .objectives import grpo, k3, mhpo, minirl
from .safe import SafeController
from .sampler import perturbation
from .tasks import Task

QUANTILES = (0.05, 0.5, 0.95)


def token_log_probs(logits: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log π(y_t) of the taken tokens (S, B, L) and the full log-distributions (S, B, L, V)."""
    log_p = torch.log_softmax(logits, -1)
    return log_p.gather(-1, tokens.unsqueeze(-1)).squeeze(-1), log_p


def seed_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean over everything but the seed axis: (S, ...) → (S,)."""
    return x.flatten(1).to(torch.float32).mean(1)


def seed_quantiles(x: torch.Tensor) -> torch.Tensor:
    """The QUANTILES of each seed's values: (S, ...) → (len(QUANTILES), S)."""
    q = torch.tensor(QUANTILES, device=x.device)
    return torch.quantile(x.flatten(1).to(torch.float32), q, dim=1)


def take(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Each seed's rollouts ``index`` (S, b) of a (S, B) or (S, B, L) tensor."""
    if x.dim() == 3:
        index = index.unsqueeze(-1).expand(-1, -1, x.shape[-1])
    return torch.gather(x, 1, index)


class LLMRLTrainer(Trainer):
    """``seeds`` independent token policies; one step = one rollout batch + ``minibatches`` updates."""

    Config = LLMRLConfig
    CAPTURABLE = True

    def __init__(self, config: LLMRLConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.task = Task(c, dev)
        self.weights = policy.init_weights(c.seeds, c.prompts, c.vocab, c.length, c.embed, c.hidden, g, dev)
        self.reference = policy.detached(self.weights)
        self.params = list(self.weights.values())
        self.optimizer = torch.optim.Adam(self.params, lr=c.lr, capturable=dev.type == "cuda")  # steps on the device
        self.perturb = perturbation(c.sampler_noise, c.sampler_temperature, c.sampler_precision, g)
        self.collapse = CollapseTracker(c.seeds, c.entropy_floor, c.crash_drop, dev)
        self.safe = (SafeController(c.seeds, c.prompts, c.safe_alpha, c.safe_tau_base,
                                    (c.safe_kp, c.safe_ki, c.safe_kd), dev) if c.objective == "safe" else None)

    @property
    def population(self) -> int:
        return self.config.seeds

    # --- one step ----------------------------------------------------------------------------

    def step(self) -> dict[str, torch.Tensor]:
        """One rollout batch and N updates of every seed; per-seed metrics, (seeds,) each:

        reward_mean, reward_std (the training reward, scaled), true_reward (the verifier's, unscaled: the
        headline), true_reward_agent<k> (the same over prompt class k's rollouts only; the config makes
        every batch hold every class, so it is never an empty mean), proxy<k>_minus_true for every
        ensemble member k (how far member k overrates the responses), hack_fraction (the fraction of
        tokens that some member rewards), entropy (π_old's mean per-token entropy on the rollouts,
        nats), kl_ref (mean exact KL(π_old ‖ π_ref) per
        position), ratio_q05/q50/q95 (π_θ/π_old over the tokens of all N updates), mismatch_q05/q95
        (π_old/μ_old per token), the rollout-correction health metrics of the whole batch
        (``health.py``: is_mean/std/min/max, is_seq_*, is_ess, is_seq_ess, chi2_token, chi2_seq,
        mismatch_k3, is_frac_high/low; every token counts, responses have no padding),
        clip_frac (tokens clipped or masked by the ratio), grad_norm (per update, averaged over
        the N updates), grad_norm_agent<k> (the norm of the part of the gradient that comes from
        prompt class k; 0 when the class's advantages are all 0), collapsed (sticky 0/1); per
        objective: truncated_frac (MiniRL: weights cut at C), capo_masked (CAPO), safe_threshold
        and safe_gate (SAFE).
        """
        c, g, task = self.config, self.generator, self.task
        S, B = c.seeds, c.batch_prompts * c.group
        prompts = task.draw_prompts(S, c.batch_prompts, g).repeat_interleave(c.group, 1)         # (S, B)
        group = torch.arange(c.batch_prompts, device=self.device).repeat_interleave(c.group).expand(S, -1)
        agent = task.prompt_class[prompts]

        old = policy.detached(self.weights)
        tokens, log_mu = policy.sample(old, prompts, c.length, self.perturb, g)
        with torch.no_grad():
            log_old, dist_old = token_log_probs(policy.logits(old, prompts, tokens), tokens)
            _, dist_ref = token_log_probs(policy.logits(self.reference, prompts, tokens), tokens)
            p_old = dist_old.exp()
            entropy = seed_mean(-(p_old * dist_old).sum(-1))
            kl_ref = seed_mean((p_old * (dist_old - dist_ref)).sum(-1))
            log_ref = dist_ref.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)

        true = task.true_reward(prompts, tokens)
        proxies = task.proxy_rewards(true, tokens)                                               # (S, B, K)
        reward = task.training_reward(prompts, true, proxies)
        if self.safe is not None:
            self.safe.update(reward.mean(1), entropy)
            adv = self.safe.advantage(prompts, reward)
        else:
            adv = advantages(reward, group, agent, c.batch_prompts, c.classes, c.normalization)

        order = torch.argsort(torch.rand(S, B, generator=g, device=self.device), 1)
        batch = dict(prompts=prompts, agent=agent, tokens=tokens, adv=adv, log_old=log_old, log_mu=log_mu,
                     log_ref=log_ref)
        tracked: dict[str, list[torch.Tensor]] = {}
        for part in torch.chunk(order, c.minibatches, dim=1):
            mini = {k: take(v, part) for k, v in batch.items()}
            for name, value in self._update(mini).items():
                tracked.setdefault(name, []).append(value)

        metrics = {
            "reward_mean": reward.mean(1), "reward_std": reward.std(1),
            "true_reward": true.mean(1),
            **{f"true_reward_agent{k}": (true * (agent == k)).sum(1) / (agent == k).sum(1)
               for k in range(c.classes)},
            **{f"proxy{k}_minus_true": gap for k, gap in enumerate((proxies - true.unsqueeze(-1)).mean(1).T)},
            "hack_fraction": task.hack_fraction(tokens).mean(1),
            "entropy": entropy, "kl_ref": kl_ref,
        }
        ratio = torch.cat(tracked.pop("log_ratio"), 1).exp()
        for q, value in zip(QUANTILES, seed_quantiles(ratio)):
            metrics[f"ratio_q{round(q * 100):02d}"] = value
        mismatch = seed_quantiles((log_old - log_mu).exp())
        metrics["mismatch_q05"], metrics["mismatch_q95"] = mismatch[0], mismatch[2]
        metrics.update(health_metrics(log_old, log_mu, torch.ones_like(log_old, dtype=torch.bool)))
        for name, values in tracked.items():
            metrics[name] = torch.stack(values).mean(0)
        metrics["collapsed"] = self.collapse.update(true.mean(1), entropy)
        if self.safe is not None:
            metrics["safe_threshold"], metrics["safe_gate"] = self.safe.threshold, self.safe.gate
        return metrics

    # --- one update --------------------------------------------------------------------------

    def _update(self, mini: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """One Adam step of every seed on one mini-batch; returns per-seed statistics of the step."""
        c = self.config
        h = policy.hidden_states(self.weights, mini["prompts"], mini["tokens"])
        log_p, dist = token_log_probs(policy.head(self.weights, h), mini["tokens"])
        log_ratio = log_p - mini["log_old"]
        adv = mini["adv"].unsqueeze(-1).expand_as(log_p)
        per_token, clipped, stats = self._objective(log_ratio, adv, mini, h.detach(), dist.detach().exp())
        n_tokens = per_token[0].numel()
        kl = k3(log_p, mini["log_ref"]).flatten(1).mean(1)                                      # (S,)
        if self.safe is not None:
            regularizer = self.safe.penalty(kl, c.safe_kl_coef)          # SAFE gates its own KL term
        else:
            regularizer = c.kl_coef * kl                                  # β·KL (DeepSeekMath Eq. 3)

        # The gradient, split by prompt class so that each class's share can be measured.
        parts = [-(per_token * (mini["agent"] == k).unsqueeze(-1)).flatten(1).sum(1) / n_tokens
                 for k in range(c.classes)] + [regularizer]
        total = [torch.zeros_like(p) for p in self.params]
        for k, part in enumerate(parts):
            if not part.requires_grad or (k == c.classes and self.safe is None and c.kl_coef == 0):
                continue
            grads = torch.autograd.grad(part.sum(), self.params, retain_graph=True, allow_unused=True)
            grads = [torch.zeros_like(p) if gr is None else gr for p, gr in zip(self.params, grads)]
            if k < c.classes:
                stats[f"grad_norm_agent{k}"] = member_norm(grads)
            total = [t + gr for t, gr in zip(total, grads)]
        for k in range(c.classes):
            stats.setdefault(f"grad_norm_agent{k}", torch.zeros(c.seeds, device=self.device))
        for p, gr in zip(self.params, total):
            p.grad = gr
        self.optimizer.step()
        stats.update(log_ratio=log_ratio.detach().flatten(1), clip_frac=seed_mean(clipped),
                     grad_norm=member_norm(total))
        return stats

    def _objective(self, log_ratio, adv, mini, h, probs) -> tuple[torch.Tensor, torch.Tensor, dict]:
        """The per-token objective (to maximize), the clipped/masked tokens and extra statistics.

        - 'grpo':   GRPO's clipped surrogate (DeepSeekMath Eq. 3), no μ_old correction.
        - 'minirl': Zheng et al. (arXiv 2512.01374): truncated IS weight π_old/μ_old, clipping mask.
        - 'mhpo':   MHPO (arXiv 2603.16929): e^{c·tanh(log r / c)}·Â − hazard penalties.
        - 'capo':   GRPO's surrogate with CAPO's curvature mask (arXiv 2510.00819, ``capo.py``).
        - 'safe':   GRPO's surrogate with SAFE's critic advantage and gated KL hinge (``safe.py``).

        Every objective but SAFE adds −β·k3 KL to the reference (``kl_coef``) in ``_update``.
        """
        c = self.config
        if c.objective == "minirl":
            log_is = mini["log_old"] - mini["log_mu"]
            per_token, clipped = minirl(log_ratio, adv, log_is, c.clip_eps, c.is_cap)
            return per_token, clipped, {"truncated_frac": seed_mean(log_is.exp() > c.is_cap)}
        if c.objective == "mhpo":
            return (*mhpo(log_ratio, adv, c.mhpo_c, c.hazard_coef, c.hazard_scale_up, c.hazard_scale_down,
                          c.hazard_shape), {})
        per_token, clipped = grpo(log_ratio, adv, c.clip_eps)
        if c.objective != "capo":
            return per_token, clipped, {}
        coef = torch.where(clipped, 0.0, adv * log_ratio.exp()).detach()
        masked = capo_mask(h, probs, mini["tokens"], coef, c.lr, c.capo_kl)
        return torch.where(masked, 0.0, per_token), clipped | masked, {"capo_masked": seed_mean(masked)}
