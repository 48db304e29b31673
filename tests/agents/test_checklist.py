"""CM2's checklist task (lab/agents/checklist.py, arXiv 2602.12268): its items, weights, judge and the
three rewards, then the claim measured with AgentsTrainer."""
import pytest
import torch

from lab.agents import AgentsConfig, AgentsTrainer, exact
from lab.agents.checklist import Checklist
from lab.agents.exact import all_episodes, prefix_values
from lab.llmrl import policy

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CPU = torch.device("cpu")


def make(vocab=4, length=6, tasks=4, task_seed=0, reward="checklist", judge_noise=0.0, holistic_noise=0.3):
    return Checklist(vocab, length, tasks, task_seed, reward, judge_noise, holistic_noise, CPU)


def every_episode(task):
    """Every episode of every task: prompts (P, N), tokens (P, N, L)."""
    episodes = all_episodes(task.vocab, task.length, CPU).expand(task.tasks, -1, -1)
    return torch.arange(task.tasks).unsqueeze(-1).expand(-1, episodes.shape[1]), episodes


# --- (a) the task ------------------------------------------------------------------------------

@pytest.mark.parametrize("vocab,length", [(4, 6), (2, 8), (3, 5), (16, 3), (8, 4)])
def test_items_are_sparse_properties_of_the_reference_that_only_it_passes_all_of(vocab, length):
    task = make(vocab, length, tasks=6)
    L, K = length, task.items
    assert K == 2 * L + L // 2
    prompts, episodes = every_episode(task)
    sat = task.satisfied(prompts, episodes)                                       # (P, N, K)
    reference_index = (task.reference * vocab ** torch.arange(L - 1, -1, -1)).sum(-1)
    assert torch.equal(task.expected_reward(prompts, episodes).sum(1), torch.ones(6))          # one episode passes
    assert torch.equal(task.expected_reward(prompts, episodes).argmax(1), reference_index)     # ... the reference
    # pass rates over all episodes: hard 1/V, coarse ⌊V/2⌋/V, easy (V − 1)/V
    rate = sat.float().mean(1)
    expected = torch.tensor([1 / vocab] * L + [(vocab // 2) / vocab] * L + [(vocab - 1) / vocab] * (L // 2))
    torch.testing.assert_close(rate, expected.expand(6, -1))
    # each item reads one or two positions (its evidence) and nothing else
    for p in range(1):
        for c in range(K):
            reads = {int(task.first[p, c]), int(task.second[p, c])}
            changed = set()
            for s in range(L):
                other = episodes[p].clone()
                other[:, s] = (other[:, s] + 1) % vocab
                if not torch.equal(task.satisfied(prompts[p], other)[:, c], sat[p, :, c]):
                    changed.add(s)
            assert changed <= reads and len(reads) <= 2, (p, c, changed, reads)


def test_items_and_weights_are_fixed_by_task_seed_and_sum_to_one():
    a, b, other = make(task_seed=7), make(task_seed=7), make(task_seed=8)
    for name in ("reference", "first", "second", "coefficient", "allowed", "weight"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert not torch.equal(a.allowed, other.allowed)
    w = a.weight
    assert (w > 0).all()
    torch.testing.assert_close(w.sum(1), torch.ones(a.tasks))
    L = a.length
    assert (w[:, :L].mean(1) > 2 * w[:, L:].mean(1)).all()                 # the hard items weigh most
    assert (a.coefficient[:, 0] == 0).all() and (a.coefficient[:, L:] == 0).all()   # position 0: a match
    with pytest.raises(ValueError, match="reward must be one of"):
        make(reward="score")


def test_judge_flips_each_verdict_with_probability_judge_noise():
    task = make(judge_noise=0.2)
    g = torch.Generator().manual_seed(0)
    prompts = torch.randint(task.tasks, (4000,), generator=g)
    tokens = torch.randint(task.vocab, (4000, task.length), generator=g)
    flips = task.judge(prompts, tokens, g) ^ task.satisfied(prompts, tokens)          # 60 000 verdicts
    assert abs(flips.float().mean().item() - 0.2) < 0.006                               # 3.7 standard errors
    per_item = flips.float().mean(0)
    assert (per_item - 0.2).abs().max() < 0.025                                        # every item alike
    assert not make(judge_noise=0.0).judge(prompts, tokens, g).logical_xor(task.satisfied(prompts, tokens)).any()


def test_the_three_rewards_expectations():
    """By hand on the reference and on an episode that fails known items, then the means of many
    noisy draws against ``mean_reward`` (Π_c p_c, Σ_c w_c p_c, the fraction met)."""
    q, sigma = 0.1, 0.5
    tasks = {mode: make(reward=mode, judge_noise=q, holistic_noise=sigma) for mode in ("outcome", "holistic", "checklist")}
    task = tasks["checklist"]
    K = task.items
    prompts = torch.tensor([0, 0, 1])
    wrong = task.reference[0].clone()
    wrong[0] = (wrong[0] + 1) % task.vocab            # breaks the match at 0 (and maybe its coarse/easy items)
    tokens = torch.stack([task.reference[0], wrong, task.reference[0]])               # ref 0, broken, ref 0 for task 1
    sat = task.satisfied(prompts, tokens).float()
    assert sat[0].all() and not sat[1, 0]
    exact = {m: t.mean_reward(prompts, tokens) for m, t in tasks.items()}
    torch.testing.assert_close(exact["outcome"][0], torch.tensor((1 - q) ** K))
    torch.testing.assert_close(exact["checklist"][0], torch.tensor(1 - q))
    torch.testing.assert_close(exact["holistic"][0], torch.tensor(1.0))
    met = sat[1].sum()
    torch.testing.assert_close(exact["outcome"][1], (1 - q) ** met * q ** (K - met))
    w = task.weight[0]
    torch.testing.assert_close(exact["checklist"][1], (w * (sat[1] * (1 - q) + (1 - sat[1]) * q)).sum())
    torch.testing.assert_close(exact["holistic"][1], met / K)
    # the noise-free truth is the all-items indicator, whatever the training reward
    for t in tasks.values():
        assert torch.equal(t.expected_reward(prompts, tokens), sat.all(-1).float())
    # Monte Carlo: 40 000 draws each
    g = torch.Generator().manual_seed(1)
    many = tokens.expand(40_000, -1, -1)
    for mode, t in tasks.items():
        draws = t.reward(prompts.expand(40_000, -1), many, g)
        tolerance = 4 * (sigma if mode == "holistic" else 0.5) / 200
        assert (draws.mean(0) - exact[mode]).abs().max() < tolerance, (mode, draws.mean(0), exact[mode])
    h = tasks["holistic"].reward(prompts.expand(40_000, -1), many, g)
    assert abs(h.std(0).mean().item() - sigma) < 0.01                       # one Gaussian score of std σ
    o = tasks["outcome"].reward(prompts.expand(40_000, -1), many, g)
    assert set(o.unique().tolist()) <= {0.0, 1.0}


def test_rewards_take_any_leading_shape_and_draw_only_from_the_generator():
    for mode in ("outcome", "holistic", "checklist"):
        task = make(reward=mode, judge_noise=0.1)
        prompts = torch.randint(4, (2, 3, 5))
        tokens = torch.randint(4, (2, 3, 5, 6))
        assert task.expected_reward(prompts, tokens).shape == (2, 3, 5)
        draws = [task.reward(prompts, tokens, torch.Generator().manual_seed(3)) for _ in range(2)]
        assert draws[0].shape == (2, 3, 5) and torch.equal(*draws)
    # exact.py: the initial policy's P(all items met) per task, against a direct sum over episodes
    config = AgentsConfig(task="checklist", vocab=4, length=6, seeds=2)
    trainer = AgentsTrainer(config, "cpu")
    values = prefix_values(trainer.weights, trainer.task, torch.arange(4).expand(2, -1))
    assert values[0].shape == (2, 4, 1)
    reference = trainer.task.reference.unsqueeze(0).expand(2, -1, -1)
    log_p = torch.log_softmax(policy.logits(trainer.weights, torch.arange(4).expand(2, -1), reference), -1)
    p_reference = log_p.gather(-1, reference.unsqueeze(-1)).squeeze(-1).sum(-1).exp()   # the only passing episode
    torch.testing.assert_close(values[0][..., 0], p_reference, rtol=1e-4, atol=1e-9)


def test_states_count_the_step_and_are_markov():
    """Two prefixes with the same state id at step t have the same item verdicts after every suffix."""
    task = make(vocab=3, length=5, tasks=2)
    prompts, episodes = every_episode(task)
    states = task.states(prompts, episodes)                                          # (P, N, L)
    sat = task.satisfied(prompts, episodes)
    V, L = task.vocab, task.length
    for p in range(2):
        for t in range(L):
            ids = states[p, :, t]
            assert len(set((ids // (2 ** task.items * V ** L)).tolist())) == 1         # t is in the id
            block = V ** (L - t)                                                       # episodes sharing y_<t
            assert (ids.view(-1, block) == ids.view(-1, block)[:, :1]).all()           # a function of the prefix
            verdicts = sat[p].view(V ** t, block, -1)
            first = {}
            for prefix, state in enumerate(ids[::block].tolist()):
                first.setdefault(state, prefix)
                assert torch.equal(verdicts[prefix], verdicts[first[state]]), (p, t, prefix)
        assert len(set(states[p, :, L - 1].tolist())) < V ** (L - 1)                   # prefixes do merge


# --- (b) the claim ------------------------------------------------------------------------------

SETTING = dict(task="checklist", advantage="outcome", objective="ppo", vocab=4, length=6, tasks=4, batch_tasks=4,
               group=8, lr=1e-2, judge_noise=0.05, holistic_noise=0.5, seeds=16, steps=100)


def train(reward, base):
    """Per seed: the exact all-items success at the end (mean over the 4 tasks, ``exact.success``),
    the fraction of groups with no reward spread over the run, and, before training, the mean spread
    (std) of the true item fraction within a group of 8 (the signal a holistic score carries; sampled
    with a generator of its own, so training is untouched)."""
    config = AgentsConfig.from_params(reward=reward, seed=base, **SETTING)
    trainer = AgentsTrainer(config, "cpu")
    groups = torch.arange(config.tasks).repeat_interleave(config.group).expand(config.seeds, -1)
    tokens, _ = policy.sample(trainer.weights, groups, config.length, lambda z: z, torch.Generator().manual_seed(base))
    met = trainer.task.satisfied(groups, tokens).float().mean(-1)
    signal = met.view(config.seeds, config.tasks, -1).std(-1).mean().item()
    zero = torch.stack([trainer.step()["zero_adv_groups"] for _ in range(config.steps)]).mean(0)
    return exact.success(trainer.weights, trainer.task), zero, signal


@pytest.mark.parametrize("base", [0, 1, 2])
def test_checklist_reward_reaches_all_items_where_outcome_and_holistic_rewards_fail(base):
    """CM2's claim on the toy: 4 tasks of 6 tokens from 4 (4096 episodes, one passes all 15 items),
    judge noise 0.05, holistic score noise σ = 0.5, groups of 8 on all 4 tasks, Adam lr 1e-2, 100 steps,
    16 seeds per base seed; GRPO advantages, PPO loss. Exact P(all items met) at the end, per seed
    (mean over the 4 tasks), measured when written (``train`` below, one torch thread):

    base 0  outcome   0.24 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.21 0.00 0.00 0.00 0.00 0.00 0.00 0.00 (0.029)
            holistic  0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.01 0.00 0.00 0.00 0.00 (0.001)
            checklist 0.25 0.00 0.00 0.25 0.00 0.00 0.30 0.48 0.47 0.00 0.00 0.00 0.25 0.00 0.25 0.49 (0.171)
    base 1  outcome   0.00 0.00 0.24 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 (0.015)
            holistic  0.01 0.00 0.00 0.00 0.00 0.06 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 (0.005)
            checklist 0.24 0.00 0.00 0.00 0.49 0.49 0.00 0.00 0.24 0.25 0.00 0.00 0.59 0.00 0.25 0.49 (0.190)
    base 2  outcome   0.00 0.25 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 (0.016)
            holistic  0.00 0.00 0.00 0.01 0.00 0.00 0.00 0.00 0.01 0.00 0.00 0.00 0.00 0.00 0.00 0.00 (0.001)
            checklist 0.49 0.49 0.49 0.00 0.00 0.00 0.25 0.00 0.47 0.48 0.21 0.23 0.00 0.00 0.00 0.25 (0.211)

    Seeds above 0.1: checklist 8 / 8 / 9 of 16, outcome 2 / 1 / 1, holistic 0 / 0 / 0.
    The failures: the outcome reward's groups are all-equal in 99.4 / 99.7 / 99.2 % of the groups (it
    almost never sees the judge pass everything); the holistic score's signal — the within-group std of
    the true item fraction under the initial policy, 0.134 / 0.140 / 0.133 — is about a quarter of its
    noise σ = 0.5. Not asserted, measured once with ``train``: the same holistic score without noise
    (σ = 0) reaches 0.229 / 0.091 / 0.213, so the noise, not the unweighted form, is what fails it.
    Checklist's own ceiling is a low absolute success: in exploratory runs of this setting it converged
    (entropy ~0.05) with ~0.86 of the items met, often one hard item short (a token that passes the
    coarse and easy items of its position); lr 5e-3 and 150 steps gave 0.32 on base 0. Where outcome
    does see successes (2 tasks, groups of 16, otherwise the same) the ordering holds with a smaller
    ratio: outcome 0.141 / 0.032 / 0.162, holistic 0.009 / 0.096 / 0.101, checklist 0.467 / 0.404 / 0.405."""
    success = {}
    for reward in ("outcome", "holistic", "checklist"):
        success[reward], zero, signal = train(reward, base)
        if reward == "outcome":
            assert zero.mean() > 0.97, zero                          # the failure: hardly a success to learn from
        if reward == "holistic":
            assert signal < SETTING["holistic_noise"] / 2.5, signal  # the failure: one score, mostly noise
    mean = {k: v.mean().item() for k, v in success.items()}
    solved = {k: int((v > 0.1).sum()) for k, v in success.items()}
    assert mean["outcome"] < 0.06 and mean["holistic"] < 0.06, mean
    assert mean["checklist"] > 0.12, mean
    assert mean["checklist"] - max(mean["outcome"], mean["holistic"]) > 0.1, mean
    assert mean["checklist"] > 3 * max(mean["outcome"], mean["holistic"]), mean
    assert solved["checklist"] >= 7 and solved["outcome"] <= 3 and solved["holistic"] <= 3, solved
