"""Device choice, seeding and the environment a run records."""
from __future__ import annotations

import os
import platform
import random

import numpy as np
import torch

DEVICE_ENV = "LAB_DEVICE"


def device(name: str | None = None) -> torch.device:
    """The device trainers use: ``name``, else ``$LAB_DEVICE``, else CUDA when present, else CPU.

    Asking for CUDA on a machine without it is an error that says so, not a silent fallback.
    """
    name = name or os.environ.get(DEVICE_ENV) or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device {name!r} is not a device name; use 'cpu', 'cuda' or 'cuda:N'") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for (argument or ${DEVICE_ENV}) "
                         "but CUDA is not available here; use 'cpu'")
    if chosen.type not in ("cpu", "cuda"):
        raise ValueError(f"device {name!r} is not supported; use 'cpu' or 'cuda'")
    return chosen


def seed_everything(seed: int, dev: torch.device | str = "cpu") -> torch.Generator:
    """Seed Python, numpy and torch; return a generator on ``dev``, seeded the same, for a trainer to own."""
    if not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed = {seed!r} must be an integer in [0, 2**63)")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator(device=dev).manual_seed(int(seed))


def environment(dev: torch.device | None = None) -> dict:
    """Versions and machine facts recorded with every run."""
    import lab

    return {
        "lab": lab.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "device": str(dev) if dev is not None else None,
        "cuda": torch.cuda.get_device_name(dev) if dev is not None and dev.type == "cuda" else None,
    }
