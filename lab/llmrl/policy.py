"""A tiny autoregressive token policy, one set of weights per seed (leading seed axis).

The context of position t is a sum of embeddings: the prompt's, position t's, and those of
every token generated before t (a bag of the prefix, which is enough to track e.g. a running
digit sum). One hidden layer maps it to the next token's logits:

    c_t = P[prompt] + Pos[t] + Σ_{s<t} E[y_s],   h_t = tanh(c_t W1 + b1),   z_t = h_t W2 + b2.

Weights are a dict of tensors with a leading seed axis, so π_θ, the stale π_old and the frozen
reference are the same functions of different dicts. ``logits`` scores whole sequences at once
(teacher forcing); ``sample`` generates them position by position from a perturbed copy μ_old
(``sampler.py``). No Python loop over seeds.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

Weights = dict[str, torch.Tensor]


def init_weights(seeds: int, prompts: int, vocab: int, length: int, embed: int, hidden: int,
                 generator: torch.Generator, device: torch.device) -> Weights:
    """Each seed's own draw: embeddings N(0, 1/embed), layers uniform in ±1/√fan_in; leaves requiring grad."""
    def normal(*shape):
        return torch.randn(seeds, *shape, generator=generator, device=device) / math.sqrt(embed)

    def uniform(fan_in, *shape):
        return (torch.rand(seeds, *shape, generator=generator, device=device) * 2 - 1) / math.sqrt(fan_in)

    weights = {"prompt": normal(prompts, embed), "position": normal(length, embed), "token": normal(vocab, embed),
               "W1": uniform(embed, embed, hidden), "b1": uniform(embed, hidden),
               "W2": uniform(hidden, hidden, vocab), "b2": uniform(hidden, vocab)}
    return {k: v.requires_grad_() for k, v in weights.items()}


def detached(weights: Weights) -> Weights:
    """A frozen copy (π_old, the reference)."""
    return {k: v.detach().clone() for k, v in weights.items()}


def _rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """table (S, n, d), index (S, ...) → (S, ..., d): each seed's rows."""
    flat = index.reshape(index.shape[0], -1)
    rows = torch.gather(table, 1, flat.unsqueeze(-1).expand(-1, -1, table.shape[-1]))
    return rows.reshape(*index.shape, table.shape[-1])


def hidden_states(w: Weights, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """h_t for every position of ``tokens`` (S, B, L) after ``prompts`` (S, B): (S, B, L, hidden)."""
    prefix = torch.cumsum(_rows(w["token"], tokens), dim=2) - _rows(w["token"], tokens)  # Σ_{s<t} E[y_s]
    context = _rows(w["prompt"], prompts).unsqueeze(2) + w["position"].unsqueeze(1) + prefix
    return torch.tanh(context.flatten(1, 2) @ w["W1"] + w["b1"].unsqueeze(1)).view(*tokens.shape, -1)


def head(w: Weights, h: torch.Tensor) -> torch.Tensor:
    """The last layer z = h W2 + b2: h (S, ..., hidden) → logits (S, ..., vocab)."""
    shape = h.shape
    return (h.reshape(shape[0], -1, shape[-1]) @ w["W2"] + w["b2"].unsqueeze(1)).view(*shape[:-1], -1)


def logits(w: Weights, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Next-token logits at every position (teacher forcing): (S, B, L, vocab)."""
    return head(w, hidden_states(w, prompts, tokens))


@torch.no_grad()
def sample(w: Weights, prompts: torch.Tensor, length: int, perturb: Callable[[torch.Tensor], torch.Tensor],
           generator: torch.Generator, keep: tuple[torch.Tensor, torch.Tensor] | None = None
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Generate ``length`` tokens per prompt from μ = softmax(perturb(z)), z the logits of ``w``.

    ``keep`` = (tokens (S, B, L), cut (S, B)) continues given prefixes: positions t < cut keep the given
    tokens, the rest are sampled given them (a cut at L keeps the whole sequence). A token is drawn at every
    position either way, so the generator's stream does not depend on ``keep``.

    Returns tokens (S, B, L) and log μ of each token (S, B, L), the sampler's own log-probabilities
    (what an inference engine reports)."""
    S, B = prompts.shape
    context = _rows(w["prompt"], prompts)                                           # (S, B, d)
    tokens, log_mu = [], []
    for t in range(length):
        h = torch.tanh((context + w["position"][:, t].unsqueeze(1)) @ w["W1"] + w["b1"].unsqueeze(1))
        log_p = torch.log_softmax(perturb(head(w, h)), dim=-1)                     # (S, B, V)
        y = torch.multinomial(log_p.exp().view(S * B, -1), 1, generator=generator).view(S, B)
        if keep is not None:
            y = torch.where(t < keep[1], keep[0][:, :, t], y)
        tokens.append(y)
        log_mu.append(log_p.gather(-1, y.unsqueeze(-1)).squeeze(-1))
        context = context + _rows(w["token"], y)
    return torch.stack(tokens, 2), torch.stack(log_mu, 2)


def prefix_tree_log_probs(w: Weights, prompts: torch.Tensor, length: int) -> list[torch.Tensor]:
    """log π(· | y_<t) for *every* prefix y_<t of every length t < ``length``, each computed once:
    a list over t of (S, n, V^t, V), prefixes in lexicographic order (y_0 most significant), for the
    prompts (S, n). The same network as ``logits`` — whose value at position t depends only on the
    prompt, t and the bag of y_<t — evaluated on Σ_t V^t prefixes instead of V^L·L positions."""
    vocab = w["token"].shape[1]
    bag = torch.zeros(*prompts.shape, 1, w["token"].shape[-1], device=prompts.device)   # Σ_{s<t} E[y_s], (S, n, V^t, d)
    prompt = _rows(w["prompt"], prompts).unsqueeze(2)                                   # (S, n, 1, d)
    out = []
    for t in range(length):
        context = prompt + w["position"][:, t].view(-1, 1, 1, w["position"].shape[-1]) + bag
        h = torch.tanh(context.flatten(1, 2) @ w["W1"] + w["b1"].unsqueeze(1))
        out.append(torch.log_softmax(h @ w["W2"] + w["b2"].unsqueeze(1), -1).view(*bag.shape[:3], vocab))
        bag = (bag.unsqueeze(3) + w["token"].view(w["token"].shape[0], 1, 1, vocab, -1)).flatten(2, 3)
    return out
