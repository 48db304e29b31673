"""Agent-R (Yuan et al., "Agent-R: Training Language Model Agents to Reflect via Iterative Self-Training",
arXiv 2501.11425): MCTS finds a failed path's first error and splices it onto the correct sibling branch
with a revision step between; the agent is fine-tuned on these revision trajectories mixed with good ones.

The toy (``agent_r_search``): a chain of ``levels`` levels; at each, one of ``actions`` − 1 actions
advances, the others fall into the level's trap, and the last action, backtrack, leads out of a trap.
At test time the environment replaces the agent's action by a uniform one with probability ``noise``.
The policy is a per-seed logit table over features of the state — its level and whether it is a trap —
logits(s) = W_level[level(s)] + W_trap[is_trap(s)], trained with Adam on a weighted count table of
(state, action) targets (the Markov form of supervised fine-tuning on whole trajectories).

The switch ``data``:
- 'expert' (the baseline, behaviour cloning): the expert path 0 → goal, one target per level. It never
  visits a trap, so in a trap the policy plays its level's logits — the advancing action, which there
  does nothing — and repeats it until the step limit: the loop the paper describes.
- 'mcts_good': the successful paths of an MCTS run with the current policy as the actor (the paper's
  good trajectories alone, self-generated; they contain whatever detours the search recovered from).
- 'agent_r': those good paths (weight ``good_weight``, the paper's mixing) plus the revision
  trajectories ``agent_r_search.revision_counts`` builds (the rule and its citation live there).
Self-training is iterative as in the paper: every ``round_steps`` steps a new search with the current
policy adds its trajectories to the data (the data of all rounds are kept: our choice).

Metrics per seed, over ``eval_episodes`` fresh episodes per step under the noise, drawn from a generator
of the evaluation's own (seeded from ``seed``), so measuring never changes training: 'success' (reached
the goal within ``horizon`` steps), 'loop_rate' (episodes with a real loop: the agent repeated its own
action in the same state on consecutive steps, where it changed nothing — whether the episode then
succeeded or not), 'recovery_steps' (mean steps from falling into a trap to leaving it, an error still
open at the end counted to the limit; 0 when no error happened), 'errors' (traps entered per episode),
'failed_no_loop' (episodes that failed without a loop), 'loss' (the training NLL) and 'revisions'
(revision trajectories in the data).

Read in the paper's abstract and the authors' code (github.com/ByteDance-Seed/Agent-R: ``mcts_raw.py``,
``path_collection.py``); the full text's equations were not available to us. Inferred or ours: the
toy, the graded goal reward, "first error" = the first step into a trap (the paper's actor judges its
steps; here the next observation shows the error), the best good path as every bad path's partner, the
backtrack action as the revision signal (the code inserts a "revision thought" with action "wait"), the
(depth, state) transposition nodes, keeping all rounds' data, and no general (ShareGPT) data.

Measured (tests/agents/test_agent_r.py, base seeds 0, 1, 2, 24 seeds each, the defaults, 150 steps, the
last 30 steps' mean): behaviour cloning succeeds in 0.64–0.65 of the noisy episodes, loops in 0.48–0.49
(every one of its failures is a looped episode) and an error costs it 7.8–7.9 of its 16 steps (it repeats
the advancing action inside the trap); Agent-R succeeds in 0.84–0.85, loops in 0.27–0.31 and recovers in
1.7–1.8 steps; 0.05 of its episodes fail without a loop. Its own policy errs more often (1.43–1.45 vs
0.63 traps per episode: the search's good paths carry detours, trained on at η = 1), and 'mcts_good'
(good paths alone) lands between on success, recovery and loops: success 0.72–0.74, recovery 2.5–3.3
steps, loops 0.40–0.44 (0.04–0.09 fewer than cloning's, 0.12–0.16 more than Agent-R's).
"""
from __future__ import annotations

from typing import Literal

import torch

from lab.core import Field, LabConfig, Trainer

from .agent_r_search import good_counts, pair_counts, revision_counts, search, transition
from .tasks import sample_from

DATA = ("expert", "mcts_good", "agent_r")
EVAL_STREAM = 2**31     # the evaluation generator's seed is config.seed + EVAL_STREAM: never a training seed


class AgentRConfig(LabConfig):
    """A trap chain under test-time action noise; behaviour cloning vs Agent-R's revision trajectories."""

    data: Literal[DATA] = Field("expert", description="training data: 'expert' (behaviour cloning of the expert "
                                "path), 'mcts_good' (the successful paths of MCTS with the current policy) or "
                                "'agent_r' (those plus Agent-R's revision trajectories: a failed path up to its "
                                "first error, backtrack, the good sibling path)")
    levels: int = Field(6, ge=2, le=16, description="levels of the chain (one advancing action each)")
    actions: int = Field(4, ge=3, le=8, description="actions per state; the last is backtrack, all but one of the "
                         "others fall into a trap")
    noise: float = Field(0.2, ge=0.0, le=0.9, description="test time: probability that the environment takes a "
                         "uniform random action instead of the agent's")
    horizon: int = Field(16, ge=2, le=64, description="step limit of an episode (and depth of the search)")
    eval_episodes: int = Field(64, ge=1, le=1024, description="test episodes per seed at every step")
    lr: float = Field(0.05, gt=0.0, le=1.0, description="Adam step size of the policy's logits")
    init_scale: float = Field(0.1, ge=0.0, le=10.0, description="std of the policy's initial logits")
    round_steps: int = Field(50, ge=1, le=10_000, description="'mcts_good', 'agent_r': training steps per "
                             "self-training round (a new search with the current policy starts each round)")
    mcts_iterations: int = Field(32, ge=1, le=512, description="'mcts_good', 'agent_r': MCTS iterations (root-to-"
                                 "leaf paths) per search")
    mcts_samples: int = Field(4, ge=1, le=32, description="'mcts_good', 'agent_r': actions the actor proposes "
                              "when a node is expanded (duplicates merged; the authors' code: 4)")
    c_uct: float = Field(0.25, ge=0.0, le=10.0, description="'mcts_good', 'agent_r': UCT's exploration constant "
                         "(the authors' code: 0.25)")
    good_weight: float = Field(1.0, ge=0.0, le=10.0, description="'agent_r': weight η of the good trajectories "
                               "mixed with the revision trajectories")
    seeds: int = Field(8, ge=1, le=256, description="independent seeds trained at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="base random seed of the population")
    steps: int = Field(150, ge=1, le=100_000, description="training steps")

    def problems(self) -> list[str]:
        found = []
        if self.horizon < self.levels:
            found.append(f"'horizon' = {self.horizon} must be at least 'levels' = {self.levels}: the goal is "
                         f"{self.levels} steps away")
        if self.data == "agent_r" and self.mcts_iterations < 2:
            found.append(f"'data' = 'agent_r' needs 'mcts_iterations' ≥ 2 (got {self.mcts_iterations}): a revision "
                         "splices a failed and a successful path of the same search")
        return found


class AgentRTrainer(Trainer):
    """A population of per-seed logit policies on trap chains, trained on the data ``config.data`` picks."""

    Config = AgentRConfig

    def __init__(self, config: AgentRConfig, device=None):
        super().__init__(config, device)
        c, g, dev = config, self.generator, self.device
        self.n_states = 2 * c.levels + 1
        self.correct = torch.randint(c.actions - 1, (c.seeds, c.levels), generator=g, device=dev)
        state = torch.arange(self.n_states, device=dev)
        self.level_of = torch.where(state < c.levels, state, state - c.levels).clamp(max=c.levels - 1)
        self.trap_of = ((state >= c.levels) & (state < 2 * c.levels)).long()
        self.w_level = (c.init_scale * torch.randn(c.seeds, c.levels, c.actions, generator=g, device=dev))
        self.w_trap = (c.init_scale * torch.randn(c.seeds, 2, c.actions, generator=g, device=dev))
        self.w_level.requires_grad_()
        self.w_trap.requires_grad_()
        self.optimizer = torch.optim.Adam([self.w_level, self.w_trap], lr=c.lr)
        self.data = torch.zeros(c.seeds, self.n_states, c.actions, device=dev)
        self.revisions = torch.zeros(c.seeds, device=dev)
        self.eval_generator = torch.Generator(device=dev).manual_seed(c.seed + EVAL_STREAM)
        self.t = 0
        if c.data == "expert":
            level = torch.arange(c.levels, device=dev).expand(c.seeds, -1)
            self.data = pair_counts(level, self.correct, torch.ones_like(level), self.n_states, c.actions)

    @property
    def population(self) -> int:
        return self.config.seeds

    def logits(self) -> torch.Tensor:
        """(S, states, A): W_level[level(s)] + W_trap[is_trap(s)]."""
        return self.w_level[:, self.level_of] + self.w_trap[:, self.trap_of]

    def collect(self) -> None:
        """One self-training round's data: an MCTS with the current policy as the actor; its good paths
        (and, for 'agent_r', its revision trajectories) join the data."""
        c = self.config
        with torch.no_grad():
            probs = self.logits().softmax(-1)
            paths = search(probs, self.correct, c.levels, c.horizon, c.mcts_iterations, c.mcts_samples, c.c_uct,
                           self.generator)
            good = good_counts(paths, self.n_states, c.actions)
            if c.data == "agent_r":
                revised, count = revision_counts(paths, c.levels, c.actions)
                self.data += c.good_weight * good + revised
                self.revisions += count
            else:
                self.data += good

    def step(self) -> dict[str, torch.Tensor]:
        c = self.config
        if c.data != "expert" and self.t % c.round_steps == 0:
            self.collect()
        self.t += 1
        log_probs = self.logits().log_softmax(-1)
        loss = -(self.data * log_probs).sum((1, 2)) / self.data.sum((1, 2)).clamp(min=1e-8)    # (S,)
        self.optimizer.zero_grad()
        loss.sum().backward()
        self.optimizer.step()
        return {**self.evaluate(), "loss": loss.detach(), "revisions": self.revisions.clone()}

    @torch.no_grad()
    def evaluate(self) -> dict[str, torch.Tensor]:
        """Fresh episodes under test-time action noise: success, loops, recovery from errors. Drawn from a
        generator of their own, so measuring never changes what training draws."""
        c, g, dev = self.config, self.eval_generator, self.device
        S, E, A, goal = c.seeds, c.eval_episodes, c.actions, 2 * c.levels
        probs = self.logits().softmax(-1)
        state = torch.zeros(S, E, dtype=torch.long, device=dev)
        last_state, last_action = torch.full_like(state, -1), torch.full_like(state, -1)
        looped = torch.zeros(S, E, dtype=torch.bool, device=dev)
        entered = torch.zeros(S, E, dtype=torch.long, device=dev)
        recovery, errors = torch.zeros(S, E, device=dev), torch.zeros(S, E, device=dev)
        for t in range(c.horizon):
            live = state != goal
            chosen = sample_from(probs.gather(1, state.unsqueeze(-1).expand(-1, -1, A)),
                                 torch.rand(S, E, 1, generator=g, device=dev)).squeeze(-1)
            looped |= live & (state == last_state) & (chosen == last_action)
            random_action = torch.randint(A, (S, E), generator=g, device=dev)
            noised = torch.rand(S, E, generator=g, device=dev) < c.noise
            taken = torch.where(noised, random_action, chosen)
            after = transition(state, taken, self.correct, c.levels, A)
            in_trap, trapped = (state >= c.levels) & (state < goal), (after >= c.levels) & (after < goal)
            falls, leaves = live & ~in_trap & trapped, live & in_trap & ~trapped
            entered = torch.where(falls, t + 1, entered)
            recovery += torch.where(leaves, t + 1 - entered, 0).float()
            errors += falls.float()
            # A loop is the agent's own action repeated where it changed nothing (noise's actions don't count).
            last_state, last_action = torch.where(live, state, last_state), torch.where(live & ~noised, chosen, -1)
            state = after
        open_error = (state >= c.levels) & (state < goal)
        recovery += torch.where(open_error, c.horizon - entered, 0).float()
        success = state == goal
        return {"success": success.float().mean(1), "loop_rate": looped.float().mean(1),
                "recovery_steps": recovery.sum(1) / errors.sum(1).clamp(min=1), "errors": errors.mean(1),
                "failed_no_loop": (~looped & ~success).float().mean(1)}
