"""The agents lab: tiny token policies on multi-step tasks, where outcome-only policy gradients fail.

Files: ``config.py`` (AgentsConfig, every switch), ``tasks.py`` (locks, trees), ``checklist.py`` (CM2's
task and rewards), ``exact.py`` (every episode enumerated: true values and advantages),
``advantages.py`` (GRPO's and SALT's step advantages), ``critic.py`` (a learned step critic, GAE,
ProAct's Monte Carlo values), ``replay.py`` (ARPO), ``fiberpo.py`` (FiberPO's gates), ``quality.py``
(every estimator's advantages against the exact ones) and ``trainer.py`` (AgentsTrainer: the
advantages and the loss, each in one place).

Critics that judge and repair (issue 19), each a toy of its own with its own config and trainer:
``rlac.py`` (RLAC's adversarial critic on K binary facts), ``critique.py`` (Critique-RL's two-stage critic),
``agent_r.py`` with ``agent_r_search.py`` (Agent-R's MCTS revision trajectories on a trap chain),
``search_r2.py`` (Search-R2's cut-and-regenerate and evidence reward on a multi-hop chain) and ``mmc.py``
with ``mmc_tree.py`` (MMC's sibling-pair critique data on an arithmetic chain).

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

What reproduces of issue 19 (tests/agents/test_<paper>.py, base seeds 0, 1, 2):
- RLAC: all 8 facts right 0.91–0.93 with one validator call per output, where a reward model fitted once on
  64 labels per prompt (0.04–0.07) and a fixed critic (0.02) fall short and checking all 8 costs 8 calls
  (0.95); 5× fewer calls to reach 0.8. The reward model is under-fitted, not hacked (its score stays below
  the per-fact accuracy; it steers 23–24% of facts confidently wrong): fitted on as many labels as RLAC
  spends, it is as accurate or better (0.935–0.954).
- Critique-RL: the indirect reward drifts the critic to a near-constant "incorrect" (discrimination 0.55–0.56,
  right answers broken 0.125–0.129); two stages keep 0.80 (the optimum their −1 wrong-verdict reward
  defines) and 0.031 — but do not raise final accuracy here (0.839 vs 0.866).
- Agent-R: cloning an expert loops in traps (0.48–0.49 of episodes loop, recovery 7.8–7.9 steps, success
  0.64–0.65 under noise); revision trajectories: loops 0.27–0.31, recovery 1.7–1.8 steps, success 0.84–0.85.
- Search-R2 (luck 0.2, below chance): 0.83–0.89 of GRPO's successes are lucky guesses, 0.29–0.31 with
  Search-R2; grounded success over the run 0.04–0.06 → 0.41–0.48. Without lucky guesses GRPO reaches 0.29–0.31.
- MMC: at the critic's ½ verdict, first-error localisation 0.65–0.68 (outcome labels) → 0.97 and refinement
  gain +0.22–0.25 → +0.58; the outcome critic ranks the steps perfectly (AUROC 1.0) and with a tuned threshold
  localises as well — its failure is calibration. With a reliable actor outcome labels do as well or better.
Only abstracts (with the authors' code for Critique-RL and Agent-R) were available for these five; each
module says what is inferred.
"""
from .agent_r import AgentRConfig, AgentRTrainer
from .config import ADVANTAGES, OBJECTIVES, REWARDS, AgentsConfig
from .critique import CritiqueConfig, CritiqueTrainer
from .mmc import MMCConfig, MMCTrainer
from .rlac import RlacConfig, RlacTrainer
from .search_r2 import SearchR2Config, SearchR2Trainer
from .trainer import AgentsTrainer

__all__ = ["ADVANTAGES", "OBJECTIVES", "REWARDS", "AgentsConfig", "AgentsTrainer", "AgentRConfig", "AgentRTrainer",
           "CritiqueConfig", "CritiqueTrainer", "MMCConfig", "MMCTrainer", "RlacConfig", "RlacTrainer",
           "SearchR2Config", "SearchR2Trainer"]
