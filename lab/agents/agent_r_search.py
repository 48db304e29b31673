"""Agent-R's data (arXiv 2501.11425, §3.1): the trap chain, MCTS over it, and the revision trajectories.

The chain (one per seed): levels 0 … N−1, then the goal. At level k one action, ``correct[k]``, advances;
the last action ``B`` ("backtrack") stays at k; every other action falls into level k's trap T_k, where
``B`` returns to level k and every other action stays in T_k. States are numbered: levels 0 … N−1, traps
N … 2N−1 (T_k = N + k), the goal 2N.

The search is the authors' MCTS (github.com/ByteDance-Seed/Agent-R, ``mcts_utils/mcts_raw.py``): every
iteration descends from the root to a terminal node; a node met for the first time is expanded with
``samples`` actions drawn from the actor (the policy being trained), duplicates merged; a child is chosen
unvisited first, else by UCT Q + c·sqrt(ln N_parent / N_child) (the code's c = 0.25); the terminal reward
is backed up along the path. Nodes are (depth, state) pairs — transpositions merged, so the tree is a
layered graph of fixed size — an implementation choice of ours. The reward is graded (``path_reward``:
the fraction of the chain completed; a faster success is worth more, so the best leaf is the shortest) —
inferred from the paper's environments, whose final rewards are graded; with a 0/1 reward a search of
this size rarely found the goal (measured: 1 seed in 8 has a success after 32 iterations, 4 in 5 graded).

The revision trajectory (the rule lives in ``revision_counts``): a failed path is paired with the best
successful path of the same tree (the code pairs every good/bad pair whose values differ by > β; all do
here); its first error t′ is the first step that falls into a trap — the actor "sees" its error in the
next observation, as the paper's actor judges its own steps; the spliced trajectory is the bad prefix up
to t′ (no loss, as the code's ``"loss": False``), the revision signal — here the backtrack action in
T_k, which in this toy really returns to the parent node k that the two paths share — and the good path
from its last visit of level k on (loss on both). Since the policy is Markov, a set of trajectories is
the same training signal as its count table C[s, a] of loss-carrying (state, action) pairs; that table
is what these functions return. Nothing here reads a device value on the host.
"""
from __future__ import annotations

import torch

from .tasks import sample_from

NEG = -1e9


def transition(state: torch.Tensor, action: torch.Tensor, correct: torch.Tensor, levels: int,
               actions: int) -> torch.Tensor:
    """The next state of every (seed, …) state/action pair; ``correct`` (S, N) the advancing actions."""
    back = actions - 1
    on_chain = state < levels
    level = torch.where(on_chain, state, state - levels).clamp(0, levels - 1)
    flat = correct.gather(1, level.reshape(level.shape[0], -1)).view_as(level)
    advance = torch.where(level + 1 == levels, torch.full_like(state, 2 * levels), level + 1)
    chain_next = torch.where(action == flat, advance, torch.where(action == back, state, state + levels))
    trap_next = torch.where(action == back, level, state)
    goal = state == 2 * levels
    return torch.where(goal, state, torch.where(on_chain, chain_next, trap_next))


def path_reward(final: torch.Tensor, length: torch.Tensor, levels: int, depth: int) -> torch.Tensor:
    """The graded final reward of a path: 1 − 0.1·t/D at the goal reached in t steps, else the fraction of
    the chain completed, level/N (at most (N−1)/N < 0.9)."""
    level = torch.where(final < levels, final, final - levels).float()
    return torch.where(final == 2 * levels, 1 - 0.1 * length / depth, level / levels)


def search(probs: torch.Tensor, correct: torch.Tensor, levels: int, depth: int, iterations: int, samples: int,
           c_uct: float, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """One MCTS per seed from level 0 with the actor ``probs`` (S, states, A); every iteration's path:
    ``states`` (S, I, D+1), ``actions`` (S, I, D), ``active`` (S, I, D) (steps before the end), ``reward``
    and ``reached`` (S, I)."""
    S, n_states, A = probs.shape
    dev = probs.device
    nodes = (depth + 1) * n_states
    rows = torch.arange(S, device=dev)
    visits = torch.zeros(S, nodes, device=dev)
    edge_n = torch.zeros(S, nodes, A, device=dev)
    edge_w = torch.zeros(S, nodes, A, device=dev)
    allowed = torch.zeros(S, nodes, A, dtype=torch.bool, device=dev)
    expanded = torch.zeros(S, nodes, dtype=torch.bool, device=dev)
    every_states, every_actions, every_active, every_reward = [], [], [], []
    goal = 2 * levels
    for _ in range(iterations):
        state = torch.zeros(S, dtype=torch.long, device=dev)
        done = torch.zeros(S, dtype=torch.bool, device=dev)
        states, acts, active, node_ids = [state], [], [], []
        for t in range(depth):
            node = t * n_states + state
            # Expansion: the actor proposes ``samples`` actions; the distinct ones become the children.
            drawn = sample_from(probs[rows, state], torch.rand(S, samples, generator=generator, device=dev))
            proposed = torch.zeros(S, A, dtype=torch.bool, device=dev).scatter(1, drawn, True)
            fresh = ~expanded[rows, node]
            allowed[rows, node] = torch.where(fresh.unsqueeze(-1), proposed, allowed[rows, node])
            expanded[rows, node] = True
            # Selection: unvisited children first (ties at random), else UCT (mcts_raw.py, ``puct``).
            n, w = edge_n[rows, node], edge_w[rows, node]
            parent = visits[rows, node].clamp(min=1).log().unsqueeze(-1)
            uct = w / n.clamp(min=1) + c_uct * (parent / n.clamp(min=1)).sqrt()
            score = torch.where(n == 0, torch.full_like(uct, 1e6), uct)
            score = score + 1e-6 * torch.rand(S, A, generator=generator, device=dev)
            action = torch.where(allowed[rows, node], score, torch.full_like(score, NEG)).argmax(-1)
            active.append(~done)
            acts.append(action)
            node_ids.append(node)
            state = torch.where(done, state, transition(state, action, correct, levels, A))
            done = done | (state == goal)
            states.append(state)
        active_t = torch.stack(active, 1)                                   # (S, D)
        length = active_t.sum(1)
        reward = path_reward(state, length, levels, depth)
        # Backpropagation of the terminal reward along the path's edges.
        node_t, act_t = torch.stack(node_ids, 1), torch.stack(acts, 1)
        weight = active_t.float()
        edge_n.view(S, -1).scatter_add_(1, node_t * A + act_t, weight)
        edge_w.view(S, -1).scatter_add_(1, node_t * A + act_t, weight * reward.unsqueeze(-1))
        visits.scatter_add_(1, node_t, weight)
        every_states.append(torch.stack(states, 1))
        every_actions.append(act_t)
        every_active.append(active_t)
        every_reward.append(reward)
    reward = torch.stack(every_reward, 1)
    return {"states": torch.stack(every_states, 1), "actions": torch.stack(every_actions, 1),
            "active": torch.stack(every_active, 1), "reward": reward,
            "reached": torch.stack(every_states, 1)[..., -1] == goal}


def pair_counts(states: torch.Tensor, actions: torch.Tensor, weight: torch.Tensor, n_states: int,
                n_actions: int) -> torch.Tensor:
    """The count table C (S, states, A) of (state, action) pairs, ``weight`` (S, …) per pair."""
    S = states.shape[0]
    index = (states * n_actions + actions).reshape(S, -1)
    table = torch.zeros(S, n_states * n_actions, device=states.device)
    return table.scatter_add_(1, index, weight.reshape(S, -1).float()).view(S, n_states, n_actions)


def good_counts(paths: dict[str, torch.Tensor], n_states: int, n_actions: int) -> torch.Tensor:
    """Every step of every successful path (the code's "good" data: leaves whose value exceeds α)."""
    weight = paths["active"] & paths["reached"].unsqueeze(-1)
    return pair_counts(paths["states"][..., :-1], paths["actions"], weight, n_states, n_actions)


def revision_counts(paths: dict[str, torch.Tensor], levels: int, n_actions: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Agent-R's revision trajectories τ_r = (τ_b up to its first error t′, revision signal, τ_g from the
    shared parent on) (arXiv 2501.11425, §3.1; the code's ``revise_worst_path`` + ``conversation_generation``),
    as counts of their loss-carrying pairs (S, states, A), and the number of revisions per seed (S,)."""
    states, acts, active, reward = paths["states"], paths["actions"], paths["active"], paths["reward"]
    S, I, D = acts.shape
    n_states, back = 2 * levels + 1, n_actions - 1
    steps = torch.arange(D, device=acts.device)
    # The good partner: the best successful path of the seed's tree (highest value = shortest).
    best = reward.argmax(1)                                                         # (S,)
    has_good = paths["reached"].any(1)
    g_states = states.gather(1, best.view(S, 1, 1).expand(-1, 1, D + 1)).squeeze(1)  # (S, D+1)
    g_acts = acts.gather(1, best.view(S, 1, 1).expand(-1, 1, D)).squeeze(1)
    g_active = active.gather(1, best.view(S, 1, 1).expand(-1, 1, D)).squeeze(1)
    # The bad path's first error t′: its first step into a trap; k the level the trap hangs from.
    falls = active & (states[..., :-1] < levels) & (states[..., 1:] >= levels) & (states[..., 1:] < 2 * levels)
    first = torch.where(falls, steps, D).min(-1).values                            # (S, I); D = no error
    trap = states.gather(2, (first + 1).clamp(max=D).unsqueeze(-1)).squeeze(-1)    # T_k
    revise = ~paths["reached"] & (first < D) & has_good.unsqueeze(1)               # (S, I)
    # The revision signal: backtrack in T_k (loss on); it returns to level k, the parent both paths share.
    signal = pair_counts(trap, torch.full_like(trap, back), revise, n_states, n_actions)
    # The good path from its last visit of level k on (loss on), once per revision that uses it.
    level = (trap - levels).unsqueeze(-1)                                          # (S, I, 1)
    at_level = g_states[:, :-1].unsqueeze(1) == level                              # (S, I, D)
    start = torch.where(at_level, steps, -1).max(-1).values                        # (S, I)
    cover = ((steps >= start.unsqueeze(-1)) & revise.unsqueeze(-1)).sum(1)         # (S, D)
    suffix = pair_counts(g_states[:, :-1], g_acts, cover * g_active, n_states, n_actions)
    return signal + suffix, revise.sum(1)
