"""Exact values and advantages (lab/agents/exact.py) against a brute-force sum over every episode."""
import pytest
import torch

from lab.agents import exact
from lab.agents.tasks import Lock, Tree
from lab.llmrl import policy

CPU = torch.device("cpu")


def brute_values(weights, task, prompt: int, seed: int) -> list[torch.Tensor]:
    """V(y_<t) for every prefix of one seed's policy on one task, from P(y) of all V^L episodes scored by
    the policy's own teacher-forced logits."""
    V, L = task.vocab, task.length
    episodes = exact.all_episodes(V, L, CPU)
    one = {k: v[seed:seed + 1] for k, v in weights.items()}
    log_pi = torch.log_softmax(policy.logits(one, torch.full((1, len(episodes)), prompt), episodes.unsqueeze(0)), -1)
    p = log_pi[0].gather(-1, episodes.unsqueeze(-1)).squeeze(-1).sum(-1).exp()
    r = task.expected_reward(torch.full((len(episodes),), prompt), episodes)
    return [(p * r).view(V ** t, -1).sum(-1) / p.view(V ** t, -1).sum(-1) for t in range(L + 1)]


@pytest.mark.parametrize("make", [lambda: Lock(3, 4, 5, 1, 7, CPU), lambda: Tree(3, 4, 5, 2, 7, CPU)])
def test_prefix_values_equal_a_sum_over_every_episode(make):
    """At every depth, for two seeds and two tasks each (every prefix has positive probability here)."""
    task = make()
    weights = policy.detached(policy.init_weights(2, 5, 3, 4, 8, 16, torch.Generator().manual_seed(0), CPU))
    prompts = torch.tensor([[0, 4], [2, 3]])
    values = exact.prefix_values(weights, task, prompts)
    for seed in range(2):
        for slot in range(2):
            brute = brute_values(weights, task, int(prompts[seed, slot]), seed)
            for t in range(task.length + 1):
                torch.testing.assert_close(values[t][seed, slot], brute[t], rtol=1e-5, atol=1e-6)


def test_advantages_add_up_to_the_episode_reward_less_the_start_value():
    """Σ_t A(y_<t, y_t) = E[r | y] − V(start) for every episode (the steps telescope), and an episode whose
    first token already fails the lock has A = 0 after it."""
    task = Lock(3, 4, 5, 4, 7, CPU)                                   # every lock has depth 4
    weights = policy.detached(policy.init_weights(2, 5, 3, 4, 8, 16, torch.Generator().manual_seed(1), CPU))
    prompts = torch.tensor([[0, 4], [2, 3]])
    values = exact.prefix_values(weights, task, prompts)
    generator = torch.Generator().manual_seed(2)
    tokens = torch.randint(3, (2, 16, 4), generator=generator)
    slot = torch.randint(2, (2, 16), generator=generator)
    adv = exact.advantages(values, slot, tokens, 3)
    own = prompts.gather(1, slot)
    torch.testing.assert_close(adv.sum(-1), task.expected_reward(own, tokens) - values[0][..., 0].gather(1, slot))
    failed_at_once = tokens[..., 0] != task.combination[own][..., 0]
    assert failed_at_once.any() and (adv[failed_at_once][:, 1:] == 0).all()


def test_prefix_tree_log_probs_are_the_policys_logits():
    """policy.prefix_tree_log_probs (each prefix once) equals log_softmax of policy.logits (every position of
    every episode) at every position of sampled episodes."""
    generator = torch.Generator().manual_seed(3)
    weights = policy.detached(policy.init_weights(3, 4, 4, 5, 8, 16, generator, CPU))
    prompts = torch.randint(4, (3, 2), generator=generator)
    tree = policy.prefix_tree_log_probs(weights, prompts, 5)
    tokens = torch.randint(4, (3, 2, 5), generator=generator)
    direct = torch.log_softmax(policy.logits(weights, prompts, tokens), -1)            # (S, n, L, V)
    index = exact.prefix_index(tokens, 4)
    for t in range(5):
        from_tree = torch.gather(tree[t], 2, index[..., t, None, None].expand(-1, -1, 1, 4)).squeeze(2)
        torch.testing.assert_close(from_tree, direct[:, :, t], rtol=1e-5, atol=1e-6)


def test_too_many_episodes_is_an_error_that_says_the_limit():
    task = Lock(16, 4, 2, 1, 0, CPU)
    weights = policy.detached(policy.init_weights(1, 2, 16, 4, 4, 4, torch.Generator().manual_seed(0), CPU))
    with pytest.raises(ValueError, match="16\\^4 = 65536 episodes per task; at most 4096"):
        exact.prefix_values(weights, task, torch.tensor([[0]]))
