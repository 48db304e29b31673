"""Deep Q-learners on a spatial Prisoner's Dilemma lattice (after Weng & Lee, arXiv 2601.05509)."""
import numpy as np
import pytest
import torch

from lab import ConfigError, Run
from lab.games.lattice import LatticeConfig, LatticeTrainer, observe, payoffs


def direct_payoffs(grid: np.ndarray, dr: float) -> np.ndarray:
    """Payoffs by the definition, one game at a time, with explicit periodic neighbours."""
    table = {(1, 1): 1.0, (1, 0): -dr, (0, 1): 1.0 + dr, (0, 0): 0.0}
    L = grid.shape[0]
    out = np.zeros(grid.shape)
    for i in range(L):
        for j in range(L):
            for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                out[i, j] += table[(grid[i, j], grid[(i + di) % L, (j + dj) % L])]
    return out


def test_payoffs_on_hand_made_lattices_match_the_definition():
    grid = np.array([[1, 0, 1],
                     [1, 1, 0],
                     [0, 0, 1]])
    got = payoffs(torch.tensor(grid), 0.3).numpy()
    np.testing.assert_allclose(got, direct_payoffs(grid, 0.3), rtol=0, atol=1e-6)
    # By hand: the centre C meets up D, down D, left C, right D → 1 − 3·0.3.
    assert got[1, 1] == pytest.approx(0.1)
    # The bottom-left D meets up C (1+Dr), down (wraps to the top row) C (1+Dr), left (wraps) C, right D.
    assert got[2, 0] == pytest.approx(3 * 1.3)
    rng = np.random.default_rng(0)
    for _ in range(5):
        grid = rng.integers(0, 2, (4, 4))
        np.testing.assert_allclose(payoffs(torch.tensor(grid), 0.7).numpy(), direct_payoffs(grid, 0.7), atol=1e-6)
    # All C pays 4R = 4 each; all D pays 4P = 0.
    assert torch.all(payoffs(torch.ones(2, 5, 5), 0.5) == 4)
    assert torch.all(payoffs(torch.zeros(5, 5), 0.5) == 0)


def test_observation_is_own_and_four_neighbours_previous_actions():
    grid = torch.tensor([[1, 0, 0, 0],
                         [0, 0, 0, 0],
                         [0, 0, 0, 0],
                         [0, 0, 0, 0]])
    obs = observe(grid)                                   # (16, 5): own, up, down, left, right
    assert obs.shape == (16, 5)
    assert obs[0].tolist() == [1, 0, 0, 0, 0]
    assert obs[4].tolist() == [0, 1, 0, 0, 0]             # (1,0): the C is its upper neighbour
    assert obs[12].tolist() == [0, 0, 1, 0, 0]            # (3,0): below it, wrapping, is (0,0)
    assert obs[1].tolist() == [0, 0, 0, 1, 0]             # (0,1): the C is to its left
    assert obs[3].tolist() == [0, 0, 0, 0, 1]             # (0,3): to its right, wrapping
    assert obs.sum() == 5


def test_bad_config_is_a_clear_error():
    with pytest.raises(ConfigError, match="'size' = 2 is not allowed: must be an integer ≥ 4"):
        LatticeConfig.from_params(size=2)
    with pytest.raises(ConfigError, match="'sharing' = 'none' is not allowed: must be one of 'shared'"):
        LatticeConfig.from_params(sharing="none")
    with pytest.raises(ConfigError, match="'tau_final' = 2.0 must be at most 'tau_init' = 1.0"):
        LatticeConfig.from_params(tau_init=1.0, tau_final=2.0)
    with pytest.raises(ConfigError, match="'groups' = 20 must be at most the number of agents size² = 16"):
        LatticeConfig.from_params(size=4, sharing="grouped", groups=20)
    with pytest.raises(ConfigError, match="'dr' = 1.5 is not allowed"):
        LatticeConfig.from_params(dr=1.5)
    with pytest.raises(ConfigError, match="unknown parameter 'temperature'"):
        LatticeConfig.from_params(temperature=1.0)
    for name, field in LatticeConfig.model_fields.items():
        assert field.description, name


@pytest.mark.parametrize("sharing,nets", [("shared", 1), ("independent", 25), ("grouped", 3)])
def test_sharing_modes_run_with_per_member_metrics(sharing, nets):
    config = LatticeConfig.from_params(size=5, sharing=sharing, groups=3, seeds=3, steps=30, n_step=2,
                                       batch=4, buffer=20, target_every=5)
    trainer = LatticeTrainer(config, "cpu")
    assert trainer.n_nets == nets
    assert trainer.params[0].shape == (3, nets, 5, config.hidden)
    if sharing == "grouped":                               # a balanced partition: 25 agents → 9, 8, 8
        assert sorted(torch.bincount(trainer.net_of).tolist()) == [8, 8, 9]
    history = Run(trainer, config.steps, progress=False).run()
    assert history.population == 3
    assert set(history.metrics) == {"cooperation", "q_gap", "payoff", "loss", "tau"}
    coop = history.values("cooperation")
    assert coop.shape == (30, 3) and ((coop >= 0) & (coop <= 1)).all()
    assert np.isfinite(history.values("q_gap")).all()
    # The current lattice of actions, and the payoff metric is its mean payoff.
    grid = trainer.actions()
    assert grid.shape == (3, 5, 5)
    np.testing.assert_allclose(history.last("cooperation"), grid.float().mean((1, 2)).numpy(), atol=1e-6)
    np.testing.assert_allclose(history.last("payoff"), payoffs(grid, config.dr).mean((1, 2)).numpy(), atol=1e-5)
    assert history.last("loss").min() > 0                  # updates happened
    assert history.values("tau")[0, 0] == pytest.approx(1.0)
    assert history.last("tau")[0] == pytest.approx(0.1)


def test_networks_are_independent_across_agents_and_lattices():
    """With 'independent' sharing, an agent's network is trained only on its own transitions:
    changing one lattice's other agents leaves nothing else in the batch coupled."""
    config = LatticeConfig.from_params(size=4, sharing="independent", seeds=2, steps=10, batch=2, buffer=10)
    trainer = LatticeTrainer(config, "cpu")
    obs = observe(trainer.actions()[:, None].expand(2, 3, 4, 4))          # (S, B, N, 5)
    q = trainer.q_values(obs)
    # Evaluate agent 5 of lattice 1 alone through its own weights.
    w1, b1, w2, b2 = (p[1, 5] for p in trainer.params)
    alone = torch.relu(obs[1, :, 5] @ w1 + b1) @ w2 + b2
    torch.testing.assert_close(q[1, :, 5], alone)
    # Gradients of one agent's Q reach only that agent's (and lattice's) parameters.
    q[0, 0, 7, 1].backward()
    grad = trainer.params[2].grad
    assert grad[0, 7].abs().sum() > 0
    grad[0, 7] = 0
    assert grad.abs().sum() == 0


def test_same_seed_same_run():
    config = LatticeConfig.from_params(size=4, seeds=2, steps=20, buffer=10, batch=2)
    a = Run(LatticeTrainer(config, "cpu"), 20, progress=False).run().values("cooperation")
    b = Run(LatticeTrainer(config, "cpu"), 20, progress=False).run().values("cooperation")
    np.testing.assert_array_equal(a, b)


def spearman(x, y) -> float:
    rx, ry = (np.argsort(np.argsort(v, kind="stable")).astype(float) for v in (x, y))
    for r, v in ((rx, np.asarray(x)), (ry, np.asarray(y))):            # average ranks over ties
        for value in np.unique(v):
            r[v == value] = r[v == value].mean()
    return float(np.corrcoef(rx, ry)[0, 1])


def test_shared_parameters_lose_cooperation_as_exploration_grows():
    """Weng & Lee's collapse, at small scale: with one shared Q-network and a harsh dilemma
    (Dr = 0.8), cooperation after training falls as τ_init grows, and so does the Q-gap
    Q(C) − Q(D). One batched run: 5 τ_init values log-spaced over [0.1, 5] × 8 lattices of 10×10,
    1,500 steps; cooperation is each lattice's mean over the last 10% of steps, then the mean
    over its τ_init's seeds.

    Each lattice ends nearly all-C or all-D, so a τ_init's mean is a proportion of lattices and
    the ranking is noisy: over base seeds 0–3 with 16 lattices per τ_init we measured
    ρ(cooperation) = −0.8, −0.8, −0.9, −0.9 and ρ(Q-gap) = −0.9, −0.9, −1.0, −1.0 — the trend is
    robust, the −0.8 threshold sits at the edge of seed noise. This test's seed gives −0.9.

    The paper's other half — independent and grouped networks keeping cooperation at large
    τ_init — does not show here: they cooperate little at every τ_init (Dr = 0.2 to 0.8; lr,
    batch and γ varied; see notebook 05), so it is not asserted.
    """
    config = LatticeConfig.from_params(size=10, dr=0.8, tau_init=5.0, tau_points=5, sharing="shared",
                                       seeds=8, steps=1500)
    history = Run(LatticeTrainer(config, "cpu"), config.steps, progress=False).run()
    coop = history.final("cooperation", by="tau_init")
    gap = history.final("q_gap", by="tau_init", window=1 / len(history))
    taus = coop["tau_init"].to_numpy()
    assert list(taus) == [0.1, 0.2659, 0.7071, 1.8803, 5.0]
    assert spearman(taus, coop["mean"]) < -0.8, coop
    assert spearman(taus, gap["mean"]) < -0.8, gap
    assert coop["mean"].iloc[0] > coop["mean"].iloc[-1] + 0.15, coop
