"""Tasks, rewards and advantage normalizations of the LLM-RL lab."""
import pytest
import torch

from lab.llmrl import LLMRLConfig, Task
from lab.llmrl.advantages import advantages


def test_digit_sum_and_checklist_rewards():
    task = Task(LLMRLConfig(length=4, prompts=8), torch.device("cpu"))
    target = int(task.target[0])
    tokens = torch.tensor([[[target, 0, 0, 0], [target + 2, 0, 0, 0], [10, 11, 12, 13]]])
    prompts = torch.zeros(1, 3, dtype=torch.long)
    torch.testing.assert_close(task.true_reward(prompts, tokens), torch.tensor([[1.0, 0.5, max(0.0, 1 - target / 4)]]))
    checklist = Task(LLMRLConfig(task="checklist", prompts=8), torch.device("cpu"))
    prompts = torch.tensor([[3, 3]])
    tokens = torch.tensor([[[1, 3, 5, 7], [2, 10, 4, 0]]])     # all four items / none of them
    torch.testing.assert_close(checklist.true_reward(prompts, tokens), torch.tensor([[1.0, 0.0]]))


def test_diverse_reward_pays_each_correct_answer_once_per_group():
    """A correct response (digits only, sum of p's parity) earns 1/(its copies in its group of ``group``
    consecutive responses); copies in another group do not count; 'pass' pays every correct response 1."""
    task = Task(LLMRLConfig(task="diverse", group=4, reward="pass"), torch.device("cpu"))
    prompts = torch.tensor([[0] * 4 + [2] * 4])                 # two groups, both asking for an even sum
    tokens = torch.tensor([[[1, 1, 0, 0], [1, 1, 0, 0], [2, 0, 0, 1], [10, 0, 0, 0],    # twice / odd sum / symbol
                            [1, 1, 0, 0], [0, 2, 0, 0], [4, 4, 0, 0], [0, 2, 0, 0]]])   # the first group's answer: 1
    true = task.true_reward(prompts, tokens)
    torch.testing.assert_close(true, torch.tensor([[0.5, 0.5, 0.0, 0.0, 1.0, 0.5, 1.0, 0.5]]))
    assert true[0, :4].mean() == 1 / 4 and true[0, 4:].mean() == 3 / 4      # distinct correct answers / group
    odd = torch.tensor([[1] * 4 + [2] * 4])
    assert task.true_reward(odd, tokens)[0, 2] == 1.0                      # sum 3 is correct for an odd prompt
    passed = task.training_reward(prompts, true, task.proxy_rewards(true, tokens))
    torch.testing.assert_close(passed, torch.tensor([[1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="groups of 'group' = 4 consecutive responses; got 6"):
        task.true_reward(prompts[:, :6], tokens[:, :6])


def test_proxy_ensemble_each_member_is_fooled_by_its_own_token():
    config = LLMRLConfig(hack_bonus=1.0, ensemble=3, reward="robust", robust_lambda=0.5)
    task = Task(config, torch.device("cpu"))
    tokens = torch.tensor([[[10, 10, 0, 0]]])                  # half of the response is member 0's hack token
    true = torch.tensor([[0.2]])
    proxies = task.proxy_rewards(true, tokens)
    torch.testing.assert_close(proxies, torch.tensor([[[0.7, 0.2, 0.2]]]))
    prompts = torch.zeros(1, 1, dtype=torch.long)
    robust = task.training_reward(prompts, true, proxies)
    torch.testing.assert_close(robust, torch.tensor([[0.5 * (1.1 / 3) + 0.5 * 0.2]]))
    torch.testing.assert_close(task.hack_fraction(tokens), torch.tensor([[0.5]]))


def test_a_shared_bias_fools_every_member_and_moves_the_minimum():
    """hack_shared = s: member k = true + bonus·((1 − s)·f_own_k + s·f_shared); the shared token is 10 + K."""
    task = Task(LLMRLConfig(hack_bonus=1.0, ensemble=3, hack_shared=0.25), torch.device("cpu"))
    tokens = torch.tensor([[[13, 13, 0, 0], [10, 11, 12, 0], [10, 13, 0, 0]]])
    true = torch.tensor([[0.2, 0.2, 0.2]])
    proxies = task.proxy_rewards(true, tokens)
    torch.testing.assert_close(proxies, torch.tensor([[[0.325, 0.325, 0.325],           # shared: all alike
                                                       [0.3875, 0.3875, 0.3875],        # one of each own token
                                                       [0.4500, 0.2625, 0.2625]]]))
    torch.testing.assert_close(task.hack_fraction(tokens), torch.tensor([[0.5, 0.75, 0.5]]))
    disjoint = Task(LLMRLConfig(ensemble=3), torch.device("cpu"))
    torch.testing.assert_close(disjoint.hack_fraction(tokens), torch.tensor([[0.0, 0.75, 0.25]]))   # 13: no bonus


def test_prompt_batches_hold_every_class_and_scales_follow_the_ratio():
    task = Task(LLMRLConfig(prompts=8, classes=2, scale_ratio=10.0), torch.device("cpu"))
    prompts = task.draw_prompts(5, 6, torch.Generator().manual_seed(0))
    assert (task.prompt_class[prompts] == torch.tensor([0, 1, 0, 1, 0, 1])).all()
    torch.testing.assert_close(task.prompt_scale[:2], torch.tensor([1.0, 10.0]))


def test_normalizations():
    reward = torch.tensor([[0.0, 1.0, 10.0, 30.0]])
    group = torch.tensor([[0, 0, 1, 1]])
    agent = torch.tensor([[0, 1, 0, 1]])
    by_group = advantages(reward, group, agent, 2, 2, "group")
    torch.testing.assert_close(by_group, torch.tensor([[-1.0, 1.0, -1.0, 1.0]]), atol=1e-4, rtol=0)
    by_agent = advantages(reward, group, agent, 2, 2, "agent")
    torch.testing.assert_close(by_agent, torch.tensor([[-1.0, -1.0, 1.0, 1.0]]), atol=1e-4, rtol=0)
    by_all = advantages(reward, group, agent, 2, 2, "global")
    assert abs(by_all.mean()) < 1e-5 and abs(by_all.std(unbiased=False) - 1) < 1e-4
