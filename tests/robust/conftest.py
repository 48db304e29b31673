import pytest


@pytest.fixture(autouse=True)
def _on_one_thread(one_torch_thread):
    """Every test here runs on one torch thread (the fixture is in tests/conftest.py)."""
    yield
