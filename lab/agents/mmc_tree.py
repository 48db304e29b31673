"""MMC's toy chains, its search tree and the two kinds of critique data built from it (arXiv 2504.11009;
the module docstring of ``mmc.py`` says what the toy is and what is inferred).

Everything here is fixed-shape tensor code with a leading seed dimension: no host reads, random numbers
only from the generator passed in.
"""
from __future__ import annotations

import torch

# --- the toy --------------------------------------------------------------------------------------


def actor_steps(previous: torch.Tensor, operands: torch.Tensor, error: float, modulus: int,
                generator: torch.Generator) -> torch.Tensor:
    """The actor's chain from ``previous`` over ``operands`` (..., k): y_t = y_{t−1} + a_t mod M, each
    replaced with probability ``error`` by a uniformly drawn wrong value; (..., k)."""
    written, value = [], previous
    for t in range(operands.shape[-1]):
        right = (value + operands[..., t]) % modulus
        wrong = (right + torch.randint(1, modulus, right.shape, generator=generator, device=right.device)) % modulus
        slip = torch.rand(right.shape, generator=generator, device=right.device) < error
        value = torch.where(slip, wrong, right)
        written.append(value)
    return torch.stack(written, -1) if written else operands.clone()


def step_right(start: torch.Tensor, operands: torch.Tensor, written: torch.Tensor, modulus: int) -> torch.Tensor:
    """Whether each written step follows from the one before it: (..., L) bool."""
    before = torch.cat([start.unsqueeze(-1), written[..., :-1]], -1)
    return written == (before + operands) % modulus


def first_wrong_step(right: torch.Tensor) -> torch.Tensor:
    """The index of the first wrong step, L when every step is right: (..., L) bool → (...,) long."""
    L = right.shape[-1]
    index = torch.arange(L, device=right.device)
    return torch.where(right, L, index).amin(-1)


# --- the search tree and the two kinds of critique data --------------------------------------------


def search_tree(start, operands, error, modulus, children, rollouts, generator):
    """One depth-first MCTS pass per problem (module docstring): at depth d the selected node's ``children``
    next steps and ``rollouts`` rollouts of each. Returns the rollouts' chains (S, P, L, n, K, L), whether each
    ends with the right answer (S, P, L, n, K) and the selected path (S, P, L)."""
    S, P, L = operands.shape
    n, K = children, rollouts
    truth = (start + operands.sum(-1)) % modulus
    chains, ends_right, selected = [], [], []
    node = start                                                                         # y_d of the selected node
    for d in range(L):
        child = actor_steps(node.unsqueeze(-1).expand(S, P, n), operands[..., d:d + 1].unsqueeze(2).expand(S, P, n, 1),
                            error, modulus, generator)[..., 0]                          # expansion (S, P, n)
        rest = operands[..., d + 1:].view(S, P, 1, 1, L - d - 1).expand(S, P, n, K, L - d - 1)
        tails = actor_steps(child.unsqueeze(-1).expand(S, P, n, K), rest, error, modulus, generator)  # simulation
        prefix = torch.stack(selected, -1) if selected else node.new_zeros(S, P, 0)
        chain = torch.cat([prefix.view(S, P, 1, 1, d).expand(S, P, n, K, d),
                           child.view(S, P, n, 1, 1).expand(S, P, n, K, 1), tails], -1)
        right = chain[..., -1] == truth.view(S, P, 1, 1)
        value = right.float().mean(-1)                                                   # V(child), (S, P, n)
        node = child.gather(2, value.argmax(2, keepdim=True))[..., 0]                    # selection: argmax V
        chains.append(chain)
        ends_right.append(right)
        selected.append(node)
    return torch.stack(chains, 2), torch.stack(ends_right, 2), torch.stack(selected, -1)


def outcome_labels(chains: torch.Tensor, ends_right: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The baseline's data: every rollout of the tree, every step labelled with its path's final answer
    (right = 1). Returns paths, targets and the mask of labelled steps, each (S, P, items, L)."""
    S, P = chains.shape[:2]
    paths = chains.reshape(S, P, -1, chains.shape[-1])
    target = ends_right.reshape(S, P, -1, 1).expand_as(paths).float()
    return paths, target, torch.ones_like(target)


def mmc_labels(chains: torch.Tensor, ends_right: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """MMC's critique data (arXiv 2504.11009, §3.2, the annotator replaced by its result): at each depth d,
    the two sibling children whose values V differ most among those whose steps differ — the higher-V child
    and the lower-V child, two paths diverging from their shared ancestor (the selected prefix). The critique
    of the pair: the lower-V path's first error is step d; the shared prefix (steps before d) is right, and
    so is the higher-V path's step d. Steps after d are the search's unexamined rollouts and stay unlabelled;
    a depth whose children all have equal V (or all write the same step) gives no pair. The labels are
    noisy where V misleads: a wrong step's rollouts can end right by a cancelling error, and the prefix is
    called right even if it already holds an error (``label_error`` in ``mmc.py`` measures how often).
    Returns paths, targets and the mask of labelled steps, each (S, P, items, L), items = depth × (lower-V
    path, higher-V path)."""
    S, P, L, n, K, _ = chains.shape
    depth = torch.arange(L, device=chains.device)
    first = chains[..., 0, :]                                                # each child's path (S, P, L, n, L)
    step = first.gather(-1, depth.view(1, 1, L, 1, 1).expand(S, P, L, n, 1))[..., 0]   # the child's own step
    value = ends_right.float().mean(-1)                                                # V (S, P, L, n)
    differs = step.unsqueeze(-1) != step.unsqueeze(-2)                                 # child i vs sibling j
    gap = torch.where(differs, value.unsqueeze(-1) - value.unsqueeze(-2), value.new_zeros(())).flatten(-2)
    pair = gap.argmax(-1)                                                              # (higher, lower) = (i, j)
    paired = gap.amax(-1) > 0                                                          # (S, P, L)

    def path(child: torch.Tensor) -> torch.Tensor:                                    # (S, P, L) → (S, P, L, L)
        return first.gather(3, child[..., None, None].expand(S, P, L, 1, L))[..., 0, :]

    position, d = depth.view(1, 1, 1, L), depth.view(1, 1, L, 1)
    judged = ((position <= d) & paired.unsqueeze(-1)).float()                          # the prefix and step d
    lower_target = (position < d).float().expand(S, P, L, L)
    paths = torch.stack([path(pair % n), path(pair // n)], 3)
    target = torch.stack([lower_target, torch.ones_like(lower_target)], 3)
    mask = torch.stack([judged, judged], 3)
    return paths.reshape(S, P, -1, L), target.reshape(S, P, -1, L), mask.reshape(S, P, -1, L)


LABELS = {"outcome": outcome_labels, "mmc": mmc_labels}
