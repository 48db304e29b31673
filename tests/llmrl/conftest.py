import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Run the LLM-RL tests on one intra-op thread: their matrices are small, and on the shared
    2-core machine two threads contending with other jobs made each step ~10× slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
