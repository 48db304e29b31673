"""The figures of a saved run: each trainer's lab figures that draw from a History and its config alone
(a saved sweep's are its report's: ``widgets.report.sweep_figures``).

A lab's live figures that draw the trainer's live state (the critic's value landscape, the lattices,
the synchrony frontier) have nothing to draw from once the run is saved, and are left out. A trainer's
module is imported only when one of its runs is opened; nothing a user typed is ever imported.
"""
from __future__ import annotations

import importlib

import plotly.graph_objects as go

from lab.core import History, LabConfig
from lab.core.trainers import trainer_class

from .labview import label_run

# trainer name (lab.core.trainers) → (views module, its figure functions (history, config) -> go.Figure)
FIGURES = {
    "cliff": ("widgets.cliff", ["policy_against_eps", "seeds_over_training"]),
    "critic": ("widgets.critic", ["returns_figure", "overestimation_figure", "diagnostics_figure"]),
    "synchrony": ("widgets.synchrony", ["objective_figure"]),
    "lattice": ("widgets.lattice", ["cooperation_against_tau_figure", "cooperation_over_time_figure"]),
    "preference": ("widgets.games", ["kl_figure", "exploitability_figure", "simplex_figure"]),
    "repeated": ("widgets.repeated", ["cooperation_figure"]),
    "llmrl": ("widgets.llmrl", ["reward_figure", "entropy_figure", "kl_figure", "ratio_figure",
                                "grad_norm_figure", "health_figure"]),
    "llmrl-compare": ("widgets.llmrl", ["reward_figure", "entropy_figure", "kl_figure", "ratio_figure",
                                        "grad_norm_figure", "health_figure"]),
    "agents": ("widgets.agents", ["success_figure", "groups_figure", "drift_entropy_figure"]),
    "rlac": ("widgets.agents_rlac", ["accuracy_figure", "reward_figure", "cost_figure"]),
    "critique-rl": ("widgets.agents_critique", ["verdict_figure", "flips_figure", "accuracy_figure"]),
    "agent-r": ("widgets.agents_agent_r", ["success_figure", "loops_recovery_figure", "data_figure"]),
    "search-r2": ("widgets.agents_search_r2", ["grounded_figure", "lucky_figure", "evidence_figure"]),
    "mmc": ("widgets.agents_mmc", ["localisation_figure", "accuracy_figure", "rounds_figure"]),
    "gorl": ("widgets.expressive_gorl", ["kl_figure", "diverged_figure"]),
    "expo": ("widgets.expressive_expo", ["return_figure", "value_figure"]),
    "pa-rl": ("widgets.expressive_pa_rl", ["reward_figure", "diagnostic_figure"]),
    "gpc": ("widgets.expressive_gpc", ["success_figure"]),
    "taco": ("widgets.expressive_taco", ["success_figure", "support_figure"]),
    "two-stage": ("widgets.expressive_two_stage", ["rates_figure", "watch_figure"]),
    "dqc": ("widgets.temporal_dqc", ["success_figure", "value_figure"]),
    "aloe": ("widgets.temporal_aloe", ["ranking_figure", "improvement_figure"]),
    "srl": ("widgets.temporal_srl", ["score_figure", "distance_figure"]),
    "stableworld": ("widgets.temporal_stableworld", ["drift_figure", "tracking_figure"]),
    "fantasy-hsi": ("widgets.temporal_fantasy_hsi", ["error_figure", "motion_figure"]),
    "hinf": ("widgets.robust_hinf", ["balance_figure", "disturber_figure"]),
    "iwocs": ("widgets.robust_iwocs", ["worst_case_figure", "gap_figure"]),
    "lipschitz-gail": ("widgets.robust_lipschitz_gail", ["imitation_figure", "sharpness_figure"]),
    "causal-minimax": ("widgets.robust_causal_minimax", ["worst_figure", "deployed_figure"]),
    "unstable-directions": ("widgets.robust_unstable_directions", ["overlap_figure", "robustness_figure"]),
    "optimistic-ac": ("widgets.robust_optimistic_ac", ["regret_figure", "value_figure"]),
}


def run_figures(trainer: str, history: History, config: dict) -> tuple[list[go.Figure], list[str]]:
    """The figures of a saved run of trainer ``trainer`` (a name in ``lab.core.trainers``) and, as
    sentences, what could not be drawn (the whole run's reason, or one per figure that raised)."""
    if trainer not in FIGURES:
        return [], [f"Runs of trainer {trainer!r} have no figures here; download the History to plot it."]
    try:
        checked: LabConfig = trainer_class(trainer).Config.from_params(**config)
    except ValueError as err:
        return [], [f"The run's config does not load ({err}), so its figures cannot be drawn."]
    module, names = FIGURES[trainer]
    views = importlib.import_module(module)
    figures, problems = [], []
    for name in names:
        try:
            fig = getattr(views, name)(history, checked)
        except Exception as err:  # noqa: BLE001 - a figure that fails on an odd run is a sentence, not a crash
            problems.append(f"Figure '{name}' could not be drawn: {type(err).__name__}: {err}")
            continue
        label_run(fig, checked)
        figures.append(fig)
    return figures, problems
