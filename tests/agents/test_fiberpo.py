"""FiberPO's gated ratio (arXiv 2603.08239, Def. 5.1, Eqs. 6–16; issue 18, item 6).

(a) The gate itself, no training: G = r while nothing is clipped, the Jacobian (Prop. 5.2–5.4), the
    regimes of Eq. 10 at hand-computed points, and the sign-cancelling trajectory that the unofficial
    signed-mean code (github.com/alphadl/FibrationPO) passes while the paper's sign-split gates engage.
(b) The claim on the agents lab's toy, measured with AgentsTrainer (see the test's docstring).
"""

import numpy as np
import pytest
import torch

from lab import Run
from lab.agents import AgentsConfig, AgentsTrainer
from lab.agents.fiberpo import aggregate_gate, channels, log_gate, surrogate

DELTA, SPLIT, EPS = 0.3, 0.6, 0.05          # the lab's defaults: C⁺ = 0.18, C⁻ = 0.12


@pytest.fixture(autouse=True)
def _on_one_thread(one_torch_thread):
    """Every test here runs on one torch thread (the fixture is in tests/conftest.py)."""
    yield


def gate(r: torch.Tensor, delta=DELTA, split=SPLIT, eps=EPS) -> torch.Tensor:
    """G(r•) as a function of the ratios themselves (..., T)."""
    return log_gate(r.log(), delta, split, eps)[0].exp()


def jacobian(r: torch.Tensor, **gates) -> torch.Tensor:
    """dG/dr of every step w.r.t. every step: (N, N) over the N = r.numel() steps."""
    n = r.numel()
    return torch.autograd.functional.jacobian(lambda x: gate(x.view(r.shape), **gates).reshape(-1),
                                              r.reshape(-1)).view(n, n)


def test_the_gate_is_the_ratio_itself_while_nothing_is_clipped():
    """L-I and G-I: |log r| ≤ 0.01 keeps S± ≤ C± and |u|, |v| ≤ 0.02 < ε, so G = r exactly (Eqs. 14–16
    cancel) and no gate is active; the surrogate is r·Â, with no PPO min."""
    g = torch.Generator().manual_seed(0)
    log_r = (torch.rand(3, 5, 6, generator=g, dtype=torch.float64) - 0.5) * 0.02
    adv = torch.randn(3, 5, 6, generator=g, dtype=torch.float64)
    per_step, active = surrogate(log_r, adv, DELTA, SPLIT, EPS)
    torch.testing.assert_close(per_step, log_r.exp() * adv, rtol=1e-12, atol=1e-12)
    assert not active.any()


def test_at_r_equal_one_the_gate_is_one_and_its_jacobian_the_identity():
    """Prop. 5.4: J = I at r = 1. Every log r is 0 there, so l must be +1 (torch.sign(0) = 0 would drop
    the step from both channels); G = 1 and no gate is active."""
    r = torch.ones(2, 3, 6, dtype=torch.float64)
    assert torch.equal(gate(r), r)
    assert not log_gate(r.log(), DELTA, SPLIT, EPS)[1].any()
    torch.testing.assert_close(jacobian(r), torch.eye(r.numel(), dtype=torch.float64), rtol=0, atol=1e-12)


def eq20(r: torch.Tensor, delta=DELTA, split=SPLIT, eps=EPS) -> torch.Tensor:
    """The paper's Jacobian, Prop. 5.2, Eq. 20, for one trajectory r (T,):
    J_ij = (G_i / r_j)(1[|u_i|≤ε] 1[i=j] + (1/T)(γ_j − 1[|u_i|≤ε] 1[l_i=l_j] − 1[|v_i|≤ε] 1[l_i≠l_j])),
    γ_j the slope of g^agg on channel l_j (1, −T or 0)."""
    T = r.numel()
    x = r.log()
    l = torch.where(x >= 0, 1.0, -1.0).to(r.dtype)
    s_plus, s_minus = x.clamp(min=0).mean(), (-x).clamp(min=0).mean()
    c_plus, c_minus = split * delta, (1 - split) * delta

    def slope(s, c):
        return 1.0 if s <= c else (-T if s < (1 + 1 / T) * c else 0.0)

    gamma = torch.where(l > 0, slope(s_plus, c_plus), slope(s_minus, c_minus)).to(r.dtype)
    u_in = torch.where(l > 0, (x - s_plus).abs(), (x + s_minus).abs()) <= eps
    v_in = torch.where(l > 0, s_minus, s_plus) <= eps
    same = l.unsqueeze(1) == l.unsqueeze(0)
    eye = torch.eye(T, dtype=torch.bool)
    inner = ((u_in.unsqueeze(1) & eye).to(r.dtype)
             + (gamma.unsqueeze(0) - (u_in.unsqueeze(1) & same).to(r.dtype)
                - (v_in.unsqueeze(1) & ~same).to(r.dtype)) / T)
    return gate(r).unsqueeze(1) / r.unsqueeze(0) * inner


@pytest.mark.parametrize("scale", [0.03, 0.1, 0.3])
def test_the_jacobian_is_block_diagonal_over_trajectories_and_equals_eq_20(scale):
    """Prop. 5.2–5.3 away from r = 1: for random log r of std 0.03 / 0.1 / 0.3 (every regime of
    Eq. 10 occurs among the 8 trajectories of 6 steps), autograd's dG/dr is zero between different
    trajectories and equals Eq. 20 within each (gradients flow through S±: nothing stop-gradiented)."""
    g = torch.Generator().manual_seed(1)
    r = (torch.randn(8, 6, generator=g, dtype=torch.float64) * scale).exp()
    J = jacobian(r).view(8, 6, 8, 6)
    for a in range(8):
        for b in range(8):
            if a != b:
                assert torch.count_nonzero(J[a, :, b]) == 0
        torch.testing.assert_close(J[a, :, a], eq20(r[a]), rtol=1e-9, atol=1e-12)


T4 = dict(delta=0.5, split=0.6, eps=0.05)   # T = 4: C⁺ = 0.3 (rollback to 0.375), C⁻ = 0.2 (rollback to 0.25)


def trajectory_slope(log_r: list[float]) -> tuple[torch.Tensor, torch.Tensor, float]:
    """log G, the active mask and d(Σ_i log G_i)/d log r_0 for one trajectory under T4's budgets. With
    every step in one channel and no residual clipped, the sum's derivative is γ, the slope of g^agg."""
    x = torch.tensor(log_r, dtype=torch.float64, requires_grad=True)
    log_g, active = log_gate(x, **T4)
    (grad,) = torch.autograd.grad(log_g.sum(), x)
    return log_g.detach(), active, grad[0].item()


@pytest.mark.parametrize("log_r, expected, slope", [
    ([0.2] * 4, 0.2, 1.0),                              # S⁺ = 0.2 ≤ C⁺: pass-through, G = r
    ([0.35] * 4, 5 * 0.3 - 4 * 0.35, -4.0),             # C⁺ < 0.35 < 1.25 C⁺: rollback, (T+1)C − T·x = 0.1
    ([0.4] * 4, 0.0, 0.0),                              # S⁺ ≥ 1.25 C⁺: zeroed, G = 1
    ([-0.15] * 4, -0.15, 1.0),                          # S⁻ = 0.15 ≤ C⁻: pass-through
    ([-0.22] * 4, -(5 * 0.2 - 4 * 0.22), -4.0),         # rollback of the − channel: log G = −0.12
    ([-0.3] * 4, 0.0, 0.0),                             # zeroed
])
def test_the_base_regimes_at_hand_computed_points(log_r, expected, slope):
    """Eq. 10 per channel, T = 4, C⁺ = 0.3, C⁻ = 0.2: the value of log w^base and the trajectory-level
    slope 1 (pass-through), −T (rollback: restorative) or 0 (zeroed: no trajectory gradient). Uniform
    trajectories leave the residual at 0 (u = v = 0), so log G_i = log w for every step."""
    log_g, active, d = trajectory_slope(log_r)
    torch.testing.assert_close(log_g, torch.full((4,), expected, dtype=torch.float64), rtol=0, atol=1e-12)
    assert d == pytest.approx(slope, abs=1e-12)
    assert bool(active.all()) == (slope != 1.0)


def test_aggregate_gate_is_continuous_at_the_band_edges():
    """g^agg(C) = C and g^agg((1 + 1/T)C) = 0 from both sides (Eq. 10's pieces meet), for both signs."""
    T, C, tiny = 6, 0.18, 1e-9
    for sign in (1.0, -1.0):
        x = sign * torch.tensor([C - tiny, C + tiny, (1 + 1 / T) * C - tiny, (1 + 1 / T) * C + tiny],
                                dtype=torch.float64)
        g = aggregate_gate(x, C, T)
        torch.testing.assert_close(g, sign * torch.tensor([C, C, 0.0, 0.0], dtype=torch.float64),
                                   rtol=0, atol=1e-7)


def test_the_residual_gate_clips_tokens_around_the_channel_mean():
    """Pass-through base (S⁺ = 0.2 ≤ 0.3, S⁻ = 0), T = 4, ε = 0.05: log r = [0.6, 0, 0, 0.2] has
    u = log r − S⁺ = [0.4, −0.2, −0.2, 0] (log r = 0 counts as l = +1), clipped to ±ε, so
    log G = 0.2 + [0.05, −0.05, −0.05, 0]; the three clipped steps are the active ones."""
    log_g, active, _ = trajectory_slope([0.6, 0.0, 0.0, 0.2])
    torch.testing.assert_close(log_g, torch.tensor([0.25, 0.15, 0.15, 0.2], dtype=torch.float64),
                               rtol=0, atol=1e-12)
    assert active.tolist() == [True, True, True, False]


def unofficial(log_r: torch.Tensor, delta: float, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The unofficial code's gate (alphadl/FibrationPO, fiberpo/fbg.py): one signed mean m, clamp(m, ±δ),
    the residual log r − clamp(m) clamped to ±ε. Returns log G and whether its base clamp is engaged."""
    m = log_r.mean(-1, keepdim=True)
    base = m.clamp(-delta, delta)
    return base + (log_r - base).clamp(-eps, eps), (m.abs() > delta).squeeze(-1)


def test_sign_cancelling_moves_pass_the_signed_mean_but_engage_the_paper_gates():
    """log r = [+.5, −.5, +.5, −.5, +.5, −.5]: the signed mean is 0, so the unofficial form's base gate
    passes (and its gradient through m is a pass-through one). The paper's sign split sees
    S⁺ = S⁻ = 0.25: with the defaults (C⁺ = 0.18, C⁻ = 0.12, T = 6) both channels are past their
    rollback bands (0.21, 0.14): zeroed (G-III), w = 1 with no trajectory-level gradient; with
    δ = 0.46, split 0.5 (C± = 0.23, band to 0.268) both are in rollback (G-III,r) with slope −T."""
    log_r = torch.tensor([0.5, -0.5] * 3, dtype=torch.float64, requires_grad=True)
    _, engaged = unofficial(log_r, DELTA, EPS)
    assert not engaged
    _, s_plus, s_minus = channels(log_r)
    assert s_plus.item() == pytest.approx(0.25) and s_minus.item() == pytest.approx(0.25)
    log_g, active = log_gate(log_r, DELTA, SPLIT, EPS)
    assert active.all()
    for c in (0.18, 0.12):
        assert aggregate_gate(s_plus.detach(), c, 6).item() == 0.0
    # fiber only: +: clip(0.5 − 0.25) − clip(−0.25) = 2ε; −: clip(−0.5 + 0.25) − clip(0.25) = −2ε
    torch.testing.assert_close(log_g.detach(), torch.tensor([0.1, -0.1] * 3, dtype=torch.float64),
                               rtol=0, atol=1e-12)
    # mutual rollback: d log w / d log r_j = −1 for every step (+ steps: γ/T; − steps: −γ·(−1/T); γ = −T),
    # so Â > 0 pulls S⁺ back and Â < 0 pulls S⁻ back: each channel is restored against the drift its sign drives
    x = log_r.detach().clone().requires_grad_(True)
    gp, gm = aggregate_gate(x.clamp(min=0).mean(), 0.23, 6), aggregate_gate((-x).clamp(min=0).mean(), 0.23, 6)
    (grad,) = torch.autograd.grad(gp - gm, x)
    torch.testing.assert_close(grad, torch.full((6,), -1.0, dtype=torch.float64), rtol=0, atol=1e-12)
    assert log_gate(x, 0.46, 0.5, EPS)[1].all()


# --- (b) the claim on the toy ----------------------------------------------------------------------

BASE_SEEDS = (0, 1, 2)
STRESS = dict(task="tree", vocab=4, length=4, decisive=2, tasks=4, batch_tasks=4, group=8, seeds=16,
              epochs=8, lr=0.1)                 # 8 Adam steps of lr 0.1 on every rollout batch
STEPS = 40
BUDGET = DELTA + EPS                             # the claim: |mean_t log r_t| ≤ δ + ε


def measure(objective: str, base: int) -> dict[str, np.ndarray]:
    """One population of 16 seeds, 40 steps: per seed, success (the fresh batch's exact expected reward)
    early (mean of steps 0–19) and final (mean of the last 10 steps), and seq_drift's largest value over
    the run and the fraction of steps where it stayed within δ + ε."""
    config = AgentsConfig.from_params(objective=objective, seed=base, steps=STEPS, fiber_delta=DELTA,
                                      fiber_split=SPLIT, fiber_eps=EPS, **STRESS)
    history = Run(AgentsTrainer(config, "cpu"), STEPS, progress=False).run()
    success, drift = history.values("success"), history.values("seq_drift")
    return dict(early=success[:20].mean(0), final=success[-10:].mean(0), drift_max=drift.max(0),
                within=(drift <= BUDGET).mean(0))


def collapsed(m: dict[str, np.ndarray]) -> int:
    """Seeds whose reward collapsed: final success (mean of the last 10 steps) below 0.5."""
    return int((m["final"] < 0.5).sum())


def test_fiberpo_neither_bounds_sequence_drift_nor_prevents_collapse_on_the_heavy_reuse_toy():
    """The issue's claim: under heavy reuse (many epochs per batch at a high lr) PPO's token clip lets the
    sequence ratio blow up and seeds' reward collapses; FiberPO keeps the sequence |log ratio| within
    δ + ε and fewer seeds collapse, at no loss of learning speed. MEASURED: FALSE on this toy, reversed —
    FiberPO's drift is as unbounded as PPO's and it collapses more seeds and learns slower. Pinned as is.

    Setting: tree task, vocab 4, length 4 (decisive step 2), 4 tasks all in every batch, group 8,
    16 seeds, 8 Adam epochs per batch at lr 0.1, 40 steps; FiberPO at the lab's defaults δ = 0.3,
    split 0.6 (C⁺ = 0.18, C⁻ = 0.12), ε = 0.05. success = the fresh batch's exact expected reward;
    early = its mean over steps 0–19, final = over the last 10 steps. A seed has COLLAPSED when its final
    success is below 0.5: its policy has locked onto a token on every task (entropy ≈ 0.02–0.1) and
    solves at most one of the four (the uniform policy's 0.25). drift = the trainer's seq_drift (largest
    |mean_t log π_new/π_old| over the seed's episodes after the 8 epochs), its max over the run.

    Measured (16 seeds; mean early / mean final / collapsed seeds / median and max over seeds of drift):

        base 0  PPO      0.72 / 0.75 /  1 / 8.5 / 11.6    FiberPO 0.39 / 0.36 /  9 / 13.6 / 32.4
        base 1  PPO      0.68 / 0.65 /  1 / 8.6 / 20.7    FiberPO 0.34 / 0.33 / 11 / 13.2 / 28.0
        base 2  PPO      0.66 / 0.64 /  2 / 8.3 / 16.1    FiberPO 0.40 / 0.41 /  7 / 13.9 / 66.3

    Per-seed final success, base 0: PPO 0.25 0.67 0.75 1.00 1.00 0.75 1.00 0.75 0.75 0.60 0.50 0.75 0.75
    1.00 0.75 0.75; FiberPO 0.25 0.25 0.50 0.50 0.50 0.25 0.25 0.25 0.50 0.57 0.25 0.25 0.50 0.50 0.25
    0.25. Base 1: PPO 0.50 0.47 0.75 0.50 0.75 0.50 0.75 0.50 0.50 0.75 0.72 0.75 0.75 0.75 0.75 0.75;
    FiberPO 0.25 0.25 0.25 0.50 0.75 0.25 0.50 0.00 0.35 0.25 0.25 0.25 0.50 0.50 0.25 0.25. Base 2: PPO
    0.50 0.50 0.75 0.75 0.74 0.50 0.75 0.75 1.00 0.75 0.25 0.75 0.75 0.75 0.50 0.25; FiberPO 0.52 0.75
    0.25 0.50 0.25 0.50 0.25 0.50 0.25 0.25 0.50 0.25 0.50 0.50 0.50 0.25.

    PPO's failure is there: its sequence drift reaches 11–21 nats (δ + ε = 0.35) and its final success
    0.64–0.75 is well below the 0.94–0.98 it reaches at lr 3e-2 (same setting, bases 0/1/2).

    Written down, not asserted (scripts in the helper's report; same setting unless said):
    - lr 3e-2, bases 0/1/2: FiberPO final 0.53 / 0.56 / 0.64, PPO 0.96 / 0.95 / 0.98: the loss is not
      only at lr 0.1.
    - Ablation, lr 3e-2, base 0: the harm is the trajectory gate's. Base gate alone (ε = 10): 0.26 final,
      13/16 collapsed; residual gate alone (δ = 10): 0.68; no gate (δ = ε = 10, plain r·Â): 0.64;
      PPO 0.96. The reason (an independent review, by swapping parts of the gate): in the rollback band
      a drift *opposite* to the advantage — a successful episode made less likely, a failed one more —
      is amplified, with T times the pass-through weight, until the channel is zeroed and nothing pulls
      it back; with g a plain clamp (no rollback, no zeroing) FiberPO learns as PPO does (SGD lr 1:
      0.96 / 0.96 / 0.98), and adding PPO's min on top of the gate gives 0.98 / 0.96 / 0.96 at Adam 3e-2
      with less drift than PPO. The same reversal holds with SGD (lr 1: 0.37 / 0.43 / 0.32 vs PPO's
      0.99 / 0.97 / 0.97) and at 2–8 epochs; at Adam 1e-2 the two tie (0.98) with FiberPO's drift lower
      (1.1–1.3 vs 1.6–1.8), never within δ + ε.
    - lr 3e-3, base 0: small steps. FiberPO does hold drift below PPO's (max over the run 0.67 vs 1.11,
      median 0.16 vs 0.25), at a small cost (final 0.95 vs 0.98), but not within δ + ε.
    - 1 epoch: the two objectives give identical runs (G = 1 at r = 1).
    - Length 6 (decisive step 3), 16 epochs, base 0: lr 1e-2, 60 steps: PPO 0.97, FiberPO 0.91 at the
      end; lr 3e-2, 100 steps: PPO 0.78, FiberPO 0.47. Length 6, 8 epochs, lr 0.1, 80 steps: FiberPO
      0.33 (defaults), 0.42 (δ = 1, ε = 0.2), PPO 0.64. The paper gives no training δ, ε.
    - objective='sequence' was not measured.
    """
    for base in BASE_SEEDS:
        ppo, fiber = measure("ppo", base), measure("fiberpo", base)
        # PPO's failure happens: the sequence ratio blows up (≥ 11 nats measured) and seeds collapse
        assert np.median(ppo["drift_max"]) > 10 * BUDGET, base
        assert ppo["final"].mean() < 0.85 and collapsed(ppo) >= 1, base
        # the claim's bound does not hold: FiberPO's sequence drift is far past δ + ε (13–14 median)
        assert np.median(fiber["drift_max"]) > 10 * BUDGET, base
        # reversed: more seeds collapse (+8, +10, +5 measured), lower reward (−0.39, −0.32, −0.23), slower
        assert collapsed(fiber) >= collapsed(ppo) + 3, base
        assert fiber["final"].mean() < ppo["final"].mean() - 0.1, base
        assert fiber["early"].mean() < ppo["early"].mean() - 0.1, base
