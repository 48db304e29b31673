import sys
from pathlib import Path

import pytest
import torch

# Test helpers (toy trainers) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent / "core"))


@pytest.fixture
def one_torch_thread():
    """Run a test on one intra-op torch thread, then restore the setting. The labs' trainers work on
    small matrices; on a 2-core machine shared with other jobs, two contending threads made their
    steps ~10× slower (CI runs one process, but a developer's machine rarely does)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
