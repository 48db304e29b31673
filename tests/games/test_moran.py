"""The Moran process: neutral drift fixes at rate 1/N; defectors invade cooperators."""
import pytest

from lab.games import strategies as st
from lab.games.moran import moran
from lab.games.repeated import prisoners_dilemma


def test_neutral_mutant_fixes_with_probability_one_over_n():
    """Two behaviourally identical strategies: a single mutant among N = 5 fixes with probability 1/5."""
    fixed = moran([st.cooperator(), st.tit_for_tat()], [4, 1], prisoners_dilemma(), turns=10, runs=4000, seed=1)
    assert fixed.sum() == 4000
    assert abs(fixed[1] / 4000 - 0.2) < 0.02


def test_a_defector_takes_over_cooperators_more_often_than_drift():
    fixed = moran([st.cooperator(), st.defector()], [4, 1], prisoners_dilemma(), turns=10, runs=2000, seed=2)
    assert fixed[1] / 2000 > 0.5


def test_tit_for_tat_resists_a_defector():
    fixed = moran([st.tit_for_tat(), st.defector()], [9, 1], prisoners_dilemma(), turns=50, runs=2000, seed=3)
    assert fixed[1] / 2000 < 0.1


def test_bad_counts_are_a_clear_error():
    with pytest.raises(ValueError, match="counts"):
        moran([st.cooperator(), st.defector()], [1], prisoners_dilemma())
