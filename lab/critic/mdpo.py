"""Off-policy MDPO: the policy of the previous round, for the actor's KL proximity term.

Tomar, Shani, Efroni & Ghavamzadeh, "Mirror Descent Policy Optimization" (ICLR 2022,
arXiv 2005.09814), off-policy variant: round k approximately solves

    θ_{k+1} ← argmax_θ E_{s~D}[E_{a~π_θ}[Q(s, a) − α·log π_θ(a|s)] − (1/t_k)·KL(π_θ(·|s) ‖ π_θk(·|s))]

with m gradient steps on the same objective, π_θk held fixed during the round and re-synced to the
current policy when the next round starts. The KL is estimated on the reparameterized sample
a = f_θ(ε; s) as log π_θ(a|s) − log π_θk(a|s) (its expectation under π_θ is the KL).

**Stated, not confirmed**: a constant step 1/t_k = ``mdpo_kl`` (the paper anneals t_k; its
schedule was not at hand) and the entropy term of the soft objective with SAC's tuned α.
"""
from __future__ import annotations

import torch

from .actor import SquashedGaussianActor


class PreviousPolicy:
    """A frozen copy π_θk of a ``SquashedGaussianActor``'s weights, re-synced every ``every`` actor updates."""

    def __init__(self, actor: SquashedGaussianActor, every: int):
        self.actor, self.every = actor, every
        self.params = [p.detach().clone() for p in actor.params]
        self.updates = 0                      # actor updates since construction

    def before_update(self) -> None:
        """Start a new round (θ_k ← θ) when ``every`` actor updates have passed since the last one."""
        if self.updates % self.every == 0:
            self.resync()
        self.updates += 1

    def resync(self) -> None:
        with torch.no_grad():
            for old, new in zip(self.params, self.actor.params):
                old.copy_(new)

    def kl_sample(self, obs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """log π_θ(a|s) − log π_θk(a|s) at the actor's pre-squash sample u, (seeds, B); the tanh
        Jacobians cancel, so only the Gaussians' log-densities enter."""
        current = self.actor.gaussian_log_prob(obs, u, self.actor.params)
        return current - self.actor.gaussian_log_prob(obs, u, self.params)
