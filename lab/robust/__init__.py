"""Robustness and guarantees (issue 22): where the usual training is brittle to the worst case — an adversary's
force, the worst transition model, a reward that sharpens, a shifted mechanism, a fragile decision boundary, a
reward hidden at the end of a chain. One module per paper holds its toy, its mechanism (the update rule in one
place, beside its citation) and its population trainer: ``hinf.py`` (H∞ control: a disturber under a
cost-to-force bound, against a pendulum balancer), ``iwocs.py`` with ``iwocs_grid.py`` (IWOCS on windy grids,
against robust value iteration), ``lipschitz_gail.py`` with ``lipschitz_gail_reward.py`` (a gradient penalty on
an off-policy imitator's reward), ``causal_minimax.py`` with ``causal_minimax_scm.py`` (the stable feature subset
of least worst-case risk — regression, not RL), ``unstable_directions.py`` with
``unstable_directions_diagnostic.py`` (the unstable directions of a policy's decision boundary — a diagnostic) and
``optimistic_ac.py`` with ``optimistic_ac_sea.py`` (an optimistic actor-critic on the deep sea).

Measured (16 seeds per base seed, base seeds 0–2; the tests in ``tests/robust/`` assert them):

- H∞ control: an unconstrained disturber collapses 16/16 seeds (80 steps), the H∞-constrained one 5–6/16,
  random pushes 0–1/16; the worst-case return is not better than random pushes' (0.23–0.24 against 0.24–0.25;
  0.32–0.38 against 0.70–0.74 at 250 steps, measured but not asserted) — the paper's second claim does not reproduce.
- IWOCS: the calm-trained policy's worst case is 0.10–0.20 below robust value iteration's (median), the
  domain-randomized one leaves 7–8 of 16 grids short; IWOCS is within 0.025 after one iteration and equal after
  two, on every grid.
- Lipschitz GAIL: 0–1 of 16 seeds imitate the expert without the gradient penalty (reward gradient ≈ 50 and
  growing), 16 of 16 with it (gradient 1.01); Q does not blow up here, it shrinks.
- Causal minimax: worst-environment error 6.1–7.2 (least squares), 2.3–2.6 (the whole stable set), 0.64–0.67
  (causal minimax), below both in every seed.
- Unstable directions: a perturbation of 0.1 changes the action in 82–84% of states (standard) and 51–53%
  (adversarial); the adversarial policies' directions are less shared across states and time, as the paper says,
  with 32 irrelevant inputs — with 4 or none the difference changes sign between base seeds.
- Optimistic actor-critic: at depth 10 the on-policy learner solves no seed in 600 episodes (regret slope 1.00),
  the optimistic one every seed in 52–73 episodes, the hybrid from offline data in 8–25; regret stops growing
  (slope ≈ 0.01) rather than growing like √T.
"""
from .causal_minimax import CausalMinimaxConfig, CausalMinimaxTrainer
from .hinf import HinfConfig, HinfTrainer
from .iwocs import IwocsConfig, IwocsTrainer
from .lipschitz_gail import LipschitzGailConfig, LipschitzGailTrainer
from .optimistic_ac import OptimisticACConfig, OptimisticACTrainer
from .unstable_directions import UnstableDirectionsConfig, UnstableDirectionsTrainer

__all__ = ["CausalMinimaxConfig", "CausalMinimaxTrainer", "HinfConfig", "HinfTrainer", "IwocsConfig", "IwocsTrainer",
           "LipschitzGailConfig", "LipschitzGailTrainer", "OptimisticACConfig", "OptimisticACTrainer",
           "UnstableDirectionsConfig", "UnstableDirectionsTrainer"]
