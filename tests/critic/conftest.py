import pytest

from lab.critic.arena import NO_TARGET, cell_config, run_cell

BASE_SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True)
def _on_one_thread(one_torch_thread):
    """Every test here runs on one torch thread (the fixture is in tests/conftest.py)."""
    yield


@pytest.fixture(scope="session")
def arena():
    """``arena(variant)``: the variant's cells at the arena's ``NO_TARGET`` stress for base seeds 0, 1, 2, each
    trained once per test session (the stabilizers' effect tests share their baselines)."""
    cache = {}

    def cells(variant: dict) -> list:
        key = tuple(sorted(variant.items()))
        if key not in cache:
            cache[key] = [run_cell(cell_config(variant, NO_TARGET, seed=seed)) for seed in BASE_SEEDS]
        return cache[key]
    return cells
