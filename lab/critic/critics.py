"""The critics of the SAC trainer, by name: ``make_critic(kind, ...)``.

- 'single', 'twin': scalar Q-networks trained by squared TD error (below); with two heads the
  TD target and the actor use the minimum, the clipped double-Q of Fujimoto et al. 2018, which
  SAC adopts (Haarnoja et al., arXiv 1812.05905, Sec. 6);
- 'dsac-t': Gaussian return distributions, twin, with DSAC-T's critic update (``dsac_t.py``);
- 'stac': one Gaussian critic with aleatoric pessimism and dropout (``stac.py``);
- 'hl-gauss': categorical critics trained by cross-entropy to HL-Gauss targets (``hl_gauss.py``);
- 'flow': values read out of a learned velocity field (``flow_critic.py``);
- 'sl-mgac': twin Q with supervised multi-task return heads, multi-group heads and layer
  normalization (``sl_mgac.py``).

Spectral normalization (``spectral.py``) is a switch on any of them. The interface every critic
offers is described in ``critic_base.py``.
"""
from __future__ import annotations

import torch

from .critic_base import BatchedCritic
from .dsac_t import DSACTCritic
from .flow_critic import FlowCritic
from .hl_gauss import HLGaussCritic
from .sl_mgac import SLMGACCritic
from .stac import STACCritic


class QCritic(BatchedCritic):
    """``heads`` scalar Q-networks per seed trained by squared TD error: 'single' (1) or 'twin' (2)."""

    def __init__(self, seeds: int, heads: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                 generator: torch.Generator, device: torch.device, spectral_norm: bool = False):
        super().__init__(seeds, heads, [obs_dim + act_dim] + [hidden] * layers + [1], generator, device,
                         spectral_norm)

    def values(self, obs: torch.Tensor, act: torch.Tensor, params: list[torch.Tensor] | None = None,
               train: bool = False) -> torch.Tensor:
        """Q of every head: obs (seeds, B, obs_dim), act (seeds, B, act_dim) → (seeds, heads, B)."""
        return self.network(params, self.inputs(obs, act), train).squeeze(-1)

    def loss(self, obs: torch.Tensor, act: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(J_Q per seed, (seeds,), and Q of every head, (seeds, heads, B)), where
        J_Q = Σ_i E[½·(Q_i(s, a) − y)²] sums the heads' squared TD errors."""
        q = self.values(obs, act)
        return 0.5 * (q - target.unsqueeze(1)).pow(2).mean(-1).sum(-1), q


def _scalar(heads: int):
    def build(seeds, obs_dim, act_dim, hidden, layers, generator, device, spectral_norm=False):
        return QCritic(seeds, heads, obs_dim, act_dim, hidden, layers, generator, device, spectral_norm)
    return build


CRITICS = {
    "single": _scalar(1),
    "twin": _scalar(2),
    "dsac-t": DSACTCritic,
    "stac": STACCritic,
    "hl-gauss": HLGaussCritic,
    "flow": FlowCritic,
    "sl-mgac": SLMGACCritic,
}


def make_critic(kind: str, seeds: int, obs_dim: int, act_dim: int, hidden: int, layers: int,
                generator: torch.Generator, device: torch.device, **options) -> BatchedCritic:
    """The critic named ``kind`` (one of ``CRITICS``); ``options`` are that critic's own
    (``spectral_norm`` for all; see each class for the rest)."""
    if kind not in CRITICS:
        raise ValueError(f"unknown critic {kind!r}; allowed: {', '.join(map(repr, CRITICS))}")
    return CRITICS[kind](seeds, obs_dim, act_dim, hidden, layers, generator, device, **options)
