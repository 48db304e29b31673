"""Beyond the paper: a learned adaptation controller, trained by REINFORCE, as a lab Trainer.

Each turn the controller sees the user's new vector u_t and its previous target b_{t−1} and
chooses a step size and a cap for this turn — a Hybrid whose two knobs move with the state:

    features  f_t = (1, cos(u_t, b_{t−1}), log(1 + ‖u_t − b_{t−1}‖₂))
    action    a_t ~ N(W f_t, σ² I), a_t ∈ R²;  α_t = sigmoid(a_t[0]),  cap_t = exp(a_t[1])
    update    b_t = b_{t−1} + s · min(1, cap_t / ‖s‖₂),  s = α_t (u_t − b_{t−1})
    reward    r_t = λ cos(b_t, u_t) + (1 − λ) cos(b_t, b_{t−1}),   b_0 = c

W (2 × 3 per member) starts at the paper's Hybrid (α 0.5, cap 0.25, whatever the state) and
follows the REINFORCE gradient of the mean per-turn reward, with the batch mean of the
reward-to-go at each turn as baseline, by Adam with a step size decaying geometrically from
``lr`` to ``lr_final`` over ``steps`` (so the last weights are not the noisiest).
The population is a λ grid × seeds, every member trained at once; ``evaluate`` replays the deterministic controller (a_t = W f_t) on
every dialog and measures synchrony and stability exactly as ``metrics`` does, so the result
sits on the same axes as the hand-made policies' frontier.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import torch

from lab.core import ConfigError, Field, LabConfig, Trainer
from lab.core.config import gigabytes, memory_budget

from .dialogs import Dialogs
from .frontier import best_tradeoff, pareto_front
from .metrics import masked_mean
from .style_space import Persona, Scaler, cosine
from .synthetic import shipped_corpus

N_FEATURES = 3
TURNS = 24            # turns of the shipped corpus's longest dialog: the config's own estimate; the trainer
                      # checks again with its dialogs' longest (every dialog is padded to it)
ROLLOUT_TENSORS = 18  # (members, batch, turns, 8) float32 tensors alive in a step (the gathered user
                      # vectors, targets, steps, the cosines' operands, kept for backward): 4 λ × 16 seeds,
                      # batch 256, 2 steps on the CPU used 0.225 GB of peak RSS, estimated 0.226 GB; 8 members,
                      # batch 32, dialogs padded to 1,000 turns: 147 MB measured, 147 MB estimated
EVALUATE_TENSORS = 10  # (members, dialogs, turns, 8) float32 tensors alive in ``evaluate`` (no gradient): 8
                       # members on 200 dialogs padded to 1,000 turns at once used 455 MB of peak RSS (8.9 such)
EVALUATE_CELLS = 1_000_000  # members × dialogs × turns replayed at once by ``evaluate``: dialogs go by length
                            # in groups padded to their own longest, so its memory is bounded, not D × longest


class AdaptationControllerConfig(LabConfig):
    """REINFORCE on a state-dependent Hybrid (step size and cap per turn), for a grid of λ."""

    lam_min: float = Field(0.2, ge=0.0, le=1.0, description="smallest λ, the weight of synchrony in the reward")
    lam_max: float = Field(0.8, ge=0.0, le=1.0, description="largest λ")
    n_lam: int = Field(4, ge=1, le=21, description="number of λ values, evenly spaced in [λ_min, λ_max]")
    seeds: int = Field(2, ge=1, le=64, description="independent controllers per λ")
    batch: int = Field(32, ge=1, le=1024, description="dialogs sampled per member per step")
    noise: float = Field(0.3, gt=0.0, le=3.0, description="exploration std σ of the actions")
    lr: float = Field(0.03, gt=0.0, le=1.0, description="Adam step size on the controller's weights at the start")
    lr_final: float = Field(0.003, gt=0.0, le=1.0, description="Adam step size at the last step (geometric decay)")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(1000, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.lam_min > self.lam_max:
            found.append(f"'lam_min' = {self.lam_min} must be at most 'lam_max' = {self.lam_max}")
        elif self.n_lam > 1 and self.lam_min == self.lam_max:
            found.append(f"a grid of 'n_lam' = {self.n_lam} values needs 'lam_max' above 'lam_min' = {self.lam_min}")
        if self.lr_final > self.lr:
            found.append(f"'lr_final' = {self.lr_final} must be at most 'lr' = {self.lr} (the step size decays)")
        return found

    def memory_parts(self, turns: int = TURNS, dialogs: int | None = None) -> dict[str, float]:
        """A step's rollout: float32 (members, batch, turns, 8) tensors kept for the backward pass, every
        dialog padded to ``turns`` (default ``TURNS``, the shipped corpus's longest: the config alone does not
        know its dialogs). With ``dialogs`` (their number), also ``evaluate`` (groups of at most
        ``EVALUATE_CELLS`` members × dialogs × turns, or one dialog) and the dialogs themselves, padded
        (float64 vectors and a mask)."""
        members = self.n_lam * self.seeds
        parts = {"a step's rollout (n_lam·seeds·batch)": 4 * ROLLOUT_TENSORS * members * self.batch * turns * 8}
        if dialogs is not None:
            cells = min(members * dialogs * turns, max(EVALUATE_CELLS, members * turns))
            parts["evaluating the dialogs (n_lam·seeds)"] = 4 * EVALUATE_TENSORS * cells * 8
            parts["the dialogs, padded to the longest"] = 65 * dialogs * turns
        return parts

    def check_memory(self, turns: int, dialogs: int) -> None:
        """Raise ConfigError when the estimate for ``dialogs`` dialogs padded to ``turns`` turns (the
        longest) exceeds ``memory_budget()``, with the estimate and the budget in the message."""
        parts = self.memory_parts(turns, dialogs)
        total, budget = sum(parts.values()), memory_budget()
        if total <= budget:
            return
        items = ", ".join(f"{name} {gigabytes(n)}" for name, n in sorted(parts.items(), key=lambda p: -p[1]))
        raise ConfigError(f"{type(self).__name__}: on {dialogs:,} dialogs whose longest has {turns:,} turns (every "
                          f"dialog is padded to it), estimated memory {gigabytes(total)} exceeds the budget of "
                          f"{gigabytes(budget)} ({items}); lower the fields named, use shorter dialogs, or raise "
                          "LAB_MEMORY_BUDGET (e.g. '8G')")


class AdaptationController(Trainer):
    """A population of learned controllers; one ``step()`` is one REINFORCE update for every member.

    ``dialogs``, ``scaler`` and ``persona`` default to the shipped synthetic corpus.
    """

    Config = AdaptationControllerConfig

    def __init__(self, config: AdaptationControllerConfig, device=None, dialogs: Dialogs | None = None,
                 scaler: Scaler | None = None, persona: Persona | None = None):
        super().__init__(config, device)
        if dialogs is None:
            if scaler is not None or persona is not None:
                raise ValueError("give dialogs, scaler and persona together, or none of them")
            dialogs, scaler, persona = shipped_corpus()
        elif scaler is None or persona is None:
            raise ValueError("with dialogs, give their scaler and the persona too")
        c = config
        c.check_memory(int(dialogs.lengths.max()), len(dialogs))                 # before anything is allocated
        self.user, self.mask = dialogs.padded(scaler, self.device)               # (D, T, 8), (D, T)
        self.persona = persona.tensor(self.device)
        lams = torch.linspace(c.lam_min, c.lam_max, c.n_lam, dtype=torch.float64)
        self.lam = lams.repeat_interleave(c.seeds).to(self.device)               # (P,)
        self.seed_index = torch.arange(c.seeds).repeat(c.n_lam)
        # Start at Hybrid's defaults: α = sigmoid(0) = 0.5, cap = exp(log 0.25), for every state.
        start = torch.zeros(len(self.lam), 2, N_FEATURES, dtype=torch.float64, device=self.device)
        start[:, 1, 0] = math.log(0.25)
        self.weights = start.requires_grad_()
        self.optimizer = torch.optim.Adam([self.weights], lr=c.lr)
        decay = (c.lr_final / c.lr) ** (1 / max(1, c.steps - 1))
        self.schedule = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, gamma=decay)

    @property
    def population(self) -> int:
        return len(self.lam)

    def members(self) -> dict[str, list]:
        return {"lam": self.lam.tolist(), "seed": self.seed_index.tolist()}

    def rollout(self, user: torch.Tensor, mask: torch.Tensor, explore: bool):
        """Run every member over ``user`` (P, B, T, 8): targets (P, B, T, 8), rewards and log-probs (P, B, T)."""
        p, n, t_max, _ = user.shape
        b = self.persona.expand(p, n, -1)
        targets, log_probs = [], []
        for t in range(t_max):
            u = user[:, :, t]
            features = torch.stack([torch.ones_like(u[..., 0]), cosine(u, b),
                                    torch.log1p(torch.linalg.vector_norm(u - b, dim=-1))], dim=-1)
            mean = torch.einsum("paf,pbf->pba", self.weights, features)               # (P, B, 2)
            action = mean + self.config.noise * torch.randn(
                mean.shape, generator=self.generator, device=self.device, dtype=mean.dtype) if explore else mean
            action = action.detach()
            log_probs.append(-((action - mean) ** 2).sum(-1) / (2 * self.config.noise ** 2))
            step = torch.sigmoid(action[..., :1]) * (u - b)
            norm = torch.linalg.vector_norm(step, dim=-1, keepdim=True)
            new = b + step * torch.clamp(torch.exp(action[..., 1:]) / norm, max=1.0)
            b = torch.where(mask[:, :, t, None], new, b)
            targets.append(b)
        targets = torch.stack(targets, dim=2)
        previous = torch.cat([self.persona.expand(p, n, 1, -1), targets[:, :, :-1]], dim=2)
        lam = self.lam[:, None, None]
        rewards = lam * cosine(targets, user) + (1 - lam) * cosine(targets, previous)
        return targets, previous, rewards, torch.stack(log_probs, dim=2)

    def step(self) -> dict[str, torch.Tensor]:
        c = self.config
        pick = torch.randint(len(self.user), (self.population, c.batch), generator=self.generator, device=self.device)
        user, mask = self.user[pick], self.mask[pick]                                 # (P, B, T, 8), (P, B, T)
        targets, previous, rewards, log_probs = self.rollout(user, mask, explore=True)
        rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
        turns = mask.sum(-1, keepdim=True)
        to_go = rewards.flip(-1).cumsum(-1).flip(-1) / turns                         # per-turn mean objective
        advantage = to_go - to_go.mean(dim=1, keepdim=True)                           # batch-mean baseline
        loss = -(torch.where(mask, log_probs * advantage, torch.zeros_like(log_probs))).sum((1, 2)) / c.batch
        self.optimizer.zero_grad()
        loss.sum().backward()
        self.optimizer.step()
        self.schedule.step()
        return {"objective": (rewards.sum(-1) / turns[..., 0]).mean(1).detach(),
                "synchrony": masked_mean(cosine(targets, user), mask).mean(1),
                "stability": masked_mean(cosine(targets, previous), mask).mean(1)}

    def view_state(self) -> "AdaptationController":
        """For live views: a shallow copy whose controller weights are a snapshot (the dialogs, λ and
        persona are never changed by training); ``evaluate()`` on it uses no random numbers."""
        state = copy.copy(self)
        state.weights = self.weights.detach().clone()
        return state

    @torch.no_grad()
    def evaluate(self) -> dict[str, torch.Tensor]:
        """The deterministic controllers on every dialog: per member synchrony, stability and
        objective λ·synchrony + (1 − λ)·stability, each the mean over dialogs of per-dialog means.
        Dialogs are replayed by length, in groups padded to their own longest (``EVALUATE_CELLS``)."""
        p = self.population
        per_dialog = torch.empty(2, p, len(self.user), dtype=self.user.dtype, device=self.device)
        for group in self.evaluation_groups():
            t_max = int(self.mask[group].sum(1).max())
            user, mask = self.user[group, :t_max], self.mask[group, :t_max]
            user, mask = user.expand(p, *user.shape), mask.expand(p, *mask.shape)
            targets, previous, _, _ = self.rollout(user, mask, explore=False)
            per_dialog[0][:, group] = masked_mean(cosine(targets, user), mask)
            per_dialog[1][:, group] = masked_mean(cosine(targets, previous), mask)
        synchrony, stability = per_dialog.mean(2)
        return {"synchrony": synchrony, "stability": stability,
                "objective": self.lam * synchrony + (1 - self.lam) * stability}


    def evaluation_groups(self) -> list[torch.Tensor]:
        """Dialog indices, shortest first, in groups of at most ``EVALUATE_CELLS`` members × dialogs ×
        (the group's longest) turns, or a single dialog."""
        lengths = self.mask.sum(1).tolist()
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        groups, start = [], 0
        for end in range(1, len(order) + 1):
            if end == len(order) or self.population * (end + 1 - start) * lengths[order[end]] > EVALUATE_CELLS:
                groups.append(torch.tensor(order[start:end], device=self.device))
                start = end
        return groups


def frontier_comparison(trainer: AdaptationController, table: pd.DataFrame) -> pd.DataFrame:
    """Each trained member beside the hand-made policies of a ``sweep`` table on the same dialogs.

    Columns: lam, seed, synchrony, stability, objective (the controller's λ-objective),
    best_policy and best_objective (the best hand-made setting for that λ), gap (objective −
    best_objective: > 0 passes the frontier, ≈ 0 reaches it, < 0 falls short), dominated (some
    hand-made setting is at least as good on both axes and better on one).
    """
    result = {k: v.cpu().numpy() for k, v in trainer.evaluate().items()}
    syn, stab = table["synchrony"].to_numpy(), table["stability"].to_numpy()
    rows = []
    for i, (lam, seed) in enumerate(zip(trainer.lam.tolist(), trainer.seed_index.tolist())):
        best, value = best_tradeoff(syn, stab, lam)
        x, y = result["synchrony"][i], result["stability"][i]
        dominated = not pareto_front(np.append(syn, x), np.append(stab, y))[-1]
        rows.append({"lam": lam, "seed": seed, "synchrony": x, "stability": y, "objective": result["objective"][i],
                     "best_policy": table["policy"].iloc[best], "best_objective": value,
                     "gap": result["objective"][i] - value, "dominated": dominated})
    return pd.DataFrame(rows)
