"""GPC — General Policy Composition (Cao et al., "Compose Your Policies! Improving Diffusion-based or
Flow-based Robot Policies via Test-time Distribution-level Composition", arXiv 2510.01068) on two 2-D flow
policies trained on complementary, biased demonstrations.

The paper. Two pretrained diffusion or flow policies are sampled together: at every denoising step the
sampler uses the convex combination of their scores (noise predictions, velocities)

    v̂(a, t) = w·v₁(a, t) + (1 − w)·v₂(a, t),    0 ≤ w ≤ 1,                          (GPC's composition)

with the same start noise, times and steps as either parent; the weight w is found at test time by
evaluating the task's success at each weight of a grid (the authors' script: w = 0.1, 0.2, …, 0.9). A convex
combination of scores is the score of p₁^w·p₂^(1−w) at noise level 0, so samples are drawn toward where both
parents put mass. On the straight flow path a velocity is v = x/t + (1 − t)/t·∇log p_t(x) (affine in the
score, the same coefficients for every model; our derivation), so composing velocities is composing scores
exactly; w = 1 and w = 0 are parent 1 and parent 2 bit for bit.

The toy. Actions a ∈ R²; success when a lands in the target disc ‖a‖ < ``radius`` (0.45) around the target
(0, 0). Each seed has two fixed datasets of ``demos`` demonstrations, biased to opposite sides: parent 1's
N((``bias_1``, 0), σ²·I), parent 2's N((``bias_2``, 0), σ²·I) (defaults ∓0.45, σ = ``demo_std`` = 0.15), each
straddling the target's edge. Each parent is a ``FlowPolicy`` (one velocity field per seed) trained by flow
matching on its own dataset (one Adam step of both per ``step()``), so each lands in the target about half
the time. Both flows carry N(0, I) noise to Gaussians of the same spread, so their convex combination carries
it to one centred at w·bias_1 + (1 − w)·bias_2 — the product p₁^w·p₂^(1−w) of the two Gaussians, on the
target at the right w. After every ``eval_every`` steps (and the last) the composition is sampled from the
current parents at each weight of a grid of ``grid_points`` weights from 0 to 1 (both included: the parents)
from one fixed noise batch (``eval_samples`` points per seed); the best weight w* is picked on it, and every reported
success is measured on a second, independent fixed noise batch (the selection's luck does not leak into the
reported number). The switch ``policy`` picks what acts, what the headline ``success`` reports and what the
view draws: 'parent_1' (default, the failure), 'parent_2', or 'gpc' (the composition at w*, or at ``weight``
with ``weight_search='fixed'``).

What reproduces (tests/expressive/test_gpc.py; defaults, 300 steps, 16 seeds, base seeds 0, 1, 2, held-out
success after the last step): the parents succeed 0.41–0.48 on average (the better of the two per seed:
0.47–0.54, at most 0.67), the composition at the searched w* 0.976–0.981 (its worst seed 0.92), at least
+0.27 over the better parent in every seed; w* ∈ [0.3, 0.7], never a parent. With symmetric biases a fixed
w = ½ does as well (0.98–0.99); with unequal biases (``bias_2`` = 0.9: parent 2 never succeeds) w* moves to
0.6–0.7 and the search matters: w = ½ 0.90–0.92, w* 0.97–0.98 (base seeds 0, 1).

What does not: this toy is the easy case (Gaussian parents whose product sits on the target). In a first
trial each parent's demos were bimodal — half on a shared target, half on the parent's own wrong spot — and
the composition gained little (parents 0.42–0.46, composition 0.49–0.51; 400 steps, base seeds 0–2): the
averaged velocity sends the noise each parent sends to its own wrong spot to a point between the two wrong
spots, not to the shared target — without a corrector the averaged flow does not sample the product there.

Inferred: only the abstract, the project page, a third-party summary and the authors' evaluation code were
available. The composition rule and the grid search follow the authors' code (``get_composed_action``:
``dp_w * out_dp + dp3_w * out_dp3`` inside the sampler; a 0.1-step weight grid); the grid here includes the
endpoints 0 and 1 (the parents), and the split into a selection batch and a held-out batch is ours. The toy
and its numbers are ours.
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer, view_generator

from .flow import FlowPolicy, euler

POLICIES = ("parent_1", "parent_2", "gpc")
TARGET = (0.0, 0.0)                        # the success disc's centre
VIEW_POINTS = 64                           # actions per seed and policy in view_state


class GpcConfig(LabConfig):
    """Two flow-policy parents per seed, each trained on its own biased demonstrations, and their
    composition v̂ = w·v₁ + (1 − w)·v₂ with w searched on a grid at test time."""

    policy: Literal[POLICIES] = Field(
        "parent_1", description="what acts: 'parent_1', 'parent_2' (each trained on its own demos), or 'gpc' "
        "(their velocities combined, w·v₁ + (1 − w)·v₂, w searched on a grid or fixed)")
    weight_search: Literal["grid", "fixed"] = Field(
        "grid", description="'gpc': 'grid' picks w on a selection batch among the grid's weights; 'fixed' uses "
        "`weight`")
    weight: float = Field(0.5, ge=0.0, le=1.0, description="'gpc' with 'fixed': w on parent 1 (1 − w on parent 2)")
    grid_points: int = Field(11, ge=2, le=41, description="weights searched: evenly from 0 to 1, both included")
    bias_1: float = Field(-0.45, ge=-3.0, le=3.0, description="parent 1's demos: centred this far from the "
                          "target along action 1")
    bias_2: float = Field(0.45, ge=-3.0, le=3.0, description="parent 2's demos: centred this far from the "
                          "target along action 1")
    demos: int = Field(512, ge=8, le=65536, description="demonstrations per parent per seed (fixed datasets)")
    demo_std: float = Field(0.15, gt=0.0, le=2.0, description="σ of the demonstrations around their spot")
    radius: float = Field(0.45, gt=0.0, le=3.0, description="success: the action within this of the target")
    batch: int = Field(128, ge=1, le=4096, description="demonstrations per parent per step")
    lr: float = Field(3e-3, gt=0.0, le=1.0, description="Adam step size of both parents")
    hidden: int = Field(64, ge=4, le=512, description="hidden units of each velocity field (2 layers)")
    flow_steps: int = Field(8, ge=1, le=64, description="Euler steps of every sampler (parents and composition)")
    eval_samples: int = Field(64, ge=8, le=4096, description="noise points per seed per weight, in each of the "
                              "selection batch and the held-out batch")
    eval_every: int = Field(25, ge=1, le=100_000, description="steps between measurements of the grid "
                            "(metrics hold the last measurement in between; the last step is always measured)")
    seeds: int = Field(16, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(300, ge=1, le=100_000, description="training steps (flow matching of both parents)")

    def problems(self) -> list[str]:
        found = []
        if self.batch > self.demos:
            found.append(f"'batch' = {self.batch} must be at most 'demos' = {self.demos}")
        return found


# --- the pieces ------------------------------------------------------------------------------------


def demonstrations(seeds: int, n: int, bias: float, std: float, generator: torch.Generator,
                   device: torch.device) -> torch.Tensor:
    """A parent's demos (seeds, n, 2): N(target + (bias, 0), std²·I) — biased, covering the target disc only
    partly."""
    centre = torch.tensor(TARGET, device=device) + torch.tensor([bias, 0.0], device=device)
    return centre + std * torch.randn(seeds, n, 2, generator=generator, device=device)


def successes(actions: torch.Tensor, radius: float) -> torch.Tensor:
    """1 where an action (..., 2) lies within ``radius`` of the target, else 0: (...)."""
    return ((actions - torch.tensor(TARGET, device=actions.device)).norm(dim=-1) < radius).to(torch.float32)


def composed_velocity(v1: torch.Tensor, v2: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """GPC's composition (arXiv 2510.01068; the authors' ``get_composed_action``: ``dp_w * out_dp + dp3_w *
    out_dp3`` with dp_w + dp3_w = 1): the convex combination w·v₁ + (1 − w)·v₂ of the parents' velocities
    (scores), w broadcast against v (…, 2)."""
    return w * v1 + (1.0 - w) * v2


def composed_sample(parent_1: FlowPolicy, parent_2: FlowPolicy, start: torch.Tensor, w: torch.Tensor,
                    steps: int) -> torch.Tensor:
    """The end of the composed flow from ``start`` (seeds, B, 2): ``steps`` Euler steps of
    da/dt = w·v₁ + (1 − w)·v₂ at weights ``w`` (seeds, B, 1), the same times as ``FlowPolicy.sample`` (``flow.euler``)."""
    return euler(lambda a, t: composed_velocity(parent_1.velocity(a, t), parent_2.velocity(a, t), w), start, steps)


def weight_grid(points: int, device: torch.device) -> torch.Tensor:
    """The weights searched: ``points`` evenly from 0 (parent 2) to 1 (parent 1)."""
    return torch.linspace(0.0, 1.0, points, device=device)


# --- the trainer -----------------------------------------------------------------------------------


class GpcTrainer(Trainer):
    """``seeds`` pairs of flow parents; one step = one flow-matching Adam step of both parents of every seed,
    and (every ``eval_every`` steps) the composition's success measured over the weight grid."""

    Config = GpcConfig

    def __init__(self, config: GpcConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.demos = [demonstrations(c.seeds, c.demos, bias, c.demo_std, g, dev) for bias in (c.bias_1, c.bias_2)]
        self.parents = [FlowPolicy(c.seeds, 2, g, dev, hidden=c.hidden, steps=c.flow_steps) for _ in range(2)]
        self.optimizer = torch.optim.Adam([p for parent in self.parents for p in parent.params], lr=c.lr)
        self.weights = torch.cat([weight_grid(c.grid_points, dev), torch.tensor([c.weight], device=dev)])
        self.selection_noise = torch.randn(c.seeds, 1, c.eval_samples, 2, generator=g, device=dev)
        self.held_out_noise = torch.randn(c.seeds, 1, c.eval_samples, 2, generator=g, device=dev)
        self.view_generator = view_generator(c.seed, dev)
        self.steps_done = 0
        self.measured = self.measure()                     # the untrained parents: no random numbers drawn

    @property
    def population(self) -> int:
        return self.config.seeds

    def success_by_weight(self, noise: torch.Tensor) -> torch.Tensor:
        """The composition's success rate at every weight of ``self.weights`` from the same ``noise``
        (seeds, 1, E, 2): (seeds, W)."""
        S, _, E, _ = noise.shape
        W = len(self.weights)
        start = noise.expand(S, W, E, 2).reshape(S, W * E, 2)
        w = self.weights.view(1, W, 1, 1).expand(S, W, E, 1).reshape(S, W * E, 1)
        with torch.no_grad():
            actions = composed_sample(*self.parents, start, w, self.config.flow_steps)
        return successes(actions, self.config.radius).view(S, W, E).mean(-1)

    def measure(self) -> dict[str, torch.Tensor]:
        """Held-out success of parent 1 (w = 1), parent 2 (w = 0), the composition at the weight w* best on
        the selection batch (the smallest such w on a tie) and at the fixed ``weight``; w* itself; (seeds,)
        each. And the held-out success at every grid weight (seeds, grid_points)."""
        grid = self.config.grid_points
        picked = self.success_by_weight(self.selection_noise)[:, :grid].argmax(-1)                 # (S,)
        held_out = self.success_by_weight(self.held_out_noise)
        gpc = held_out.gather(-1, picked.unsqueeze(-1)).squeeze(-1)
        return {"parent_1": held_out[:, grid - 1], "parent_2": held_out[:, 0], "gpc": gpc,
                "fixed": held_out[:, grid], "best_weight": self.weights[picked], "by_weight": held_out[:, :grid]}

    def headline(self, m: dict[str, torch.Tensor]) -> torch.Tensor:
        """The success of the policy that acts (the switch ``policy``)."""
        c = self.config
        if c.policy == "gpc":
            return m["gpc"] if c.weight_search == "grid" else m["fixed"]
        return m[c.policy]

    def step(self) -> dict[str, torch.Tensor]:
        """One flow-matching update of both parents of every seed; per-seed metrics (seeds,): success (held-out,
        of the policy that acts), success_parent_1, success_parent_2, success_gpc (at the searched w*), gain
        (success_gpc − the better parent's), best_weight (w*), flow_loss (the parents' mean, before the update).
        The grid is measured after the update every ``eval_every`` steps and at the last step, and held in
        between."""
        c, g = self.config, self.generator
        losses = []
        for parent, demos in zip(self.parents, self.demos):
            index = torch.randint(c.demos, (c.seeds, c.batch, 1), generator=g, device=self.device)
            losses.append(parent.loss(demos.gather(1, index.expand(-1, -1, 2)), g))
        loss = losses[0] + losses[1]
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.optimizer.step()
        self.steps_done += 1
        if self.steps_done % c.eval_every == 0 or self.steps_done == c.steps:
            self.measured = self.measure()
        m = self.measured
        return {"success": self.headline(m), "success_parent_1": m["parent_1"], "success_parent_2": m["parent_2"],
                "success_gpc": m["gpc"], "gain": m["gpc"] - torch.maximum(m["parent_1"], m["parent_2"]),
                "best_weight": m["best_weight"], "flow_loss": loss.detach() / 2}

    def view_state(self) -> dict[str, torch.Tensor]:
        """``VIEW_POINTS`` actions per seed (seeds, VIEW_POINTS, 2) of parent 1, parent 2 and the composition
        at the weight it acts with (w* last searched, or ``weight`` with 'fixed') — 'gpc_weight' (seeds,) —
        from noise of the view's own generator; the grid's weights and the held-out success at each (seeds,
        grid_points), last measured."""
        c = self.config
        start = torch.randn(c.seeds, VIEW_POINTS, 2, generator=self.view_generator, device=self.device)
        best = self.measured["best_weight"]
        acting = best if c.weight_search == "grid" else torch.full_like(best, c.weight)
        with torch.no_grad():
            samples = {name: composed_sample(*self.parents, start, w.view(-1, 1, 1).expand(-1, VIEW_POINTS, 1),
                                             c.flow_steps).detach().clone()
                       for name, w in (("parent_1", torch.ones_like(best)), ("parent_2", torch.zeros_like(best)),
                                       ("gpc", acting))}
        return {**samples, "gpc_weight": acting.clone(), "weights": self.weights[:c.grid_points].clone(),
                "success_by_weight": self.measured["by_weight"].clone()}
