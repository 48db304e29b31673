"""The synchrony–stability lab, after Brandt (2025), "Navigating the Synchrony–Stability Frontier
in Adaptive Chatbots", arXiv 2510.00339.

style_space.py    the 8 dimensions, per-dataset Scaler, Persona (a zero persona is refused), cosine
text_features.py  style vectors from text (library when installed, documented fallback otherwise)
dialogs.py        Dialogs: per-dialog raw user (and bot) vectors; padding to one z-space tensor
dialog_files.py   load_dialogs: CSV / JSONL of turns (text or vectors), errors naming row and column
artifact.py       the paper's artifact files: turn_level_metrics.csv, style_space.json, policy tables
synthetic.py      the seeded synthetic corpus shipped in data/synchrony/
policies.py       the update rule (one place) and the named policies with the paper's defaults
replay.py         every dialog × every policy setting in one batch
metrics.py        synchrony, stability, coherence, register flips, legibility, cache hits
sweep.py          parameter sweeps as one batched replay; frontier.py: the Pareto frontier
controller.py     beyond the paper: a learned adaptation controller (REINFORCE), a lab Trainer
"""
from .artifact import StyleSpace, load_policy_summary, load_style_space, load_turn_metrics
from .controller import AdaptationController, AdaptationControllerConfig, frontier_comparison
from .dialog_files import DialogFileError, load_dialogs
from .dialogs import Dialogs
from .frontier import best_tradeoff, pareto_front
from .metrics import METRICS, dialog_metrics, summarize
from .policies import POLICIES, Policy, PolicyGrid, adapt, policy
from .replay import Replay, replay
from .style_space import DIMENSIONS, Persona, PersonaError, Scaler, cosine
from .sweep import default_sweeps, sweep
from .synthetic import shipped_corpus, synthetic_dialogs, write_synthetic_dialogs
from .text_features import feature_backends, style_vector, style_vectors

__all__ = ["AdaptationController", "AdaptationControllerConfig", "frontier_comparison", "StyleSpace",
           "load_policy_summary", "load_style_space", "load_turn_metrics", "DialogFileError",
           "load_dialogs", "Dialogs", "best_tradeoff", "pareto_front", "METRICS", "dialog_metrics", "summarize",
           "POLICIES", "Policy", "PolicyGrid", "adapt", "policy", "Replay", "replay", "DIMENSIONS", "Persona",
           "PersonaError", "Scaler", "cosine", "default_sweeps", "sweep", "shipped_corpus", "synthetic_dialogs",
           "write_synthetic_dialogs", "feature_backends", "style_vector", "style_vectors"]
