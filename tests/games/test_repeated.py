"""The repeated-game engine against the Axelrod library, and Akata et al.'s findings."""
import axelrod as axl
import numpy as np
import pytest

from lab.games import strategies as st
from lab.games.repeated import (akata_battle_of_the_sexes, akata_prisoners_dilemma, play, prisoners_dilemma,
                                round_robin)

PAIRS = [  # (ours, Axelrod's)
    (st.cooperator, axl.Cooperator), (st.defector, axl.Defector), (st.tit_for_tat, axl.TitForTat),
    (st.suspicious_tit_for_tat, axl.SuspiciousTitForTat), (st.win_stay_lose_shift, axl.WinStayLoseShift),
    (st.grim_trigger, axl.Grudger), (st.tit_for_two_tats, axl.TitFor2Tats), (st.alternator, axl.Alternator),
]


def axelrod_score(a, b, turns=200):
    match = axl.Match((a(), b()), turns=turns)
    match.play()
    return tuple(float(x) for x in match.final_score())


@pytest.mark.parametrize("ours, theirs", [
    ((st.tit_for_tat, st.defector), (199, 204)), ((st.tit_for_tat, st.cooperator), (600, 600)),
    ((st.win_stay_lose_shift, st.defector), (100, 600)), ((st.grim_trigger, st.alternator), (597, 107)),
])
def test_issue_examples(ours, theirs):
    result = play([ours[0]()], [ours[1]()], prisoners_dilemma(), 200)
    assert tuple(result.scores[0]) == theirs


def test_every_deterministic_pairing_scores_like_axelrod():
    """All 64 ordered pairings of 8 deterministic strategies, one batched run, against axelrod.Match."""
    row = [a() for a, _ in PAIRS for _ in PAIRS]
    column = [b() for _ in PAIRS for b, _ in PAIRS]
    ours = play(row, column, prisoners_dilemma(), 200).scores
    theirs = [axelrod_score(a, b) for _, a in PAIRS for _, b in PAIRS]
    np.testing.assert_array_equal(ours, np.array(theirs))


def test_round_robin_ranks_like_axelrod():
    players = [st.cooperator(), st.defector(), st.tit_for_tat(), st.grim_trigger()]
    ours = round_robin(players, prisoners_dilemma(), 200, self_play=False)  # Axelrod's scores leave self-play out
    our_rank = [players[i].name for i in np.argsort(-np.nansum(ours, axis=1), kind="stable")]
    tournament = axl.Tournament([axl.Cooperator(), axl.Defector(), axl.TitForTat(), axl.Grudger()],
                                turns=200, repetitions=1)
    results = tournament.play(progress_bar=False)  # serial: processes=1 starts worker processes (60 s here)
    assert our_rank == results.ranked_names


def test_akata_prisoners_dilemma():
    """Akata et al. (arXiv 2305.16867), 10 rounds: grim vs defect-once 90:10; TFT vs defect-once 74:74."""
    game = akata_prisoners_dilemma()
    result = play([st.grim_trigger(), st.tit_for_tat()], [st.defect_once(), st.defect_once()], game, 10)
    assert result.scores.tolist() == [[90, 10], [74, 74]]


def test_akata_battle_of_the_sexes():
    """Always-first-option vs the alternator 50:35; perfect alternation 85:85; predict-then-act coordinates
    with the alternator from round 5 at the latest."""
    game = akata_battle_of_the_sexes()
    predictor = st.predict_then_act(game.for_player(0))
    result = play([st.always_first_option(), st.alternator(), predictor],
                  [st.alternator(), st.alternator(), st.alternator()], game, 10)
    assert result.scores[:2].tolist() == [[50, 35], [85, 85]]
    coordinated = result.actions[2, :, 0] == result.actions[2, :, 1]
    assert coordinated[4:].all()


def test_noise_and_random_horizon():
    result = play([st.cooperator()] * 2000, [st.cooperator()] * 2000, prisoners_dilemma(), 50, noise=0.1, seed=1)
    assert abs(1 - result.cooperation.mean() - 0.1) < 0.01
    ended = play([st.cooperator()] * 2000, [st.cooperator()] * 2000, prisoners_dilemma(), 200, end_prob=0.1, seed=2)
    lengths = (ended.actions[:, :, 0] >= 0).sum(axis=1)
    assert abs(lengths.mean() - 10) < 0.6  # geometric horizon with mean 1/0.1


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="T > R > P > S"):
        prisoners_dilemma(R=6)
    with pytest.raises(ValueError, match="noise = 2"):
        play([st.cooperator()], [st.defector()], prisoners_dilemma(), 10, noise=2)
