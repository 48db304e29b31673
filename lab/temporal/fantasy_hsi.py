"""FantasyHSI's critic loop and DPO-trained action generator (Mu, Wang, Jiang et al., "FantasyHSI:
Video-Generation-Centric 4D Human Synthesis In Any Scene through A Graph-based Multi-Agent Framework",
arXiv 2509.01232), on a 2-D waypoint follower.

The paper. A navigator plans a path through the scene, a planner decomposes it into atomic actions, and a video
generator produces each action's motion. The generator is stochastic, so executed open loop the motion drifts
from the plan over a long task. A critic agent compares the generated motion with the planned path and, when it
strays, triggers a correction (a new action from where the human actually is), closing the loop. Separately,
the action generator is fine-tuned with DPO on preferred / rejected generations, which reduces physical
artifacts (limb distortion, foot sliding).

The toy. A planned path of ``horizon`` segments, each a displacement of length ``segment_length`` whose heading
turns by N(0, ``turn``²) per segment. The generator (the "atomic action" model, one per seed) maps a commanded
segment displacement c ∈ R² to ``segment_steps`` per-step displacements, a Gaussian with mean W_t c (W_t a 2×2
matrix per step t) and a learnable per-step σ. It starts "pretrained" with the flaws of a real generator: a
per-seed rotation bias φ ~ ``bias``·(1 + 0.3·N(0, 1)) and speed ``speed`` (W_t = speed·R(φ)/L), a lateral
zig-zag (−1)^t·``zigzag``·J/L (J the 90° turn: jerky motion) and per-step noise ``noise``. Open loop
(``critic_loop`` False) the planner commands each planned segment as drawn; the bias rotates every segment the
same way, so the error grows with time along the path. ``critic_loop`` True is an inference-loop mechanism
(nothing is trained by it): after every generated segment the critic measures the deviation of the current
position from the planned point; above ``tolerance`` the next command is re-planned from the current position
to the next planned point. ``dpo`` True trains the generator every step with DPO (arXiv 2305.18290, Eq. 7)
against the frozen pretrained generator: for random commands, two segments are sampled from the current
generator and the smoother one (lower jerk, the sum of squared second differences of the per-step displacements)
is preferred. With ``pairs_from`` 'reference' the pairs come from the frozen reference instead (offline DPO)
and overshoot: the loss is linear in the Gaussian's mean, so the mean runs past the smooth one into a reversed
zig-zag; with on-policy pairs the preferred direction vanishes once the mean is smooth.

Metrics per seed (``FantasyHsiTrainer.step``, over ``episodes`` fresh paths): final_error (the headline,
|position − planned point| at the end), jerk (mean squared second difference of the executed per-step
displacements over the whole rollout), displacement (the executed segment's displacement along its command,
over the command's length: 1 is the commanded progress), corrections (the fraction of segments the critic
re-planned) and dpo_loss (0 without DPO).

What reproduces (tests/temporal/test_fantasy_hsi.py: defaults, 16 seeds, base seeds 0, 1, 2; the last 5 steps).
Open loop the final error after 64 segments is 9.2–9.7 segment lengths (every seed 6.5–13.6) and grows about
linearly along the path (median ×6.9–7.2 from segment 8 to 64). With the critic loop it is 0.23–0.24 (every seed
≤ 0.30; 40× lower) and does not grow (×0.92–1.14); the critic re-plans after 87–88% of the segments, and its
varying commands raise the jerk a little (0.190 → 0.232). DPO (100 steps) lowers the jerk 0.190 → 0.015
(12–13×); the mean displacement along the command is kept (0.89 → 0.887 / 0.890 / 0.906) but each seed's drifts
(0.77–1.05): the jerk preference does not see the speed. DPO does not touch the drift (open-loop final error
9.5–11.8 after it). Its zig-zag falls 0.6 → 0.06 command lengths. With ``pairs_from`` 'reference' it
overshoots to −1.42 (every seed −1.50 to −1.36) and the jerk rises to 0.97. DPO keeps shrinking σ (0.30 → 0.15
of a command length after 100 steps, 0.05 after 300): DPO's known sharpening.

Inferred (only the abstract, the project page and a third-party summary were read): the paper's critic is a
VLM reading generated video frames and its correction re-prompts the generator; ours measures a 2-D distance and
re-plans the command from the current position. The paper's DPO is on a video diffusion model (Diffusion-DPO
style) with preferences on physical plausibility; ours is the original DPO loss on an explicit Gaussian
generator with preferences by jerk, on pairs from the generator being trained (the paper does not say where its
pairs come from). The toy, the flaws of the generator, tolerance and β are ours.
"""
from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F

from lab.core import Field, LabConfig, Trainer, view_generator

VIEW_EPISODES = 8           # view_state: paths per seed for the error-against-horizon curves
BIAS_SPREAD = 0.3           # per-seed rotation bias φ = bias·(1 + BIAS_SPREAD·N(0, 1))


class FantasyHsiConfig(LabConfig):
    """A biased, noisy, jerky motion generator per seed following a planned 2-D path, open loop or with a
    critic that re-plans from the current position; optionally fine-tuned by DPO on smooth-vs-jerky pairs."""

    critic_loop: bool = Field(False, description="FantasyHSI's critic: after each segment, re-plan the next "
                              "command from the current position when the deviation from the plan exceeds "
                              "'tolerance' (an inference loop: trains nothing). False: open loop")
    dpo: bool = Field(False, description="train the generator by DPO on smooth-vs-jerky pairs against the frozen "
                      "pretrained generator. False: the pretrained generator is used as is")
    horizon: int = Field(64, ge=2, le=512, description="segments (atomic actions) along the planned path")
    segment_steps: int = Field(6, ge=3, le=32, description="L: per-step displacements in a generated segment")
    segment_length: float = Field(1.0, gt=0.0, le=10.0, description="length of a planned segment")
    turn: float = Field(0.15, ge=0.0, le=3.14, description="std of the planned path's heading change per segment "
                        "(radians)")
    bias: float = Field(0.15, ge=0.0, le=1.0, description="the generator's mean rotation bias φ (radians)")
    speed: float = Field(0.9, gt=0.0, le=2.0, description="the generator's speed: its segment is speed × command")
    zigzag: float = Field(0.6, ge=0.0, le=2.0, description="the generator's lateral zig-zag per segment, in "
                          "command lengths (the jerky artifact)")
    noise: float = Field(0.3, gt=0.0, le=2.0, description="the generator's per-step noise σ, in command "
                         "lengths per segment")
    tolerance: float = Field(0.1, ge=0.0, le=10.0, description="the critic re-plans when the deviation exceeds "
                             "this (in segment lengths)")
    pairs_from: Literal["policy", "reference"] = Field(
        "policy", description="where DPO's pairs are sampled: 'policy' (the current generator, on-policy) or "
        "'reference' (the frozen pretrained generator, offline DPO: the mean overshoots)")
    beta: float = Field(0.1, gt=0.0, le=10.0, description="DPO's β (strength of the tie to the reference)")
    pairs: int = Field(64, ge=1, le=4096, description="DPO preference pairs per seed per step")
    lr: float = Field(1e-2, gt=0.0, le=1.0, description="Adam step size of the DPO update")
    episodes: int = Field(16, ge=1, le=1024, description="paths rolled out per seed per step for the metrics")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(100, ge=1, le=100_000, description="training steps")


    def memory_parts(self) -> dict[str, float]:
        """A rollout's executed per-step displacements (held per segment and concatenated, then their second
        differences: about five float32 copies of seeds·max(episodes, VIEW_EPISODES)·horizon·segment_steps·2)
        and one DPO update's pairs with their log-probabilities' graphs (about ten copies of
        seeds·pairs·segment_steps·2 per side). Against a CPU process's peak RSS over a step and a view: DPO, 64
        seeds, 128 episodes of 256 segments of 16 steps, 1,024 pairs: 1.51 GB estimated, 1.51 GB used."""
        paths = self.seeds * max(self.episodes, VIEW_EPISODES)
        return {"rollout (seeds·episodes·horizon·segment_steps)":
                    4 * 5 * 2 * paths * self.horizon * self.segment_steps,
                "DPO pairs (seeds·pairs·segment_steps)":
                    4 * 10 * 2 * 2 * self.seeds * self.pairs * self.segment_steps}


# --- the pieces ------------------------------------------------------------------------------------


def rotation(angle: torch.Tensor) -> torch.Tensor:
    """2×2 rotation matrices R(angle): (...,) → (..., 2, 2)."""
    c, s = angle.cos(), angle.sin()
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def pretrained_generator(angle: torch.Tensor, steps: int, speed: float, zigzag: float,
                         noise: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The flawed generator: per-step maps W (S, L, 2, 2) = speed·R(φ)/L + (−1)^t·zigzag·J/L and log σ (S, L)
    = log(noise/L), for per-seed biases φ (S,)."""
    sign = torch.tensor([(-1.0) ** t for t in range(steps)], device=angle.device)
    turn90 = torch.tensor([[0.0, -1.0], [1.0, 0.0]], device=angle.device)
    weights = (speed * rotation(angle)[:, None] + zigzag * sign[None, :, None, None] * turn90) / steps
    log_std = torch.full((angle.shape[0], steps), math.log(noise / steps), device=angle.device)
    return weights, log_std


def segment_mean(weights: torch.Tensor, command: torch.Tensor) -> torch.Tensor:
    """The generator's mean per-step displacements: W (S, L, 2, 2), commands (S, B, 2) → (S, B, L, 2)."""
    return torch.einsum("sljk,sbk->sblj", weights, command)


def segment_log_prob(weights: torch.Tensor, log_std: torch.Tensor, command: torch.Tensor,
                     segment: torch.Tensor) -> torch.Tensor:
    """log π(segment | command) of the Gaussian generator: segments (S, B, L, 2) → (S, B)."""
    z = (segment - segment_mean(weights, command)) / log_std.exp()[:, None, :, None]
    return (-0.5 * z.pow(2) - log_std[:, None, :, None] - 0.5 * math.log(2 * math.pi)).sum((-1, -2))


def zigzag_amplitude(weights: torch.Tensor) -> torch.Tensor:
    """The sideways zig-zag of the generator's mean in command lengths per segment, as ``pretrained_generator``'s
    ``zigzag``: L times the mean over steps of (−1)^t × the 90°-turn part of W_t. W (S, L, 2, 2) → (S,)."""
    steps = weights.shape[1]
    sign = torch.tensor([(-1.0) ** t for t in range(steps)], device=weights.device)
    turn = (weights[..., 1, 0] - weights[..., 0, 1]) / 2
    return (sign * turn).mean(-1) * steps


def jerk(displacements: torch.Tensor) -> torch.Tensor:
    """Sum of squared second differences of per-step displacements along axis −2: (..., T, 2) → (...)."""
    second = displacements[..., 2:, :] - 2 * displacements[..., 1:-1, :] + displacements[..., :-2, :]
    return second.pow(2).sum((-1, -2))


def dpo_loss(policy_chosen: torch.Tensor, policy_rejected: torch.Tensor, reference_chosen: torch.Tensor,
             reference_rejected: torch.Tensor, beta: float) -> torch.Tensor:
    """DPO (Rafailov et al., arXiv 2305.18290, Eq. 7), as FantasyHSI trains its action generator (arXiv
    2509.01232): −log σ(β[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]), elementwise."""
    margin = (policy_chosen - reference_chosen) - (policy_rejected - reference_rejected)
    return -F.logsigmoid(beta * margin)


def critic_command(position: torch.Tensor, planned_from: torch.Tensor, planned_to: torch.Tensor,
                   tolerance: float) -> tuple[torch.Tensor, torch.Tensor]:
    """FantasyHSI's critic (arXiv 2509.01232, the closed loop): the deviation |position − planned point|; above
    ``tolerance`` the next command is re-planned from the current position to the next planned point, else
    the planned segment is commanded. Positions (..., 2) → command (..., 2) and the 0/1 correction (...)."""
    corrected = ((position - planned_from).norm(dim=-1) > tolerance).to(position.dtype)
    command = planned_to - torch.where(corrected.unsqueeze(-1) > 0, position, planned_from)
    return command, corrected


def planned_paths(seeds: int, episodes: int, horizon: int, length: float, turn: float,
                  generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """Planned points (S, B, horizon + 1, 2) from the origin: segments of ``length`` whose heading starts
    uniform and turns by N(0, turn²) per segment."""
    start = torch.rand(seeds, episodes, 1, generator=generator, device=device) * 2 * math.pi
    turns = turn * torch.randn(seeds, episodes, horizon - 1, generator=generator, device=device)
    heading = torch.cat([start, start + turns.cumsum(-1)], -1)
    steps = length * torch.stack([heading.cos(), heading.sin()], -1)
    return torch.cat([torch.zeros(seeds, episodes, 1, 2, device=device), steps.cumsum(-2)], -2)


# --- the trainer -----------------------------------------------------------------------------------


class FantasyHsiTrainer(Trainer):
    """``seeds`` Gaussian segment generators, pretrained with a bias, zig-zag and noise; each step one DPO update
    (if ``dpo``) and ``episodes`` rollouts along fresh planned paths, open loop or with the critic."""

    Config = FantasyHsiConfig

    def __init__(self, config: FantasyHsiConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        angle = c.bias * (1 + BIAS_SPREAD * torch.randn(c.seeds, generator=g, device=dev))
        self.reference = pretrained_generator(angle, c.segment_steps, c.speed, c.zigzag, c.noise)
        self.weights, self.log_std = (t.clone().requires_grad_() for t in self.reference)
        self.optimizer = torch.optim.Adam([self.weights, self.log_std], lr=c.lr)
        self.view_generator = view_generator(c.seed, dev)

    @property
    def population(self) -> int:
        return self.config.seeds

    def generate(self, command: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Sampled per-step displacements (S, B, L, 2) for commands (S, B, 2), no gradient."""
        with torch.no_grad():
            mean = segment_mean(self.weights, command)
            eps = torch.randn(mean.shape, generator=generator, device=self.device)
            return mean + self.log_std.exp()[:, None, :, None] * eps

    def dpo_update(self) -> torch.Tensor:
        """One Adam step of DPO on ``pairs`` smooth-vs-jerky pairs per seed sampled from the current generator
        (or, ``pairs_from`` 'reference', the frozen one), against the frozen reference; the per-seed loss (S,)."""
        c, g, dev = self.config, self.generator, self.device
        heading = torch.rand(c.seeds, c.pairs, generator=g, device=dev) * 2 * math.pi
        command = c.segment_length * torch.stack([heading.cos(), heading.sin()], -1)
        ref_weights, ref_log_std = self.reference
        if c.pairs_from == "policy":
            pair = torch.stack([self.generate(command, g), self.generate(command, g)])
        else:
            mean = segment_mean(ref_weights, command)
            noise = torch.randn((2, *mean.shape), generator=g, device=dev)
            pair = mean + ref_log_std.exp()[:, None, :, None] * noise
        smoother = (jerk(pair[0]) <= jerk(pair[1])).unsqueeze(-1).unsqueeze(-1)
        chosen, rejected = torch.where(smoother, pair[0], pair[1]), torch.where(smoother, pair[1], pair[0])
        log_prob = lambda w, s, y: segment_log_prob(w, s, command, y)  # noqa: E731
        loss = dpo_loss(log_prob(self.weights, self.log_std, chosen), log_prob(self.weights, self.log_std, rejected),
                        log_prob(ref_weights, ref_log_std, chosen), log_prob(ref_weights, ref_log_std, rejected),
                        c.beta).mean(-1)
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.optimizer.step()
        return loss.detach()

    def rollout(self, plan: torch.Tensor, critic_loop: bool, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """Follow planned points (S, B, H + 1, 2): the error |position − planned point| after each segment
        (S, B, H), the executed per-step displacements (S, B, H·L, 2), each segment's progress along its
        command over the command's length (S, B, H) and the critic's corrections (S, B, H)."""
        position = plan[:, :, 0]
        errors, moves, progress, corrections = [], [], [], []
        for k in range(plan.shape[2] - 1):
            if critic_loop:
                command, corrected = critic_command(position, plan[:, :, k], plan[:, :, k + 1],
                                                    self.config.tolerance * self.config.segment_length)
            else:
                command, corrected = plan[:, :, k + 1] - plan[:, :, k], torch.zeros_like(position[..., 0])
            segment = self.generate(command, generator)
            position = position + segment.sum(-2)
            along = (segment.sum(-2) * command).sum(-1) / command.pow(2).sum(-1).clamp_min(1e-12)
            errors.append((position - plan[:, :, k + 1]).norm(dim=-1))
            moves.append(segment)
            progress.append(along)
            corrections.append(corrected)
        return {"error": torch.stack(errors, -1), "moves": torch.cat(moves, -2),
                "progress": torch.stack(progress, -1), "corrected": torch.stack(corrections, -1)}

    def step(self) -> dict[str, torch.Tensor]:
        """A DPO update (if ``dpo``), then the rollouts; per-seed metrics (seeds,): final_error (in segment
        lengths), jerk, displacement, corrections, dpo_loss."""
        c, g, dev = self.config, self.generator, self.device
        loss = self.dpo_update() if c.dpo else torch.zeros(c.seeds, device=dev)
        plan = planned_paths(c.seeds, c.episodes, c.horizon, c.segment_length, c.turn, g, dev)
        out = self.rollout(plan, c.critic_loop, g)
        moves = out["moves"] / c.segment_length
        return {"final_error": out["error"][..., -1].mean(-1) / c.segment_length,
                "jerk": jerk(moves).mean(-1) / (moves.shape[-2] - 2),
                "displacement": out["progress"].mean((1, 2)), "corrections": out["corrected"].mean((1, 2)),
                "dpo_loss": loss}

    def view_state(self) -> dict[str, torch.Tensor]:
        """Each seed's error (in segment lengths, mean over ``VIEW_EPISODES`` paths) after each segment, open
        loop and with the critic (S, H) each, on the same paths, drawn with the view's own generator; and the
        first path's plan and both executed trajectories for seed 0 (H + 1, 2) each."""
        c = self.config
        plan = planned_paths(c.seeds, VIEW_EPISODES, c.horizon, c.segment_length, c.turn, self.view_generator,
                             self.device)
        state = {"horizon": torch.arange(1, c.horizon + 1, device=self.device), "plan": plan[0, 0].clone()}
        for name, loop in (("open", False), ("critic", True)):
            out = self.rollout(plan, loop, self.view_generator)
            state[name] = (out["error"].mean(1) / c.segment_length).detach().clone()
            path = out["moves"][0, 0].cumsum(0)[c.segment_steps - 1::c.segment_steps]
            state[f"{name}_path"] = torch.cat([plan[0, 0, :1], path]).detach().clone()
        return state
