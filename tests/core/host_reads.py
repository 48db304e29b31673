"""The host-read recorder of the no-host-syncs tests (tests/core/test_host_syncs.py and the agents labs' own):
a ``TorchDispatchMode`` that records, per lab source line, every aten operation whose result the host must read —
``_local_scalar_dense`` (behind ``.item()``, ``bool(t)``, ``float(t)``), ``nonzero``, ``masked_select`` and the
``unique`` family (data-dependent shapes), and indexing with a boolean mask. Syncs inside ``torch.optim`` are
exempt (Adam's step counter lives on the host)."""
import traceback

import torch
from torch.utils._python_dispatch import TorchDispatchMode

READS = {"_local_scalar_dense", "nonzero", "masked_select", "unique_dim", "_unique2", "unique_consecutive"}


class HostReads(TorchDispatchMode):
    """Records, per lab source line, the operations whose result the host reads."""

    def __init__(self):
        super().__init__()
        self.sites: dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if name in READS or (name == "index" and any(
                isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in args[1] if i is not None)):
            self.record(name)
        return func(*args, **(kwargs or {}))

    def record(self, what: str) -> None:
        frames = traceback.extract_stack()
        if any("/torch/optim/" in f.filename for f in frames):
            return
        lab = [f for f in frames if "/lab/" in f.filename and "/tests/" not in f.filename]
        where = f"{lab[-1].filename.split('/lab/')[-1]}:{lab[-1].lineno} {lab[-1].line}" if lab else "?"
        key = f"{what} at lab/{where}"
        self.sites[key] = self.sites.get(key, 0) + 1


def twin_steps(make_trainer, steps: int) -> tuple[object, dict[str, torch.Tensor]]:
    """The step contract every population trainer keeps, checked on two trainers made alike by ``make_trainer()``:
    ``steps`` steps of the first under ``HostReads``, each after a ``view_state()`` call, and of the second plainly.
    Asserts that no step read the device, that both trainers returned equal metrics (deterministic, and the views
    did not touch training), each of shape (population,). Returns the first trainer and its last metrics."""
    watched, plain, reads = make_trainer(), make_trainer(), HostReads()
    for _ in range(steps):
        watched.view_state()
        with reads:
            metrics = watched.step()
        again = plain.step()
    assert reads.sites == {}
    assert list(metrics) == list(again) and all(torch.equal(metrics[k], again[k]) for k in metrics)
    assert all(v.shape == (watched.population,) for v in metrics.values())
    return watched, metrics
