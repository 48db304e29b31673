"""The 144 strict ordinal 2×2 games of the Robinson–Goforth topology, and their payoff families.

A strict ordinal 2×2 game gives each player the payoffs 1 < 2 < 3 < 4 (worst to best), one per
outcome, so there are 4! × 4! = 576 payoff pairs. Relabelling strategies (swapping the two rows,
the two columns, or both) does not change the game; these four relabellings act freely on the 576
pairs, which leaves 144 distinct games. Swapping the *players* is not an identification here
(identifying mirror images too would give Rapoport and Guyer's 78 games).

Orientation and coordinates. Each game is stored in one orientation: the row player's best
outcome (4) lies in the bottom row and the column player's best outcome lies in the right column.
Then each player's own payoffs, seen as a matrix [own action, opponent's action] (the row player's
matrix as is, the column player's transposed), are one of 12 patterns, and a game is a pair of
patterns (row player's, column player's): 12 × 12 = 144. A game is symmetric exactly when both
players have the same pattern; the 12 symmetric games name the patterns (Bruns 2015 builds his
names for all games on this). The patterns fall in two hexagons of 6, by whether the player's 4
lies in the opponent's best-outcome action (the column, for the row player) or in the other one;
within a hexagon the patterns form a cycle
under the swaps of adjacent payoffs 1↔2 and 2↔3. The four pairs of hexagons are the four layers
of the Robinson–Goforth "periodic table", 36 games each: swaps 1↔2 and 2↔3 move within a layer,
a swap 3↔4 moves between layers. Layers here are numbered by where the two players' best outcomes
lie relative to each other:

    1  opposite corners (Prisoner's Dilemma, Chicken, Deadlock, Leader, Hero on its diagonal)
    2  same row         (asymmetric)
    3  same column      (asymmetric; the mirror image of layer 2)
    4  same cell        (win-win; Stag Hunt and Harmony on its diagonal)

This numbering and the order of the patterns within a hexagon (the swap cycle, from the Prisoner's
Dilemma pattern and the Stag Hunt pattern) are this module's own; they follow the topology's
structure but need not match the numbers printed in Robinson and Goforth's tables.

Families (Bruns 2010, 2015, after Robinson and Goforth 2005) are defined by the pure Nash
equilibria, each game going to the first family in this order whose condition it meets:

    Cyclic       no pure equilibrium (the best replies cycle)                                18
    Win-win      an equilibrium where both players get their best payoff, (4, 4)             36
    Biased       an equilibrium giving one player 4 and the other 3                          44
    Unfair       an equilibrium giving one player 4 and the other 2                          19
    PD family    a unique equilibrium that is Pareto-dominated by another outcome
                 (Robinson and Goforth's "family for the PD")                                 7
    Second Best  a unique equilibrium (3, 3)                                                 12
    Tragic       the rest: a unique, Pareto-efficient equilibrium paying (3, 2) or (2, 3)     8

The counts are what ``family`` gives on the 144 games (tests/games/test_topology.py checks them
against the published 36/44/19/18/12/8/7). The order matters only for games with two
equilibria: such a game goes to the family of its better equilibrium (Stag Hunt is Win-win; the
two games with equilibria (4, 3) and (2, 4) are Biased). Among unique equilibria the order of the
last three is immaterial, since a (3, 3) equilibrium can be dominated only by (4, 4), which would
itself be an equilibrium.

Sources:
  D. Robinson and D. Goforth, *The Topology of the 2×2 Games: A New Periodic Table*, Routledge,
  2005 (the swap topology, the four layers, the PD family).
  B. R. Bruns, "Names for Games: Locating 2×2 Games", *Games* 6(4), 495–520, 2015,
  doi:10.3390/g6040495 (orientation by best payoffs, games as pairs of symmetric-game patterns,
  the periodic table and its families).
  B. R. Bruns, "Navigating the Topology of 2x2 Games: An Introductory Note on Payoff Families,
  Normalization, and Natural Order", arXiv:1010.4727, 2010 (payoff families by Nash equilibria).
  A. Rapoport and M. Guyer, "A Taxonomy of 2×2 Games", *General Systems* 11, 203–214, 1966.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .payoff_check import payoff_table

CYCLIC = "Cyclic"
WIN_WIN = "Win-win"
BIASED = "Biased"
UNFAIR = "Unfair"
PD_FAMILY = "PD family"
SECOND_BEST = "Second Best"
TRAGIC = "Tragic"
FAMILIES = (WIN_WIN, BIASED, UNFAIR, CYCLIC, SECOND_BEST, TRAGIC, PD_FAMILY)

LAYERS = {1: "opposite corners", 2: "same row", 3: "same column", 4: "same cell (win-win)"}

# Names of the symmetric games, keyed by the order of the payoffs R (both first/"cooperative"
# action), S (own first, other second), T (own second, other first), P (both second), written with
# the labels chosen so that the best payoff is R or T. Only the standard names are given.
SYMMETRIC_NAMES = {
    "T>R>P>S": "Prisoner's Dilemma",
    "T>P>R>S": "Deadlock",
    "T>R>S>P": "Chicken",
    "T>S>R>P": "Leader",
    # Rapoport and Guyer's Hero, S>T>R>P with the actions relabelled. A strict ordinal Battle of
    # the Sexes is Hero or Leader, depending on how the players rank the two miscoordinations.
    "T>S>P>R": "Hero",
    "R>T>P>S": "Stag Hunt",
    "R>T>S>P": "Harmony",
}


# ---------------------------------------------------------------- payoffs and relabellings

def _array(game) -> np.ndarray:
    """Payoffs (2, 2, 2) [player, row action, column action], keeping their dtype; finite numbers, else a
    ``ConfigError`` (a ValueError)."""
    if isinstance(game, OrdinalGame):
        return game.payoffs
    if hasattr(game, "row") and hasattr(game, "column"):
        game = [game.row, game.column]
    return payoff_table(game, "game", (2, 2, 2))


def as_payoffs(game) -> np.ndarray:
    """Payoffs as a float array (2, 2, 2) indexed [player, row action, column action].

    Accepts an ``OrdinalGame``, anything with ``row`` and ``column`` payoff matrices (such as
    ``lab.games.repeated.Game2x2``), or an array of shape (2, 2, 2).
    """
    return _array(game).astype(float)


def to_ordinal(game) -> np.ndarray:
    """Each player's payoffs replaced by their ranks 1 (worst) .. 4 (best); int array (2, 2, 2).

    Raises ValueError if a player has tied payoffs (the game is then not a strict ordinal game).
    """
    p = as_payoffs(game).reshape(2, 4)
    for player, values in enumerate(p):
        if np.unique(values).size != 4:
            raise ValueError(f"player {player} has tied payoffs {values.tolist()}; strict ordinal games need four distinct payoffs")
    ranks = np.argsort(np.argsort(p, axis=1), axis=1) + 1
    return ranks.reshape(2, 2, 2).astype(int)


def relabellings(game) -> np.ndarray:
    """The game under the four relabellings of strategies: identity, swap rows, swap columns,
    both; array (4, 2, 2, 2). These are the identifications that make 576 payoff pairs 144 games."""
    p = _array(game)
    return np.stack([p, p[:, ::-1, :], p[:, :, ::-1], p[:, ::-1, ::-1]])


def all_payoff_pairs() -> np.ndarray:
    """All 4! × 4! = 576 strict ordinal payoff pairs, int array (576, 2, 2, 2)."""
    perms = np.array(list(itertools.permutations(range(1, 5)))).reshape(24, 2, 2)
    row, col = np.meshgrid(np.arange(24), np.arange(24), indexing="ij")
    return np.stack([perms[row.ravel()], perms[col.ravel()]], axis=1)


def canonical(game) -> np.ndarray:
    """The strict ordinal game relabelled so that the row player's 4 is in the bottom row and the
    column player's 4 in the right column; int array (2, 2, 2). Two payoff arrays are the same
    game exactly when their canonical forms are equal."""
    p = to_ordinal(game)
    if np.argwhere(p[0] == 4)[0][0] == 0:
        p = p[:, ::-1, :]
    if np.argwhere(p[1] == 4)[0][1] == 0:
        p = p[:, :, ::-1]
    return np.ascontiguousarray(p)


# ---------------------------------------------------------------- patterns (coordinates)

def _swap_values(m: np.ndarray, a: int, b: int) -> np.ndarray:
    out = m.copy()
    out[m == a], out[m == b] = b, a
    return out


@lru_cache(maxsize=None)
def _patterns() -> tuple[tuple[tuple[int, ...], ...], dict[tuple[int, ...], int]]:
    """The 12 own-payoff patterns (flattened [own action, opponent action], 4 in the bottom row)
    in hexagon order, and their index 0..11. Hexagon 0: 4 at [1, 0], cycle from the Prisoner's
    Dilemma pattern; hexagon 1: 4 at [1, 1], cycle from the Stag Hunt pattern."""
    order = []
    for start in (np.array([[3, 1], [4, 2]]), np.array([[2, 3], [1, 4]])):
        m = start
        for k in range(6):
            order.append(tuple(int(v) for v in m.ravel()))
            m = _swap_values(m, 1, 2) if k % 2 == 0 else _swap_values(m, 2, 3)
        assert tuple(int(v) for v in m.ravel()) == order[-6], "the swap cycle must close after six steps"
    return tuple(order), {pat: i for i, pat in enumerate(order)}


def pattern_matrix(index: int) -> np.ndarray:
    """Own-payoff pattern ``index`` (1..12) as a matrix [own action, opponent's action]."""
    return np.array(_patterns()[0][index - 1]).reshape(2, 2)


def pattern_ordering(index: int) -> str:
    """The symmetric game of pattern ``index`` (1..12) as an order of R, S, T, P, e.g. "T>R>P>S".

    Labels: action order chosen so that the best payoff is R or T (see ``SYMMETRIC_NAMES``)."""
    m = pattern_matrix(index)
    for own in (m, m[::-1, ::-1]):          # action 0 = first action, or the actions relabelled
        rstp = {"R": own[0, 0], "S": own[0, 1], "T": own[1, 0], "P": own[1, 1]}
        ordered = sorted(rstp, key=rstp.get, reverse=True)
        if ordered[0] in "RT":
            return ">".join(ordered)
    raise AssertionError("unreachable: one labelling puts the 4 at R or T")


def pattern_name(index: int) -> str | None:
    """Standard name of the symmetric game of pattern ``index`` (1..12), or None."""
    return SYMMETRIC_NAMES.get(pattern_ordering(index))


# ---------------------------------------------------------------- the 144 games

@dataclass(frozen=True, eq=False)
class OrdinalGame:
    """One of the 144 games, in canonical orientation.

    payoffs     int (2, 2, 2) [player, row action, column action], ranks 1..4
    index       0..143, position in ``ordinal_games()`` (ordered by layer, row, column pattern)
    layer       1..4 (see the module docstring)
    row_pattern, col_pattern   1..12: the players' own-payoff patterns; equal iff symmetric
    name        standard name of a symmetric game, else None
    """
    payoffs: np.ndarray
    index: int
    layer: int
    row_pattern: int
    col_pattern: int
    name: str | None

    @property
    def row(self) -> np.ndarray:
        return self.payoffs[0]

    @property
    def column(self) -> np.ndarray:
        return self.payoffs[1]

    @property
    def coordinates(self) -> tuple[int, int, int]:
        """(layer, row player's place 1..6 in its hexagon, column player's place 1..6)."""
        return self.layer, (self.row_pattern - 1) % 6 + 1, (self.col_pattern - 1) % 6 + 1

    @property
    def symmetric(self) -> bool:
        return self.row_pattern == self.col_pattern

    @property
    def label(self) -> str:
        """Row pattern | column pattern, each by its symmetric game's name or payoff order."""
        part = lambda k: pattern_name(k) or pattern_ordering(k)  # noqa: E731
        return f"{part(self.row_pattern)} | {part(self.col_pattern)}"

    def __eq__(self, other) -> bool:
        return isinstance(other, OrdinalGame) and self.index == other.index

    def __hash__(self) -> int:
        return hash(("OrdinalGame", self.index))

    def __repr__(self) -> str:
        return f"OrdinalGame({self.index}, layer={self.layer}, {self.name or self.label!r}, row={self.row.tolist()}, column={self.column.tolist()})"


def _coordinates(p: np.ndarray) -> tuple[int, int, int]:
    """(layer, row pattern, column pattern) of a canonical game."""
    lookup = _patterns()[1]
    rp = lookup[tuple(int(v) for v in p[0].ravel())]
    cp = lookup[tuple(int(v) for v in p[1].T.ravel())]
    layer = 1 + 2 * int(rp >= 6) + int(cp >= 6)
    return layer, rp + 1, cp + 1


@lru_cache(maxsize=None)
def _games() -> tuple[OrdinalGame, ...]:
    distinct = {canonical(p).tobytes(): canonical(p) for p in all_payoff_pairs()}
    keyed = sorted((_coordinates(p), p) for p in distinct.values())
    games = []
    for index, ((layer, rp, cp), p) in enumerate(keyed):
        p = p.copy()
        p.setflags(write=False)
        games.append(OrdinalGame(p, index, layer, rp, cp, pattern_name(rp) if rp == cp else None))
    return tuple(games)


def ordinal_games() -> list[OrdinalGame]:
    """The 144 strict ordinal 2×2 games, generated from the 576 payoff pairs and reduced by the
    relabelling of strategies; ordered by (layer, row pattern, column pattern)."""
    return list(_games())


def ordinal_payoffs() -> np.ndarray:
    """The 144 games' payoffs, int array (144, 2, 2, 2) [game, player, row action, column action]."""
    return np.stack([g.payoffs for g in _games()])


@lru_cache(maxsize=None)
def _by_key() -> dict[bytes, OrdinalGame]:
    return {g.payoffs.tobytes(): g for g in _games()}


def locate(game) -> OrdinalGame:
    """The one of the 144 games that ``game`` is: any 2×2 payoffs with four distinct payoffs per
    player (real values are reduced to their ranks), in any orientation of the strategies."""
    if isinstance(game, OrdinalGame):
        return game
    return _by_key()[canonical(game).tobytes()]


def by_name(name: str) -> OrdinalGame:
    """The symmetric game with this standard name (see ``SYMMETRIC_NAMES``)."""
    for g in _games():
        if g.name == name:
            return g
    raise KeyError(f"no symmetric game is named {name!r}; named ones: {sorted(SYMMETRIC_NAMES.values())}")


def swap_players(game) -> OrdinalGame:
    """The mirror image: the row player becomes the column player (payoffs transposed)."""
    p = as_payoffs(game)
    return locate(np.stack([p[1].T, p[0].T]))


def neighbours(game) -> dict[tuple[int, int], OrdinalGame]:
    """The six neighbours in the Robinson–Goforth topology: for player 0 (row) or 1 (column),
    swap that player's payoffs k and k+1 (k = 1, 2, 3). Keyed by (player, k)."""
    p = to_ordinal(locate(game).payoffs)
    out = {}
    for player in (0, 1):
        for k in (1, 2, 3):
            q = p.copy()
            q[player] = _swap_values(p[player], k, k + 1)
            out[(player, k)] = locate(q)
    return out


# ---------------------------------------------------------------- equilibria and families

def pure_nash_equilibria(game) -> list[tuple[int, int]]:
    """Cells (row action, column action) where each player's action is a best reply to the
    other's (weak inequalities; with strict payoffs all equilibria are strict)."""
    p = as_payoffs(game)
    row_best = p[0] >= p[0].max(axis=0, keepdims=True)   # best row in each column
    col_best = p[1] >= p[1].max(axis=1, keepdims=True)   # best column in each row
    return [(int(i), int(j)) for i, j in np.argwhere(row_best & col_best)]


def pareto_dominated(game, cell: tuple[int, int]) -> bool:
    """Whether another outcome gives both players strictly more than ``cell``."""
    p = as_payoffs(game)
    here = p[:, cell[0], cell[1]]
    return bool(((p[0] > here[0]) & (p[1] > here[1])).any())


def family(game) -> str:
    """The payoff family of a strict ordinal 2×2 game (see the module docstring for the rule)."""
    p = to_ordinal(game)
    eq = pure_nash_equilibria(p)
    if not eq:
        return CYCLIC
    outcomes = [tuple(sorted(int(v) for v in p[:, i, j])) for i, j in eq]
    if (4, 4) in outcomes:
        return WIN_WIN
    if (3, 4) in outcomes:
        return BIASED
    if (2, 4) in outcomes:
        return UNFAIR
    # With two equilibria each player's 4 lies in one of them, so the equilibrium here is unique.
    if len(eq) != 1:
        raise AssertionError(f"two equilibria without a 4 cannot happen; got {eq} in {p.tolist()}")
    if pareto_dominated(p, eq[0]):
        return PD_FAMILY
    if outcomes[0] == (3, 3):
        return SECOND_BEST
    return TRAGIC


def family_counts() -> dict[str, int]:
    """Number of the 144 games in each family, in the order of ``FAMILIES``."""
    fams = [family(g) for g in _games()]
    return {f: fams.count(f) for f in FAMILIES}
