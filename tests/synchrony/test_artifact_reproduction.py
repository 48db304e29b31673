"""The paper's own data (Brandt 2025, arXiv 2510.00339; artifact tj-brandt/synchrony-stability).

Read from ../shared/reference/synchrony_stability beside the checkout; skipped, naming the path, when
absent. What is not reproduced exactly is asserted at the measured distance, not hidden: stability comes
out +0.018 to +0.021 above Table 1 for every adaptive policy (the README of the artifact data reports the
same), and register flips use the lab's operational definition.

The stability gap, as far as it is explained (issue 13, item 8): turn 1's term cos(b_1, b_0) compares b_1
with the artifact's persona centroid, whose norm is 1.2e-14 — its direction is rounding noise — and b_1
points along u_1 for every adaptive policy, so the term is one number for all of them (mean 0.0653 over
sessions) and adds the same 0.00626 to each policy's stability. It is a third of the gap: with the term set
to 0 the gap is +0.0118 to +0.0143 (dropping turn 1 from the means makes it +0.06 to +0.09), and no noise
direction that also fits the published coherence and synchrony closes it (a least-squares fit leaves
+0.014). The residual's cause is not found.
"""
import itertools

import numpy as np
import pytest
import torch

from lab.synchrony import (POLICIES, Persona, PolicyGrid, cosine, load_policy_summary, load_style_space,
                           load_turn_metrics, replay, summarize)
from lab.synchrony.metrics import stability_first_turn


@pytest.fixture(scope="module")
def artifact(artifact_dir):
    return (load_turn_metrics(artifact_dir / "turn_level_metrics.csv"),
            load_style_space(artifact_dir / "style_space.json"),
            load_policy_summary(artifact_dir / "policy_summary_original.csv"))


@pytest.fixture(scope="module")
def table_1(artifact):
    """The lab's replay of every policy at its defaults on the adaptive-condition user vectors."""
    turns, space, _ = artifact
    user, mask = turns.where(condition="adaptive").padded(space.scalers["human_log"])
    persona = Persona(space.persona_centroid_z, allow_degenerate=True)  # the paper's (≈ 0) centroid
    grid = PolicyGrid.of(*POLICIES)
    metrics = summarize(replay(grid, user, mask, persona.tensor()))
    return {k: dict(zip(grid.names, v.tolist())) for k, v in metrics.items()}


def test_stability_score_is_the_cosine_of_consecutive_standardized_bot_vectors(artifact):
    turns, space, _ = artifact
    scaler = space.scalers["human_log"]
    worst = 0.0
    for bot, published in zip(turns.bot, turns.turn_values["stability_score"]):
        z = torch.as_tensor(scaler.transform(bot))
        recomputed = cosine(z[1:], z[:-1]).numpy()
        assert np.isnan(published[0])
        worst = max(worst, float(np.abs(recomputed - published[1:]).max(initial=0.0)))
    assert worst < 1e-6


def test_the_artifact_persona_is_refused_by_default(artifact):
    from lab.synchrony import PersonaError
    with pytest.raises(PersonaError, match="numerically the zero vector"):
        Persona(artifact[1].persona_centroid_z)


@pytest.mark.parametrize("name", ["Uncapped", "EMA", "Cap", "Hybrid", "Dead-Band", "Static",
                                  "Hybrid+Radius", "Hybrid+Cache"])
def test_replayed_synchrony_and_stability_match_table_1(artifact, table_1, name):
    paper = artifact[2].loc[name]
    assert table_1["synchrony"][name] == pytest.approx(paper["synchrony"], abs=0.01)
    assert table_1["stability"][name] == pytest.approx(paper["stability"], abs=0.03)


ADAPTIVE = [n for n in POLICIES if n != "Static"]


@pytest.fixture(scope="module")
def turn_1(artifact):
    """Replays at the paper's defaults with b_0 = c and with b_0 = −c, and stability_first_turn of each."""
    turns, space, _ = artifact
    user, mask = turns.where(condition="adaptive").padded(space.scalers["human_log"])
    c = Persona(space.persona_centroid_z, allow_degenerate=True).tensor()
    grid = PolicyGrid.of(*POLICIES)
    runs = {sign: replay(grid, user, mask, sign * c) for sign in (1, -1)}
    terms = {sign: {k: dict(zip(grid.names, v.tolist())) for k, v in stability_first_turn(run).items()}
             for sign, run in runs.items()}
    return runs, terms, grid


def test_the_persona_centroid_is_rounding_noise(artifact):
    assert np.linalg.norm(artifact[1].persona_centroid_z) < 1e-12   # measured 1.2e-14


def test_every_adaptive_policy_puts_b1_along_u1_so_the_turn_1_term_is_shared(turn_1):
    runs, terms, grid = turn_1
    run = runs[1]
    adaptive = [grid.names.index(n) for n in ADAPTIVE]
    first = run.mask[:, 0]
    along = cosine(run.bot[:, adaptive, 0], run.user[:, None, 0])[first]
    assert float(along.min()) > 1 - 1e-9
    per_session = cosine(run.bot[:, adaptive, 0], run.previous[:, adaptive, 0])[first]   # cos(b_1, b_0)
    assert float((per_session - per_session[:, :1]).abs().max()) < 1e-9
    shares = [terms[1]["turn 1 share"][n] for n in ADAPTIVE]
    assert max(shares) - min(shares) < 1e-12
    assert shares[0] == pytest.approx(0.00626, abs=1e-4)
    assert terms[1]["as computed"] == {n: v for n, v in zip(grid.names, summarize(run)["stability"].tolist())}


def test_the_turn_1_term_follows_the_noise_not_the_policy(turn_1):
    """b_0 = −c (the same rounding noise, opposite sign) moves every adaptive policy's stability by exactly
    −2 × the term's share and leaves everything after turn 1 alone."""
    _, terms, _ = turn_1
    for n in ADAPTIVE:
        shift = terms[1]["as computed"][n] - terms[-1]["as computed"][n]
        assert shift == pytest.approx(2 * terms[1]["turn 1 share"][n], abs=1e-12)
        assert terms[1]["turn 1 = 0"][n] == pytest.approx(terms[-1]["turn 1 = 0"][n], abs=1e-12)


def test_the_turn_1_term_is_a_third_of_the_stability_gap_not_all_of_it(artifact, turn_1):
    paper = artifact[2]
    _, terms, _ = turn_1
    gap = {way: [terms[1][way][n] - paper.loc[n, "stability"] for n in ADAPTIVE]
           for way in ("as computed", "turn 1 = 0", "turn 1 dropped")}
    assert all(0.015 < g < 0.023 for g in gap["as computed"]), gap        # measured +0.0180 .. +0.0206
    assert all(0.010 < g < 0.016 for g in gap["turn 1 = 0"]), gap         # measured +0.0118 .. +0.0143
    assert all(g > 0.05 for g in gap["turn 1 dropped"]), gap              # measured +0.0605 .. +0.0922
    assert terms[1]["as computed"]["Static"] == paper.loc["Static", "stability"] == 1.0


@pytest.mark.parametrize("metric", ["synchrony", "stability", "coherence"])
def test_the_orderings_of_table_1_hold(artifact, table_1, metric):
    paper = artifact[2][metric]
    for a, b in itertools.combinations(POLICIES, 2):
        if paper[a] != paper[b]:
            assert (table_1[metric][a] > table_1[metric][b]) == (paper[a] > paper[b]), (metric, a, b)


def test_cap_equals_hybrid_at_the_defaults(table_1):
    for metric, values in table_1.items():
        assert values["Cap"] == values["Hybrid"], metric


def test_register_flip_ordering_static_hybrid_cap_uncapped(table_1):
    flips = table_1["register_flip_rate"]
    assert flips["Static"] == 0.0
    assert flips["Static"] < flips["Hybrid"] == flips["Cap"] < flips["Uncapped"]
    assert flips["Dead-Band"] == pytest.approx(flips["Uncapped"], abs=0.01)  # paper: 0.252 vs 0.254


def test_hybrid_cache_hits_about_as_often_as_the_paper_says(artifact, table_1):
    assert table_1["cache_hit_rate"]["Hybrid+Cache"] == pytest.approx(artifact[2].loc["Hybrid+Cache", "cache_hit_rate"],
                                                                      abs=0.02)
    assert all(table_1["cache_hit_rate"][n] == 0.0 for n in POLICIES if n != "Hybrid+Cache")
