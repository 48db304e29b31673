"""The 144 ordinal 2×2 games of the Robinson–Goforth topology and their payoff families.

The family counts are the published ones (Bruns 2015, after Robinson and Goforth 2005):
Win-win 36, Biased 44, Unfair 19, Cyclic 18, Second Best 12, Tragic 8, PD family 7. The module
derives each game's family from its pure equilibria; nothing in it lists games by family.
"""
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from lab.games import topology as tp

GAMES = tp.ordinal_games()

PUBLISHED_FAMILY_COUNTS = {
    "Win-win": 36, "Biased": 44, "Unfair": 19, "Cyclic": 18, "Second Best": 12, "Tragic": 8, "PD family": 7,
}


def symmetric(row) -> np.ndarray:
    """A symmetric game from the row player's matrix [own action, other's action]."""
    row = np.asarray(row)
    return np.stack([row, row.T])


def rstp(R, S, T, P) -> np.ndarray:
    """The symmetric game with payoffs R, S, T, P (action 0 = C, action 1 = D)."""
    return symmetric([[R, S], [T, P]])


PD = rstp(R=3, S=1, T=4, P=2)                 # T > R > P > S
CHICKEN = rstp(R=3, S=2, T=4, P=1)            # T > R > S > P
STAG_HUNT = rstp(R=4, S=1, T=3, P=2)          # R > T > P > S
DEADLOCK = rstp(R=2, S=1, T=4, P=3)           # T > P > R > S
HARMONY = rstp(R=4, S=2, T=3, P=1)            # R > T > S > P
LEADER = rstp(R=2, S=3, T=4, P=1)             # T > S > R > P
HERO = rstp(R=1, S=3, T=4, P=2)               # T > S > P > R


# ---------------------------------------------------------------- the 144 games

def test_576_payoff_pairs_reduce_to_144_games():
    pairs = tp.all_payoff_pairs()
    assert pairs.shape == (576, 2, 2, 2)
    assert len({p.tobytes() for p in pairs}) == 576
    for player in (0, 1):                      # every player's payoffs are a permutation of 1..4
        assert (np.sort(pairs[:, player].reshape(576, 4), axis=1) == [1, 2, 3, 4]).all()
    orbits = {tp.canonical(p).tobytes() for p in pairs}
    assert len(orbits) == 144
    assert len(GAMES) == 144
    assert len({g.payoffs.tobytes() for g in GAMES}) == 144
    assert tp.ordinal_payoffs().shape == (144, 2, 2, 2)


def test_relabellings_act_freely_so_each_game_has_four_payoff_arrays():
    sizes = Counter()
    for p in tp.all_payoff_pairs():
        sizes[len({q.tobytes() for q in tp.relabellings(p)})] += 1
    assert sizes == {4: 576}
    hits = Counter(tp.locate(p).index for p in tp.all_payoff_pairs())
    assert set(hits.values()) == {4} and len(hits) == 144


def test_every_relabelling_and_monotone_rescaling_locates_the_same_game():
    rng = np.random.default_rng(0)
    for g in GAMES[::7]:
        for q in tp.relabellings(g):
            assert tp.locate(q) == g
        # strictly increasing transforms of each player's payoffs keep the ordinal game
        real = np.stack([np.sort(rng.normal(size=4))[q - 1] for q in g.payoffs])
        assert tp.locate(real) == g


def test_layers_and_coordinates():
    assert Counter(g.layer for g in GAMES) == {1: 36, 2: 36, 3: 36, 4: 36}
    assert len({(g.row_pattern, g.col_pattern) for g in GAMES}) == 144
    assert len({g.coordinates for g in GAMES}) == 144
    for g in GAMES:
        assert g.row[1].max() == 4 and g.column[:, 1].max() == 4       # canonical orientation
        assert np.array_equal(g.row, tp.pattern_matrix(g.row_pattern))
        assert np.array_equal(g.column.T, tp.pattern_matrix(g.col_pattern))
        r4 = tuple(np.argwhere(g.row == 4)[0])
        c4 = tuple(np.argwhere(g.column == 4)[0])
        relation = {1: r4[0] != c4[0] and r4[1] != c4[1], 2: r4[0] == c4[0] and r4 != c4,
                    3: r4[1] == c4[1] and r4 != c4, 4: r4 == c4}
        assert relation[g.layer]


def test_swaps_within_and_between_layers():
    """Robinson–Goforth: swapping adjacent payoffs 1↔2 or 2↔3 stays in a layer; 3↔4 leaves it."""
    for g in GAMES:
        nb = tp.neighbours(g)
        assert len(set(nb.values())) == 6 and g not in nb.values()
        for (player, k), h in nb.items():
            assert (h.layer == g.layer) == (k < 3)
            assert g in tp.neighbours(h).values()          # the neighbourhood relation is symmetric


def test_twelve_symmetric_games_on_the_diagonals_of_layers_1_and_4():
    sym = [g for g in GAMES if g.symmetric]
    assert len(sym) == 12
    assert Counter(g.layer for g in sym) == {1: 6, 4: 6}
    assert all(np.array_equal(g.column, g.row.T) for g in sym)
    assert len({tp.pattern_ordering(g.row_pattern) for g in sym}) == 12


def test_mirror_images_give_rapoport_and_guyers_78_games():
    mirror = {g.index: tp.swap_players(g).index for g in GAMES}
    assert all(mirror[mirror[i]] == i for i in mirror)
    fixed = [i for i in mirror if mirror[i] == i]
    assert len(fixed) == 12 and all(GAMES[i].symmetric for i in fixed)
    assert len({frozenset((i, mirror[i])) for i in mirror}) == 78
    assert Counter(GAMES[mirror[g.index]].layer for g in GAMES if g.layer == 2) == {3: 36}


def test_named_games_are_located():
    for payoffs, name in [(PD, "Prisoner's Dilemma"), (CHICKEN, "Chicken"), (STAG_HUNT, "Stag Hunt"),
                          (DEADLOCK, "Deadlock"), (HARMONY, "Harmony"), (LEADER, "Leader"), (HERO, "Hero")]:
        g = tp.locate(payoffs)
        assert g.name == name and g.symmetric
        assert tp.by_name(name) == g
    with pytest.raises(KeyError):
        tp.by_name("Matching Pennies")


def test_axelrods_pd_and_duck_typed_games_are_located():
    axelrod = SimpleNamespace(row=np.array([[3.0, 0.0], [5.0, 1.0]]), column=np.array([[3.0, 5.0], [0.0, 1.0]]))
    assert tp.locate(axelrod).name == "Prisoner's Dilemma"
    # the same PD with D as the first action
    assert tp.locate(PD[:, ::-1, ::-1]).name == "Prisoner's Dilemma"


def test_ties_are_rejected():
    with pytest.raises(ValueError, match="tied"):
        tp.locate(symmetric([[2, 0], [0, 1]]))
    with pytest.raises(ValueError, match="shape"):
        tp.as_payoffs(np.zeros((2, 2)))


# ---------------------------------------------------------------- equilibria

def test_pure_equilibria_of_standard_games():
    assert tp.pure_nash_equilibria(PD) == [(1, 1)]                       # mutual defection
    assert tp.pure_nash_equilibria(CHICKEN) == [(0, 1), (1, 0)]
    assert tp.pure_nash_equilibria(STAG_HUNT) == [(0, 0), (1, 1)]
    assert tp.pure_nash_equilibria(DEADLOCK) == [(1, 1)]
    assert tp.pareto_dominated(PD, (1, 1)) and not tp.pareto_dominated(PD, (0, 0))


def test_matching_pennies_like_games_have_no_pure_equilibrium():
    pennies = np.array([[4, 1], [2, 3]])           # strict version of matching pennies
    game = np.stack([pennies, 5 - pennies])         # constant-sum: the column player wants to mismatch
    assert tp.pure_nash_equilibria(game) == []
    assert tp.family(game) == "Cyclic"
    for g in GAMES:
        if tp.family(g) == "Cyclic":
            # no player has a dominant action: each one's best reply depends on the other's action
            assert tp.pure_nash_equilibria(g) == []
            assert np.argmax(g.row[:, 0]) != np.argmax(g.row[:, 1])
            assert np.argmax(g.column[0]) != np.argmax(g.column[1])


def test_reversing_one_players_preferences_swaps_cyclic_and_two_equilibrium_games():
    n_eq = Counter(len(tp.pure_nash_equilibria(g)) for g in GAMES)
    assert set(n_eq) == {0, 1, 2}
    for g in GAMES:
        reversed_col = tp.locate(np.stack([g.row, 5 - g.column]))
        n, m = len(tp.pure_nash_equilibria(g)), len(tp.pure_nash_equilibria(reversed_col))
        assert {n, m} in ({1}, {0, 2})
    assert n_eq[0] == n_eq[2] == 18


# ---------------------------------------------------------------- families

def test_family_counts_match_the_published_ones():
    counts = Counter(tp.family(g) for g in GAMES)
    assert dict(counts) == PUBLISHED_FAMILY_COUNTS
    assert sum(counts.values()) == 144
    assert tp.family_counts() == PUBLISHED_FAMILY_COUNTS
    assert set(tp.FAMILIES) == set(PUBLISHED_FAMILY_COUNTS)


def test_families_of_standard_games():
    assert tp.family(PD) == "PD family"
    assert tp.family(CHICKEN) == "Unfair"
    assert tp.family(STAG_HUNT) == "Win-win"
    assert tp.family(HARMONY) == "Win-win"
    assert tp.family(DEADLOCK) == "Second Best"
    assert tp.family(LEADER) == "Biased"
    assert tp.family(HERO) == "Biased"
    # Battle of the Sexes as a coordination game: both coordinations are equilibria, each
    # favouring one player (4, 3) / (3, 4); with these miscoordination ranks it is Hero.
    bos = np.stack([[[4, 2], [1, 3]], [[3, 2], [1, 4]]])
    assert tp.pure_nash_equilibria(bos) == [(0, 0), (1, 1)]
    assert tp.family(bos) == "Biased" and tp.locate(bos).name == "Hero"


def test_win_win_is_the_layer_where_both_best_outcomes_coincide():
    assert {g.index for g in GAMES if tp.family(g) == "Win-win"} == {g.index for g in GAMES if g.layer == 4}


def test_pd_family_is_the_games_whose_equilibria_are_all_pareto_dominated():
    """An independent statement of the PD family: there is an equilibrium, and every one of them
    is Pareto-dominated (Stag Hunt's inferior equilibrium is not enough: its other is (4, 4))."""
    inferior = {g.index for g in GAMES
                if (eq := tp.pure_nash_equilibria(g)) and all(tp.pareto_dominated(g, c) for c in eq)}
    assert inferior == {g.index for g in GAMES if tp.family(g) == "PD family"}
    assert tp.locate(PD).index in inferior
    assert tp.locate(STAG_HUNT).index not in inferior


def test_equilibrium_payoffs_of_each_family():
    for g in GAMES:
        fam = tp.family(g)
        outs = {tuple(sorted(g.payoffs[:, i, j].tolist())) for i, j in tp.pure_nash_equilibria(g)}
        if fam == "Win-win":
            assert (4, 4) in outs
        elif fam == "Biased":
            assert (3, 4) in outs and (4, 4) not in outs
        elif fam == "Unfair":
            assert outs <= {(2, 4)}
        elif fam == "Second Best":
            assert outs == {(3, 3)}
        elif fam in ("PD family", "Tragic"):
            assert len(outs) == 1 and outs <= {(2, 2), (2, 3)}
        else:
            assert outs == set()


def test_families_do_not_depend_on_which_player_is_which():
    for g in GAMES:
        assert tp.family(tp.swap_players(g)) == tp.family(g)
