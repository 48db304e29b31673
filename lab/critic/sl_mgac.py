"""SL-MGAC's critic: TD learning beside supervised multi-task return learning, multi-group heads and
layer normalization.

Liu, Gao, Li, Li, Lu & Wang, "Supervised Learning-enhanced Multi-Group Actor Critic for Live Stream
Allocation in Feed" (SL-MGAC, arXiv 2412.10381, KDD 2025). Its claims, from the abstract: a
supervised learning-enhanced actor-critic in which multi-task reward learning restricts the
accumulation of bootstrapping error in the critic, with variance-reduction techniques; a multi-group
state decomposition (MG-SD) of the actor's and critic's networks that reduces prediction variance.
Summaries of the paper name the variance-reduction parts: distribution discretization of the learned
targets and layer normalization against divergence.

**Not confirmed**: only the abstract and third-party summaries were at hand, not the paper's
equations; nothing here is cited by equation number. The form implemented, per critic head
('sl-mgac' is twin, with SAC's clipped double-Q minimum):

- **Supervised multi-task return learning** (``sl_weight`` λ, ``sl_horizon`` h): each head's network
  has, beside its Q output, outputs for two supervised tasks — the reward r_t and the truncated
  discounted return G_t^(h) = Σ_{k<h} γ^k·r_{t+k} of the rewards that actually followed (t) in its env
  copy, up to the episode's end; observed, never bootstrapped (``Replay.truncated_returns``). The
  critic's loss is J = J_TD + λ·Σ_tasks ½·(ĝ(s, a) − G)² averaged over the batch, a task's term
  dropped where its target is cut by the newest data. The tasks share every hidden layer with Q, so
  the non-bootstrapped targets shape the features that Q's bootstrapped regression uses.
- **Multi-group state decomposition** (``mg_groups`` G): the last layer has G groups of outputs and a
  state uses its group's — a shared trunk with a head per group. The paper groups users by activity
  level from an analysis of its data; the lab groups states by their first observation coordinate,
  G equal bins of [−1, 1] (ends open; Pendulum: cos θ, from hanging to upright). **Simplified**: on the
  critic only; the lab's SAC actor is left as it is.
- **Layer normalization** (``sl_layer_norm``): every hidden layer's pre-activation is normalized to
  zero mean and unit variance over its units (no learned gain or bias) before the ReLU.
- Distribution discretization is not added here: the lab's categorical critic is 'hl-gauss'
  (``hl_gauss.py``); 'sl-mgac' regresses scalars.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .critic_base import BatchedCritic
from .networks import mlp

TASKS = 2                                  # supervised outputs per group: r_t and G_t^(h)


def state_groups(obs: torch.Tensor, groups: int) -> torch.Tensor:
    """MG-SD's group of each state: the bin of obs[..., 0] among ``groups`` equal bins of [−1, 1], values
    beyond the ends in the end bins; (...) long."""
    position = (obs[..., 0].clamp(-1.0, 1.0) + 1.0) / 2.0 * groups
    return position.long().clamp(max=groups - 1)


def layer_norm_mlp(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """``networks.mlp`` with every hidden pre-activation layer-normalized over its units (no affine)."""
    layers = len(params) // 2
    for i in range(layers):
        x = torch.matmul(x, params[2 * i]) + params[2 * i + 1].unsqueeze(-2)
        if i < layers - 1:
            x = torch.relu(F.layer_norm(x, x.shape[-1:]))
    return x


class SLMGACCritic(BatchedCritic):
    """Two heads per seed, each with G groups of (Q, r̂, Ĝ^(h)) outputs."""

    def __init__(self, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 generator: torch.Generator, device: torch.device, spectral_norm: bool = False,
                 groups: int = 2, layer_norm: bool = True):
        super().__init__(seeds, 2, [obs_dim + act_dim] + [hidden] * layers + [groups * (1 + TASKS)], generator,
                         device, spectral_norm)
        self.groups, self.layer_norm = groups, layer_norm

    def network(self, params, x, train=False):
        params = self.params if params is None else params
        if self.spectral is not None:
            params = self.spectral.normalize(params, "target" if params is self.target_params else "online")
        return layer_norm_mlp(params, x) if self.layer_norm else mlp(params, x)

    def outputs(self, obs, act, params=None) -> torch.Tensor:
        """Each head's (Q, r̂, Ĝ^(h)) of the state's group, (seeds, heads, B, 1 + TASKS)."""
        out = self.network(params, self.inputs(obs, act))
        out = out.unflatten(-1, (self.groups, 1 + TASKS))                  # (S, H, B, G, 1 + TASKS)
        group = state_groups(obs, self.groups)[:, None, :, None, None].expand(-1, self.heads, -1, 1, 1 + TASKS)
        return out.gather(-2, group).squeeze(-2)

    def values(self, obs, act, params=None, train=False) -> torch.Tensor:
        """Q of every head, (seeds, heads, B)."""
        return self.outputs(obs, act, params)[..., 0]

    def loss(self, obs, act, target) -> tuple[torch.Tensor, torch.Tensor]:
        """J_TD = Σ_heads E[½·(Q − y)²] per seed, and the heads' Q."""
        q = self.values(obs, act)
        return 0.5 * (q - target.unsqueeze(1)).pow(2).mean(-1).sum(-1), q

    def supervised_loss(self, obs, act, targets: torch.Tensor, complete: torch.Tensor) -> torch.Tensor:
        """Σ_heads Σ_tasks E[½·(ĝ − G)²] per seed, (seeds,): targets and complete (seeds, B, TASKS), a task's
        term counted only where its target is complete (averaged over the whole batch)."""
        predicted = self.outputs(obs, act)[..., 1:]                        # (S, H, B, TASKS)
        squared = 0.5 * (predicted - targets.unsqueeze(1)).pow(2) * complete.unsqueeze(1)
        return squared.mean(2).sum((-1, -2))
