"""Run: drives a trainer for N steps, blocking or in a background thread.

- Blocking (notebooks, tests, papermill): ``Run(trainer, steps).run()`` shows a tqdm.auto
  progress bar and returns the History.
- Background (UIs): ``run.start()``; ``pause()``, ``resume()`` and ``stop()`` are safe from any
  thread and only set events, which the loop checks before every step, so they take effect
  within one step and never wait for it.
- Guards, on *every* step (recorded or not): a NaN/inf metric stops the run with a
  ``NonFiniteMetric`` error naming the metric, the step and the members, keeping the history
  recorded before it — except for members the trainer has frozen as diverged (its metric
  ``DIVERGED`` is 1 for them at that step), whose metrics it records as NaN on purpose; a
  finite metric beyond the trainer's plausible bound
  (``Trainer.metric_bounds()``, |Q| > 1e6 say) adds a warning to ``run.warnings`` and
  ``history.meta["warnings"]``, once per metric. Metrics stay on the trainer's device between
  flushes: they are checked and recorded in one transfer per chunk.
- Callbacks ``fn(run)`` are called after every chunk of ``chunk`` steps (or every
  ``FLUSH_S`` seconds, whichever comes first) and at the end.
- Live state for views: ``request_view_state()`` asks the loop to copy the trainer's
  ``view_state()`` at the next step boundary (and at the end); views read ``view_state`` and
  never touch the trainer itself.
- At interpreter exit every live background run is stopped and joined, so a process (a
  kernel, the dashboard) that exits while runs train exits cleanly.
- ``capture``: replay the trainer's step as a CUDA graph (``lab.core.capture``); by default on for
  a capturable trainer on CUDA, off otherwise. ``history.meta["captured"]`` says which ran.
"""
from __future__ import annotations

import atexit
import threading
import time
import weakref
from typing import Callable

import numpy as np
import torch

from .capture import CapturedStep, capture_wanted
from .device import environment
from .history import History
from .trainer import Trainer

FLUSH_S = 0.25  # a slow trainer still reaches its History (and the live views) this often
DIVERGED = "diverged"  # a trainer's per-member metric: 1 = frozen as diverged, its other metrics NaN


class NonFiniteMetric(FloatingPointError):
    """A trainer metric became NaN or infinite."""


class Run:
    """One run of a trainer; ``state`` is idle, running, paused, stopped, finished or failed."""

    def __init__(self, trainer: Trainer, steps: int, *, chunk: int = 10, record_every: int | None = None,
                 callbacks: list[Callable[["Run"], None]] | None = None, progress: bool = True,
                 capture: bool | None = None):
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps = {steps!r} must be a positive integer")
        if not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk = {chunk!r} must be a positive integer")
        self.trainer, self.steps, self.chunk = trainer, steps, chunk
        self.captured = capture_wanted(trainer, capture)
        self._step = CapturedStep(trainer, on_fallback=self._not_captured) if self.captured else trainer.step
        # Record at most ~2,000 points per member by default, whatever the run's length.
        self.record_every = record_every or max(1, steps // 2000)
        self.callbacks = list(callbacks or [])
        self.progress = progress
        self.step = 0
        self.state = "idle"
        self.error: BaseException | None = None
        self.warnings: list[str] = []
        self.history = History(trainer.members(), meta={
            "trainer": f"{type(trainer).__module__}.{type(trainer).__qualname__}",
            "config": trainer.config.model_dump(),
            "seed": trainer.config.seed,
            "steps": steps,
            "environment": environment(trainer.device),
            "captured": self.captured,
        })
        self.view_state = None  # (step, trainer.view_state()) once a view asked for it
        self._bounds = trainer.metric_bounds()
        self._pending: list[tuple[int, dict]] = []
        self._lock = threading.Lock()  # state transitions
        self._stop, self._running, self._state_wanted = threading.Event(), threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._watched = False  # a view asked for live state at least once

    # --- control (safe to call from any thread) -----------------------------------------

    def start(self) -> "Run":
        """Train in a background thread; returns at once."""
        with self._lock:
            self._begin()
            self._thread = threading.Thread(target=self._loop, args=(False,), daemon=True, name="lab-run")
            _LIVE.add(self)
            self._thread.start()
        return self

    def run(self) -> History:
        """Train to the end (or to the first error) in this thread; returns the History."""
        with self._lock:
            self._begin()
        self._loop(self.progress)
        if self.error is not None:
            raise self.error
        return self.history

    def pause(self) -> None:
        with self._lock:
            if self.state == "running" and not self._stop.is_set():
                self.state = "paused"
                self._running.clear()

    def resume(self) -> None:
        with self._lock:
            if self.state == "paused":
                self.state = "running"
                self._running.set()

    def stop(self) -> None:
        """Ask the loop to stop before its next step; returns at once (``join`` waits)."""
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    @property
    def stopping(self) -> bool:
        """Stop was asked and the loop has not ended yet."""
        return self._stop.is_set() and not self.done

    def join(self, timeout: float | None = None) -> bool:
        """Wait for a background run; True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return self.state not in ("running", "paused")

    @property
    def alive(self) -> bool:
        """Its background thread is still running (a stopped run's thread ends within one step)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def done(self) -> bool:
        return self.state in ("stopped", "finished", "failed")

    def request_view_state(self) -> None:
        """Ask for a fresh copy of the trainer's ``view_state()`` at the next step boundary."""
        self._watched = True
        if self.done and (self.view_state is None or self.view_state[0] != self.step):
            self._take_view_state()  # nothing trains any more: copy it here
        else:
            self._state_wanted.set()

    # --- the loop --------------------------------------------------------------------------

    def _begin(self) -> None:
        if self.state != "idle":
            raise RuntimeError(f"this run is {self.state}; make a new Run to train again")
        self.state = "running"
        self._running.set()

    def _loop(self, show_progress: bool) -> None:
        bar = None
        if show_progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=self.steps, desc=type(self.trainer).__name__, leave=False)
        started = flushed = time.perf_counter()
        try:
            while self.step < self.steps:
                if not self._running.is_set():
                    if self._watched:
                        self._take_view_state()  # a paused run's views see where it paused
                    self._running.wait()
                if self._stop.is_set():
                    break
                self._pending.append((self.step + 1, _kept(self._step())))
                self.step += 1
                if bar is not None:
                    bar.update(1)
                if self._state_wanted.is_set():
                    self._take_view_state()
                now = time.perf_counter()
                if self.step % self.chunk == 0 or now - flushed > FLUSH_S:
                    self._flush()
                    flushed = now
                    self._notify()
            self._flush()
            self._end("stopped" if self.step < self.steps else "finished")
        except BaseException as err:  # noqa: BLE001 - kept on the run, shown by the front-end
            self.error = err
            self._end("failed")
        finally:
            self.history.meta["wall_s"] = time.perf_counter() - started
            self.history.meta["state"] = self.state
            if self.warnings:
                self.history.meta["warnings"] = list(self.warnings)
            if self._watched:
                self._take_view_state()  # the views' last picture is of the end
            if bar is not None:
                bar.close()
            self._notify()
            _LIVE.discard(self)

    def _end(self, state: str) -> None:
        with self._lock:
            self.state = state
            self._running.set()

    def _flush(self) -> None:
        """Check every pending step's metrics (NaN/inf stops the run; beyond a bound warns) and
        record the steps due, in one transfer per metric."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        columns = {name: _stacked([metrics[name] for _, metrics in pending], self.history.population)
                   for name in pending[0][1]}
        frozen = columns.get(DIVERGED)
        for row, (step, _) in enumerate(pending):
            for name, column in columns.items():
                values = column[row]
                bad = ~np.isfinite(values)
                if frozen is not None:
                    bad &= frozen[row] == 0
                if bad.any():
                    self.step = step
                    raise NonFiniteMetric(
                        f"metric '{name}' became {values[bad][0]} at step {step} (members "
                        f"{np.flatnonzero(bad)[:8].tolist()}); the run stopped, its history up to step "
                        f"{step - 1} is kept. Try a smaller step size.")
                self._check_bound(name, values, step)
            if step % self.record_every == 0 or step == self.steps:
                self.history.append(step, {name: column[row] for name, column in columns.items()})

    def _not_captured(self, message: str) -> None:
        self.captured = self.history.meta["captured"] = False
        self.warnings.append(message)
        self.history.meta["warnings"] = list(self.warnings)

    def _check_bound(self, name: str, values: np.ndarray, step: int) -> None:
        bound = self._bounds.get(name)
        if bound is None or not (np.abs(values) > bound).any():
            return
        self._bounds.pop(name)  # one warning per metric
        members = np.flatnonzero(np.abs(values) > bound)
        self.warnings.append(f"metric '{name}' reached {values[members[0]]:.3g} at step {step} (members "
                             f"{members[:8].tolist()}), beyond its plausible bound ±{bound:g}: it is "
                             f"probably diverging.")
        self.history.meta["warnings"] = list(self.warnings)

    def _take_view_state(self) -> None:
        self._state_wanted.clear()
        try:
            state = self.trainer.view_state()
        except Exception as err:  # noqa: BLE001 - a view's needs must never stop training
            self.warnings.append(f"the live view's state could not be copied: {type(err).__name__}: {err}")
            return
        if state is not None:
            self.view_state = (self.step, state)

    def _notify(self) -> None:
        for callback in self.callbacks:
            callback(self)


def _kept(metrics: dict) -> dict:
    """A step's metrics, tensors copied (on their device): a trainer may update in place the tensor it
    returned before the pending steps are flushed."""
    return {name: v.detach().clone() if isinstance(v, torch.Tensor) else v for name, v in metrics.items()}


def _stacked(values: list, population: int) -> np.ndarray:
    """Per-step metric values (scalars or (population,) tensors/arrays) as a (steps, population)
    float array, with one device-to-host transfer when they are tensors."""
    if any(isinstance(v, torch.Tensor) for v in values):
        device = next(v.device for v in values if isinstance(v, torch.Tensor))
        rows = [torch.as_tensor(v, device=device).detach().to(torch.float64).broadcast_to((population,))
                for v in values]
        return torch.stack(rows).cpu().numpy()
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (population,)) for v in values])


# --- clean exit ------------------------------------------------------------------------------

_LIVE: "weakref.WeakSet[Run]" = weakref.WeakSet()
EXIT_JOIN_S = 5.0


def stop_and_join(threads_of, timeout_s: float = EXIT_JOIN_S) -> None:
    """Ask each of ``threads_of`` (anything with ``stop()`` and ``join(timeout)``: runs, the widgets' figure
    workers and live maps) to stop, then wait for them, ``timeout_s`` for all together. At interpreter
    exit a daemon thread killed inside torch aborts the process ("terminate called without an active
    exception"): every owner of such threads calls this from an ``atexit`` hook."""
    items = list(threads_of)
    for item in items:
        item.stop()
    deadline = time.monotonic() + timeout_s
    for item in items:
        item.join(max(0.0, deadline - time.monotonic()))


@atexit.register
def stop_live_runs() -> None:
    """Stop and join every background run still training."""
    stop_and_join(_LIVE)
