"""FantasyHSI's critic loop and DPO-trained generator (``lab/temporal/fantasy_hsi.py``; arXiv 2509.01232): the
pieces, and the claims.

The claims (issue 21, item 5): "a critic agent measures how far generated motion strays from the planned path and
triggers correction; DPO on the action generator, trained on smooth-vs-jerky pairs, reduces artifacts. Failures:
open-loop drift and jerky motion. Claims: final error far lower with the critic loop; jerk lower after DPO, with
displacement kept."

Measured with FantasyHsiTrainer's defaults (64 segments of length 1, 6 steps each; generator bias φ ≈ 0.15 rad,
speed 0.9, zig-zag 0.6, noise 0.3; critic tolerance 0.1; DPO β 0.1, 64 pairs per seed per step, Adam 1e-2) over base
seeds 0, 1, 2, each a population of 16 seeds; metrics averaged over the last 5 steps (16 fresh paths per seed
each). Without DPO nothing is trained (5 steps); DPO runs the default 100 steps. final error in segment lengths
(mean over seeds [min–max]); jerk = mean squared second difference of the per-step displacements; disp = the
executed displacement along the command over its length (mean [min–max] over seeds); e64/e8 = the median over
seeds of the error after segment 64 over that after segment 8 (``view_state``).

    seed  open: final error     e64/e8   critic: final error  e64/e8  corrections   jerk: open  DPO     disp: open  DPO
    0     9.74 [6.53–12.61]     7.23     0.239 [0.18–0.30]    1.03    0.88          0.190       0.0146  0.890       0.887 [0.79–0.99]
    1     9.21 [7.08–13.58]     6.87     0.230 [0.20–0.29]    1.14    0.87          0.190       0.0153  0.891       0.890 [0.82–0.98]
    2     9.22 [7.46–12.03]     6.91     0.233 [0.19–0.28]    0.92    0.88          0.190       0.0150  0.892       0.906 [0.77–1.05]

Open loop the bias rotates every segment alike, so the error grows about linearly with time along the path (×7
from segment 8 to 64; ×8 would be exactly linear) to ~9 segment lengths; the critic re-plans from the current
position after 87–88% of the segments and the error stays at ~0.23 from segment 8 to 64 (40× lower at the end).
The critic's re-planned commands vary from segment to segment, which raises the jerk slightly (0.232 against
0.190). DPO on on-policy smooth-vs-jerky pairs removes the zig-zag and shrinks the noise: jerk 12–13× lower; the
mean displacement along the command is kept (±0.015) but each seed's drifts (0.77–1.05): the jerk preference does
not see the speed. DPO does not touch the drift (open-loop final error 9.5 / 11.8 / 10.4 after DPO).

Where it stops: DPO's pairs must come from the generator being trained. Sampled from the frozen reference
(``pairs_from='reference'``, offline DPO) the mean's zig-zag overshoots from 0.6 to −1.42 command lengths and the
jerk rises to 0.97 (base seeds 0, 1, 2).

Asserted with margins below these (see each test). The numbers are ``measure``'s, printed by
``PYTHONPATH=. .venv/bin/python -m pytest tests/temporal/test_fantasy_hsi.py -s``. The file takes 16 s of CPU
time (user; 43 s wall on the shared machine).
"""
from __future__ import annotations

import functools
import math

import pytest
import torch
from host_reads import twin_steps

from lab.core import ConfigError
from lab.temporal.fantasy_hsi import (FantasyHsiConfig, FantasyHsiTrainer, critic_command, dpo_loss, jerk,
                                      planned_paths, pretrained_generator, segment_log_prob, segment_mean,
                                      zigzag_amplitude)

SEEDS = (0, 1, 2)
POPULATION = 16
TAIL = 5          # steps averaged (each step rolls out fresh paths)


# --- the pieces ----------------------------------------------------------------------------------

def test_dpo_loss_matches_its_formula_on_a_hand_made_case():
    """−log σ(β·[(lp_w − ref_w) − (lp_l − ref_l)]): margin (−1 − (−2)) − (−5 − (−3)) = 3, β = 0.5 → −log σ(1.5)."""
    loss = dpo_loss(torch.tensor([-1.0]), torch.tensor([-5.0]), torch.tensor([-2.0]), torch.tensor([-3.0]), 0.5)
    assert loss.item() == pytest.approx(-math.log(1 / (1 + math.exp(-1.5))), rel=1e-6)
    assert dpo_loss(torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.zeros(1), 0.1).item() == \
        pytest.approx(math.log(2))


def test_the_critic_replans_from_the_current_position_only_beyond_the_tolerance():
    position = torch.tensor([[0.05, 0.0], [0.0, 0.5]])
    planned_from, planned_to = torch.zeros(2, 2), torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    command, corrected = critic_command(position, planned_from, planned_to, tolerance=0.1)
    assert corrected.tolist() == [0.0, 1.0]
    assert command.tolist() == [[1.0, 0.0], [1.0, -0.5]]     # as planned; from where it is to the next point


def test_jerk_is_zero_for_constant_motion_and_counts_a_zigzag():
    constant = torch.tensor([[0.2, 0.1]]).expand(6, 2)
    assert jerk(constant).item() == 0.0
    zigzag = torch.tensor([[0.0, (-1.0) ** t] for t in range(4)])   # second differences ±4 in y, twice
    assert jerk(zigzag).item() == pytest.approx(32.0)


def test_the_pretrained_generator_is_biased_slowed_and_zigzags():
    """Its mean segment sums to speed·R(φ)·command (the zig-zag cancels over an even L) and alternates sideways."""
    weights, log_std = pretrained_generator(torch.tensor([0.2]), 6, 0.9, 0.6, 0.3)
    mean = segment_mean(weights, torch.tensor([[[1.0, 0.0]]]))[0, 0]
    assert mean.sum(0).tolist() == pytest.approx([0.9 * math.cos(0.2), 0.9 * math.sin(0.2)], abs=1e-6)
    assert (mean[0, 1] - mean[1, 1]).item() == pytest.approx(2 * 0.6 / 6, abs=1e-6)
    assert log_std.exp()[0].tolist() == pytest.approx([0.05] * 6)
    assert zigzag_amplitude(weights).item() == pytest.approx(0.6, abs=1e-6)
    segment = mean.unsqueeze(0).unsqueeze(0)
    expected = 6 * 2 * (-math.log(0.05) - 0.5 * math.log(2 * math.pi))
    assert segment_log_prob(weights, log_std, torch.tensor([[[1.0, 0.0]]]), segment).item() == pytest.approx(expected)


def test_planned_paths_have_segments_of_the_planned_length():
    plan = planned_paths(2, 3, 10, 1.5, 0.2, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert plan.shape == (2, 3, 11, 2) and plan[:, :, 0].abs().max().item() == 0.0
    assert torch.allclose(plan.diff(dim=-2).norm(dim=-1), torch.full((2, 3, 10), 1.5))


def test_an_out_of_range_field_is_refused_naming_it():
    with pytest.raises(ConfigError, match="segment_steps"):
        FantasyHsiConfig(segment_steps=2)


def test_a_step_never_reads_the_device_is_deterministic_and_views_do_not_touch_training():
    config = FantasyHsiConfig(critic_loop=True, dpo=True, seeds=3, horizon=8, episodes=4, pairs=8)
    a, ma = twin_steps(lambda: FantasyHsiTrainer(config, "cpu"), 3)
    assert all(v.shape == (3,) and torch.isfinite(v).all() for v in ma.values())
    state = a.view_state()
    assert state["open"].shape == state["critic"].shape == (3, 8) and state["plan"].shape == (9, 2)


# --- the claims ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def measure(seed: int, critic_loop: bool = False, dpo: bool = False, pairs_from: str = "policy") -> dict[str, float]:
    """One population of 16 seeds with the defaults (5 steps without DPO, nothing being trained; 100 with):
    the step metrics over the last ``TAIL`` steps and the seeds (mean, min, max) and the view's median error
    growth from segment 8 to 64."""
    steps = FantasyHsiConfig().steps if dpo else 5
    trainer = FantasyHsiTrainer(FantasyHsiConfig(critic_loop=critic_loop, dpo=dpo, pairs_from=pairs_from, seed=seed,
                                                 seeds=POPULATION, steps=steps), "cpu")
    rows = [trainer.step() for _ in range(steps)]
    tail = {k: torch.stack([r[k] for r in rows[-TAIL:]]).mean(0) for k in rows[0]}
    out = {f"{k}_{f}": getattr(v, f)().item() for k, v in tail.items() for f in ("mean", "min", "max")}
    view = trainer.view_state()
    median = view["critic" if critic_loop else "open"].median(0).values
    out["growth"] = (median[63] / median[7]).item()
    zigzag = zigzag_amplitude(trainer.weights.detach())
    out["zigzag_mean"], out["zigzag_min"], out["zigzag_max"] = zigzag.mean().item(), zigzag.min().item(), zigzag.max().item()
    label = f"critic_loop={critic_loop} dpo={dpo} {pairs_from}"
    print(f"\n{label:28s} {seed}  " + "  ".join(f"{k} {v:.4f}" for k, v in out.items() if "loss" not in k), end="")
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_open_loop_drift_grows_with_time_and_the_critic_loop_bounds_it(seed):
    """The failure: open loop the error grows about linearly along the path (×6.9–7.2 from segment 8 to 64) to
    ~9 segment lengths at the end, in every seed ≥ 6.5. The claim: with the critic the final error is ≥ 20×
    lower (measured ~40×) and does not grow (e64/e8 0.92–1.14)."""
    open_, critic = measure(seed), measure(seed, critic_loop=True)
    assert open_["final_error_mean"] >= 7.0 and open_["final_error_min"] >= 4.0   # 9.74/9.21/9.22; min 6.5–7.5
    assert open_["growth"] >= 4.0                                                  # 7.23, 6.87, 6.91
    assert critic["final_error_mean"] <= open_["final_error_mean"] / 20            # 0.239, 0.230, 0.233
    assert critic["final_error_max"] <= 0.5                                        # 0.30, 0.29, 0.28
    assert critic["growth"] <= 1.5                                                 # 1.03, 1.14, 0.92
    assert 0.5 <= critic["corrections_mean"] <= 1.0                                # 0.88, 0.87, 0.88


@pytest.mark.parametrize("seed", SEEDS)
def test_dpo_on_smooth_vs_jerky_pairs_lowers_jerk_and_keeps_displacement(seed):
    """The failure: the pretrained generator zig-zags (jerk 0.190 in every seed). The claim: after 100 DPO
    steps the jerk is ≥ 5× lower in every seed (measured 12–13× on average), while the mean displacement along
    the command is kept within 0.05 (measured ±0.015; each seed's within 0.77–1.05 of the command). DPO does
    not remove the drift: the open-loop final error stays ≥ 5 segment lengths. The zig-zag of the generator's mean
    falls from 0.6 to 0.06 command lengths (0.059 / 0.063 / 0.068; every seed 0.03–0.10)."""
    base, trained = measure(seed), measure(seed, dpo=True)
    assert base["jerk_min"] >= 0.15                                                # 0.190
    assert trained["jerk_max"] <= base["jerk_mean"] / 5                            # max 0.022, 0.020, 0.019
    assert abs(trained["displacement_mean"] - base["displacement_mean"]) <= 0.05   # 0.887/0.890/0.906 vs 0.89
    assert 0.65 <= trained["displacement_min"] and trained["displacement_max"] <= 1.15
    assert trained["final_error_mean"] >= 5.0                                      # 9.5, 11.8, 10.4
    assert trained["zigzag_max"] <= 0.2 and trained["zigzag_min"] >= -0.1          # 0.027–0.099 over seeds


def test_dpo_on_pairs_from_the_frozen_reference_overshoots_into_a_reversed_zigzag():
    """Where it stops: with pairs sampled from the frozen pretrained generator (offline DPO) the loss is linear in
    the Gaussian's mean and keeps paying for moving it along chosen − rejected, so the zig-zag (0.6 command
    lengths) does not stop at 0 but reverses: −1.42 after 100 steps (every seed −1.45 to −1.38), jerk 0.97 —
    five times the untrained generator's. On-policy pairs leave 0.06 (every seed 0.03 to 0.10). Measured at base
    seeds 0, 1, 2 (zig-zag −1.418 / −1.418 / −1.428, every seed ≤ −1.36; jerk 0.970 / 0.969 / 0.979); asserted at
    base seed 0 (the file's budget)."""
    offline, online, base = measure(0, dpo=True, pairs_from="reference"), measure(0, dpo=True), measure(0)
    assert offline["zigzag_max"] <= -1.0 and offline["jerk_min"] >= 2 * base["jerk_mean"]
    assert abs(online["zigzag_mean"]) <= 0.15 and online["zigzag_max"] <= 0.2
