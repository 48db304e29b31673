import pytest
import torch

import lab


def test_device_defaults_to_cuda_when_present(monkeypatch):
    monkeypatch.delenv("LAB_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert lab.device().type == expected


def test_device_override_by_argument_and_environment(monkeypatch):
    monkeypatch.setenv("LAB_DEVICE", "cpu")
    assert lab.device().type == "cpu"
    assert lab.device("cpu").type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_asking_for_missing_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        lab.device("cuda")


def test_bad_device_name_is_a_clear_error():
    with pytest.raises(ValueError, match="not a device name"):
        lab.device("gpu-please")


def test_seeding_makes_draws_repeatable():
    a = torch.rand(3, generator=lab.seed_everything(7))
    b = torch.rand(3, generator=lab.seed_everything(7))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="seed"):
        lab.seed_everything(-1)
