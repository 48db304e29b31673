"""Two-Stage Constrained Actor-Critic (Cai et al., "Two-Stage Constrained Actor-Critic for Short Video
Recommendation", arXiv 2302.01680) on short recommendation sessions with one dense and two sparse signals.

The paper. Short-video recommendation as a constrained MDP: maximise the cumulative main signal
(WatchTime, dense) subject to E[Σ r_i] ≥ C_i for auxiliary signals (Like, Share, …: sparse). Summing the
signals into one reward (or a Lagrangian with fixed multipliers) lets the dense one dominate the single
critic. TSCAC: stage one learns one actor-critic per auxiliary signal (TD critic V_i, actor on the advantage
A_i); stage two maximises the main advantage under KL(π ‖ π_i) ≤ ε_i to every stage-one policy, whose
Lagrangian has the closed-form solution

    π*(a|s) ∝ Π_i π_i(a|s)^{λ_i/Σλ} · exp(A_main(s, a) / Σλ),

fitted by minimising KL(π* ‖ π_θ): weighted log-likelihood of actions drawn from a behaviour policy π_β
with weights Π_i (π_i/π_β)^{λ_i/Σλ} · exp(A_main/Σλ) (``stage_two_weights``).

The toy (``catalogue``). ``users`` user types, ``items`` items, sessions of ``session`` steps (a user type
drawn uniformly, kept for the session). For user u three items matter: item 3u is the best for watch time
(mean 1.0, no likes or shares beyond the background), item 3u+1 has a little less watch time (0.95) and
the most likes (rate 0.15), item 3u+2 a little less again (0.92) and the most shares (0.08); the other
items are mediocre (0.4–0.6) with background rates (likes 0.01, shares 0.005). Watch time is dense and
noisy (Gaussian, std ``watch_noise``), likes and shares are sparse Bernoulli events. The constraints:
a like rate per shown item of at least ``like_floor`` and a share rate of at least ``share_floor``. Each
seed's policies are logit tables (users × items) trained with Adam; the critics are tables V(u, t) trained
by TD(0) with discount ``discount``. One step = ``sessions`` sessions per seed and one update.

The switch ``method``:
- 'summed' (default, the failure): one actor-critic on r = watch + ``aux_weight``·(like + share). Its optimum
  is one item per user (a scalarisation has a deterministic optimum), so it can keep at most one of two
  sparse signals that live on different items; at a small weight the dense watch time wins and both go;
- 'two_stage': the first ``stage1_steps`` steps train one actor-critic per auxiliary signal (each on its own
  sessions); the remaining steps train the main policy by the paper's stage-two rule with equal λ_i and
  Σλ = ``kl_weight``, π_β = the current main policy (on-policy sessions).

Metrics per seed (``TwoStageTrainer.step``), exact from the main policy's probabilities and the true
means (mean over user types): watch (expected watch time per shown item, the headline), like_rate,
share_rate, constraints_met (1 when both floors hold) and entropy (nats) of the main policy.

What reproduces (tests/expressive/test_two_stage.py, defaults — 4 user types, 12 items, sessions of 4,
32 sessions per step, 400 steps, two_stage's stage one 150 of them — 16 seeds, base seeds 0, 1, 2; per-seed
table in the test module): 'summed' meets both constraints in 0 of 48 seeds at aux_weight 0.3, 1 and 3
(at 1 and 3 every user gets its like item: watch 0.949, likes 0.15, shares 0.005; at 0.3 the noisy watch
time wins in part: watch 0.98, likes 0.016–0.115, shares 0.006); 'two_stage' meets both in 48 of 48 (watch
0.917–0.918 mean, likes 0.083–0.089, shares 0.032–0.034), 3 % less watch time than 'summed' at weight 1.
The constrained optimum of this toy (by hand: 0.21 on the like item, 0.20 on the share item, the rest on
the watch item) has watch 0.973: TSCAC with fixed multipliers is feasible but conservative — it keeps the
rates near the stage-one policies' geometric mixture, not at the floors.

Inferred (the abstract, the introduction and talk write-ups were available; the method section's equations
were not): the closed form and the weighted-likelihood loss above are as the write-ups describe them and as
I recall the paper; the paper learns from logged data of a behaviour policy (with importance ratios in both
stages), the toy learns on-line and on-policy (π_β = the current main policy, no ratio in stage one); equal
λ_i; the batch self-normalisation of the stage-two weights (a constant factor per seed and step) and the
toy are ours.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.agents.tasks import sample_from
from lab.core import Field, LabConfig, Trainer

METHODS = ("summed", "two_stage")
BEST_WATCH, LIKE_ITEM_WATCH, SHARE_ITEM_WATCH = 1.0, 0.95, 0.92
LIKE_RATE, SHARE_RATE = 0.15, 0.08                  # on the user's like item / share item
BACKGROUND_LIKE, BACKGROUND_SHARE = 0.01, 0.005     # on every other item


class TwoStageConfig(LabConfig):
    """Short recommendation sessions with a dense main signal (watch time) and two sparse ones (likes,
    shares); one policy on the summed reward, or TSCAC's two stages; a population of seeds trained at once."""

    method: Literal[METHODS] = Field(
        "summed", description="'summed' (one actor-critic on watch + aux_weight·(like + share)) or 'two_stage' "
        "(one actor-critic per auxiliary signal, then the main policy fitted to the product of them tilted by "
        "the watch-time advantage)")
    users: int = Field(4, ge=1, le=16, description="user types (each has its own best items)")
    items: int = Field(12, ge=3, le=64, description="items to recommend (at least 3 per user type)")
    session: int = Field(4, ge=1, le=32, description="items shown per session")
    sessions: int = Field(32, ge=1, le=1024, description="sessions per seed per step")
    discount: float = Field(0.9, ge=0.0, le=1.0, description="γ of the TD critics")
    watch_noise: float = Field(0.5, ge=0.0, le=5.0, description="std of the Gaussian noise on watch time")
    aux_weight: float = Field(1.0, ge=0.0, le=100.0, description="'summed': weight of a like and of a share "
                              "in the summed reward (watch time has weight 1)")
    kl_weight: float = Field(0.25, gt=0.0, le=10.0, description="'two_stage': Σλ, the sum of the KL constraints' "
                             "multipliers: the temperature of the watch-time advantage in the target policy")
    stage1_steps: int = Field(150, ge=1, le=100_000, description="'two_stage': steps of stage one (the auxiliary "
                              "policies) before the main policy is trained")
    like_floor: float = Field(0.04, ge=0.0, le=1.0, description="constraint: likes per shown item at least this")
    share_floor: float = Field(0.02, ge=0.0, le=1.0, description="constraint: shares per shown item at least this")
    lr: float = Field(0.05, gt=0.0, le=10.0, description="Adam step size of the policies' logits")
    critic_lr: float = Field(0.05, gt=0.0, le=10.0, description="Adam step size of the critics' tables")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(400, ge=1, le=100_000, description="training steps (for 'two_stage' stage one included)")

    def problems(self) -> list[str]:
        found = []
        if self.items < 3 * self.users:
            found.append(f"'items' = {self.items} must be at least 3 × 'users' = {3 * self.users} (each user type "
                         "has its own watch, like and share item)")
        if self.method == "two_stage" and self.stage1_steps >= self.steps:
            found.append(f"'stage1_steps' = {self.stage1_steps} must be below 'steps' = {self.steps} for "
                         "'two_stage' (stage two needs steps)")
        return found


# --- the toy ---------------------------------------------------------------------------------------


def catalogue(users: int, items: int, device=None) -> torch.Tensor:
    """The true mean of each signal for each (user type, item): (3, U, N) — watch time, like rate, share
    rate. User u's watch item is 3u, like item 3u + 1, share item 3u + 2; the other items are mediocre."""
    u = torch.arange(users, device=device).unsqueeze(1)
    a = torch.arange(items, device=device).unsqueeze(0)
    watch = 0.4 + 0.2 * ((u + 5 * a) % 7) / 6.0
    like = torch.full((users, items), BACKGROUND_LIKE, device=device)
    share = torch.full((users, items), BACKGROUND_SHARE, device=device)
    rows = torch.arange(users, device=device)
    watch[rows, 3 * rows], watch[rows, 3 * rows + 1], watch[rows, 3 * rows + 2] = (
        BEST_WATCH, LIKE_ITEM_WATCH, SHARE_ITEM_WATCH)
    like[rows, 3 * rows + 1] = LIKE_RATE
    share[rows, 3 * rows + 2] = SHARE_RATE
    return torch.stack([watch, like, share])


def expected(probs: torch.Tensor, means: torch.Tensor) -> torch.Tensor:
    """Each signal's expected value per shown item under policies probs (S, U, N), mean over user types:
    means (3, U, N) → (S, 3)."""
    return torch.einsum("sun,kun->sk", probs, means) / probs.shape[1]


def stage_two_weights(aux_log_probs: torch.Tensor, behaviour_log_prob: torch.Tensor, advantage: torch.Tensor,
                      kl_weight: float) -> torch.Tensor:
    """TSCAC's stage-two weights (arXiv 2302.01680, the closed form π* ∝ Π_i π_i^{λ_i/Σλ} exp(A_main/Σλ) and
    its fit min KL(π* ‖ π_θ) on samples of π_β): w = Π_i (π_i(a|s)/π_β(a|s))^{λ_i/Σλ} · exp(A_main(s,a)/Σλ)
    with equal λ_i (λ_i/Σλ = 1/m), self-normalised to mean 1 over the batch (the last dimension).
    aux_log_probs (m, ..., B), behaviour_log_prob and advantage (..., B) → (..., B)."""
    m = aux_log_probs.shape[0]
    log_w = ((aux_log_probs - behaviour_log_prob) / m).sum(0) + advantage / kl_weight
    return torch.softmax(log_w, -1) * log_w.shape[-1]


# --- the trainer -----------------------------------------------------------------------------------


def taken_log_prob(log_probs: torch.Tensor, users: torch.Tensor, shown: torch.Tensor) -> torch.Tensor:
    """log π(a_t | u) of the items shown: log_probs (S, U, N), users (S, B), shown (S, B, T) → (S, B, T)."""
    rows = log_probs.gather(1, users.unsqueeze(-1).expand(-1, -1, log_probs.shape[-1]))    # (S, B, N)
    return rows.gather(2, shown)


def session_values(critic: torch.Tensor, users: torch.Tensor) -> torch.Tensor:
    """The critic's V(u, t) along each session: critic (S, U, T), users (S, B) → (S, B, T)."""
    return critic.gather(1, users.unsqueeze(-1).expand(-1, -1, critic.shape[-1]))


class TwoStageTrainer(Trainer):
    """``seeds`` independent recommenders: a main policy and (for 'two_stage') a like and a share policy,
    each a logit table (users × items), each with a tabular TD critic; one step = ``sessions`` sessions per
    seed and one Adam step."""

    Config = TwoStageConfig

    def __init__(self, config: TwoStageConfig, device=None):
        super().__init__(config, device)
        c, dev = config, self.device
        self.means = catalogue(c.users, c.items, dev)                                    # (3, U, N)
        self.main = torch.zeros(c.seeds, c.users, c.items, device=dev, requires_grad=True)
        self.main_critic = torch.zeros(c.seeds, c.users, c.session, device=dev, requires_grad=True)
        self.aux = torch.zeros(2, c.seeds, c.users, c.items, device=dev, requires_grad=True)      # like, share
        self.aux_critics = torch.zeros(2, c.seeds, c.users, c.session, device=dev, requires_grad=True)
        self.main_optimizer = torch.optim.Adam([{"params": [self.main]},
                                                {"params": [self.main_critic], "lr": c.critic_lr}], lr=c.lr)
        self.aux_optimizer = torch.optim.Adam([{"params": [self.aux]},
                                               {"params": [self.aux_critics], "lr": c.critic_lr}], lr=c.lr)
        self.steps_done = 0

    @property
    def population(self) -> int:
        return self.config.seeds

    def draw_sessions(self, probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``sessions`` sessions of the policies probs (S, U, N): user types (S, B), items shown (S, B, T)
        and the signals observed (3, S, B, T): watch time (noisy), like and share events (0/1)."""
        c, g, dev = self.config, self.generator, self.device
        S = probs.shape[0]
        users = torch.randint(c.users, (S, c.sessions), generator=g, device=dev)
        rows = probs.gather(1, users.unsqueeze(-1).expand(-1, -1, c.items))              # (S, B, N)
        shown = sample_from(rows, torch.rand(S, c.sessions, c.session, generator=g, device=dev))
        mean = self.means[:, users.unsqueeze(-1), shown]                                   # (3, S, B, T)
        watch = mean[0] + c.watch_noise * torch.randn(mean.shape[1:], generator=g, device=dev)
        events = (torch.rand((2, *mean.shape[1:]), generator=g, device=dev) < mean[1:]).to(mean.dtype)
        return users, shown, torch.cat([watch.unsqueeze(0), events])

    def actor_critic_losses(self, logits: torch.Tensor, critic: torch.Tensor, signal: int | None):
        """One batch of ``logits``' policy (S, U, N); its TD critic ``critic`` (S, U, T) fitted to the
        signal (None: the summed reward); returns (the actor's advantage-weighted log-likelihood loss or,
        for the main policy under 'two_stage', the stage-two fit, the critic's TD loss), summed over seeds."""
        c = self.config
        log_probs = torch.log_softmax(logits, -1)
        users, shown, signals = self.draw_sessions(log_probs.detach().exp())
        reward = signals[0] + c.aux_weight * (signals[1] + signals[2]) if signal is None else signals[signal]
        values = session_values(critic, users)
        following = torch.cat([values[..., 1:], torch.zeros_like(values[..., :1])], -1).detach()
        target = reward + c.discount * following                                           # r + γ V(s')
        advantage = target - values.detach()                                               # TD(0) advantage
        critic_loss = (target - values).pow(2).mean((1, 2)).sum()
        log_pi = taken_log_prob(log_probs, users, shown)
        if c.method == "two_stage" and signal == 0:
            aux_log_probs = torch.stack([taken_log_prob(torch.log_softmax(self.aux[i].detach(), -1), users, shown)
                                         for i in range(2)]).flatten(2)
            weights = stage_two_weights(aux_log_probs, log_pi.detach().flatten(1), advantage.flatten(1),
                                        c.kl_weight).view_as(log_pi)
            return -(weights * log_pi).mean((1, 2)).sum(), critic_loss
        return -(advantage * log_pi).mean((1, 2)).sum(), critic_loss

    def step(self) -> dict[str, torch.Tensor]:
        """One batch of sessions and one update of every seed; per-seed metrics (seeds,), exact from the
        main policy before the update: watch (the headline), like_rate, share_rate, constraints_met,
        entropy. Stage one ('two_stage', the first ``stage1_steps``) trains the like and share policies on
        their own sessions; otherwise the main policy is trained."""
        c = self.config
        probs = torch.softmax(self.main.detach(), -1)
        watch, like, share = expected(probs, self.means).unbind(-1)
        entropy = -(probs * probs.clamp_min(1e-30).log()).sum(-1).mean(-1)
        if c.method == "two_stage" and self.steps_done < c.stage1_steps:
            optimizer = self.aux_optimizer
            losses = [self.actor_critic_losses(self.aux[i], self.aux_critics[i], i + 1) for i in range(2)]
        else:
            optimizer = self.main_optimizer
            losses = [self.actor_critic_losses(self.main, self.main_critic, 0 if c.method == "two_stage" else None)]
        optimizer.zero_grad(set_to_none=True)
        sum(actor + critic for actor, critic in losses).backward()
        optimizer.step()
        self.steps_done += 1
        met = ((like >= c.like_floor) & (share >= c.share_floor)).to(watch.dtype)
        return {"watch": watch, "like_rate": like, "share_rate": share, "constraints_met": met, "entropy": entropy}

    def view_state(self) -> torch.Tensor:
        """Each seed's main-policy probabilities over the items for every user type: (seeds, users, items)."""
        return torch.softmax(self.main.detach(), -1).clone()
