"""Run: drives a trainer for N steps, blocking or in a background thread.

- Blocking (notebooks, tests, papermill): ``Run(trainer, steps).run()`` shows a tqdm.auto
  progress bar and returns the History.
- Background (UIs): ``run.start()``; ``pause()``, ``resume()`` and ``stop()`` only set events,
  which the loop checks before every step, so they take effect within one step.
- Guard: every metric is checked for NaN/inf; the run stops with a ``NonFiniteMetric`` error
  naming the metric, the step and the members, keeping the history recorded so far.
- Callbacks ``fn(run)`` are called after every chunk of ``chunk`` steps and at the end.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np
import torch

from .device import environment
from .history import History
from .trainer import Trainer


class NonFiniteMetric(FloatingPointError):
    """A trainer metric became NaN or infinite."""


class Run:
    """One run of a trainer; ``state`` is idle, running, paused, stopped, finished or failed."""

    def __init__(self, trainer: Trainer, steps: int, *, chunk: int = 10, record_every: int | None = None,
                 callbacks: list[Callable[["Run"], None]] | None = None, progress: bool = True):
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps = {steps!r} must be a positive integer")
        if not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk = {chunk!r} must be a positive integer")
        self.trainer, self.steps, self.chunk = trainer, steps, chunk
        # Record at most ~2,000 points per member by default, whatever the run's length.
        self.record_every = record_every or max(1, steps // 2000)
        self.callbacks = list(callbacks or [])
        self.progress = progress
        self.step = 0
        self.state = "idle"
        self.error: BaseException | None = None
        self.history = History(trainer.members(), meta={
            "trainer": f"{type(trainer).__module__}.{type(trainer).__qualname__}",
            "config": trainer.config.model_dump(),
            "seed": trainer.config.seed,
            "steps": steps,
            "environment": environment(trainer.device),
        })
        self._stop, self._running = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    # --- control (safe to call from any thread) -----------------------------------------

    def start(self) -> "Run":
        """Train in a background thread; returns at once."""
        if self.state != "idle":
            raise RuntimeError(f"this run is {self.state}; make a new Run to train again")
        self.state = "running"
        self._running.set()
        self._thread = threading.Thread(target=self._loop, args=(False,), daemon=True, name="lab-run")
        self._thread.start()
        return self

    def run(self) -> History:
        """Train to the end (or to the first error) in this thread; returns the History."""
        if self.state != "idle":
            raise RuntimeError(f"this run is {self.state}; make a new Run to train again")
        self.state = "running"
        self._running.set()
        self._loop(self.progress)
        if self.error is not None:
            raise self.error
        return self.history

    def pause(self) -> None:
        if self.state == "running":
            self.state = "paused"
            self._running.clear()

    def resume(self) -> None:
        if self.state == "paused":
            self.state = "running"
            self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    def join(self, timeout: float | None = None) -> bool:
        """Wait for a background run; True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return self.state not in ("running", "paused")

    @property
    def done(self) -> bool:
        return self.state in ("stopped", "finished", "failed")

    # --- the loop --------------------------------------------------------------------------

    def _loop(self, show_progress: bool) -> None:
        bar = None
        if show_progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=self.steps, desc=type(self.trainer).__name__, leave=False)
        started = time.perf_counter()
        try:
            while self.step < self.steps:
                self._running.wait()
                if self._stop.is_set():
                    self.state = "stopped"
                    break
                metrics = self.trainer.step()
                self.step += 1
                if self.step % self.record_every == 0 or self.step == self.steps:
                    self.history.append(self.step, self._checked(metrics))
                if bar is not None:
                    bar.update(1)
                if self.step % self.chunk == 0:
                    self._notify()
            else:
                self.state = "finished"
        except BaseException as err:  # noqa: BLE001 - kept on the run, shown by the front-end
            self.error, self.state = err, "failed"
        finally:
            self.history.meta["wall_s"] = time.perf_counter() - started
            self.history.meta["state"] = self.state
            if bar is not None:
                bar.close()
            self._notify()

    def _checked(self, metrics: dict) -> dict[str, np.ndarray]:
        plain = {}
        for name, value in metrics.items():
            array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
            bad = ~np.isfinite(array)
            if bad.any():
                members = np.flatnonzero(np.broadcast_to(bad, (self.history.population,)))
                raise NonFiniteMetric(
                    f"metric '{name}' became {array.reshape(-1)[bad.reshape(-1)][0]} at step {self.step} "
                    f"(members {members[:8].tolist()}); the run stopped, its history up to step "
                    f"{self.step - 1} is kept. Try a smaller step size.")
            plain[name] = array
        return plain

    def _notify(self) -> None:
        for callback in self.callbacks:
            callback(self)
