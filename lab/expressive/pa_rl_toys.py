"""PA-RL's two toys (``lab.expressive.pa_rl``): their true rewards, learned critics and policies, per seed.

'tokens': an action is two tokens (y₁, y₂) ∈ {0..7}², 64 joint actions. The true reward is a broad decoy
hill of height ``DECOY`` around (2, 2) and a single-action spike of height 1 at ``TOKEN_OPTIMUM`` (6, 5).
The policy is a two-token autoregressive table per seed, π(y₁, y₂) = softmax(ℓ₁)[y₁]·softmax(ℓ₂[y₁])[y₂];
the critic a table Q (seeds, 64) of running means of the noisy rewards seen.

'continuous': an action a ∈ [−1, 1]²; the true reward is one Gaussian bump of width ``BUMP_WIDTH`` at
``CONTINUOUS_OPTIMUM`` (0, 0.3), which lies BETWEEN the two clusters (±0.6, 0) of the behaviour data the
flow policy (``lab.expressive.flow.FlowPolicy``) is first fitted to; the critic a per-seed MLP fitted to
noisy rewards.
"""
from __future__ import annotations

import torch

from lab.agents.tasks import sample_from
from lab.critic.networks import init_mlp, mlp

TOKENS = 8
DECOY, DECOY_CENTRE, DECOY_WIDTH = 0.7, (2.0, 2.0), 2.0
TOKEN_OPTIMUM = (6, 5)
CONTINUOUS_OPTIMUM, BUMP_WIDTH = (0.0, 0.3), 0.35
BEHAVIOUR_MODES, BEHAVIOUR_STD = ((-0.6, 0.0), (0.6, 0.0)), 0.08


# --- 'tokens' ------------------------------------------------------------------------------------------


def token_reward(device: torch.device) -> torch.Tensor:
    """The true reward of the 64 joint actions, index 8·y₁ + y₂: the decoy hill, the spike at the optimum."""
    y1, y2 = torch.meshgrid(torch.arange(TOKENS, device=device), torch.arange(TOKENS, device=device), indexing="ij")
    d2 = (y1 - DECOY_CENTRE[0]) ** 2 + (y2 - DECOY_CENTRE[1]) ** 2
    reward = DECOY * torch.exp(-d2 / (2 * DECOY_WIDTH ** 2))
    reward[TOKEN_OPTIMUM] = 1.0
    return reward.flatten()


def joint_log_probs(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """log π(y₁, y₂) of the two-token policy: logits ℓ₁ (S, 8), ℓ₂ (S, 8, 8) → (S, 64), index 8·y₁ + y₂."""
    return (torch.log_softmax(first, -1).unsqueeze(-1) + torch.log_softmax(second, -1)).flatten(1)


def sample_joint(log_probs: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """n joint actions per seed by inverse CDF (``lab.agents.tasks.sample_from``, no host sync): (S, 64) →
    indices (S, n)."""
    u = torch.rand(log_probs.shape[0], n, generator=generator, device=log_probs.device)
    return sample_from(log_probs.exp(), u)


def update_running_mean(q: torch.Tensor, counts: torch.Tensor, actions: torch.Tensor,
                        rewards: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The table critic's fit: Q(a) the mean of every noisy reward seen at a. q, counts (S, 64); actions,
    rewards (S, n) → new (q, counts)."""
    sums = (q * counts).scatter_add(1, actions, rewards)
    counts = counts.scatter_add(1, actions, torch.ones_like(rewards))
    return sums / counts.clamp(min=1.0), counts


# --- 'continuous' --------------------------------------------------------------------------------------


def bump_reward(actions: torch.Tensor) -> torch.Tensor:
    """The true reward of continuous actions (..., 2): exp(−‖a − a*‖² / 2w²), 1 at the optimum a*."""
    optimum = torch.tensor(CONTINUOUS_OPTIMUM, device=actions.device)
    return torch.exp(-(actions - optimum).pow(2).sum(-1) / (2 * BUMP_WIDTH ** 2))


def behaviour_actions(seeds: int, n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """n actions per seed of the behaviour data: half near each of the two modes (±0.6, 0): (S, n, 2)."""
    modes = torch.tensor(BEHAVIOUR_MODES, device=device)
    which = torch.arange(n, device=device) % 2
    noise = BEHAVIOUR_STD * torch.randn(seeds, n, 2, generator=generator, device=device)
    return modes[which] + noise


class MlpCritic:
    """Q(a) per seed: an MLP 2 → hidden → hidden → 1, fitted to noisy rewards by Adam on the squared error."""

    def __init__(self, seeds: int, hidden: int, lr: float, generator: torch.Generator, device: torch.device):
        self.params = init_mlp((seeds,), [2, hidden, hidden, 1], generator, device)
        self.optimizer = torch.optim.Adam(self.params, lr=lr)

    def __call__(self, actions: torch.Tensor) -> torch.Tensor:
        """Q of actions (S, n, 2): (S, n)."""
        return mlp(self.params, actions).squeeze(-1)

    def fit(self, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        """One Adam step of every seed's critic toward rewards (S, n) at actions (S, n, 2)."""
        loss = (self(actions) - rewards).pow(2).mean(-1).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
