"""The agents lab: tiny token policies on multi-step tasks, where outcome-only policy gradients fail.

Files: ``config.py`` (AgentsConfig, every switch), ``tasks.py`` (locks, trees), ``checklist.py`` (CM2's
task and rewards), ``exact.py`` (every episode enumerated: true values and advantages),
``advantages.py`` (GRPO's and SALT's step advantages), ``critic.py`` (a learned step critic, GAE,
ProAct's Monte Carlo values), ``replay.py`` (ARPO), ``fiberpo.py`` (FiberPO's gates), ``quality.py``
(every estimator's advantages against the exact ones) and ``trainer.py`` (AgentsTrainer: the
advantages and the loss, each in one place).

What reproduces here (tests/agents/, base seeds 0, 1, 2; exact success by enumeration):
- SALT's graph advantages correlate with the exact ones better than GRPO's when neutral forks come
  before the decision (0.55 vs 0.38; 0.70–0.74 vs 0.38–0.41 after 40 steps) and are GRPO's exactly
  when the decision comes first; its training claims do not show: neutral forks collapse under both
  and success is the same within noise.
- DAPO's frozen critic and quadratic loss drop fewer seeds from their peak than PPO with a critic
  co-trained at a high learning rate (2–5 vs 9–11 of 32) and learn more (0.29–0.32 vs 0.08–0.11), but
  GRPO's outcome advantages learn more than both (0.41–0.45) on the chain.
- ProAct's MC-Critic: its advantages track the exact ones where a learned TD critic's do not
  (0.81–0.84 vs 0.03–0.05 early) and it opens more locks (0.48–0.51 vs 0.16–0.19).
- ARPO's replay of past successes, on locks a group of 4 rarely opens: 2.8–3.1× the exact success;
  with easy locks in the mix only 1.5–1.6× overall (the ≥ 2× claim holds on the hard locks).
- CM2's checklist reward: all-items success 0.17–0.21 where an all-or-nothing outcome reward
  (0.015–0.029) and one noisy holistic score (≤ 0.005) barely learn.
- FiberPO's gates, implemented as the paper's equations and tested there, do NOT bound the drift of a
  policy reused for 8 epochs at a high learning rate on this toy: drift and collapsed seeds exceed
  PPO's (7–11 vs 1–2 of 16 collapsed) — its rollback band amplifies a drift that opposes the
  advantage; at a low learning rate it ties PPO with less drift, never within δ + ε.
Only abstracts were available for DAPO, SALT and ARPO (ARPO's mechanism follows the authors' code);
each module says what is inferred.
"""
from .config import ADVANTAGES, OBJECTIVES, REWARDS, AgentsConfig
from .trainer import AgentsTrainer

__all__ = ["ADVANTAGES", "OBJECTIVES", "REWARDS", "AgentsConfig", "AgentsTrainer"]
