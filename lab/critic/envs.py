"""Control environments that step a whole population of ``n`` copies at once, in torch.

One small interface for all of them (``BatchedEnv``):

- ``reset(generator=None) -> obs (n, obs_dim)``: every copy starts a new episode. A generator,
  when given, replaces the env's own (seeded at construction) for this and later random draws.
- ``step(action (n, act_dim)) -> Step``: actions outside ``[action_low, action_high]`` are
  clipped. **Autoreset, same step**: a copy whose episode ends (terminated or truncated) is
  reset inside this ``step``. ``Step.next_obs`` is the observation the action led to (for a
  finished copy, the last observation of its episode — what a replay buffer stores), and
  ``Step.obs`` is the observation to act on next (for a finished copy, the first observation
  of its new episode). Where no episode ended the two are equal.
- ``obs_dim``, ``act_dim``, ``action_low``/``action_high`` (tensors of shape ``(act_dim,)``),
  ``max_steps`` (the time limit, or None when unknown), ``n`` and ``device``.

Observations and rewards come back as float32 tensors on ``device``; the flags as bool.
The torch envs (``Pendulum``, its sparse-reward ``SparsePendulum``, ``PointMass``, ``NoisyReward``)
keep their raw state in float64 and expose it through ``state`` / ``set_state(state, t)``, so a
test can start them where another implementation is, and ``state_from_observation(obs)`` recovers
a state from what a replay buffer stored. ``GymVectorEnv`` wraps any registered gymnasium id
(never a 'module:Id', whose module gymnasium would import) behind the same interface.
``make_env(name, n, device, seed)`` builds one by name.
"""
from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np
import torch

from lab.core.config import shown
from lab.core.device import device as pick_device

GYM_PREFIX = "gym:"


@dataclass(frozen=True)
class Step:
    """What one ``step`` of n copies returns; see the module docstring for autoreset."""

    obs: torch.Tensor         # (n, obs_dim) observation to act on next
    reward: torch.Tensor      # (n,)
    terminated: torch.Tensor  # (n,) bool: the episode reached a terminal state
    truncated: torch.Tensor   # (n,) bool: the episode hit the time limit
    next_obs: torch.Tensor    # (n, obs_dim) observation the action led to, before any reset

    @property
    def done(self) -> torch.Tensor:
        return self.terminated | self.truncated


class BatchedEnv:
    """The interface every batched env offers (see the module docstring)."""

    n: int
    device: torch.device
    obs_dim: int
    act_dim: int
    action_low: torch.Tensor
    action_high: torch.Tensor
    max_steps: int | None

    def reset(self, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def step(self, action: torch.Tensor) -> Step:
        raise NotImplementedError


class TorchEnv(BatchedEnv):
    """A batched env written in torch: subclasses give the dynamics of one state tensor.

    Subclasses set ``obs_dim``, ``act_dim``, ``state_dim``, ``max_steps`` and the action
    bounds, and implement ``initial_state``, ``transition`` and ``observe``; the episode
    bookkeeping (time limit, autoreset) lives here. No state is terminal unless
    ``terminal`` says so.
    """

    state_dim: int

    def __init__(self, n: int, device: str | torch.device | None = None, seed: int = 0):
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n = {n!r} must be a positive integer (the number of env copies)")
        self.n = n
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.generator = torch.Generator(device=self.device).manual_seed(int(seed))
        self.state = self.initial_state(n, self.generator)
        self.t = torch.zeros(n, dtype=torch.long, device=self.device)  # steps taken in the current episode

    # --- what a subclass gives ------------------------------------------------------------

    def initial_state(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """(n, state_dim) float64 start states."""
        raise NotImplementedError

    def transition(self, state: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(next state, reward), float64, from float64 states and clipped float32 actions."""
        raise NotImplementedError

    def observe(self, state: torch.Tensor) -> torch.Tensor:
        """(n, obs_dim) float32 observations of float64 states."""
        raise NotImplementedError

    def terminal(self, state: torch.Tensor) -> torch.Tensor:
        return torch.zeros(state.shape[0], dtype=torch.bool, device=state.device)

    def state_from_observation(self, obs: torch.Tensor) -> torch.Tensor:
        """(n, state_dim) float64 states that ``observe`` maps to obs (n, obs_dim) (up to float32 rounding)."""
        raise NotImplementedError

    # --- the interface ----------------------------------------------------------------------

    def set_state(self, state: torch.Tensor, t: torch.Tensor | int = 0) -> None:
        """Put every copy in ``state`` (n, state_dim), ``t`` steps into its episode."""
        state = torch.as_tensor(state, dtype=torch.float64, device=self.device)
        if state.shape != (self.n, self.state_dim):
            raise ValueError(f"state has shape {tuple(state.shape)}; expected ({self.n}, {self.state_dim})")
        self.state = state.clone()
        self.t = torch.as_tensor(t, dtype=torch.long, device=self.device).expand(self.n).clone()

    def reset(self, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is not None:
            self.generator = generator
        self.state = self.initial_state(self.n, self.generator)
        self.t.zero_()
        return self.observe(self.state)

    def step(self, action: torch.Tensor) -> Step:
        action = torch.as_tensor(action, device=self.device)
        if action.shape != (self.n, self.act_dim):
            raise ValueError(f"action has shape {tuple(action.shape)}; expected ({self.n}, {self.act_dim})")
        # float32 like a gymnasium action space, then clipped; the dynamics promote it to float64
        action = action.to(torch.float32).clamp(self.action_low, self.action_high)
        state, reward = self.transition(self.state, action)
        self.t += 1
        terminated = self.terminal(state)
        truncated = (self.t >= self.max_steps) & ~terminated
        next_obs = self.observe(state)
        done = terminated | truncated
        fresh = self.initial_state(self.n, self.generator)   # drawn for all, kept where done (no sync)
        self.state = torch.where(done[:, None], fresh, state)
        self.t = torch.where(done, 0, self.t)
        obs = torch.where(done[:, None], self.observe(self.state), next_obs)
        return Step(obs, reward.to(torch.float32), terminated, truncated, next_obs)

    def _bounds(self, low: float, high: float) -> None:
        self.action_low = torch.full((self.act_dim,), low, dtype=torch.float32, device=self.device)
        self.action_high = torch.full((self.act_dim,), high, dtype=torch.float32, device=self.device)


def angle_normalize(x: torch.Tensor) -> torch.Tensor:
    """An angle in [−π, π), as gymnasium's pendulum computes it."""
    return torch.remainder(x + math.pi, 2 * math.pi) - math.pi


class Pendulum(TorchEnv):
    """Gymnasium's ``Pendulum-v1`` (g = 10), n copies at once; same dynamics, reward and limits.

    State (θ, θ̇), θ = 0 upright. Action: torque u clipped to [−2, 2]. Reward
    −(norm(θ)² + 0.1·θ̇² + 0.001·u²) from the state *before* the step. Dynamics (dt = 0.05,
    m = l = 1): θ̇' = clip(θ̇ + (3g/2l·sin θ + 3/(ml²)·u)·dt, −8, 8), θ' = θ + θ̇'·dt.
    Observation (cos θ, sin θ, θ̇). Start: θ ~ U(−π, π), θ̇ ~ U(−1, 1). Never terminates;
    truncated after 200 steps (gymnasium's TimeLimit).
    """

    obs_dim, act_dim, state_dim, max_steps = 3, 1, 2, 200
    max_speed, max_torque, dt, g, m, l = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0

    def __init__(self, n: int, device: str | torch.device | None = None, seed: int = 0):
        super().__init__(n, device, seed)
        self._bounds(-self.max_torque, self.max_torque)

    def initial_state(self, n, generator):
        high = torch.tensor([math.pi, 1.0], dtype=torch.float64, device=self.device)
        return (torch.rand(n, 2, generator=generator, device=self.device, dtype=torch.float64) * 2 - 1) * high

    def transition(self, state, action):
        th, thdot, u = state[:, 0], state[:, 1], action[:, 0]
        g, m, l, dt = self.g, self.m, self.l, self.dt
        # The terms in u stay float32 before meeting the float64 state, as NumPy 2 computes them
        # in gymnasium (a float32 action times a Python float is float32); over 200 steps of
        # this chaotic system a float64 torque term alone would drift by ~1e-2.
        costs = angle_normalize(th) ** 2 + 0.1 * thdot ** 2 + (0.001 * u ** 2).double()
        torque = (3.0 / (m * l ** 2) * u).double()
        newthdot = (thdot + (3 * g / (2 * l) * torch.sin(th) + torque) * dt).clamp(-self.max_speed, self.max_speed)
        newth = th + newthdot * dt
        return torch.stack([newth, newthdot], dim=1), -costs

    def observe(self, state):
        th, thdot = state[:, 0], state[:, 1]
        return torch.stack([torch.cos(th), torch.sin(th), thdot], dim=1).to(torch.float32)

    def state_from_observation(self, obs):
        return torch.stack([torch.atan2(obs[:, 1], obs[:, 0]), obs[:, 2]], dim=1).to(torch.float64)


class SparsePendulum(Pendulum):
    """Pendulum with a sparse reward: 1 while the pole is within 30° of upright, else 0.

    The reward of DeepMind Control Suite's pendulum swingup (Tassa et al. 2018, "DeepMind Control
    Suite", arXiv 1801.00690): ``rewards.tolerance(pole_vertical, (cos 30°, 1))`` with no margin, an
    indicator of cos θ ≥ cos 30°. Everything else is ``Pendulum``'s: dynamics, limits, start, 200
    steps, and the reward taken from the state *before* the step. Rewards lie in {0, 1}, so a return
    is at most 1/(1 − γ).
    """

    upright_cos = math.cos(math.radians(30))

    def transition(self, state, action):
        next_state, _ = super().transition(state, action)
        return next_state, (torch.cos(state[:, 0]) >= self.upright_cos).double()


class NoisyRewardEnv(TorchEnv):
    """A torch env with a ``noise`` option scaling Gaussian reward noise, whose state is its observation."""

    name: str            # the env's name in ``make_env``, for error messages
    noise_meaning: str   # what ``noise`` is, for error messages
    max_noise = 10.0

    def __init__(self, n: int, device: str | torch.device | None = None, seed: int = 0, noise: float = 1.0):
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= self.max_noise:
            raise ValueError(f"{self.name}: noise = {noise!r} is not allowed: must be a number ≥ 0 and "
                             f"≤ {self.max_noise:g} ({self.noise_meaning})")
        self.noise = float(noise)
        super().__init__(n, device, seed)

    def observe(self, state):
        return state.to(torch.float32)

    def state_from_observation(self, obs):
        return obs.to(torch.float64)


class PointMass(NoisyRewardEnv):
    """A 1-D point mass pushed toward the origin, with heteroscedastic reward noise.

    State (x, v) on a track [−2, 2]; action: force u ∈ [−1, 1]. Dynamics (dt = 0.1):
    v' = clip(v + u·dt, −1, 1), x' = x + v'·dt; at a wall x' is clipped to ±2 and v' set to 0.
    Reward −(x² + 0.1·u²) + σ(x)·ε with ε ~ N(0, 1) and noise scale

        σ(x) = noise · |x| / 2,

    zero at the goal and ``noise`` at the walls (``x`` before the step), so the return's
    randomness depends on where the mass is — a task for critics that model return
    uncertainty. Start: x ~ U(−2, 2), v = 0. Never terminates; truncated after 100 steps.
    """

    name, noise_meaning = "point-mass", "reward noise scale at the walls"
    obs_dim, act_dim, state_dim, max_steps = 2, 1, 2, 100
    x_max, v_max, dt = 2.0, 1.0, 0.1

    def __init__(self, n: int, device: str | torch.device | None = None, seed: int = 0, noise: float = 1.0):
        super().__init__(n, device, seed, noise)
        self._bounds(-1.0, 1.0)

    def noise_scale(self, x: torch.Tensor) -> torch.Tensor:
        """σ(x) = noise·|x|/x_max, the standard deviation of the reward noise at position x."""
        return self.noise * x.abs() / self.x_max

    def initial_state(self, n, generator):
        x = (torch.rand(n, generator=generator, device=self.device, dtype=torch.float64) * 2 - 1) * self.x_max
        return torch.stack([x, torch.zeros_like(x)], dim=1)

    def transition(self, state, action):
        x, v, u = state[:, 0], state[:, 1], action[:, 0].double()
        eps = torch.randn(x.shape, generator=self.generator, device=self.device, dtype=torch.float64)
        reward = -(x ** 2 + 0.1 * u ** 2) + self.noise_scale(x) * eps
        v = (v + u * self.dt).clamp(-self.v_max, self.v_max)
        x_new = x + v * self.dt
        at_wall = x_new.abs() >= self.x_max
        return torch.stack([x_new.clamp(-self.x_max, self.x_max), torch.where(at_wall, 0.0, v)], dim=1), reward


class GymVectorEnv(BatchedEnv):
    """Any gymnasium id with 1-D ``Box`` observations and actions, as n copies in a ``SyncVectorEnv``.

    Slower than the torch envs (the copies step one after another on the CPU), but real.
    Uses gymnasium's same-step autoreset, which is this interface's (``final_obs`` becomes
    ``Step.next_obs``). Only registered ids (``gym_dims``). ``reset`` seeds the copies with one
    integer drawn from the generator (gymnasium gives copy i the seed + i). ``options`` go to
    ``gymnasium.make_vec`` as env kwargs.
    """

    def __init__(self, env_id: str, n: int, device: str | torch.device | None = None, seed: int = 0,
                 **options):
        import gymnasium
        from gymnasium.vector import AutoresetMode

        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n = {n!r} must be a positive integer (the number of env copies)")
        gym_dims(env_id)  # registered, with 1-D Box spaces: checked before make_vec sees the id
        try:
            self.env = gymnasium.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                                          vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP}, **options)
        except gymnasium.error.Error as err:
            raise ValueError(f"gymnasium cannot make {shown(env_id)}: {shown(str(err), 200)}") from None
        obs_space, act_space = self.env.single_observation_space, self.env.single_action_space
        self.env_id, self.n = env_id, n
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.generator = torch.Generator(device="cpu").manual_seed(int(seed))
        self.obs_dim, self.act_dim = obs_space.shape[0], act_space.shape[0]
        self.action_low = torch.as_tensor(act_space.low, dtype=torch.float32, device=self.device)
        self.action_high = torch.as_tensor(act_space.high, dtype=torch.float32, device=self.device)
        self._action_dtype = act_space.dtype
        spec = self.env.spec
        self.max_steps = spec.max_episode_steps if spec is not None else None

    def _tensor(self, array, dtype=torch.float32) -> torch.Tensor:
        return torch.as_tensor(np.asarray(array), dtype=dtype, device=self.device)

    def reset(self, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is not None:
            self.generator = generator
        seed = int(torch.randint(0, 2**31 - 1, (), generator=self.generator, device=self.generator.device))
        obs, _ = self.env.reset(seed=seed)
        return self._tensor(obs)

    def step(self, action: torch.Tensor) -> Step:
        if tuple(action.shape) != (self.n, self.act_dim):
            raise ValueError(f"action has shape {tuple(action.shape)}; expected ({self.n}, {self.act_dim})")
        action = action.detach().clamp(self.action_low, self.action_high).cpu().numpy().astype(self._action_dtype)
        obs, reward, terminated, truncated, info = self.env.step(action)
        next_obs = np.array(obs, dtype=np.float32, copy=True)
        if "final_obs" in info:
            for i in np.flatnonzero(info["_final_obs"]):
                next_obs[i] = info["final_obs"][i]
        return Step(self._tensor(obs), self._tensor(reward), self._tensor(terminated, torch.bool),
                    self._tensor(truncated, torch.bool), self._tensor(next_obs))

    def close(self) -> None:
        self.env.close()


class NoisyReward(NoisyRewardEnv):
    """A task built to show critic overestimation: the reward is pure noise, whatever the agent does.

    Each step the agent sees a context x ~ U(−1, 1), drawn afresh (it predicts nothing), picks
    u ∈ [−1, 1]²⁰ and gets r = noise·ε, ε ~ N(0, 1). Every policy's true return is 0 (the soft
    return adds only the entropy terms), so the true Q is flat; a critic that fits the noise has
    bumps, an actor climbing Q finds the upward ones (twenty action dimensions give it room to),
    and the TD target feeds them back, so the bias compounds — the overestimation that clipped
    double-Q counters (Fujimoto et al. 2018, TD3). Measured here (noise 3, α = 0.01 fixed, 2×32
    hidden units, 5,000 steps, 4 seeds): single critics overestimate by ~100, twin critics by ~80
    (single − twin = +23.5, +25.6, +14.0 for base seeds 0, 1, 2). Never terminates; truncated
    after 100 steps.
    """

    name, noise_meaning = "noisy-reward", "reward noise scale"
    obs_dim, act_dim, state_dim, max_steps = 1, 20, 1, 100

    def __init__(self, n: int, device: str | torch.device | None = None, seed: int = 0, noise: float = 1.0):
        super().__init__(n, device, seed, noise)
        self._bounds(-1.0, 1.0)

    def initial_state(self, n, generator):
        return torch.rand(n, 1, generator=generator, device=self.device, dtype=torch.float64) * 2 - 1

    def transition(self, state, action):
        eps = torch.randn(len(state), generator=self.generator, device=self.device, dtype=torch.float64)
        return self.initial_state(len(state), self.generator), self.noise * eps


TORCH_ENVS: dict[str, type[TorchEnv]] = {"pendulum": Pendulum, "sparse-pendulum": SparsePendulum,
                                          "point-mass": PointMass, "noisy-reward": NoisyReward}
ENV_NAMES = (*TORCH_ENVS, GYM_PREFIX + "<id>")
ALLOWED_ENVS = (f"{', '.join(repr(n) for n in ENV_NAMES)} (a registered gymnasium id with 1-D Box spaces, "
                f"e.g. 'gym:MountainCarContinuous-v0')")


def moves_like_pendulum(name: str) -> bool:
    """Whether env ``name`` has Pendulum's (angle, velocity) state — what a value landscape is drawn over."""
    return isinstance(name, str) and name in TORCH_ENVS and issubclass(TORCH_ENVS[name], Pendulum)


def check_env_name(name: str) -> None:
    """Raise a ValueError saying what is allowed unless ``name`` is a torch env or 'gym:<id>' with <id> in
    gymnasium's registry (never 'module:Id', which gymnasium would import) and 1-D Box spaces."""
    if isinstance(name, str) and name.startswith(GYM_PREFIX) and name != GYM_PREFIX:
        gym_dims(name[len(GYM_PREFIX):])
    elif not isinstance(name, str) or name not in TORCH_ENVS:
        raise ValueError(f"unknown env {shown(name)}; allowed: {ALLOWED_ENVS}")


@functools.lru_cache(maxsize=256)
def gym_dims(env_id: str) -> tuple[int, int]:
    """(obs_dim, act_dim) of a registered gymnasium id, from one copy made and closed; a ValueError
    unless the id is registered and its spaces are 1-D Boxes. Nothing reaches gymnasium's ``make``
    (which imports the module of a 'module:Id') before the id is found in the registry."""
    import gymnasium

    if ":" in env_id:
        raise ValueError(f"gymnasium cannot make {shown(env_id)}: 'module:Id' ids would import a module; "
                         f"only registered gymnasium ids are allowed: {ALLOWED_ENVS}")
    if env_id not in gymnasium.envs.registry:
        raise ValueError(f"gymnasium cannot make {shown(env_id)}: it is not a registered gymnasium id; "
                         f"allowed: {ALLOWED_ENVS}")
    try:
        env = gymnasium.make(env_id)
    except Exception as err:  # a registered env's own constructor (a missing dependency, say) may raise anything
        raise ValueError(f"gymnasium cannot make {shown(env_id)}: {shown(str(err), 200)}") from None
    try:
        for role, space in (("observation", env.observation_space), ("action", env.action_space)):
            if not isinstance(space, gymnasium.spaces.Box) or len(space.shape) != 1:
                raise ValueError(f"gymnasium env {shown(env_id)} has {role} space {shown(space)}; "
                                 f"only 1-D Box (continuous) spaces are supported")
        return env.observation_space.shape[0], env.action_space.shape[0]
    finally:
        env.close()


def env_dims(name: str) -> tuple[int, int]:
    """(obs_dim, act_dim) of env ``name`` (checked by ``check_env_name``)."""
    check_env_name(name)
    if name.startswith(GYM_PREFIX):
        return gym_dims(name[len(GYM_PREFIX):])
    return TORCH_ENVS[name].obs_dim, TORCH_ENVS[name].act_dim


def env_options(name: str) -> list[str]:
    """The options a torch env takes beyond (n, device, seed), e.g. ['noise']; none for gymnasium ids
    (their keyword arguments go to gymnasium unchecked)."""
    check_env_name(name)
    if name.startswith(GYM_PREFIX):
        return []
    return [p for p in inspect.signature(TORCH_ENVS[name]).parameters if p not in ("n", "device", "seed")]


def make_env(name: str, n: int, device: str | torch.device | None = None, seed: int = 0,
             **options) -> BatchedEnv:
    """n copies of env ``name``: one of ``TORCH_ENVS`` or 'gym:<gymnasium id>'.

    ``options`` go to the env: ``noise`` for 'point-mass' and 'noisy-reward', env kwargs for a
    gymnasium id. A ValueError, before gymnasium sees anything, for any other name (``check_env_name``).
    """
    check_env_name(name)
    if name.startswith(GYM_PREFIX):
        return GymVectorEnv(name[len(GYM_PREFIX):], n, device, seed, **options)
    known = env_options(name)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"env {shown(name)} has no option {', '.join(map(repr, unknown))}; "
                         f"its options: {', '.join(map(repr, known)) or 'none'}")
    return TORCH_ENVS[name](n, device, seed, **options)
