"""Preference matrices: constructors, validation with clear errors, CSV round trip."""
import numpy as np
import pytest

from lab.games.preference import (PreferenceError, bradley_terry, check_preference, load_preference, noisy,
                                  random_preference, rock_paper_scissors, save_preference, spo_intransitive)


@pytest.mark.parametrize("P", [rock_paper_scissors(), random_preference(7, np.random.default_rng(1)),
                               bradley_terry([0.0, 1.0, 3.0]), spo_intransitive(),
                               noisy(bradley_terry([0, 1, 2, 3]), 0.1, np.random.default_rng(2))])
def test_constructors_give_valid_preferences(P):
    np.testing.assert_allclose(P + P.T, 1.0, atol=1e-12)
    assert P.min() >= 0 and P.max() <= 1
    check_preference(P)


def test_spo_aggregate_is_a_condorcet_cycle():
    P = spo_intransitive((0.4, 0.35, 0.25))
    assert P[0, 1] > 0.5 and P[1, 2] > 0.5 and P[2, 0] > 0.5


def test_bradley_terry_is_transitive():
    P = bradley_terry([0.0, 1.0, 2.0])
    assert P[2, 1] > 0.5 and P[1, 0] > 0.5 and P[2, 0] > P[2, 1]


@pytest.mark.parametrize("bad, words", [
    (np.ones((2, 3)) / 2, "square"),
    ([[0.5, 1.2], [-0.2, 0.5]], "outside [0, 1]"),
    ([[0.5, 0.7], [0.7, 0.5]], "must be 1"),
    ([["a", "b"], ["c", "d"]], "matrix of numbers"),
])
def test_invalid_matrices_are_refused_clearly(bad, words):
    with pytest.raises(PreferenceError, match=words.replace("[", r"\[").replace("]", r"\]")):
        check_preference(bad)


def test_csv_round_trip_and_malformed_file(tmp_path):
    P = random_preference(5, np.random.default_rng(0))
    np.testing.assert_array_equal(load_preference(save_preference(P, tmp_path / "p.csv")), P)
    (tmp_path / "bad.csv").write_text("0.5,0.2\n0.3,0.5\n")
    with pytest.raises(PreferenceError, match=r"bad.csv\[0, 1\] \+ bad.csv\[1, 0\] = 0.5"):
        load_preference(tmp_path / "bad.csv")
    (tmp_path / "text.csv").write_text("a,b\n")
    with pytest.raises(PreferenceError, match="cannot read"):
        load_preference(tmp_path / "text.csv")


def test_parse_preference_from_text():
    from lab.games.preference import parse_preference

    np.testing.assert_array_equal(parse_preference("0.5, 1\n0, 0.5\n"), [[0.5, 1], [0, 0.5]])
    with pytest.raises(PreferenceError, match="comma-separated numbers"):
        parse_preference("0.5, x\n0, 0.5")
    with pytest.raises(PreferenceError, match="same number of entries"):
        parse_preference("0.5, 1, 0\n0, 0.5")


def test_trainer_plays_a_given_matrix():
    from lab import Run
    from lab.games.trainer import PreferenceDynamicsConfig, PreferenceDynamicsTrainer

    P = np.array([[0.5, 0.9], [0.1, 0.5]])
    trainer = PreferenceDynamicsTrainer(PreferenceDynamicsConfig(steps=20), P=P[None], mu=np.full((1, 2), 0.5))
    history = Run(trainer, 20, progress=False).run()
    assert history.population == 3 and "pi_0" not in history.metrics


def test_shipped_matrices_load_and_match_their_constructors():
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "data" / "preferences"
    np.testing.assert_allclose(load_preference(data / "spo_aggregate.csv"), spo_intransitive((0.4, 0.35, 0.25)),
                               atol=1e-12)
    np.testing.assert_array_equal(load_preference(data / "rock_paper_scissors.csv"), rock_paper_scissors())


def test_span_semi_norm_is_zero_only_at_equal_policies():
    from lab.games.regularized import equilibrium, span

    star = np.log(equilibrium(rock_paper_scissors(), np.array([0.6, 0.3, 0.1]), 0.1))
    assert span(star, star) == 0
    assert span(star + 3.0, star) == pytest.approx(0, abs=1e-12)  # blind to normalization constants
    assert span(np.log(np.array([0.5, 0.3, 0.2])), star) > 0.1
