"""The batched control envs: Pendulum against gymnasium's Pendulum-v1, the sparse-reward pendulum, the point mass,
the gymnasium adapter."""
import math

import gymnasium
import numpy as np
import pytest
import torch

from lab.critic.envs import GymVectorEnv, Pendulum, PointMass, SparsePendulum, make_env


def test_pendulum_matches_gymnasium_step_for_step_across_episodes():
    """Five gymnasium Pendulum-v1 envs and one batched Pendulum of 5 copies, the same start states
    and the same random actions (a third of them outside [−2, 2]) for 3 episodes of 200 steps."""
    n = 5
    gyms = [gymnasium.make("Pendulum-v1") for _ in range(n)]
    for i, g in enumerate(gyms):
        g.reset(seed=100 + i)
    env = Pendulum(n, "cpu")
    rng = np.random.default_rng(0)
    worst = 0.0
    for episode in range(3):
        env.set_state(torch.tensor(np.stack([g.unwrapped.state for g in gyms])))
        for t in range(200):
            action = rng.uniform(-3.0, 3.0, (n, 1)).astype(np.float32)
            results = [g.step(a) for g, a in zip(gyms, action)]
            out = env.step(torch.from_numpy(action))
            obs = np.stack([r[0] for r in results])
            reward = np.array([r[1] for r in results])
            worst = max(worst, np.abs(out.next_obs.numpy() - obs).max(), np.abs(out.reward.numpy() - reward).max())
            assert out.truncated.tolist() == [r[3] for r in results], (episode, t)
            assert out.terminated.tolist() == [r[2] for r in results] == [False] * n
        assert out.truncated.all()                                  # truncated exactly at step 200
        # autoreset: the next observation is a fresh start, not the last one
        assert not torch.allclose(out.obs, out.next_obs)
        assert (env.t == 0).all() and (env.state[:, 0].abs() <= math.pi).all() and (env.state[:, 1].abs() <= 1).all()
        for g in gyms:
            g.reset()
    assert worst < 1e-5, worst


def test_pendulum_start_distribution_and_action_box():
    env = Pendulum(20_000, "cpu", seed=1)
    obs = env.reset()
    theta, speed = env.state[:, 0], env.state[:, 1]
    assert obs.shape == (20_000, 3) and obs.dtype == torch.float32
    assert theta.abs().max() <= math.pi and speed.abs().max() <= 1.0
    assert theta.std().item() == pytest.approx(math.pi / math.sqrt(3), rel=0.03)   # U(−π, π)
    assert speed.std().item() == pytest.approx(1 / math.sqrt(3), rel=0.03)         # U(−1, 1)
    assert env.action_low.tolist() == [-2.0] and env.action_high.tolist() == [2.0]
    assert (env.obs_dim, env.act_dim, env.max_steps) == (3, 1, 200)
    # a torque of 5 acts as 2: same next state and reward
    a, b = Pendulum(3, "cpu", seed=2), Pendulum(3, "cpu", seed=2)
    big, clipped = a.step(torch.full((3, 1), 5.0)), b.step(torch.full((3, 1), 2.0))
    assert torch.equal(big.next_obs, clipped.next_obs) and torch.equal(big.reward, clipped.reward)


def test_reset_with_a_generator_is_reproducible():
    env = Pendulum(4, "cpu", seed=0)
    first = env.reset(torch.Generator().manual_seed(7))
    again = env.reset(torch.Generator().manual_seed(7))
    assert torch.equal(first, again)
    with pytest.raises(ValueError, match=r"action has shape \(4,\); expected \(4, 1\)"):
        env.step(torch.zeros(4))
    with pytest.raises(ValueError, match=r"state has shape \(2, 2\); expected \(4, 2\)"):
        env.set_state(torch.zeros(2, 2))


def test_sparse_pendulum_pays_1_within_30_degrees_of_upright_from_the_state_before_the_step():
    """DeepMind Control's swingup reward: 1 where cos θ ≥ cos 30° (θ = 0 upright, any number of turns), else 0,
    whatever the torque and speed; read from the state before the step (the first copy starts inside the
    30° cone and spins out of it in this step, the last starts outside and swings into it)."""
    degrees = torch.tensor([10.0, 29.0, -29.0, 360.0 + 29.0, 31.0, -31.0, 90.0, 180.0, -150.0, 35.0])
    speed = torch.tensor([8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -8.0])
    env = SparsePendulum(len(degrees), "cpu")
    env.set_state(torch.stack([torch.deg2rad(degrees), speed], dim=1))
    out = env.step(torch.linspace(-2.0, 2.0, len(degrees))[:, None])
    assert out.reward.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert out.reward.dtype == torch.float32
    after = torch.rad2deg(env.state[:, 0])
    assert after[0] > 30 and abs(after[-1]) < 30                       # the reward did not look at these


def test_sparse_pendulum_moves_like_pendulum():
    """Same seed, same torques (some outside [−2, 2]) for 450 steps across episodes: the same states,
    observations, time limit and fresh starts as Pendulum; only the reward differs."""
    dense, sparse = Pendulum(64, "cpu", seed=5), SparsePendulum(64, "cpu", seed=5)
    assert torch.equal(dense.reset(), sparse.reset())
    actions = torch.rand(450, 64, 1, generator=torch.Generator().manual_seed(0)) * 6 - 3
    rewarded = 0.0
    for action in actions:
        a, b = dense.step(action), sparse.step(action)
        for field in ("obs", "next_obs", "terminated", "truncated"):
            assert torch.equal(getattr(a, field), getattr(b, field)), field
        rewarded += b.reward.sum().item()
    assert torch.equal(dense.state, sparse.state) and torch.equal(dense.t, sparse.t)
    assert (sparse.obs_dim, sparse.act_dim, sparse.max_steps) == (3, 1, 200)
    assert sparse.action_low.tolist() == [-2.0] and sparse.action_high.tolist() == [2.0]
    assert 0 < rewarded < 450 * 64                                     # some steps upright, most not
    assert isinstance(make_env("sparse-pendulum", 2, "cpu"), SparsePendulum)


def test_point_mass_dynamics_and_heteroscedastic_noise():
    env = PointMass(4, "cpu", noise=0.0)
    env.set_state(torch.tensor([[0.0, 0.0], [1.0, 0.5], [1.99, 1.0], [-1.0, 0.0]], dtype=torch.float64))
    out = env.step(torch.tensor([[0.0], [3.0], [1.0], [-0.5]]))          # 3.0 clips to 1.0
    torch.testing.assert_close(out.reward, torch.tensor([0.0, -1.1, -(1.99 ** 2 + 0.1), -1.025]))
    x, v = env.state[:, 0], env.state[:, 1]
    torch.testing.assert_close(v, torch.tensor([0.0, 0.6, 0.0, -0.05], dtype=torch.float64))  # the wall stops it
    torch.testing.assert_close(x, torch.tensor([0.0, 1.06, 2.0, -1.005], dtype=torch.float64))
    assert (env.obs_dim, env.act_dim, env.max_steps) == (2, 1, 100)

    # σ(x) = noise·|x|/2: none at the goal, `noise` at the walls
    noisy = PointMass(20_000, "cpu", seed=3, noise=2.0)
    for x0, sigma in ((0.0, 0.0), (1.0, 1.0), (-2.0, 2.0)):
        noisy.set_state(torch.tensor([[x0, 0.0]], dtype=torch.float64).expand(20_000, 2))
        reward = noisy.step(torch.zeros(20_000, 1)).reward
        assert reward.mean().item() == pytest.approx(-x0 ** 2, abs=0.05)
        assert reward.std().item() == pytest.approx(sigma, abs=0.05)


def test_point_mass_truncates_after_100_steps():
    env = make_env("point-mass", 3, "cpu", seed=0, noise=0.5)
    env.reset()
    for t in range(100):
        out = env.step(torch.zeros(3, 1))
        assert out.truncated.all() == (t == 99)


def test_gymnasium_adapter_has_the_same_interface_and_autoresets():
    env = make_env("gym:Pendulum-v1", 3, "cpu", seed=0)
    assert isinstance(env, GymVectorEnv)
    assert (env.obs_dim, env.act_dim, env.max_steps) == (3, 1, 200)
    assert env.action_low.tolist() == [-2.0] and env.action_high.tolist() == [2.0]
    obs = env.reset()
    assert obs.shape == (3, 3) and obs.dtype == torch.float32
    for t in range(200):
        out = env.step(torch.full((3, 1), 10.0))                          # clipped to 2 before gymnasium
        assert out.reward.shape == (3,) and out.truncated.dtype == torch.bool
    assert out.truncated.all() and not torch.allclose(out.obs, out.next_obs)
    assert (out.obs[:, 2].abs() <= 1).all()                                # a fresh start
    other = make_env("gym:MountainCarContinuous-v0", 2, "cpu")
    assert (other.obs_dim, other.act_dim, other.reset().shape) == (2, 1, (2, 2))
    env.close(), other.close()


def test_bad_names_and_options_are_clear_errors():
    with pytest.raises(ValueError, match="unknown env 'cartpole'; allowed: 'pendulum', 'sparse-pendulum', "
                                         "'point-mass', 'noisy-reward', 'gym:<id>'"):
        make_env("cartpole", 2)
    with pytest.raises(ValueError, match="unknown env 'gym:'"):
        make_env("gym:", 2)
    with pytest.raises(ValueError, match="gymnasium cannot make 'NoSuchEnv-v0'"):
        make_env("gym:NoSuchEnv-v0", 2)
    with pytest.raises(ValueError, match="only 1-D Box"):
        make_env("gym:CartPole-v1", 2)
    with pytest.raises(ValueError, match="point-mass: noise = -1.0 is not allowed: must be a number ≥ 0"):
        make_env("point-mass", 2, noise=-1.0)
    with pytest.raises(ValueError, match="env 'pendulum' has no option 'noise'; its options: none"):
        make_env("pendulum", 2, noise=1.0)
    with pytest.raises(ValueError, match="n = 0 must be a positive integer"):
        make_env("pendulum", 0)


def test_noisy_reward_pays_pure_noise():
    env = make_env("noisy-reward", 4000, "cpu", seed=0, noise=2.0)
    obs = env.reset()
    assert obs.shape == (4000, 1) and env.act_dim == 20 and (obs.abs() <= 1).all()
    for action in (torch.zeros(4000, 20), torch.ones(4000, 20)):               # whatever the agent does
        out = env.step(action)
        assert out.reward.mean().item() == pytest.approx(0.0, abs=0.1)
        assert out.reward.std().item() == pytest.approx(2.0, abs=0.1)
    assert not torch.equal(out.obs, obs)                                       # a fresh context every step
