"""Property tests of the payoff constructors (issue 12, points 8 and 9): any payoffs — numbers, NaN,
±inf, huge ints, strings, None, bools, nested lists of any shape — either build a game of finite
float payoffs or raise ConfigError naming the argument; never another exception. Deterministic.
Before the fix: 3 of 3 failed (``prisoners_dilemma(R='3')`` → TypeError, NaN tables accepted). A clean clone
(session 31) then found R = −2**63 − 1 → TypeError from ``np.isfinite`` (a Python int beyond 64 bits); that
example and one beyond a float's range are now always tried (``@example``)."""
from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lab import ConfigError
from lab.games.repeated import Game2x2, prisoners_dilemma
from lab.games.topology import as_payoffs

NUMBER = st.one_of(st.integers(-10, 10), st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                   st.booleans(), st.none(), st.text(max_size=5), st.sampled_from(["3", "nan", "1e999"]))
TABLE = st.one_of(st.recursive(NUMBER, lambda inner: st.lists(inner, max_size=3), max_leaves=10),
                  st.lists(st.lists(NUMBER, min_size=2, max_size=2), min_size=2, max_size=2))
SETTINGS = settings(max_examples=150, derandomize=True, deadline=None, database=None)


@SETTINGS
@given(st.dictionaries(st.sampled_from("RSTP"), NUMBER))
@example({"R": -2**63 - 1})
@example({"T": 10**400})
def test_prisoners_dilemma_builds_or_names_the_payoff(payoffs):
    try:
        game = prisoners_dilemma(**payoffs)
    except ConfigError as err:
        assert any(f"'{key}' = " in str(err) for key in payoffs) or "T > R > P > S" in str(err), str(err)
        return
    assert game.row.dtype == float and np.isfinite(game.row).all()


@SETTINGS
@given(TABLE, TABLE)
def test_a_2x2_game_builds_or_names_the_table(row, column):
    try:
        game = Game2x2("g", row, column)
    except ConfigError as err:
        assert "'row'" in str(err) or "'column'" in str(err), str(err)
        return
    assert game.row.shape == game.column.shape == (2, 2)
    assert np.isfinite(game.row).all() and np.isfinite(game.column).all()


@SETTINGS
@given(TABLE)
def test_topology_payoffs_are_finite_numbers_or_refused(game):
    try:
        payoffs = as_payoffs(game)
    except ConfigError as err:
        assert "'game'" in str(err), str(err)
        return
    assert payoffs.shape == (2, 2, 2) and np.isfinite(payoffs).all()
