"""Every lab's LabView, with small settings that train in a second or two: the views' shared tests
(consistent snapshots, redraws that never touch training) run over all of them."""
from widgets.agents import agents_view
from widgets.agents_agent_r import agent_r_view
from widgets.agents_critique import critique_view
from widgets.agents_mmc import mmc_view
from widgets.agents_rlac import rlac_view
from widgets.agents_search_r2 import search_r2_view
from widgets.cliff import cliff_view
from widgets.critic import critic_view
from widgets.expressive_expo import expo_view
from widgets.expressive_gorl import gorl_view
from widgets.expressive_gpc import gpc_view
from widgets.expressive_pa_rl import pa_rl_view
from widgets.expressive_taco import taco_view
from widgets.expressive_two_stage import two_stage_view
from widgets.games import preference_view
from widgets.lattice import lattice_view
from widgets.llmrl import llmrl_view
from widgets.repeated import learner_view
from widgets.robust_causal_minimax import causal_minimax_view
from widgets.robust_hinf import hinf_view
from widgets.robust_iwocs import iwocs_view
from widgets.robust_lipschitz_gail import lipschitz_gail_view
from widgets.robust_optimistic_ac import optimistic_ac_view
from widgets.robust_unstable_directions import unstable_directions_view
from widgets.synchrony import controller_view
from widgets.temporal_aloe import aloe_view
from widgets.temporal_dqc import dqc_view
from widgets.temporal_fantasy_hsi import fantasy_hsi_view
from widgets.temporal_srl import srl_view
from widgets.temporal_stableworld import stableworld_view

# name: (view factory, control values for a small run)
LAB_VIEWS = {
    "cliff": (cliff_view, dict(seeds=4, n_eps=3)),
    "games": (preference_view, {}),
    "repeated": (learner_view, {}),
    "lattice": (lattice_view, dict(size=6, tau_points=2, seeds=2)),
    "critic": (critic_view, dict(seeds=2, hidden=16, batch=32, learning_starts=20, overestimation_every=25,
                                 overestimation_states=4)),
    "synchrony": (controller_view, {}),
    "llmrl": (llmrl_view, dict(seeds=2)),
    "agents": (agents_view, dict(batch_tasks=2, tasks=2, depth_min=1, vocab=3, length=3, group=4, embed=8, hidden=8,
                                 seeds=3)),
    "rlac": (rlac_view, dict(critic="rlac", facts=4, seeds=2)),
    "critique": (critique_view, dict(training="two_stage", stage1_steps=5, seeds=2)),
    "agent_r": (agent_r_view, dict(data="agent_r", round_steps=5, mcts_iterations=4, eval_episodes=4, seeds=2)),
    "search_r2": (search_r2_view, dict(method="search_r2", seeds=2)),
    "mmc": (mmc_view, dict(critique_data="mmc", train_problems=4, test_chains=8, seeds=2)),
    "gorl": (gorl_view, dict(policy="gorl", latent_steps=3, decoder_steps=3, buffer=64, batch=16, eval_samples=64,
                             seeds=2)),
    "expo": (expo_view, dict(method="expo", pretrain_steps=5, batch=16, seeds=2)),
    "pa_rl": (pa_rl_view, dict(method="pa_rl", action="continuous", seeds=2)),   # method first: reinforce needs tokens
    "gpc": (gpc_view, dict(policy="gpc", eval_every=2, seeds=2)),
    "taco": (taco_view, dict(selection="taco", seeds=2)),
    "two_stage": (two_stage_view, dict(method="two_stage", stage1_steps=5, seeds=2)),
    "dqc": (dqc_view, dict(method="dqc", episodes=4, seeds=2)),
    "aloe": (aloe_view, dict(value="aloe", seeds=2)),
    "srl": (srl_view, dict(method="srl", batch=16, seeds=2)),
    "stableworld": (stableworld_view, dict(window="stableworld", horizon=32, batch=16, eval_every=5, seeds=2)),
    "fantasy_hsi": (fantasy_hsi_view, dict(critic_loop=True, dpo=True, horizon=8, pairs=8, episodes=2, seeds=2)),
    "hinf": (hinf_view, dict(disturber="hinf", seeds=2)),
    "iwocs": (iwocs_view, dict(method="iwocs", seeds=2)),
    "lipschitz_gail": (lipschitz_gail_view, dict(gradient_penalty="on", batch=16, learning_starts=4, seeds=2)),
    "causal_minimax": (causal_minimax_view, dict(predictor="causal_minimax", seeds=2)),
    "unstable_directions": (unstable_directions_view, dict(training="adversarial", probe_every=2, horizon=10,
                                                           windows=3, seeds=2)),
    "optimistic_ac": (optimistic_ac_view, dict(method="optimistic", ladder=3, depth=6, offline_episodes=5, seeds=2)),
}


def small_view(name: str, **values):
    """The lab's view with its small settings (and ``values``) set on its controls."""
    factory, small = LAB_VIEWS[name]
    view = factory()
    for field, value in {**small, **values}.items():
        assert view.set_value(field, value), view.status()
    return view
