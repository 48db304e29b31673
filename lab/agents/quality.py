"""How good is each advantage estimator? Estimated against exact step advantages on the same episodes.

On a batch of the trainer's own episodes (drawn with a generator of its own, so measuring never
changes training), every estimator's Â (S, B, L) is compared with the true A(y_<t, y_t) = V(y_≤t) −
V(y_<t) under the current policy (``exact.py``): per seed, the correlation over all the batch's
steps. Estimators that need a critic use the trainer's own (a trainer without one
skips them). Correlation is blind to scale, which the estimators set differently (group
normalisation, batch normalisation); where it is undefined (a step with no variation in either)
it is NaN.
"""
from __future__ import annotations

import torch

from lab.llmrl import policy

from . import exact
from .advantages import outcome, salt
from .critic import gae, monte_carlo_values


def correlation(x: torch.Tensor, y: torch.Tensor, dim: int) -> torch.Tensor:
    """Pearson correlation along ``dim``; NaN where either side is constant."""
    x, y = x - x.mean(dim, keepdim=True), y - y.mean(dim, keepdim=True)
    denominator = (x.pow(2).sum(dim) * y.pow(2).sum(dim)).sqrt()
    return torch.where(denominator > 0, (x * y).sum(dim) / denominator.clamp(min=1e-30), torch.nan)


@torch.no_grad()
def estimates(trainer, prompts: torch.Tensor, tokens: torch.Tensor, reward: torch.Tensor,
              generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Every estimator's Â (S, B, L) on one batch: 'outcome', 'salt', 'mc' (M = the config's
    mc_rollouts, values from random rollouts alone) and, with the trainer's critic, 'critic'
    (GAE at the config's λ) or 'dapo' (its one-step differences)."""
    c, task = trainer.config, trainer.task
    found = {"outcome": outcome(reward, c.group, c.length),
             "salt": salt(reward, task.states(prompts, tokens), tokens, c.group, c.vocab),
             "mc": gae(monte_carlo_values(task, prompts, tokens, c.mc_rollouts, generator), reward, c.gae_lambda)}
    if trainer.critic is not None:
        values = trainer.critic.values(prompts, tokens)
        name, lam = ("dapo", 0.0) if c.advantage == "dapo" else ("critic", c.gae_lambda)
        found[name] = gae(values, reward, lam)
    return found


@torch.no_grad()
def advantage_quality(trainer, seed: int = 0) -> dict[str, torch.Tensor]:
    """Per estimator, the correlation of its Â with the exact advantage over all the steps of each seed's
    batch (S,) — an estimator that gives steps where nothing is decided (A ≈ 0) large advantages
    scores low — on a fresh batch of the trainer's episodes drawn with a generator seeded by ``seed``."""
    c = trainer.config
    generator = torch.Generator(device=trainer.device).manual_seed(seed)
    order = torch.argsort(torch.rand(c.seeds, c.tasks, generator=generator, device=trainer.device), 1)
    tasks = order[:, :c.batch_tasks]
    prompts = tasks.repeat_interleave(c.group, 1)
    tokens, _ = policy.sample(trainer.weights, prompts, c.length, lambda z: z, generator)
    reward = trainer.task.reward(prompts, tokens, generator)
    slot = torch.arange(c.batch_tasks, device=trainer.device).repeat_interleave(c.group).expand(c.seeds, -1)
    true = exact.advantages(exact.prefix_values(trainer.weights, trainer.task, tasks), slot, tokens, c.vocab)
    return {name: correlation(estimate.flatten(1), true.flatten(1), 1)
            for name, estimate in estimates(trainer, prompts, tokens, reward, generator).items()}
