"""Verifiable tasks with outcome rewards, prompt classes of different reward scale, and hackable proxies.

Tokens 0..9 are digits, tokens ≥ 10 symbols. Every reward is one number per response, in [0, 1]
before scaling.

- ``digit_sum``: prompt p asks for digits summing to a target T_p (targets spread over
  [L, 6L] for length L); symbols count 0. Reward max(0, 1 − |Σ y − T_p| / L).
- ``checklist``: 4 properties — (1) the first token is a digit of the prompt's parity
  p mod 2, (2) the digit p mod 10 appears, (3) no symbol appears, (4) the last token is a
  digit ≥ the first. Reward = the fraction satisfied.
- ``diverse``: an optimum that is *not* near-deterministic. Prompt p accepts any response of
  digits only whose sum has p's parity (half of the 10^L digit strings: many correct answers),
  and the reward values variety within the group — the G responses to one prompt, which the
  trainer samples consecutively: a correct response earns 1/c, c the number of identical
  responses in its group. A group's mean reward is then the number of *distinct* correct answers
  it holds over G: a policy that always writes the same correct answer earns 1/G, one spread over
  many correct answers nearly 1, so entropy collapse costs reward here. This is the within-batch
  repetition penalty of "batch exploration" (Song, Kempe & Munos, "Outcome-based Exploration for
  LLM Reasoning", arXiv 2509.06941) taken as the reward we want, in the spirit of training on
  pass@k rather than pass@1 (Chen et al., arXiv 2508.10751). The training reward 'pass' is the
  usual outcome reward instead — 1 for every correct response, repeats included (pass@1).

Prompt p belongs to class (or 'agent') p mod C; class k's reward is multiplied by
scale_ratio^{k/(C−1)}, so the classes' rewards differ in scale.

Hackable proxies: an ensemble of K reward models, each the true reward plus an error that a
symbol earns. With s = hack_shared and f_x the fraction of the response equal to token x,

    proxy_k = true + hack_bonus · ((1 − s) · f_{10+k} + s · f_{10+K}).

Member k's *own* hack token is symbol 10 + k; symbol 10 + K is a *shared* bias that every
member rewards. The weights (1 − s) and s sum to 1: s moves the error from the members' own
tokens to the token they have in common, so it sets how correlated their errors are:

- s = 0 (the default): disjoint errors. No single token fools two members, so a response can
  raise the ensemble's minimum only by mixing all K hack tokens, and by at most hack_bonus / K —
  the case that favours a min over the ensemble by construction.
- 0 < s < 1: a shared bias plus independent parts. The shared token raises every member, and
  the minimum with it, by s · hack_bonus per unit fraction.
- s = 1: identical members; the minimum and the mean are the single proxy.

The 'proxy' reward is member 0. Hacking is measured against the true reward on every member
(proxy_k − true) and as the fraction of the response's tokens that some member rewards.
"""
from __future__ import annotations

import torch

from .config import DIGITS, LLMRLConfig

CHECKLIST_ITEMS = 4


class Task:
    """The prompts, their classes and scales, the true reward and the proxy ensemble of a config."""

    def __init__(self, config: LLMRLConfig, device: torch.device):
        c = config
        self.config, self.device = c, device
        p = torch.arange(c.prompts, device=device)
        self.prompt_class = p % c.classes                                               # (P,)
        self.prompt_scale = c.scale_ratio ** (self.prompt_class / max(c.classes - 1, 1))  # (P,)
        self.target = torch.round(c.length + 5 * c.length * (p + 0.5) / c.prompts)     # digit_sum targets
        self.hack_tokens = DIGITS + torch.arange(c.ensemble, device=device)             # (K,) each member's own
        self.shared_token = DIGITS + c.ensemble                                          # every member's bias
        self.rewarded_tokens = DIGITS + torch.arange(c.ensemble + (c.hack_shared > 0), device=device)

    def draw_prompts(self, seeds: int, n: int, generator: torch.Generator) -> torch.Tensor:
        """n prompts per seed (seeds, n), balanced over classes: slot i draws uniformly from class i mod C."""
        c = self.config
        cls = torch.arange(n, device=self.device) % c.classes
        count = (c.prompts - cls + c.classes - 1) // c.classes                          # prompts in each slot's class
        u = torch.rand(seeds, n, generator=generator, device=self.device)
        return cls + c.classes * (u * count).long().clamp(max=count - 1)

    def true_reward(self, prompts: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """The verifier's reward in [0, 1], unscaled: prompts (S, B), tokens (S, B, L) → (S, B)."""
        is_digit = tokens < DIGITS
        if self.config.task == "diverse":
            correct = is_digit.all(-1) & (torch.where(is_digit, tokens, 0).sum(-1) % 2 == prompts % 2)
            return correct.to(torch.float32) / self.copies_in_group(tokens)
        if self.config.task == "digit_sum":
            total = torch.where(is_digit, tokens, 0).sum(-1).to(torch.float32)
            return (1 - (total - self.target[prompts]).abs() / self.config.length).clamp(min=0.0)
        first, last = tokens[..., 0], tokens[..., -1]
        items = torch.stack([
            (first < DIGITS) & (first % 2 == prompts % 2),
            (tokens == (prompts % DIGITS).unsqueeze(-1)).any(-1),
            is_digit.all(-1),
            (last < DIGITS) & (first < DIGITS) & (last >= first),
        ], -1)
        return items.to(torch.float32).mean(-1)

    def copies_in_group(self, tokens: torch.Tensor) -> torch.Tensor:
        """How many responses of its group (``group`` consecutive rollouts) equal each response, itself
        included: (S, B, L) → (S, B), B a multiple of ``group``."""
        S, B, L = tokens.shape
        G = self.config.group
        if B % G:
            raise ValueError(f"the 'diverse' task scores groups of 'group' = {G} consecutive responses; "
                             f"got {B} responses per seed, not a multiple of {G}")
        grouped = tokens.view(S, B // G, G, L)
        return (grouped.unsqueeze(2) == grouped.unsqueeze(3)).all(-1).sum(-1).view(S, B)

    def proxy_rewards(self, true: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """The ensemble's rewards (S, B, K): member k = true + hack_bonus · ((1 − s) · fraction of its own
        hack token + s · fraction of the shared one), s = hack_shared."""
        c = self.config
        own = (tokens.unsqueeze(-1) == self.hack_tokens).to(torch.float32).mean(-2)        # (S, B, K)
        shared = (tokens == self.shared_token).to(torch.float32).mean(-1, keepdim=True)   # (S, B, 1)
        return true.unsqueeze(-1) + c.hack_bonus * ((1 - c.hack_shared) * own + c.hack_shared * shared)

    def hack_fraction(self, tokens: torch.Tensor) -> torch.Tensor:
        """The fraction of each response's tokens that some ensemble member rewards: (S, B, L) → (S, B)."""
        return torch.isin(tokens, self.rewarded_tokens).to(torch.float32).mean(-1)

    def training_reward(self, prompts: torch.Tensor, true: torch.Tensor, proxies: torch.Tensor) -> torch.Tensor:
        """The reward the objective sees, times the prompt's class scale (S, B).

        'pass' (task 'diverse' only): 1 for a correct response, however often its group repeats it —
        the true reward is positive exactly for the correct ones.

        'robust': λ·mean_k r_k + (1 − λ)·min_k r_k over the ensemble — the reward-robust objective
        of Yan et al., "Reward-Robust RLHF in LLMs" (arXiv 2409.15360), which balances nominal
        performance (the ensemble mean) against the worst case over the uncertainty set (the
        minimum). The paper builds the set from a Bayesian reward-model ensemble; here the set is
        the K proxies, and λ is a knob (we did not confirm the paper's default)."""
        c = self.config
        if c.reward == "true":
            reward = true
        elif c.reward == "pass":
            reward = (true > 0).to(torch.float32)
        elif c.reward == "proxy":
            reward = proxies[..., 0]
        else:
            reward = c.robust_lambda * proxies.mean(-1) + (1 - c.robust_lambda) * proxies.min(-1).values
        return reward * self.prompt_scale[prompts]
