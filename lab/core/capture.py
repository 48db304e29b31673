"""Captured steps: a trainer's whole ``step()`` recorded once as a CUDA graph, then replayed.

On a GPU the lab's steps are launch-bound — hundreds of small kernels, each a few microseconds of
work behind a launch — and a CUDA graph replays all of them with one launch (LeanRL's finding:
SAC 127 → 725 env-steps/s on an H100, mostly from graphs). A step can be captured when

1. it never reads a device value on the host (``tests/core/test_host_syncs.py``);
2. it keeps its state in place: after a step the trainer holds the same tensors (updated with
   ``+=``, ``copy_``) and the same Python values — a replay writes into the buffers the capture saw,
   and Python code does not run again (``state_signature``, ``tests/core/test_capture.py``);
3. it draws random numbers only from the generators it holds (``trainer.generator``, and those of
   the trainers it is made of), which the graph registers, so each replay draws new numbers as the
   eager step would.

A trainer that meets them says so with ``CAPTURABLE = True``; ``Run`` then captures its step on CUDA
(``Run(..., capture=None)``: on for a capturable trainer on CUDA, off otherwise). Every call of a
``CapturedStep`` is one real step: the first ``warmup`` run eagerly on a side stream (allocations,
lazily created state), the next is captured and replayed, the rest replay.
"""
from __future__ import annotations

import types

import torch

from .trainer import Metric, Trainer

WARMUP = 3


def capture_wanted(trainer: Trainer, capture: bool | None) -> bool:
    """Whether to capture ``trainer``'s step: ``capture`` when given, else a capturable trainer on CUDA;
    an error naming why when asked for one that cannot be captured."""
    if capture is None:
        return trainer.device.type == "cuda" and type(trainer).CAPTURABLE
    if capture and trainer.device.type != "cuda":
        raise ValueError(f"capture needs CUDA; {type(trainer).__name__} runs on {trainer.device}")
    if capture and not type(trainer).CAPTURABLE:
        raise ValueError(f"{type(trainer).__name__} cannot be captured as a CUDA graph (CAPTURABLE is False)")
    return bool(capture)


class CapturedStep:
    """``trainer.step()`` as a CUDA graph; call it as the step. Returns fresh copies of the metrics.
    A capture that fails (an operation CUDA graphs do not allow) is reported once through
    ``on_fallback(message)``, and the step runs eagerly from then on."""

    def __init__(self, trainer: Trainer, warmup: int = WARMUP, on_fallback=None):
        self.trainer, self.warmup, self.done, self.on_fallback = trainer, warmup, 0, on_fallback
        self.graph: torch.cuda.CUDAGraph | None = None
        self.eager = False
        self.outputs: dict[str, Metric] = {}
        self.side = torch.cuda.Stream(device=trainer.device)

    def __call__(self) -> dict[str, Metric]:
        if self.eager:
            return self.trainer.step()
        if self.graph is None and self.done < self.warmup:
            self.done += 1
            self.side.wait_stream(torch.cuda.current_stream(self.trainer.device))
            with torch.cuda.stream(self.side):
                metrics = self.trainer.step()
            torch.cuda.current_stream(self.trainer.device).wait_stream(self.side)
            return metrics
        if self.graph is None:
            try:
                self.graph = self._capture()
            except RuntimeError as err:
                self.eager = True
                if self.on_fallback is not None:
                    self.on_fallback(f"the step could not be captured as a CUDA graph ({str(err).splitlines()[0]}); "
                                     "it runs eagerly")
                return self.trainer.step()
        self.graph.replay()
        return {name: value.clone() if isinstance(value, torch.Tensor) else value
                for name, value in self.outputs.items()}

    def _capture(self) -> torch.cuda.CUDAGraph:
        graph = torch.cuda.CUDAGraph()
        for generator in generators(self.trainer):
            graph.register_generator_state(generator)
        # thread_local: another session's run on this GPU does not break the capture
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            self.outputs = self.trainer.step()
        return graph


def state_signature(trainer: Trainer) -> dict[str, object]:
    """What a replayed step must leave unchanged: every tensor the trainer holds (by attribute path)
    as its storage address, shape and dtype, and every plain Python value as itself. Modules,
    optimizers (their state), containers and plain objects are walked; generators are left out (their
    state is the graph's to advance)."""
    return {path: ("tensor", leaf.data_ptr(), tuple(leaf.shape), leaf.dtype) if isinstance(leaf, torch.Tensor)
            else leaf for path, leaf in _held(trainer) if not isinstance(leaf, torch.Generator)}


def generators(trainer: Trainer) -> list[torch.Generator]:
    """Every generator the trainer holds (its own, and those of the trainers it is made of)."""
    found = {id(leaf): leaf for _, leaf in _held(trainer) if isinstance(leaf, torch.Generator)}
    return list(found.values())


def _held(trainer: Trainer):
    """(attribute path, value) for every tensor, generator and plain Python value the trainer holds."""
    seen: set[int] = set()
    skipped = (torch.device, type, types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType)

    def walk(path: str, value):
        if isinstance(value, (torch.Tensor, torch.Generator, bool, int, float, str, type(None))):
            yield path, value
        elif id(value) in seen or isinstance(value, skipped):
            return
        else:
            seen.add(id(value))
            if isinstance(value, dict):
                items = [(f"{path}[{key!r}]", item) for key, item in value.items()]
            elif isinstance(value, (list, tuple)):
                items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
            elif isinstance(value, torch.optim.Optimizer):
                items = [(f"{path}.state[{i}]", state) for i, state in enumerate(value.state.values())]
            elif isinstance(value, torch.nn.Module):
                items = [(f"{path}.{name}", t) for name, t in [*value.named_parameters(), *value.named_buffers()]]
            elif hasattr(value, "__dict__"):
                items = [(f"{path}.{key}", item) for key, item in vars(value).items() if key != "config"]
            else:
                items = []
            for item_path, item in items:
                yield from walk(item_path, item)

    for key, value in vars(trainer).items():
        if key not in ("config", "device"):
            yield from walk(key, value)
