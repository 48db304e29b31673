from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "synchrony_stability"


@pytest.fixture(scope="session")
def artifact_dir() -> Path:
    """The paper's artifact data beside the checkout (never copied into the repo); skip when absent."""
    if not (REFERENCE / "turn_level_metrics.csv").is_file():
        pytest.skip(f"the synchrony–stability artifact data is not at {REFERENCE.resolve()} (the paper's data, read from "
                    "../shared/reference beside the checkout and never copied into the repo): its Table 1 checks did not run")
    return REFERENCE
