"""StableWorld: dynamic frame eviction in sliding-window autoregressive generation ("StableWorld:
Towards Stable and Consistent Long Interactive Video Generation", arXiv 2601.15281), on a linear world model.

The paper. Interactive world models (Matrix-Game, Open-Oasis, Hunyuan-GameCraft) generate a video frame by
frame, each conditioned on a sliding window of the frames generated last. Small inter-frame errors, invisible
between neighbours, accumulate within the same scene: generated frames drift away from the initial clean
state and the window hands the drift on, until the scene collapses. StableWorld changes only which frames the
window keeps (training-free, model-agnostic): it keeps early, clean frames that are still geometrically
consistent with what is being generated and evicts the degraded intermediate ones; when the view has really
changed, the early frame goes, as in a plain window, so motion continues.

The toy. A scene's state (a "frame") is D = ``static_dims`` + 2·``movers`` numbers: a static background
(drawn per scene, constant) and ``movers`` objects on circles (centre, radius and phase per scene, common
angular speed ``omega``). Each seed's world model is linear, entry by entry: each entry's next value from its
own values in a window of ``context`` frames, x̂_d = Σ_k w_kd x_kd + c_d, trained by Adam on true windows
whose frames carry noise of std ``train_noise`` (as video models train on noisy context), so it averages the
window for the background and extrapolates the circles. Generation rolls the model out on its own frames
from ``context`` true frames, adding to every generated frame a per-seed constant bias (each dimension
±``bias``) and noise of std ``noise``: the "inter-frame drift". The switch ``window`` picks which frame
leaves the window when a new one enters: 'plain' (FIFO: the oldest) or 'stableworld' (the rule in ``next_window``).

Metrics per seed (``StableWorldTrainer.step``): static_drift (the headline: RMS error of the background at
the longest horizon), moving_error (RMS error of the objects' positions there), motion_error (RMS error of
their per-step displacement, averaged over the first 4·context generated frames, where the objects are still
tracked: is real motion followed as well as before?), anchor_kept (fraction of generation steps
whose window kept its early frame), train_loss, diverged (1 when a rollout error passed ``ERROR_CAP``; the
measured errors are clamped there).

What reproduces (tests/temporal/test_stableworld.py: defaults, 300 steps, 16 seeds, base seeds 0, 1, 2).
Plain window: the background's median error grows with the horizon without levelling off — 0.18 at 64
generated frames, 1.36–1.46 at 512, every seed above 1.0 (the model averages its window with weights summing
to one, so the bias is handed on and adds up). StableWorld keeps the first frame in 99–100% of the steps and
the error levels off: 0.09 at 64, 0.10 at 512 — 14× smaller, every seed at least 5×. The objects' per-step
motion over the first 32 frames is followed as well (displacement error 0.10 against 0.12); both windows lose
their positions by 512 frames (0.54–0.62 against 0.67–0.77; a random phase gives ≈ 0.7).

Inferred (the abstract and third-party summaries were available, not the method section): the paper judges
geometric consistency between frames with image features; ours is ``consistent``: the fraction of the
frame's entries within ``tolerance`` of the kept frame, against ``match_fraction``. Which frame is evicted
when the test passes (the oldest intermediate one) and the whole toy are ours. Our model is positional (slot
k is "k frames before the newest"), not content-attending like a video model, so it is trained with a random
gap before its first slot (``training_times``); trained on consecutive windows only it puts weight on the
first slot for the objects, and StableWorld's stale early frame then wrecks their motion (displacement error
0.82 against 0.09, base seed 0).
"""
from __future__ import annotations

import math
from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator

WINDOWS = ("plain", "stableworld")
ERROR_CAP = 1e3          # measured errors are clamped here; past it a seed counts as diverged
HORIZON_POINTS = 16      # log-spaced horizons drawn by the signature view
TRACKING_WINDOWS = 4     # motion_error: mean over the first TRACKING_WINDOWS·context generated frames


class StableWorldConfig(LabConfig):
    """A linear autoregressive world model per seed rolled out on its own frames with a biased per-step
    error; the window is either a plain FIFO or StableWorld's dynamic frame eviction."""

    window: Literal[WINDOWS] = Field(
        "plain", description="which frame leaves the window: 'plain' (the oldest, FIFO; the baseline) or "
        "'stableworld' (keep the early frame while it is consistent with the newest, evict the next one)")
    context: int = Field(8, ge=2, le=32, description="frames in the sliding window")
    static_dims: int = Field(8, ge=1, le=64, description="background entries of a frame (never move)")
    movers: int = Field(2, ge=0, le=16, description="objects moving on circles (2 entries each)")
    omega: float = Field(0.3, gt=0.0, le=math.pi, description="angular speed of the objects (rad per frame)")
    bias: float = Field(0.01, ge=0.0, le=1.0, description="per-step bias added to each generated entry (±)")
    noise: float = Field(0.01, ge=0.0, le=1.0, description="std of per-step noise added to each generated entry")
    train_noise: float = Field(0.1, ge=0.0, le=1.0, description="std of noise on the context frames in training")
    tolerance: float = Field(0.25, gt=0.0, le=10.0, description="consistency test: an entry matches within this")
    match_fraction: float = Field(0.5, gt=0.0, le=1.0, description="consistency test: the fraction of entries "
                                  "that must match for the early frame to be kept")
    horizon: int = Field(512, ge=2, le=8192, description="generated frames per rollout (the longest horizon)")
    scenes: int = Field(4, ge=1, le=256, description="scenes rolled out per seed at each evaluation")
    batch: int = Field(256, ge=1, le=4096, description="true windows per seed per training step")
    lr: float = Field(3e-2, gt=0.0, le=1.0, description="Adam step size of the world model")
    eval_every: int = Field(150, ge=1, le=100_000, description="steps between rollout evaluations (the last "
                            "step is always evaluated; between evaluations the last values are repeated)")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(300, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.horizon <= self.context:
            found.append(f"'horizon' = {self.horizon} must exceed 'context' = {self.context} (a rollout must "
                         "generate more frames than the window holds)")
        return found


    def memory_parts(self) -> dict[str, float]:
        """A rollout's frames (generated, true, their errors and displacements: about eight float32 copies of
        seeds·scenes·(context + horizon)·D) and a training step's windows with their noise and gradients
        (about four copies of seeds·batch·(context + 1)·D), D = static_dims + 2·movers. Against a CPU process's
        peak RSS over a step and a view: 64 seeds, 64 scenes, horizon 1,024: 1.65 GB estimated, 1.6 GB used."""
        dims = self.static_dims + 2 * self.movers
        return {"rollout (seeds·scenes·horizon·frame entries)":
                    4 * 8 * self.seeds * self.scenes * (self.context + self.horizon) * dims,
                "training windows (seeds·batch·context·frame entries)":
                    4 * 4 * self.seeds * self.batch * (self.context + 1) * dims}


# --- the pieces ------------------------------------------------------------------------------------


def draw_scenes(seeds: int, scenes: int, static_dims: int, movers: int, generator: torch.Generator,
                device: torch.device) -> dict[str, torch.Tensor]:
    """Each scene's background (S, B, static_dims), object centres and radii (S, B, movers, 1|2) and phases."""
    shape = (seeds, scenes)
    return {"background": torch.randn(*shape, static_dims, generator=generator, device=device),
            "centre": 0.5 * torch.randn(*shape, movers, 2, generator=generator, device=device),
            "radius": 0.3 + 0.7 * torch.rand(*shape, movers, 1, generator=generator, device=device),
            "phase": 2 * math.pi * torch.rand(*shape, movers, 1, generator=generator, device=device)}


def true_frames(scene: dict[str, torch.Tensor], times: torch.Tensor, omega: float) -> torch.Tensor:
    """The true frames of each scene at ``times`` ((T,) or (S, B, T)): (S, B, T, D), background first, then
    the objects."""
    angle = scene["phase"][..., None, :] + omega * times[..., None, :, None]            # (S, B, M, T, 1)
    position = scene["centre"][..., None, :] + scene["radius"][..., None, :] * torch.cat(
        [angle.cos(), angle.sin()], -1)                                                # (S, B, M, T, 2)
    objects = position.permute(0, 1, 3, 2, 4).flatten(-2)                              # (S, B, T, 2M)
    background = scene["background"][..., None, :].expand(*objects.shape[:-1], -1)
    return torch.cat([background, objects], -1)


def training_times(seeds: int, batch: int, context: int, max_gap: int, generator: torch.Generator,
                   device: torch.device) -> torch.Tensor:
    """The frame times of training windows and their targets (S, B, context + 1): slot 0 at time 0, the rest
    consecutive after a gap that is 0 for half the windows and uniform in 1..max_gap for the others, so the
    model learns a window whose first frame may be an early one (what StableWorld's window holds)."""
    gap = torch.randint(1, max_gap + 1, (seeds, batch, 1), generator=generator, device=device)
    gap = gap * (torch.rand(seeds, batch, 1, generator=generator, device=device) < 0.5)
    later = gap + torch.arange(1, context + 1, device=device)
    return torch.cat([torch.zeros(seeds, batch, 1, device=device, dtype=later.dtype), later], -1).to(torch.float32)


def predict(weight: torch.Tensor, offset: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """The linear world model, entry by entry: window (S, B, W, D) → next frame (S, B, D); weight (S, W, D),
    offset (S, D). Each entry is predicted from its own W past values."""
    return torch.einsum("sbwd,swd->sbd", window, weight) + offset[:, None]


def consistent(anchor: torch.Tensor, newest: torch.Tensor, tolerance: float, match_fraction: float) -> torch.Tensor:
    """StableWorld's test (inferred form): the early frame (..., D) is consistent with the newest (..., D)
    when at least ``match_fraction`` of the entries agree within ``tolerance`` → (...) bool."""
    return ((newest - anchor).abs() < tolerance).to(torch.float32).mean(-1) >= match_fraction


def next_window(window: torch.Tensor, newest: torch.Tensor, keep_early: torch.Tensor) -> torch.Tensor:
    """Dynamic frame eviction (arXiv 2601.15281, its Dynamic Frame Eviction Mechanism: keep consistent early
    frames, evict drifted ones).
    window (..., W, D) with its early frame in slot 0, the newest frame (..., D), keep_early (...) bool:
    where True the frame in slot 1 (the oldest intermediate one) is evicted and the early frame stays;
    where False the early frame is evicted, as in a plain FIFO window."""
    newest = newest.unsqueeze(-2)
    fifo = torch.cat([window[..., 1:, :], newest], -2)
    kept = torch.cat([window[..., :1, :], window[..., 2:, :], newest], -2)
    return torch.where(keep_early[..., None, None], kept, fifo)


def rms(x: torch.Tensor) -> torch.Tensor:
    """Root mean square over the last axis and the scene axis: (S, B, ..., D) → (S, ...)."""
    return x.pow(2).mean(-1).mean(1).sqrt()


# --- the trainer -----------------------------------------------------------------------------------


class StableWorldTrainer(Trainer):
    """``seeds`` linear world models trained on true windows; at evaluations each is rolled out on its own
    frames with the configured window."""

    Config = StableWorldConfig

    def __init__(self, config: StableWorldConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.dims = c.static_dims + 2 * c.movers
        copy_last = torch.zeros(c.context, self.dims, device=dev)
        copy_last[-1] = 1.0
        self.weight = copy_last.expand(c.seeds, -1, -1).clone().requires_grad_(True)
        self.offset = torch.zeros(c.seeds, self.dims, device=dev, requires_grad=True)
        self.bias = c.bias * (torch.randint(0, 2, (c.seeds, 1, self.dims), generator=g, device=dev) * 2.0 - 1.0)
        self.optimizer = torch.optim.Adam([self.weight, self.offset], lr=c.lr)
        self.view_generator = view_generator(c.seed, dev)
        log_spaced = torch.logspace(0, math.log10(c.horizon), HORIZON_POINTS, device=dev)
        self.horizons = torch.unique(log_spaced.round().long())
        self.t = 0
        self.last_eval: dict[str, torch.Tensor] = {}

    @property
    def population(self) -> int:
        return self.config.seeds

    def fit(self) -> torch.Tensor:
        """One Adam step of every seed's model on fresh noisy true windows; each seed's loss (S,)."""
        c, g, dev = self.config, self.generator, self.device
        scene = draw_scenes(c.seeds, c.batch, c.static_dims, c.movers, g, dev)
        frames = true_frames(scene, training_times(c.seeds, c.batch, c.context, c.horizon, g, dev), c.omega)
        window = frames[:, :, :-1] + c.train_noise * torch.randn(frames[:, :, :-1].shape, generator=g, device=dev)
        loss = (predict(self.weight, self.offset, window) - frames[:, :, -1]).pow(2).mean((1, 2))
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.optimizer.step()
        return loss.detach()

    def rollout(self, window_rule: str, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """Generate ``horizon`` frames per scene with the given window rule; per seed and horizon (S, H):
        static error, moving error, motion (displacement) error, and the fraction of steps that kept the
        early frame (S,)."""
        c, dev = self.config, self.device
        scene = draw_scenes(c.seeds, c.scenes, c.static_dims, c.movers, generator, dev)
        truth = true_frames(scene, torch.arange(c.context + c.horizon, device=dev, dtype=torch.float32), c.omega)
        window, weight, offset = truth[:, :, :c.context], self.weight.detach(), self.offset.detach()
        generated, kept = [], torch.zeros(c.seeds, c.scenes, device=dev)
        for _ in range(c.horizon):
            noise = torch.randn(c.seeds, c.scenes, self.dims, generator=generator, device=dev)
            newest = (predict(weight, offset, window) + self.bias + c.noise * noise).clamp(-ERROR_CAP, ERROR_CAP)
            keep = consistent(window[:, :, 0], newest, c.tolerance, c.match_fraction) & (window_rule == "stableworld")
            kept = kept + keep.to(torch.float32)
            window = next_window(window, newest, keep)
            generated.append(newest)
        error = torch.stack(generated, 2) - truth[:, :, c.context:]                       # (S, B, H, D)
        moves = truth[:, :, c.context - 1:].diff(dim=2)
        steps = torch.cat([truth[:, :, c.context - 1:c.context], torch.stack(generated, 2)], 2).diff(dim=2)
        static, moving = error[..., :c.static_dims], error[..., c.static_dims:]
        motion = (steps - moves)[..., c.static_dims:]
        measured = {"static": rms(static), "moving": rms(moving) if c.movers else torch.zeros_like(rms(static)),
                    "motion": rms(motion) if c.movers else torch.zeros_like(rms(static))}
        measured = {k: torch.nan_to_num(v, nan=ERROR_CAP, posinf=ERROR_CAP).clamp(max=ERROR_CAP)
                    for k, v in measured.items()}
        measured["anchor_kept"] = (kept / c.horizon).mean(1)
        return measured

    def evaluate(self) -> dict[str, torch.Tensor]:
        """The configured window's rollout at the longest horizon, per seed."""
        r, tracked = self.rollout(self.config.window, self.generator), TRACKING_WINDOWS * self.config.context
        return {"static_drift": r["static"][:, -1], "moving_error": r["moving"][:, -1],
                "motion_error": r["motion"][:, :tracked].mean(1), "anchor_kept": r["anchor_kept"],
                "diverged": (r["static"].amax(1) >= ERROR_CAP).to(torch.float32)}

    def step(self) -> dict[str, torch.Tensor]:
        """One Adam step; every ``eval_every`` steps (and at the last) a rollout. Per-seed metrics (seeds,):
        static_drift, moving_error, motion_error, anchor_kept, train_loss, diverged."""
        self.t += 1
        loss = self.fit()
        if not self.last_eval or self.t % self.config.eval_every == 0 or self.t == self.config.steps:
            self.last_eval = self.evaluate()
        e = self.last_eval
        return {"static_drift": e["static_drift"], "moving_error": e["moving_error"],
                "motion_error": e["motion_error"], "anchor_kept": e["anchor_kept"], "train_loss": loss,
                "diverged": e["diverged"]}

    def view_state(self) -> dict[str, object]:
        """Both windows rolled out from the same scenes and noise (the view's own generator): the log-spaced
        horizons (H,) and, per window, each seed's static, moving and motion error there (S, H)."""
        index = self.horizons - 1
        state: dict[str, object] = {"horizons": self.horizons.clone()}
        start = self.view_generator.get_state()
        for rule in WINDOWS:
            self.view_generator.set_state(start)
            r = self.rollout(rule, self.view_generator)
            state[rule] = {k: r[k][:, index].detach().clone() for k in ("static", "moving", "motion")}
        return state
