"""Exact (full-information) dynamics on batched preference games; one module per algorithm,
each with ``NAME``, ``QUERIES_PER_ITERATION`` and ``step(game, state, eta) -> state``."""
from . import extragradient, nash_md, nash_mp, omd, omwu

ALGORITHMS = {m.NAME: m for m in (nash_mp, nash_md, omd, omwu, extragradient)}
