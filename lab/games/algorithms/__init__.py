"""Exact (full-information) dynamics on batched preference games; one module per algorithm,
each with ``NAME``, ``QUERIES_PER_ITERATION`` and ``step(game, state, eta) -> state``."""
