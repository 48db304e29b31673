"""The discount factor above which cooperating with Tit For Tat pays (issue 13, item 5).

Notebook 04 used to say that cooperation with TFT stops paying below γ = ½; with Axelrod's payoffs
the bound is 2/3, because alternating D, C against TFT's echo beats cooperation for ½ ≤ γ < 2/3.
"""
import numpy as np
import pytest

from lab.games.cooperation import critical_discount_against_tft, values_against_tft


def test_axelrod_payoffs_need_two_thirds_not_one_half():
    threshold = critical_discount_against_tft(R=3, S=0, T=5, P=1)
    assert threshold == pytest.approx(2 / 3, abs=1e-12)
    assert threshold != pytest.approx(0.5, abs=0.1)


def test_between_one_half_and_two_thirds_alternating_beats_cooperating():
    values = values_against_tft(R=3, S=0, T=5, P=1, gamma=0.6)
    assert values["cooperate"] > values["defect"]       # ½ is enough against always-defect ...
    assert values["alternate"] > values["cooperate"]    # ... but not against alternation


@pytest.mark.parametrize("payoffs", [(3, 0, 5, 1), (8, 0, 10, 5), (4, 0, 5, 2), (3, 0, 4, 1), (2, -1, 6, 0)])
def test_threshold_is_where_cooperation_becomes_a_best_response(payoffs):
    R, S, T, P = payoffs
    threshold = critical_discount_against_tft(R, S, T, P)
    for gamma in np.linspace(0.01, 0.99, 99):
        values = values_against_tft(R, S, T, P, gamma)
        cooperation_is_best = values["cooperate"] >= max(values.values()) - 1e-9
        if abs(gamma - threshold) > 1e-9:
            assert cooperation_is_best == (gamma > threshold), (payoffs, gamma, values)


def test_akata_payoffs_and_never():
    assert critical_discount_against_tft(R=8, S=0, T=10, P=5) == pytest.approx(0.4)
    assert critical_discount_against_tft(R=2, S=-1, T=6, P=0) >= 1   # 2R < T + S: alternating always wins


def test_not_a_prisoners_dilemma_is_refused():
    with pytest.raises(ValueError, match="T > R > P > S"):
        critical_discount_against_tft(R=5, S=0, T=3, P=1)
