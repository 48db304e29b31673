"""Time (issue 21): what goes wrong when actions come in chunks, decisions come rarely, or a generator runs for a
long time on its own outputs. One module per paper holds its toy, its mechanism (the update rule in one place,
beside its citation) and its population trainer: ``dqc.py`` (Decoupled Q-Chunking on a key chain with slip),
``aloe.py`` with ``aloe_chain.py`` (ALOE's chunked, conservative evaluation of the current policy from a mixed
buffer), ``srl.py`` (SRL's action sequences at slow decisions on a double integrator), ``stableworld.py``
(StableWorld's dynamic frame eviction in a sliding-window world model) and ``fantasy_hsi.py`` (FantasyHSI's
critic loop and DPO on a waypoint follower).

Measured (16 seeds per base seed, base seeds 0–2; the tests in ``tests/temporal/`` assert them):

- Decoupled Q-Chunking: success 0.28–0.30 (one-step TD) and 0.04–0.06 (open-loop 8-step chunk) → 0.91–0.93 at 20
  steps; at 80 steps one-step TD reaches 1.00 (a tabular budget effect, not a lasting bias).
- ALOE: rank correlation with the true advantages 0.47–0.50 (the buffer's average return) → 0.65–0.68; improvement
  is monotone with either (the erratic-improvement failure does not reproduce); a 1-step target ranks better.
- SRL: at J = 8 repeating one action keeps 0.42–0.49 of a full-frequency controller, SRL 0.51–0.71; the
  frequency-averaged score 0.45–0.49 → 0.59–0.72.
- StableWorld: background error at 512 frames 1.36–1.46 (plain window) → 0.10; motion tracked as well.
- FantasyHSI: final path error 9.2–9.7 segments (open loop) → 0.23 (critic loop); jerk 0.190 → 0.015 after DPO on
  the generator's own smooth-vs-jerky pairs, displacement kept; pairs from the frozen reference overshoot.
"""
from .aloe import AloeConfig, AloeTrainer
from .dqc import DqcConfig, DqcTrainer
from .fantasy_hsi import FantasyHsiConfig, FantasyHsiTrainer
from .srl import SrlConfig, SrlTrainer
from .stableworld import StableWorldConfig, StableWorldTrainer

__all__ = ["AloeConfig", "AloeTrainer", "DqcConfig", "DqcTrainer", "FantasyHsiConfig", "FantasyHsiTrainer",
           "SrlConfig", "SrlTrainer", "StableWorldConfig", "StableWorldTrainer"]
