"""The Minimax Winner (β = 0) by linear programming, checked against nashpy."""
import nashpy
import numpy as np
import pytest

from lab.games.preference import bradley_terry, random_preference, rock_paper_scissors, spo_intransitive
from lab.games.regularized import minimax_winner


@pytest.mark.parametrize("P", [rock_paper_scissors(), spo_intransitive((0.4, 0.35, 0.25)),
                               spo_intransitive((0.45, 0.3, 0.25))])
def test_minimax_winner_agrees_with_nashpy(P):
    A = P - 0.5
    equilibria = list(nashpy.Game(A, -A).support_enumeration())
    assert len(equilibria) == 1
    np.testing.assert_allclose(minimax_winner(P), equilibria[0][0], atol=1e-8)


def test_minimax_winner_guarantees_half_against_everything():
    rng = np.random.default_rng(0)
    for _ in range(20):
        P = random_preference(int(rng.integers(2, 12)), rng)
        pi = minimax_winner(P)
        assert np.all(pi @ P >= 0.5 - 1e-9)  # P(π ≻ y') ≥ ½ for every y'


def test_transitive_preferences_have_a_pure_winner():
    np.testing.assert_allclose(minimax_winner(bradley_terry([0.0, 2.0, 1.0])), [0, 1, 0], atol=1e-9)
