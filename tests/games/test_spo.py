"""SPO finds the Minimax Winner of an intransitive aggregate; the Bradley–Terry baseline does not."""
import numpy as np
import torch

from lab.games import reward_model, spo
from lab.games.preference import spo_intransitive
from lab.games.regularized import minimax_winner

P_NP = spo_intransitive((0.4, 0.35, 0.25))
P = torch.as_tensor(P_NP)


def tv(p, q):
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def test_spo_average_iterate_reaches_the_minimax_winner():
    winner = minimax_winner(P_NP)
    last, average = spo.hedge(P, iterations=4000, batch=16, eta=0.1, seeds=8,
                              generator=torch.Generator().manual_seed(0))
    distances = [tv(a, winner) for a in average.numpy()]
    assert max(distances) < 0.05, distances


def test_bradley_terry_baseline_misses_the_minimax_winner():
    winner = minimax_winner(P_NP)
    first, second, wins = reward_model.sample_comparisons(P, 20_000, torch.Generator().manual_seed(0))
    scores = reward_model.fit_bradley_terry(3, first, second, wins)
    policy = reward_model.kl_regularized_policy(scores, torch.log(torch.full((3,), 1 / 3, dtype=torch.float64)), 0.01)
    assert tv(policy.numpy(), winner) > 0.3
