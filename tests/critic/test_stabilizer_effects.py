"""Every critic stabilizer in the stress arena (issue 14, item 4): its measured effect, or its measured non-effect.

Measured at ``NO_TARGET`` (below), base seeds 0, 1, 2, 16 seeds each. "Diverged": seeds of 16 per base seed,
then of all 48 with a 95 % percentile-bootstrap interval over seeds (``arena.summarize`` on the 48);
"return": IQM of the final return of the seeds that did not diverge (n of them) with its interval;
"over": median overestimation Q̂ − G at the end over those seeds, per base seed (a critic with the true
values reads about −2,200 … 0 here, G being cut at 2,000 steps). Rows marked † are measured but not
tested (the tested arm of each stabilizer is its ``STABILIZERS`` entry).

| stabilizer (variant) | vs | diverged | of 48 [95 %] | return IQM [95 %] (n) | over | effect |
|---|---|---|---|---|---|---|
| — single | | 5, 7, 5 | 0.35 [0.23, 0.50] | −1484 [−1536, −1426] (31) | 6229, 8116, 7086 | baseline; 14 of 17 runaways upward |
| twin (clipped double-Q) | single | 11, 10, 8 | 0.60 [0.48, 0.75] | −1516 [−1602, −1440] (19) | 6417, 6664, 5854 | no upward runaway, all 29 downward; diverges more |
| HL-Gauss, support [−20,000, 100] | twin | 0, 0, 0 | 0 [0, 0] | −1481 [−1524, −1436] (48) | −1941, −1993, −2002 | **no divergence, values near the returns** (its Q, an expectation over the support, cannot pass the bound) |
| † HL-Gauss, default support [−1,700, 100] | twin | 0, 0, 0 | 0 [0, 0] | −1432 [−1499, −1372] (48) | 4812, 5032, 5039 | no divergence; Q pinned at the support's floor |
| DSAC-T | twin | 8, 8, 9 | 0.52 [0.38, 0.67] | −1539 [−1637, −1464] (23) | 5665, 3830, 6703 | none (25 vs 29 of 48, all downward) |
| † DSAC-T at lr 3e-3 (twin there: 5, 0, 4; 0.19 [0.08, 0.29]) | twin | 1, 2, 2 | 0.10 [0.02, 0.21] | −1455 [−1493, −1409] (43) | 4447, 4958, 4711 | fewer, within the noise (5 vs 9 of 48) |
| STAC (β = 0.5, dropout 0.05) | single | 16, 16, 16 | 1.00 [1.00, 1.00] | — (0) | — | **worse**: every seed runs away downward, steps 137–199 |
| † STAC with β = 0 | single | 0, 0, 0 | 0 [0, 0] | −1453 [−1519, −1392] (48) | 6434, 6542, 6939 | no divergence: the pessimism is what runs away |
| spectral norm on twin | twin | 0, 0, 0 | 0 [0, 0] | −1475 [−1520, −1417] (48) | 611, 324, 401 | **no divergence, values near the returns** |
| † spectral norm on single | single | 0, 0, 0 | 0 [0, 0] | −1477 [−1518, −1429] (48) | 769, 1141, 866 | the same on single |
| flow critic (K = 4) | twin | 0, 0, 0 | 0 [0, 0] | −1520 [−1569, −1480] (48) | 6133, 6868, 7059 | no divergence, but values lag (peak Q ≥ −2,849) |
| AC-Flow warm-up, 400 updates, on twin | twin | 12, 14, 16 | 0.88 [0.77, 0.96] | −1695 [−1824, −1539] (6) | 7202, 7026, — | **worse**: more and earlier (during the warm-up) |
| † warm-up 400 on single | single | 4, 5, 5 | 0.29 [0.17, 0.42] | −1466 [−1497, −1431] (34) | 6282, 6596, 6560 | none |
| † warm-up 1,000 (of 1,204 updates) on single | single | 1, 8, 5 | 0.29 [0.17, 0.44] | −1501 [−1548, −1453] (34) | 7381, 6384, 6551 | none |
| AC-Flow clipped advantage ±1 on single | single | 5, 3, 3 | 0.23 [0.12, 0.35] | −1438 [−1518, −1362] (37) | 6471, 6685, 6437 | fewer but not half (11 vs 17; intervals overlap) |
| † clipped advantage ±1 on twin | twin | 8, 6, 12 | 0.54 [0.40, 0.69] | −1439 [−1517, −1335] (22) | 2157, 5849, 6421 | none |
| MDPO (KL weight 1, rounds of 100) on single | single | 0, 1, 4 | 0.10 [0.02, 0.21] | −1474 [−1529, −1418] (43) | 6061, 6374, 6409 | **fewer**: 5 vs 17 of 48 |
| † MDPO on twin | twin | 9, 11, 13 | 0.69 [0.56, 0.81] | −1563 [−1638, −1483] (15) | 5167, 5702, 2005 | none |

The table was measured on an AMD EPYC (AVX2), 2026-11-30. On an Intel Xeon (AVX-512), 2026-12-03, with the
same code and seeds, the kernels round differently and a chaotic cell diverges in other seeds; the tested
arms there, seeds of 16 diverged per base seed (of 48 pooled), and "over" where it is tested:

    single 2, 6, 5 (13; 9 of them upward), median step 279, 212, 318
    twin 12, 10, 11 (33, all downward), median step 259, 209.5, 261; over 6464, 4386, 6305
    HL-Gauss 0, 0, 0; over −2232, −2135, −2358         spectral norm 0, 0, 0; over 792, 427, 590
    flow 0, 0, 0; over 6682, 6387, 6663                DSAC-T 12, 8, 5 (25, all downward)
    STAC 16, 16, 16, all downward, median step 148.5, 145, 147.5
    warm-up on twin 12, 14, 16 (42), median step 157.5, 155, 154
    clipped advantage 5, 4, 3 (12)                     MDPO 0, 1, 3 (4)

Every effect below reads the same on both CPUs but one: the clipped advantage's "fewer" (11 vs 17 of 48)
became 12 vs 13, so it is no effect within the seeds' noise. Baselines moved by up to 4 seeds of 48 (single
17 → 13, twin 29 → 33), and so did Symphony's swaddling (9 → 13 of 48; ``test_symphony.py``).

What it shows. Two stabilizers prevent the runaway and learn values near the Monte-Carlo returns:
spectral norm (on either critic) and HL-Gauss with a support wide enough to hold the values. The flow
critic does not diverge in 300 steps, but its values barely move. MDPO (and, on one CPU only, the
clipped advantage) reduces single's *upward* runaway — the actor climbing its critic's error — and
does nothing for twin's *downward* one, which happens with the actor held still (the warm-up makes it
earlier). DSAC-T does not change twin's rate; STAC's pessimism (β = 0.5), bootstrapped with no target
network, drives every seed below the bound, while the same critic at β = 0 diverges in none. No
stabilizer changes the return: 300 steps do not learn Pendulum (every IQM −1430 … −1700, a random
policy's level), so these are statements about the critic's values, not about control.

The stress: ``NO_TARGET`` (τ = 1, no target network; γ = 0.999; lr 1e-2; 4 updates a step) over the
arena's ``BASE`` (Pendulum, 2×32 units, batch 32, 100 random steps then 300 learning steps), where plain
SAC diverges in 2–12 of 16 seeds and every control cell (no stress) in none (``test_arena.py``). Each
stabilizer is ``STABILIZERS[name]`` in ``lab/critic/arena.py``: its variant and its plain baseline, the
same critic without it. A cell is 16 seeds trained as one population; every test runs base seeds 0, 1, 2
(48 seeds an arm; no seed is chosen). Reproduce a cell with

    OMP_NUM_THREADS=1 .venv/bin/python -c "from lab.critic.arena import *; \\
        print(run_cell(cell_config(STABILIZERS['mdpo'][0], NO_TARGET, seed=0)))"

(``[1]`` for the baseline). Measured on the AMD 2-core CPU, one torch thread, 2026-11-30; the cells share a
session-wide cache (the ``arena`` fixture of tests/critic/conftest.py, which the Symphony and SL-MGAC
effect tests share), 30 cells in all. The file: 869 s wall at load ~10 (other developers' jobs), 270 CPU-seconds
(``/usr/bin/time``: user + sys); a twin cell takes 7.9 CPU-s under that load and 6–7 s alone, so about
3.8 minutes on a quiet machine (a flow cell 11.7 CPU-s, HL-Gauss 9.3, DSAC-T 7.9; each with ~1 s of
overestimation rollouts, 2,000 steps at γ = 0.999).
"""
import numpy as np

from lab.critic.arena import STABILIZERS


def arms(arena, name: str) -> tuple[list, list]:
    """(the stabilizer's cells, its baseline's cells), one per base seed."""
    variant, baseline = STABILIZERS[name]
    return arena(variant), arena(baseline)


def diverged(cells) -> np.ndarray:
    """Seeds (of 16) diverged, per base seed."""
    return np.array([int(cell["diverged"].sum()) for cell in cells])


def runaway_signs(cells) -> tuple[int, int]:
    """(upward, downward): diverged seeds whose peak mean Q was positive / negative, over all base seeds."""
    peaks = np.concatenate([cell.loc[cell["diverged"], "q_peak"].to_numpy() for cell in cells])
    return int((peaks > 0).sum()), int((peaks < 0).sum())


def median_of_survivors(cells, column: str) -> np.ndarray:
    return np.array([cell.loc[~cell["diverged"], column].median() for cell in cells])


def median_divergence_step(cells) -> np.ndarray:
    """The median step at which the diverged seeds diverged, per base seed."""
    return np.array([cell.loc[cell["diverged"], "diverged_at"].median() for cell in cells])


def test_twin_turns_the_upward_runaway_downward_and_diverges_more_often(arena):
    """Clipped double-Q (two heads, the minimum) against one Q-network. Its claim (Fujimoto et al. 2018,
    adopted by SAC): less overestimation. Measured on the AMD CPU (2026-11-30): 'single' diverged in 5, 7, 5
    seeds of 16 (base seeds 0, 1, 2), 14 of those 17 after an *upward* runaway (peak mean Q up to +19,835,
    where Pendulum's rewards are ≤ 0); 'twin' in 11, 10, 8, all 29 *downward* (peaks to −19,946). Median
    peak mean Q over all 16 seeds: twin −17,701, −16,272, −16,712; single −871, −726, −1,108. On the Intel
    CPU (2026-12-03): 'single' 2, 6, 5, 9 of those 13 upward (peaks up to +19,998); 'twin' 12, 10, 11, all
    33 downward (to −19,641); median peak mean Q twin −17,313, −18,039, −17,890; single −1,599, −920, −1,383.
    The minimum removes the overestimating runaway and puts an underestimating one, more frequent, in its
    place: against divergence, twin does not help here. Asserted: none of twin's runaways is upward, most
    of single's are (and at least 6 of 48), twin loses at least as many seeds in every base seed, and its
    median peak lies 5,000 below single's."""
    twin, single = arms(arena, "twin")
    (twin_up, _), (single_up, single_down) = runaway_signs(twin), runaway_signs(single)
    assert twin_up == 0 and single_up > single_down and single_up >= 6, (runaway_signs(twin),
                                                                         runaway_signs(single))
    assert (diverged(twin) >= diverged(single)).all(), (diverged(twin), diverged(single))
    peak = [np.array([cell["q_peak"].median() for cell in cells]) for cells in (twin, single)]
    assert (peak[0] < peak[1] - 5_000).all(), peak


def test_hl_gauss_does_not_diverge_and_ends_near_the_returns(arena):
    """HL-Gauss (two categorical critics over 101 bins on [−20,000, 100], cross-entropy to Gaussian-smoothed
    targets, the minimum of the heads' expectations; claim: stable training where regression diverges)
    against MSE twin. Measured: 0, 0, 0 seeds of 16 diverged against twin's 11, 10, 8. Its value is an
    expectation over the support, so |Q| can never pass the divergence bound (20,000) — the count alone
    proves nothing; what shows the effect is that no seed runs toward the floor as twin's runaways do
    (peaks to −19,946): every seed's peak mean Q lies between −11,615 and −9,897 (the read-out of its
    initial, nearly flat histogram is about the support's midpoint, −9,950), and the median
    overestimation at the end is −1,941, −1,993, −2,002, inside the [−2,200, 0] that the true values
    would read (G is cut at 2,000 steps), where twin's survivors read 6,417, 6,664, 5,854. With the
    default support [−1,700, 100] (made for γ = 0.99) no seed diverged either, its Q pinned near the floor
    (peaks −1,686 to −1,407). (Measured on base seed 0: the median mean Q over seeds moves from −10,046
    at the first update to −8,318 … −8,967 over steps 300–400.)"""
    hl, twin = arms(arena, "hl-gauss")
    assert diverged(hl).sum() <= diverged(twin).sum() / 4, (diverged(hl), diverged(twin))
    assert all((cell["q_peak"] > -15_000).all() for cell in hl), [cell["q_peak"].min() for cell in hl]
    over = median_of_survivors(hl, "overestimation")
    assert ((-2_500 < over) & (over < 1_000)).all(), over


def test_dsac_t_does_not_halve_twins_divergences(arena):
    """DSAC-T (twin Gaussian return distributions, variance-based gradient adjustment; claim: bounded
    values, less overestimation) against MSE twin. Measured: 8, 8, 9 seeds of 16 diverged against twin's
    11, 10, 8 (25 against 29 of 48), all downward like twin's; its surviving seeds' overestimation
    (median Q̂ − G) 5,665, 3,830, 6,703 against twin's 6,417, 6,664, 5,854. No effect at this stress:
    the test fails if DSAC-T halved twin's divergences or ran away upward. At the milder lr 3e-3 (τ = 1,
    γ = 0.999, utd 4): 1, 2, 2 against twin's 5, 0, 4 — fewer, within the seeds' noise (not tested). On the
    Intel CPU: 12, 8, 5 against 12, 10, 11 (25 against 33), all downward; asserted pooled over the 48 seeds,
    since a base seed's count moves by several seeds between the CPUs."""
    dsac, twin = arms(arena, "dsac-t")
    assert diverged(dsac).sum() > diverged(twin).sum() / 2, (diverged(dsac), diverged(twin))
    assert runaway_signs(dsac)[0] == 0, runaway_signs(dsac)


def test_spectral_norm_prevents_every_divergence_and_learns_values_near_the_returns(arena):
    """Zheng et al.'s Lipschitz-regularized value (spectral normalization of the critic's hidden layers)
    on twin, against twin. Measured: 0, 0, 0 seeds of 16 diverged against twin's 11, 10, 8; peak mean Q
    of every seed between −7,778 and −5,098 (twin's runaways: to −19,946); the median overestimation
    Q̂ − G at the end 611, 324, 401 against twin's survivors' 6,417, 6,664, 5,854. G is the Monte-Carlo
    soft return cut at 2,000 steps, which leaves out up to ~2,200 of the true return, so a critic with the
    true values would read between −2,200 and 0: spectral norm's is near, twin's survivors are thousands
    above it (a critic lagging behind its returns). (On 'single': 0, 0, 0 against 5, 7, 5; median
    overestimation 769, 1,141, 866.)"""
    normed, twin = arms(arena, "spectral norm")
    assert diverged(normed).sum() <= diverged(twin).sum() / 4, (diverged(normed), diverged(twin))
    over = median_of_survivors(normed, "overestimation"), median_of_survivors(twin, "overestimation")
    assert (over[0] < over[1] / 3).all(), over


def test_flow_critic_does_not_diverge_but_its_values_lag_like_twins_survivors(arena):
    """The flow-matching critic (floq; two velocity fields, the minimum) against MSE twin. Measured: 0, 0,
    0 seeds of 16 diverged against twin's 11, 10, 8 — but its values barely move: the peak mean Q of
    every seed lies between −2,849 and −807 (spectral norm's between −7,778 and −5,098), and the median
    overestimation at the end is 6,133, 6,868, 7,059, as large as twin's survivors' (6,417, 6,664, 5,854),
    against spectral norm's 324–611. At this budget the flow critic avoids the runaway by learning slowly,
    not by learning the values."""
    flow, twin = arms(arena, "flow")
    assert diverged(flow).sum() <= diverged(twin).sum() / 4, (diverged(flow), diverged(twin))
    assert all((cell["q_peak"].abs() < 5_000).all() for cell in flow), [cell["q_peak"].min() for cell in flow]
    over = median_of_survivors(flow, "overestimation")
    assert (over > 3_000).all(), over


def test_stac_diverges_in_every_seed_downward_and_earlier_than_single(arena):
    """STAC (one Gaussian critic, pessimistic value μ − 0.5·σ in the target and the actor, dropout 0.05;
    claim: less overestimation) against 'single'. Measured: 16, 16, 16 seeds of 16 diverged — every one
    downward, at steps 137–199 — against single's 5, 7, 5 (median step 313, 250, 340). The pessimism,
    bootstrapped on itself with no target network, runs away below: the claimed effect (less
    overestimation) appears as its opposite failure. The same critic with β = 0 (Gaussian likelihood and
    dropout, no pessimism) diverged in 0, 0, 0: the runaway is the pessimism's."""
    stac, single = arms(arena, "stac")
    assert (diverged(stac) >= 14).all() and runaway_signs(stac)[0] == 0, (diverged(stac), runaway_signs(stac))
    step = median_divergence_step(stac), median_divergence_step(single)
    assert (step[0] < step[1]).all(), step


def test_critic_warmup_brings_twins_collapses_earlier_and_more_often(arena):
    """AC-Flow's warm-up (the critic trains alone for its first 400 updates, i.e. steps 100–200, before
    the actor and α learn; claim: fewer early collapses) on twin, against twin. Measured: 12, 14, 16
    seeds of 16 diverged against 11, 10, 8, at median step 157.5, 155, 153.5 against 272, 210.5, 221 —
    during the warm-up, under the initial actor and α = 1. The opposite of the claimed effect. On 'single'
    the warm-up changes little: 4, 5, 5 against 5, 7, 5 at 400 updates; 1, 8, 5 at 1,000 of the
    run's 1,204 updates. On the Intel CPU: 12, 14, 16 against twin's 12, 10, 11 (42 against 33), at median
    step 157.5, 155, 154 against 259, 209.5, 261. "More often" is asserted pooled over the 48 seeds (a base
    seed ties on Intel); "earlier" in every base seed."""
    warm, twin = arms(arena, "critic warm-up")
    assert diverged(warm).sum() > diverged(twin).sum(), (diverged(warm), diverged(twin))
    step = median_divergence_step(warm), median_divergence_step(twin)
    assert (step[0] < step[1]).all(), step


def test_clipped_advantage_does_not_halve_singles_divergences(arena):
    """AC-Flow's clipped advantage (the actor follows the normalized advantage clipped to ±1 instead of Q;
    claim: no destructive policy update from one estimate) on 'single', against 'single'. Measured on the
    AMD CPU: 5, 3, 3 seeds of 16 diverged against 5, 7, 5 (11 against 17 of 48), all upward like single's;
    on the Intel CPU 5, 4, 3 against 2, 6, 5 (12 against 13), 10 of the 12 upward: not half, and the fewer
    seeds seen on one CPU are within the seeds' noise. On twin (AMD): 8, 6, 12 against 11, 10, 8. The
    test fails if the clip halved the divergences or made them markedly more (over twice as many;
    swaddling's 48 seeds read 0.53 to 1.58 times plain SAC's count within the noise: ``test_symphony.py``)."""
    clipped, single = arms(arena, "clipped advantage")
    assert diverged(single).sum() / 2 < diverged(clipped).sum() <= 2 * diverged(single).sum(), (
        diverged(clipped), diverged(single))


def test_mdpo_at_least_halves_singles_divergences(arena):
    """Off-policy MDPO (the actor's loss + KL to the previous round's policy, weight 1, rounds of 100
    updates; claim: smoother policy changes) on 'single', against 'single'. Measured: 0, 1, 4 seeds of 16
    diverged against 5, 7, 5 (5 against 17 of 48). Single's runaway is upward — the actor climbing its
    critic's error — and a slower actor climbs less. On twin, whose runaway is downward, no effect: 9, 11,
    13 against 11, 10, 8."""
    mdpo, single = arms(arena, "mdpo")
    assert (diverged(mdpo) <= diverged(single)).all(), (diverged(mdpo), diverged(single))
    assert diverged(mdpo).sum() <= diverged(single).sum() / 2, (diverged(mdpo), diverged(single))
