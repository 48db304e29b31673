"""Expressive and composed policies (issue 20): multimodal optima that simple policies average, collapse or miss.

One module per paper holds its toy, its mechanism (the update rule in one place, beside its citation) and its
population trainer; ``flow.py`` holds the flow-matching policy they share (a velocity field per seed) and the one
Euler integrator. ``gorl.py`` with ``gorl_parts.py`` (GoRL's Gaussian latent policy and flow decoder on a two-bump
max-entropy bandit), ``expo.py`` with ``expo_toy.py`` (EXPO's on-the-fly policy on a 2-D point mass with a bimodal
dataset), ``pa_rl.py`` with ``pa_rl_toys.py`` (PA-RL's action optimization on a 64-action token toy and a 2-D
one), ``gpc.py`` (GPC's test-time composition of two flow parents), ``taco.py`` (TACO's pseudo-count chunk
selection with a coin-flipping network) and ``two_stage.py`` (the Two-Stage Constrained Actor-Critic on short
recommendation sessions).

Measured (16 seeds per base seed, base seeds 0–2; the tests in ``tests/expressive/`` assert them):

- GoRL: gradients through an 8-step flow sampler diverge in 11–15 of 16 seeds at lr 0.3, GoRL and the Gaussian in
  none; the Gaussian averages the two modes (KL to π* 0.46–0.47) — and GoRL's KL is not lower (1.33–1.53): not
  reproduced here.
- EXPO: Q backpropagated through the flow chain diverges in 7–13 of 16 seeds (median return 0.15–0.44 of the
  optimum) — only with the chain's raw sample fed to the critic; clamped to the action box (Diffusion-QL's code)
  none diverges and the median return is 0.51–0.61; EXPO: none, 0.80–0.90. A tuned clamped chain (η 100, lr 1e-2)
  matches EXPO (0.85–0.89; measured, not asserted).
- PA-RL: REINFORCE against a learned Q brings 6–7 of 16 seeds near the optimum, PA-RL 12–16; on the 2-D toy the
  gradient step on the actions lifts the first targets from 0.54–0.56 to 0.75–0.82, the policy only by 0.00–0.12.
- GPC: each parent succeeds 41–48% of the time, the composition at the searched weight 98%, at least +0.27 over
  the better parent in every seed; weights 0 and 1 are the parents bit for bit.
- TACO: success 0.55–0.58 → 0.92–0.96, its spread over noise seeds 0.47 → 0.06–0.09; the pseudo-counts rank the
  true density (Spearman 0.77–0.82).
- Two-Stage CAC: the summed reward meets both floors in 0 of 48 seeds at weights 0.3, 1 and 3, two stages in 48
  of 48, at 3% less watch time (not at matched main reward).
"""
from .expo import ExpoConfig, ExpoTrainer
from .flow import FlowPolicy, euler
from .gorl import GorlConfig, GorlTrainer
from .gpc import GpcConfig, GpcTrainer
from .pa_rl import PaRlConfig, PaRlTrainer
from .taco import TacoConfig, TacoTrainer
from .two_stage import TwoStageConfig, TwoStageTrainer

__all__ = ["ExpoConfig", "ExpoTrainer", "FlowPolicy", "euler", "GorlConfig", "GorlTrainer", "GpcConfig", "GpcTrainer",
           "PaRlConfig", "PaRlTrainer", "TacoConfig", "TacoTrainer", "TwoStageConfig", "TwoStageTrainer"]
