import json

import numpy as np
import pytest
import torch

import lab


def test_record_writes_json_as_it_goes(tmp_path):
    path = tmp_path / "out" / "results.json"
    lab.results_to(path)
    try:
        lab.record("tv", np.float64(0.25))
        lab.record("curve", torch.tensor([1.0, 2.0]))
        lab.record("nested", {"a": np.arange(2)})
        assert json.loads(path.read_text()) == {"tv": 0.25, "curve": [1.0, 2.0], "nested": {"a": [0, 1]}}
        with pytest.raises(TypeError, match="cannot record a object"):
            lab.record("bad", object())
    finally:
        lab.results_to(None)


def test_record_uses_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    monkeypatch.setenv("LAB_RESULTS", str(path))
    lab.results_to(None)
    lab.record("x", 1)
    assert json.loads(path.read_text()) == {"x": 1}
