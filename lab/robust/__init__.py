"""Robustness and guarantees (issue 22): where the usual training is brittle to the worst case — an adversary's
force, the worst transition model, a reward that sharpens, a shifted mechanism, a fragile decision boundary, a
reward hidden at the end of a chain. One module per paper holds its toy, its mechanism (the update rule in one
place, beside its citation) and its population trainer.
"""
