import numpy as np
import pytest

from lab.synchrony import best_tradeoff, pareto_front


def test_pareto_front_on_a_hand_made_set():
    #            A    B    C    D    E (=B)  F
    synchrony = [1.0, 0.8, 0.5, 0.7, 0.8, 0.1]
    stability = [0.5, 0.8, 0.9, 0.7, 0.8, 0.9]
    # D is dominated by B; F by C; B and its duplicate E both stay.
    assert pareto_front(synchrony, stability).tolist() == [True, True, True, False, True, False]


def test_best_tradeoff_picks_the_lambda_weighted_best():
    assert best_tradeoff([1.0, 0.8, 0.5], [0.5, 0.8, 0.9], 1.0) == (0, 1.0)
    assert best_tradeoff([1.0, 0.8, 0.5], [0.5, 0.8, 0.9], 0.0) == (2, 0.9)
    assert best_tradeoff([1.0, 0.8, 0.5], [0.5, 0.8, 0.9], 0.5)[0] == 1
    with pytest.raises(ValueError, match="λ"):
        best_tradeoff([1.0], [1.0], 1.5)


def test_pareto_front_refuses_mismatched_or_non_finite_input():
    with pytest.raises(ValueError, match="one length"):
        pareto_front([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        pareto_front([np.nan], [1.0])
