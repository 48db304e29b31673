"""The objectives' building blocks: MHPO's modulator, GRPO/MiniRL clipping, k3, CAPO's curvature, SAFE's soft-min."""
import math

import torch

from lab.llmrl.capo import capo_mask
from lab.llmrl.objectives import grpo, k3, mhpo, minirl
from lab.llmrl.safe import soft_min


def slope_in_log_r(surrogate, log_r: torch.Tensor) -> torch.Tensor:
    """∂ surrogate / ∂ log r at each point of ``log_r`` (the per-token gradient weight)."""
    log_r = log_r.clone().requires_grad_()
    slope, = torch.autograd.grad(surrogate(log_r).sum(), log_r)
    return slope


def test_mhpo_gradient_is_grpos_near_r_1_and_fades_without_a_kink_where_clipping_cuts_it():
    """Near r = 1 MHPO's per-token gradient, hazard included, is GRPO's Â·r (so on-policy the two
    updates coincide); past the clip boundary, where GRPO's gradient jumps to 0, MHPO's keeps
    falling continuously and is nearly 0 by |log r| = 3c. Fails if the modulator's slope at 0 is not
    1 (e.g. ψ = c·tanh(log r)), if the hazard pushes at r = 1, or if the modulator clips hard."""
    c, eps = 0.2, 0.2
    for a in (1.0, -1.0):
        adv = torch.tensor(a, dtype=torch.float64)
        mhpo_slope = lambda x: slope_in_log_r(lambda lr: mhpo(lr, adv, c, 0.1, 0.2, 0.2, 2.0)[0], x)
        grpo_slope = lambda x: slope_in_log_r(lambda lr: grpo(lr, adv, eps)[0], x)
        near = torch.linspace(-1e-3, 1e-3, 21, dtype=torch.float64)
        torch.testing.assert_close(mhpo_slope(near), grpo_slope(near), rtol=1e-2, atol=0)
        assert mhpo_slope(torch.zeros(1, dtype=torch.float64)).item() == a        # exactly Â at r = 1
        far = torch.tensor([-3 * c, 3 * c], dtype=torch.float64)
        modulated_only = slope_in_log_r(lambda lr: mhpo(lr, adv, c, 0.0, 0.2, 0.2, 2.0)[0], far)
        assert (modulated_only.abs() < 0.02).all(), modulated_only
    # On a fine grid over |log r| ≤ 5c, GRPO's slope jumps (from ≈ 1.2 to 0 at its clip boundary, Â > 0);
    # MHPO's moves by < 1e-3 between neighbouring points (a hard clamp of ψ at ±c would jump by ≈ 1).
    grid = torch.arange(-5 * c, 5 * c, 1e-4, dtype=torch.float64)
    one = torch.tensor(1.0, dtype=torch.float64)
    assert slope_in_log_r(lambda lr: grpo(lr, one, eps)[0], grid).diff().abs().max() > 1.0
    assert slope_in_log_r(lambda lr: mhpo(lr, one, c, 0.0, 0.2, 0.2, 2.0)[0], grid).diff().abs().max() < 1e-3


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
