"""The objectives' building blocks: MHPO's modulator, GRPO/MiniRL clipping, k3, CAPO's curvature, SAFE's soft-min."""
import math

import torch

from lab.llmrl.capo import capo_mask
from lab.llmrl.objectives import grpo, k3, log_fidelity, mhpo, minirl
from lab.llmrl.safe import soft_min


def test_mhpo_effective_weight_is_bounded_by_e_to_the_c_and_smooth_in_log_r():
    c = 0.2
    log_r = torch.linspace(-20, 20, 40_001, dtype=torch.float64, requires_grad=True)
    weight = log_fidelity(log_r, c).exp()                      # the modulated ratio e^{ψ(r)}
    assert weight.min() >= math.exp(-c) - 1e-12 and weight.max() <= math.exp(c) + 1e-12
    assert weight.min() < math.exp(-c) + 1e-6 and weight.max() > math.exp(c) - 1e-6   # the bounds are reached
    slope, = torch.autograd.grad(weight.sum(), log_r)
    step = log_r[1] - log_r[0]
    assert slope.abs().max() <= math.exp(c) + 1e-9              # Lipschitz in log r
    assert (slope.diff().abs() / step).max() < 20              # the slope itself changes smoothly (no kinks)
    near = torch.tensor([-1e-3, 1e-3], dtype=torch.float64)
    torch.testing.assert_close(log_fidelity(near, c), near, atol=0, rtol=1e-4)   # ψ(r) ≈ log r at r ≈ 1
    # Hard clipping, by contrast, has a kink: its slope jumps from 1 + ε to 0 at the boundary.
    clipped_slope, = torch.autograd.grad(grpo(log_r, torch.ones_like(log_r), 0.2)[0].sum(), log_r)
    assert (clipped_slope.diff().abs()).max() > 1.0


def test_mhpo_hazard_penalizes_each_direction_separately():
    log_r = torch.tensor([0.4, -0.4, 0.0])
    adv = torch.zeros(3)
    value, _ = mhpo(log_r, adv, c=0.2, coef=1.0, scale_up=0.2, scale_down=0.4, shape=2.0)
    torch.testing.assert_close(value, torch.tensor([-4.0, -1.0, 0.0]))


def test_minirl_masks_like_ppo_clipping_and_truncates_the_is_weight():
    log_ratio = torch.log(torch.tensor([1.5, 1.5, 0.5, 1.0]))
    adv = torch.tensor([1.0, -1.0, -1.0, 1.0])
    log_is = torch.log(torch.tensor([1.0, 1.0, 1.0, 10.0]))
    value, masked = minirl(log_ratio, adv, log_is, eps=0.2, cap=2.0)
    assert masked.tolist() == [True, False, True, False]
    torch.testing.assert_close(value, torch.tensor([0.0, -1.5, 0.0, 2.0]))
    _, clipped = grpo(log_ratio, adv, 0.2)
    assert clipped.tolist() == masked.tolist()


def test_k3_is_nonnegative_and_zero_at_equality():
    a, b = torch.randn(100), torch.randn(100)
    assert (k3(a, b) >= 0).all() and k3(a, a).abs().max() == 0


def test_soft_min_lies_between_min_and_mean():
    v1, v2 = torch.tensor([0.0, 1.0, 5.0]), torch.tensor([1.0, 1.0, -5.0])
    v = soft_min(v1, v2, alpha=0.5)
    assert (v >= torch.minimum(v1, v2) - 1e-6).all() and (v <= (v1 + v2) / 2 + 1e-6).all()


def test_capo_fisher_matches_autograd_kl_of_a_small_last_layer_step():
    torch.manual_seed(0)
    S, n, H, V = 1, 6, 5, 7
    h = torch.randn(S, n, 1, H)
    w, b = torch.randn(S, H, V), torch.randn(S, V)
    probs = torch.softmax(h @ w + b[:, None, None], -1)
    tokens = torch.randint(V, (S, n, 1))
    coef = torch.randn(S, n, 1)
    lr = 1e-3
    keep_all = capo_mask(h, probs, tokens, coef, lr, max_kl=1e9)
    # Recompute the proposed step and the exact KL it causes; with a small step the Fisher form agrees.
    residual = torch.nn.functional.one_hot(tokens, V).float() - probs
    g = (coef.unsqueeze(-1) * residual).reshape(S, -1, V)
    gw, gb = h.reshape(S, -1, H).transpose(1, 2) @ g, g.sum(1)
    rms = torch.sqrt((gw.pow(2).sum() + gb.pow(2).sum()) / (gw[0].numel() + gb[0].numel()))
    new = torch.softmax(h @ (w + lr * gw / rms) + (b + lr * gb / rms)[:, None, None], -1)
    exact_kl = (probs * (probs.log() - new.log())).sum(-1)
    tight = capo_mask(h, probs, tokens, coef, lr, max_kl=float(exact_kl.median()))
    assert tight.sum() >= (exact_kl > exact_kl.median() * 1.05).sum()
    assert keep_all.sum() <= tight.sum()
