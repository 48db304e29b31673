"""The trainer contract: one ``step()`` advances a whole population of independent seeds."""
from __future__ import annotations

from typing import ClassVar

import torch

from .config import LabConfig
from .device import device as pick_device, seed_everything

Metric = float | torch.Tensor


class Trainer:
    """Base of every trainer.

    A subclass sets ``Config`` (its ``LabConfig``), builds its state in ``__init__`` with a
    leading population dimension of size ``self.population``, and implements ``step()``,
    which does one update for every member at once and returns ``{name: value}`` — a scalar
    (the same for every member) or a tensor of shape ``(population,)``. ``members()`` labels
    each member (``{"seed": [...], "eps": [...]}``); the History keeps those labels.
    A trainer that freezes diverged members instead of failing returns a metric 'diverged' (1 for
    a frozen member) and NaN for that member's other metrics; ``Run`` does not stop on those.
    A trainer whose step can be recorded once as a CUDA graph and replayed (no host reads, state
    kept in place, random numbers from ``self.generator`` only: ``lab.core.capture``) sets
    ``CAPTURABLE``; ``Run`` then captures it on CUDA.
    A trainer that can run several values of some config fields side by side names them in
    ``BATCHED`` and takes ``blocks`` (see ``block_configs``): its population is then one block per
    entry, each block the population one config would train, labelled with the block's values.
    Trainers know nothing of screens.
    """

    Config: ClassVar[type[LabConfig]]
    BATCHED: ClassVar[tuple[str, ...]] = ()
    CAPTURABLE: ClassVar[bool] = False

    def __init__(self, config: LabConfig, device: str | torch.device | None = None):
        if not isinstance(config, self.Config):
            raise TypeError(f"{type(self).__name__} needs a {self.Config.__name__}, "
                            f"got {type(config).__name__}")
        self.config = config
        self.device = pick_device(device) if not isinstance(device, torch.device) else device
        self.generator = seed_everything(config.seed, self.device)

    @property
    def population(self) -> int:
        raise NotImplementedError

    def members(self) -> dict[str, list]:
        """Per-member labels; by default only the member's index as its seed."""
        return {"seed": list(range(self.population))}

    def step(self) -> dict[str, Metric]:
        raise NotImplementedError

    def metric_bounds(self) -> dict[str, float]:
        """``{metric: bound}``: finite values with |value| beyond ``bound`` are implausible here (a
        critic's Q beyond what the rewards allow, say); ``Run`` warns the first time one is reached."""
        return {}

    def view_state(self):
        """A copy of the live state that views draw (detached from training), or None.

        ``Run`` calls it in the training thread between steps when a view asked for it; views
        compute from the copy with generators of their own, so drawing never changes training."""
        return None


VIEW_SEED_OFFSET = 7_919   # a view's stream: base seed + this, apart from every base seed's training stream nearby


def view_generator(seed: int, device: torch.device) -> torch.Generator:
    """A generator for a trainer's ``view_state()`` draws (samples shown by a view), seeded ``seed +
    VIEW_SEED_OFFSET``: what a view draws never comes from, nor moves, the training generator."""
    return torch.Generator(device=device).manual_seed(seed + VIEW_SEED_OFFSET)


def block_configs(trainer: type[Trainer], config: LabConfig, blocks: list[dict] | None) -> list[LabConfig]:
    """The config of each block of a batched population: ``config`` with the block's values (fields of
    ``trainer.BATCHED``), each checked as any config is; ``[config]`` when there are no blocks."""
    if not blocks:
        return [config]
    for block in blocks:
        others = sorted(set(block) - set(trainer.BATCHED))
        if others:
            raise ValueError(f"{trainer.__name__} cannot batch {', '.join(others)}; "
                             f"it batches: {', '.join(trainer.BATCHED) or 'nothing'}")
    return [config.replace(**block) for block in blocks]


def member_norm(tensors: list[torch.Tensor]) -> torch.Tensor:
    """Each population member's L2 norm over a list of tensors with a leading member axis (a
    gradient's norm per seed, say): (members, ...) each → (members,)."""
    return sum(t.detach().pow(2).flatten(1).sum(1) for t in tensors).sqrt()
