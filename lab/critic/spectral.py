"""Spectral normalization of batched weights: the Lipschitz-regularized critic.

Zheng et al., "Is Model Ensemble Necessary? Model-based RL via a Single Model with Lipschitz
Regularized Value Function" (ICLR 2023, arXiv 2302.01244), regularize the value network's
Lipschitz constant by spectral normalization. The normalization itself is that of Miyato et al.,
"Spectral Normalization for Generative Adversarial Networks" (ICLR 2018, Algorithm 1):
W_SN = W / σ(W), with σ(W) the largest singular value estimated by one step of power iteration
per forward pass from a persistent vector u:

    v ← W u / ‖W u‖,   u ← Wᵀ v / ‖Wᵀ v‖,   σ(W) ≈ vᵀ W u,

u and v held fixed (no gradient through them), so the gradient flows through W in both W and σ.

Here every member (seed, head) has its own u per layer, and the iteration runs on the whole
batch of matrices at once. **Which layers**: the hidden layers (every layer but the output
layer). The paper's exact choice of layers could not be confirmed from the stored text; we keep
the output layer free because with every layer normalized a critic is 1-Lipschitz in (s, a) and
cannot represent Pendulum's values (they span ~1,600 over observations of norm ≲ 10). So the
hidden features are 1-Lipschitz and the critic's Lipschitz constant is at most ‖W_out‖₂.
"""
from __future__ import annotations

import torch


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)


class SpectralNorm:
    """Persistent power-iteration vectors for the hidden layers of batched MLP weights ``[W1, b1, ...]``.

    One set of vectors per named copy of the weights ('online', 'target'), since the online and
    the target network have different singular vectors.
    """

    def __init__(self, params: list[torch.Tensor], generator: torch.Generator):
        weights = params[0:-2:2]                           # hidden layers: every weight but the last
        self.vectors = {
            copy: [_unit(torch.randn(w.shape[:-2] + w.shape[-1:], generator=generator, device=w.device))
                   for w in weights]
            for copy in ("online", "target")
        }

    def normalize(self, params: list[torch.Tensor], copy: str) -> list[torch.Tensor]:
        """``params`` with each hidden weight divided by its estimated largest singular value
        (one power-iteration step, which also refines the stored vectors of ``copy``)."""
        out = list(params)
        for i, u in enumerate(self.vectors[copy]):
            w = params[2 * i]                                # (*members, in, out); x @ W
            with torch.no_grad():
                v = _unit(torch.matmul(w, u.unsqueeze(-1)).squeeze(-1))                 # (*members, in)
                u = _unit(torch.matmul(w.transpose(-1, -2), v.unsqueeze(-1)).squeeze(-1))
                self.vectors[copy][i] = u
            sigma = torch.matmul(v.unsqueeze(-2), torch.matmul(w, u.unsqueeze(-1))).squeeze(-1)  # (*members, 1)
            out[2 * i] = w / sigma.unsqueeze(-1)
        return out


def largest_singular_values(params: list[torch.Tensor]) -> list[torch.Tensor]:
    """The exact largest singular value of every weight matrix in ``params``, each (*members,)."""
    return [torch.linalg.matrix_norm(w.detach(), ord=2) for w in params[0::2]]
