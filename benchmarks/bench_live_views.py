"""Benchmark: what each lab tab's live view costs its training, and how fast Stop takes effect.

    .venv/bin/python benchmarks/bench_live_views.py [--seconds 6] [--warmup 1.5] [--repeats 3]
        [--tabs cliff,games,...] [--threads 1,2] [--alternate 20] [--phase 2] [--stops 5]
        [--no-speed] [--budget B] [--switch-interval S] [--compare-budget B] [--compare-switch-interval S]

Every tab's LabView as its factory builds it (the dashboard's defaults, not the tests' small
settings), on CPU, with ``torch.set_num_threads(n)`` for each ``--threads`` value, in three modes:

* ``none``: the view's run alone (``LabView.start()``), nothing drawn.
* ``jupyter``: what widgets/jupyter_front.py wires, minus the controls: ``LiveFigureWidget``s patched
  by ``update_in_place`` from a ``KernelAwareRedrawer`` whose ``loop_while`` runs in a thread while
  the run lives; pressing Run starts the run, that loop, and one redraw in the pressing thread.
  (Outside a kernel the widgets have no comm, so the kernel's sending of the patches is not counted.)
* ``dashboard``: what widgets/panel_front.py wires: a ``FigureWorker`` draws the figures in its
  thread; a thread stands for the session's event loop and ticks every REFRESH_S: it calls
  ``redraw.draw_status()``, takes the fresh figures from the worker and serializes each with
  ``plotly.io.to_json`` (standing for Panel's pane update and Bokeh's message), counting that into
  ``redraw.add_cost(i, s)`` as panel_front counts ``pane.object = fig``.

Runs are capped by wall time: runs longer than the window are stopped, shorter ones are pressed
again as soon as they finish (in ``jupyter`` after the finished run's last redraw), and only the
time a run trains counts (the gaps between runs do not).

1. Speed, separate runs: per repeat the ``none`` run trains ``--warmup`` seconds (and at least the
   config's ``learning_starts`` where it has one: the critic's random steps are not training), then
   ``--seconds``; the steps it went through after the warm-up, [A, B), are the segment the two
   views' runs are timed over (steps/s = B − A over the seconds spent training them). Modes
   alternate within each repeat; medians of ``--repeats``. Per figure and front: redraws in the
   segment, mean ms to build it (``view.figure`` from a snapshot) and to show (``update_in_place``)
   or serialize (``to_json``) it, the Redrawer's ``cost[i]`` and adapted ``period(i)`` at the end.
2. Alternation, ``--alternate`` seconds per tab and front: one session, its drawing (the Redrawer's
   ``draw_figures`` and ``draw_status``) switched on and off every ``--phase`` seconds; × is the
   median over on/off pairs. A shared machine's load drifts over seconds; adjacent phases see
   nearly the same load, so this ratio is the steadier one. Per phase, from
   ``/proc/self/task/<tid>/{schedstat,status}``: the training thread's ms per step on a CPU, waiting
   for a core (run queue), and neither (blocked: waiting for the GIL, and with two torch threads for
   its workers), its context switches per step, and the drawing threads' CPU seconds per second
   (the JupyterLab redraw loop, the figure worker, the tick, the main thread that presses Run).
3. Stop: with the live view drawing, ``--stops`` times a run is started, Stop pressed 0.3–1 s in
   (within the first half of runs shorter than 2 s), and the ms to ``view.run.done`` and to the
   status line shown saying "Stopped…" are measured; medians and maxima.

``--budget`` and ``--switch-interval`` are experiments (they override ``widgets.labview.BUDGET`` and
``sys.setswitchinterval`` in this process), to test a proposed change without editing the lab;
``--compare-budget`` and ``--compare-switch-interval`` measure such a change *paired* with the lab's
value: the alternation's phases then go view on, off, on with the change, off, … in one run.
The rows print as they are measured (with the 1-minute load average); the tables come at the end.
"""
from __future__ import annotations

import argparse
import html
import os
import platform
import random
import statistics
import sys
import threading
import time
from datetime import date
from typing import Callable

import ipywidgets as w
import plotly.graph_objects as go
import plotly.io as pio
import torch

from widgets import labview
from widgets.cliff import cliff_view
from widgets.critic import critic_view
from widgets.games import preference_view
from widgets.jupyter_front import KernelAwareRedrawer
from widgets.live_figure_widget import LiveFigureWidget
from widgets.labview import REFRESH_S, LabView, Redrawer
from widgets.lattice import lattice_view
from widgets.llmrl import llmrl_view
from widgets.panel_front import FigureWorker
from widgets.repeated import learner_view
from widgets.synchrony import controller_view

TABS = {"cliff": cliff_view, "games": preference_view, "repeated": learner_view, "lattice": lattice_view,
        "critic": critic_view, "synchrony": controller_view, "llmrl": llmrl_view}
MODES = ("none", "jupyter", "dashboard")
POLL_S = 0.02
VIEW_THREADS = ("lab-redraw", "lab-figures", "bench-tick", "MainThread")  # the main thread presses Run
WATCHED = ("lab-run", *VIEW_THREADS)


# --------------------------------------------------------------------------- timing what a view does
class Timing:
    """Wraps a view's ``frame`` and ``figure`` (instance attributes) and counts what they cost."""

    def __init__(self, view: LabView):
        n = len(view.figure_fns)
        self.build, self.show, self.count = [0.0] * n, [0.0] * n, [0] * n
        self.snapshot_s, self.snapshots = 0.0, 0
        self.state_s, self.states = 0.0, 0
        self.on = False  # only count inside the timed segment
        frame, figure = view.frame, view.figure

        def timed_frame():
            started = time.perf_counter()
            try:
                return frame()
            finally:
                if self.on:
                    self.snapshot_s += time.perf_counter() - started
                    self.snapshots += 1

        def timed_figure(i, history, config):
            started = time.perf_counter()
            try:
                return figure(i, history, config)
            finally:
                if self.on:
                    self.build[i] += time.perf_counter() - started
                    self.count[i] += 1

        view.frame, view.figure = timed_frame, timed_figure

    def add_show(self, i: int, seconds: float) -> None:
        if self.on:
            self.show[i] += seconds

    def watch_trainer(self, view: LabView) -> None:
        """Time the trainer's ``view_state()`` copies (made in the training thread, for the views)."""
        trainer = view.run.trainer
        original = trainer.view_state

        def timed():
            started = time.perf_counter()
            try:
                return original()
            finally:
                if self.on:
                    self.state_s += time.perf_counter() - started
                    self.states += 1

        trainer.view_state = timed


# --------------------------------------------------------------------------- the fronts
class NoView:
    """The run alone. Every front keeps, per run it started, when it started and when it ended."""

    def __init__(self, view: LabView, timing: Timing):
        self.view, self.timing, self.statuses, self.redraw = view, timing, [], None
        self.runs: list[list] = []   # [run, started, ended or None]

    def press(self, action) -> None:
        action()
        if action == self.view.start and self.view.run is not None and (
                not self.runs or self.runs[-1][0] is not self.view.run):
            entry = [self.view.run, time.perf_counter(), None]
            self.runs.append(entry)
            self.view.run.callbacks.append(lambda run, entry=entry: run.done and _ended(entry))
            self.timing.watch_trainer(self.view)

    def training_seconds(self, t0: float, t1: float) -> float:
        """Seconds within [t0, t1] that a run was training (the gaps between runs left out)."""
        total = 0.0
        for _run, started, ended in self.runs:
            total += max(0.0, min(ended if ended is not None else t1, t1) - max(started, t0))
        return total

    def before_restart(self) -> None:
        pass

    def close(self) -> None:
        pass


def _ended(entry: list) -> None:
    if entry[2] is None:
        entry[2] = time.perf_counter()


class JupyterFront(NoView):
    """widgets/jupyter_front.py's wiring: FigureWidgets, a KernelAwareRedrawer, its loop in a thread."""

    def __init__(self, view: LabView, timing: Timing):
        super().__init__(view, timing)
        self.figures = [LiveFigureWidget(fig) for fig in view.figures()]
        self.status, self.progress = w.HTML(), w.FloatProgress(min=0.0, max=1.0)

        def show_figure(i: int, fresh: go.Figure) -> None:
            started = time.perf_counter()
            self.figures[i].redraw_from(fresh)
            timing.add_show(i, time.perf_counter() - started)

        def show_status(sentence: str, is_error: bool) -> None:
            color = "#b00020" if is_error else "#333"
            self.status.value = f'<span style="color:{color}">{html.escape(sentence)}</span>'
            self.statuses.append((time.perf_counter(), sentence))

        self.redraw = KernelAwareRedrawer(view, show_figure, show_status,
                                          lambda p: setattr(self.progress, "value", p))
        self.loop: list[threading.Thread] = []
        self.redraw()

    def follow_the_run(self) -> None:
        if self.loop and self.loop[0].is_alive():
            return
        thread = threading.Thread(target=self.redraw.loop_while, daemon=True, name="lab-redraw",
                                  args=(lambda: self.view.run is not None and self.view.run.alive,))
        self.loop[:] = [thread]
        thread.start()

    def press(self, action) -> None:
        super().press(action)   # the button's handler: the action, the loop, one redraw here
        self.follow_the_run()
        self.redraw()

    def before_restart(self) -> None:
        """A user presses Run again after the finished run's last picture is drawn."""
        if self.loop:
            self.loop[0].join(10)

    def close(self) -> None:
        self.view.close()
        self.before_restart()


class DashboardFront(NoView):
    """widgets/panel_front.py's wiring: a FigureWorker, and a thread ticking as the session's event loop."""

    def __init__(self, view: LabView, timing: Timing):
        super().__init__(view, timing)

        def show_status(sentence: str, is_error: bool) -> None:
            self.statuses.append((time.perf_counter(), sentence))

        self.redraw = Redrawer(view, lambda i, fresh: None, show_status, lambda p: None)
        self.worker = FigureWorker(self.redraw)
        self.pages = [pio.to_json(fig) for fig in view.figures()]  # the panes' first objects
        self._closed = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, daemon=True, name="bench-tick")
        self._ticker.start()

    def tick(self) -> None:
        """One periodic callback: status and progress, then the figures the worker drew, serialized."""
        self.redraw.draw_status()
        for i, fig in self.worker.take().items():
            started = time.perf_counter()
            self.pages[i] = pio.to_json(fig)
            spent = time.perf_counter() - started
            self.redraw.add_cost(i, spent)
            self.timing.add_show(i, spent)

    def _tick_loop(self) -> None:
        due = time.perf_counter()
        while not self._closed.is_set():
            self.tick()
            due += REFRESH_S
            now = time.perf_counter()
            if due < now:  # a late tick is not made up (Tornado's PeriodicCallback skips them)
                due = now + REFRESH_S - (now - due) % REFRESH_S
            self._closed.wait(due - now)

    def press(self, action) -> None:
        super().press(action)   # panel_front's press(): the action, the status, poke the worker
        self.redraw.draw_status()
        self.worker.poke()

    def close(self) -> None:
        self.view.close()
        self.worker.close()
        self._closed.set()
        self._ticker.join(5)
        self.worker._thread.join(10)  # noqa: SLF001 - the benchmark waits for the worker to end


FRONTS = {"none": NoView, "jupyter": JupyterFront, "dashboard": DashboardFront}


# --------------------------------------------------------------------------- threads' CPU, waits, switches
def thread_stat(native_id: int) -> tuple[float, ...] | None:
    """(CPU s, s waiting on a run queue, voluntary and involuntary context switches) of a thread of
    this process, from /proc (Linux); None when it has ended or /proc has no such file."""
    try:
        with open(f"/proc/self/task/{native_id}/schedstat") as f:
            cpu, wait, _ = f.read().split()
        with open(f"/proc/self/task/{native_id}/status") as f:
            fields = dict(line.split(":", 1) for line in f if "ctxt_switches" in line)
    except (OSError, ValueError):
        return None
    return (int(cpu) / 1e9, int(wait) / 1e9, int(fields.get("voluntary_ctxt_switches", 0)),
            int(fields.get("nonvoluntary_ctxt_switches", 0)))


class ThreadClock:
    """Follows every thread of the process through a window: its /proc counters between the first and
    the last time it was seen (every POLL_S), and that observed lifetime."""

    def __init__(self):
        self.seen: dict[int, dict] = {}

    def sample(self) -> None:
        now = time.perf_counter()
        for thread in threading.enumerate():
            if thread.name not in WATCHED:
                continue
            stat = thread_stat(thread.native_id) if thread.native_id is not None else None
            if stat is not None:
                entry = self.seen.setdefault(thread.native_id, {"name": thread.name, "first": stat, "since": now})
                entry["last"], entry["until"] = stat, now

    def totals(self, names) -> tuple[float, ...]:
        """(CPU s, run-queue s, voluntary, involuntary switches, observed lifetime s) of threads ``names``."""
        sums = [0.0] * 5
        for entry in self.seen.values():
            if entry["name"] in names:
                for k in range(4):
                    sums[k] += entry["last"][k] - entry["first"][k]
                sums[4] += entry["until"] - entry["since"]
        return tuple(sums)


# --------------------------------------------------------------------------- training with a view
class Session:
    """A tab's view in one mode, its run pressed again whenever it finishes; ``steps()`` counts every
    step trained since the first Run."""

    def __init__(self, tab: str, mode: str):
        self.tab, self.mode = tab, mode
        self.view = TABS[tab]()
        self.timing = Timing(self.view)
        self.front = FRONTS[mode](self.view, self.timing)
        self.done_steps, self.runs = 0, 1
        self.front.press(self.view.start)
        self.started = time.perf_counter()

    def steps(self) -> int:
        run = self.view.run
        if run.done:     # finished: runs shorter than the window are pressed again
            if run.state != "finished":
                raise RuntimeError(f"{self.tab} ({self.mode}): the run {run.state}: {run.error}")
            self.front.before_restart()
            self.done_steps += run.step
            self.front.press(self.view.start)
            self.runs += 1
        return self.done_steps + self.view.run.step

    def warm_up(self, seconds: float) -> None:
        """Train ``seconds``, and past the config's ``learning_starts`` where it has one."""
        floor = getattr(self.view.config, "learning_starts", 0)
        while time.perf_counter() - self.started < seconds or self.steps() < floor:
            time.sleep(POLL_S)

    def close(self) -> None:
        run = self.view.run
        self.front.close()
        self.view.close()
        if run is not None:
            run.join(10)


def measure(tab: str, mode: str, seconds: float, warmup: float, segment: tuple[int, int] | None) -> dict:
    """Train tab's view in ``mode``; with ``segment`` None find one (``none`` mode), else time it."""
    session = Session(tab, mode)
    view, timing, front = session.view, session.timing, session.front
    try:
        if segment is None:
            session.warm_up(warmup)
        else:
            while session.steps() < segment[0]:
                time.sleep(POLL_S)
        first, t0, runs0 = session.steps(), time.perf_counter(), session.runs
        timing.on = True
        cap = 4 * seconds + 30   # with a view, a segment may take longer; never forever
        while True:
            time.sleep(POLL_S)
            now, count = time.perf_counter(), session.steps()
            if segment is None and now - t0 >= seconds:
                break
            if segment is not None and (count >= segment[1] or now - t0 >= cap):
                break
        last, t1 = session.steps(), time.perf_counter()
        timing.on = False
        result = {
            "segment": (first, last), "rate": (last - first) / front.training_seconds(t0, t1),
            "runs": session.runs - runs0 + 1, "steps_per_run": view.run.steps,
            "names": [getattr(fn, "__name__", f"figure {i + 1}") for i, fn in enumerate(view.figure_fns)],
            "redraws": list(timing.count),
            "build_ms": [1e3 * b / c if c else float("nan") for b, c in zip(timing.build, timing.count)],
            "show_ms": [1e3 * s / c if c else float("nan") for s, c in zip(timing.show, timing.count)],
            "state_copies": timing.states,
            "state_ms": 1e3 * timing.state_s / timing.states if timing.states else float("nan"),
        }
        if front.redraw is not None:
            result["cost_ms"] = [1e3 * c for c in front.redraw.cost]
            result["period_s"] = [front.redraw.period(i) for i in range(len(front.redraw.cost))]
        return result
    finally:
        session.close()


def alternate(tab: str, mode: str, seconds: float, warmup: float, phase: float,
              variant: Callable[[bool], None] | None = None) -> dict:
    """One run (pressed again when it finishes), its live view switched on and off every ``phase``
    seconds for ``seconds``: the training thread's speed, CPU, waits and switches per step in each
    phase, and the drawing threads' CPU. Alternating cancels the slow drifts of a shared machine's load.
    With ``variant`` (called with True to apply a change, False to undo it) the phases go on, off,
    variant, off, …: the lab as it is and the change, measured side by side in the same run."""
    session = Session(tab, mode)
    front, drawing = session.front, threading.Event()
    draw_figures, draw_status = front.redraw.draw_figures, front.redraw.draw_status
    front.redraw.draw_figures = lambda: draw_figures() if drawing.is_set() else None
    front.redraw.draw_status = lambda: draw_status() if drawing.is_set() else None
    cycle = ["on", "off", "variant", "off"] if variant is not None else ["on", "off"]
    phases: list[tuple[str, dict]] = []
    try:
        session.warm_up(warmup)
        begun = time.perf_counter()
        while time.perf_counter() - begun < seconds or len(phases) % len(cycle):
            kind = cycle[len(phases) % len(cycle)]
            if variant is not None:
                variant(kind == "variant")
            (drawing.clear if kind == "off" else drawing.set)()
            clock, first, t0 = ThreadClock(), session.steps(), time.perf_counter()
            clock.sample()
            while time.perf_counter() - t0 < phase:
                time.sleep(POLL_S)
                clock.sample()
                session.steps()
            last, t1 = session.steps(), time.perf_counter()
            clock.sample()
            steps = max(last - first, 1)
            cpu, wait, voluntary, involuntary, life = clock.totals({"lab-run"})
            phases.append((kind, {
                "rate": (last - first) / front.training_seconds(t0, t1),
                "cpu_ms": 1e3 * cpu / steps, "wait_ms": 1e3 * wait / steps,
                "blocked_ms": 1e3 * max(life - cpu - wait, 0.0) / steps,
                "switches": (voluntary + involuntary) / steps, "draw_cpu": clock.totals(VIEW_THREADS)[0] / (t1 - t0)}))
        result = {}
        for kind in cycle[:3] if variant is not None else cycle:
            rows = [p for k, p in phases if k == kind]
            for key in rows[0]:
                result[f"{key}_{kind}"] = statistics.median(p[key] for p in rows)
            if kind != "off":   # each on (or variant) phase over the off phase after it
                pairs = [(p, phases[i + 1][1]) for i, (k, p) in enumerate(phases) if k == kind]
                result["pairs"] = len(pairs)
                result[f"ratio_{kind}"] = statistics.median(a["rate"] / b["rate"] for a, b in pairs)
        return result
    finally:
        if variant is not None:
            variant(False)
        session.close()


def stop_latency(tab: str, mode: str, run_seconds: float) -> dict | None:
    """Press Stop while the run trains with the live view drawing; seconds to done and to "Stopped"."""
    view = TABS[tab]()
    front = FRONTS[mode](view, Timing(view))
    try:
        for _attempt in range(5):
            front.press(view.start)
            delay = random.uniform(0.3, 1.0) if run_seconds > 2 else random.uniform(0.2, 0.5) * run_seconds
            time.sleep(delay)
            if view.run.done:
                front.before_restart()
                continue     # it finished before Stop: try again
            run, ended = view.run, []

            def watch() -> None:  # the run's end, seen within a millisecond, whatever the press does
                while not run.done and time.perf_counter() - pressed < 30:
                    time.sleep(0.001)
                ended.append(time.perf_counter())

            watcher = threading.Thread(target=watch, daemon=True)
            pressed = time.perf_counter()
            watcher.start()
            front.press(view.stop)
            watcher.join()
            done = ended[0] - pressed
            shown = None
            while time.perf_counter() - pressed < 30 and shown is None:
                shown = next((t - pressed for t, s in list(front.statuses) if t >= pressed and s.startswith("Stopped")),
                             None)
                time.sleep(0.001)
            return {"done": done, "shown": shown, "state": view.run.state}
        return None
    finally:
        front.close()
        view.close()
        if view.run is not None:
            view.run.join(10)


# --------------------------------------------------------------------------- the tables
def median_of(results: list[dict], key: str):
    values = [r[key] for r in results]
    if isinstance(values[0], list):
        return [statistics.median(v) for v in zip(*values)]
    return statistics.median(values)


def fmt_ms(ms: float) -> str:
    if ms != ms:
        return "–"
    return f"{ms:,.0f}" if ms >= 10 else f"{ms:.1f}" if ms >= 1 else f"{ms:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="training window per measurement")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds trained before the window")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tabs", default=",".join(TABS), help=f"comma-separated, of {', '.join(TABS)}")
    parser.add_argument("--threads", default="1,2", help="torch intra-op thread counts, comma-separated")
    parser.add_argument("--alternate", type=float, default=20.0,
                        help="seconds of view-on/view-off alternation per tab and front (0: skip)")
    parser.add_argument("--phase", type=float, default=2.0, help="seconds of each on or off phase")
    parser.add_argument("--stops", type=int, default=5, help="Stop presses per tab and front (0: skip)")
    parser.add_argument("--no-speed", action="store_true", help="skip the separate with/without runs")
    parser.add_argument("--budget", type=float, default=None,
                        help="experiment: override widgets.labview.BUDGET (the lab's value otherwise)")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="experiment: sys.setswitchinterval(seconds) (Python's 0.005 otherwise)")
    parser.add_argument("--compare-budget", type=float, default=None,
                        help="experiment: in the alternation, also phases with BUDGET set to this value")
    parser.add_argument("--compare-switch-interval", type=float, default=None,
                        help="experiment: in the alternation, also phases with this sys.setswitchinterval")
    parser.add_argument("--seed", type=int, default=0, help="for the delays before Stop")
    args = parser.parse_args()
    tabs = [t.strip() for t in args.tabs.split(",") if t.strip()]
    unknown = set(tabs) - set(TABS)
    if unknown:
        parser.error(f"unknown tabs {sorted(unknown)}; choose from {', '.join(TABS)}")
    thread_counts = [int(n) for n in args.threads.split(",")]
    random.seed(args.seed)
    if args.budget is not None:
        labview.BUDGET = args.budget
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    variant, variant_name = None, ""
    if args.compare_budget is not None:
        lab_budget, variant_name = labview.BUDGET, f"BUDGET {args.compare_budget:g}"

        def variant(apply: bool) -> None:
            labview.BUDGET = args.compare_budget if apply else lab_budget
    elif args.compare_switch_interval is not None:
        lab_interval, variant_name = sys.getswitchinterval(), f"switch interval {args.compare_switch_interval * 1e3:g} ms"

        def variant(apply: bool) -> None:
            sys.setswitchinterval(args.compare_switch_interval if apply else lab_interval)
    load = os.getloadavg()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{date.today()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start; "
          f"window {args.seconds:g} s after {args.warmup:g} s, {args.repeats} repeats; alternation "
          f"{args.alternate:g} s in {args.phase:g} s phases; BUDGET {labview.BUDGET:g}, switch interval "
          f"{sys.getswitchinterval() * 1e3:g} ms\n", flush=True)
    speed, figures, alternating, stops = [], [], [], []
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for tab in tabs:
            measure(tab, "none", 1.0, 0.5, None)   # untimed: first imports, caches, allocator
            run_s = None
            if not args.no_speed:
                results = {mode: [] for mode in MODES}
                for _ in range(args.repeats):
                    base = measure(tab, "none", args.seconds, args.warmup, None)
                    results["none"].append(base)
                    for mode in MODES[1:]:
                        results[mode].append(measure(tab, mode, args.seconds, args.warmup, base["segment"]))
                rate = {mode: median_of(rs, "rate") for mode, rs in results.items()}
                base = results["none"][0]
                run_s = base["steps_per_run"] / rate["none"]
                speed.append(f"| {tab} | {threads} | {base['steps_per_run']:,} ({run_s:.1f} s) | "
                             f"{median_of(results['none'], 'runs'):g} | {rate['none']:,.1f} | "
                             + " | ".join(f"{rate[m]:,.1f} | {rate[m] / rate['none']:.2f}" for m in MODES[1:])
                             + f" | {os.getloadavg()[0]:.1f} |")
                print(speed[-1], flush=True)
                for mode in MODES[1:]:
                    rs = results[mode]
                    redraws, build, show = (median_of(rs, k) for k in ("redraws", "build_ms", "show_ms"))
                    cost, period = median_of(rs, "cost_ms"), median_of(rs, "period_s")
                    for i, name in enumerate(rs[0]["names"]):
                        figures.append(f"| {tab} | {threads} | {mode} | {name} | {redraws[i]:g} | "
                                       f"{fmt_ms(build[i])} | {fmt_ms(show[i])} | {fmt_ms(cost[i])} | {period[i]:.2f} |")
                    if median_of(rs, "state_copies"):
                        figures.append(f"| {tab} | {threads} | {mode} | (trainer.view_state copies, in the "
                                       f"training thread) | {median_of(rs, 'state_copies'):g} | "
                                       f"{fmt_ms(median_of(rs, 'state_ms'))} | | | |")
            for mode in MODES[1:] if args.alternate else ():
                a = alternate(tab, mode, args.alternate, args.warmup, args.phase, variant)
                alternating.append(
                    f"| {tab} | {threads} | {mode} | {os.getloadavg()[0]:.1f} | {a['pairs']} | {a['rate_off']:,.1f} | {a['rate_on']:,.1f} | "
                    f"{a['ratio_on']:.2f} | " + " | ".join(f"{fmt_ms(a[k + '_off'])} → {fmt_ms(a[k + '_on'])}"
                                                           for k in ("cpu_ms", "wait_ms", "blocked_ms"))
                    + f" | {a['switches_off']:.2f} → {a['switches_on']:.2f} | "
                    f"{a['draw_cpu_on']:.2f} ({a['draw_cpu_on'] - a['draw_cpu_off']:.2f}) |"
                    + (f" {a['rate_variant']:,.1f} | {a['ratio_variant']:.2f} | {fmt_ms(a['blocked_ms_variant'])} | "
                       f"{a['draw_cpu_variant']:.2f} ({a['draw_cpu_variant'] - a['draw_cpu_off']:.2f}) |"
                       if variant is not None else ""))
                print(alternating[-1], flush=True)
            for mode in MODES[1:] if args.stops else ():
                if run_s is None:
                    view = TABS[tab]()
                    run_s = view.config.steps / max(measure(tab, "none", 2.0, 0.5, None)["rate"], 1e-9)
                taken = [s for s in (stop_latency(tab, mode, run_s) for _ in range(args.stops)) if s]
                if not taken:
                    stops.append(f"| {tab} | {threads} | {mode} | (every run finished before Stop) | | | | |")
                    continue
                done = [1e3 * s["done"] for s in taken]
                shown = [1e3 * s["shown"] for s in taken if s["shown"] is not None]
                stops.append(f"| {tab} | {threads} | {mode} | {len(taken)} | {fmt_ms(statistics.median(done))} | "
                             f"{fmt_ms(max(done))} | " + (f"{fmt_ms(statistics.median(shown))} | {fmt_ms(max(shown))} |"
                                                         if shown else "never | |"))
                print(stops[-1], flush=True)
    load = os.getloadavg()
    print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")
    if speed:
        print("\nTraining speed, separate runs (median steps/s over the same segment of steps; × = with the view / "
              "without; load = the 1-minute load average when the row was done):\n")
        print("| tab | torch threads | steps per run (s, no view) | runs in segment | no view | JupyterLab | × | "
              "dashboard | × | load |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(speed))
        print("\nPer figure (medians): redraws in the segment, mean ms to build it and to show (update_in_place) or "
              "serialize (to_json) it, the Redrawer's cost and period at the end:\n")
        print("| tab | threads | front | figure | redraws | build ms | show ms | cost ms | period s |")
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(figures))
    if alternating:
        print("\nView switched off and on in one run (medians over phases; × = median of on/off pairs): the "
              "training thread's ms per step on a CPU, waiting for a core, and blocked (the GIL, and with two "
              "torch threads its workers), its context switches per step, the drawing threads' CPU s per s with the "
              "view on (in brackets: minus the same threads' CPU with it off, i.e. the benchmark's own polling "
              "taken out):\n")
        extra = (f" {variant_name}: steps/s | × | blocked ms/step | draw CPU s/s |" if variant is not None else "")
        print("| tab | threads | front | load | pairs | off steps/s | on steps/s | × | CPU ms/step | run-queue ms/step | "
              "blocked ms/step | switches/step | draw CPU s/s |" + extra)
        print("|---" * (13 + 4 * (variant is not None)) + "|")
        print("\n".join(alternating))
    if stops:
        print(f"\nStop while the view draws ({args.stops} presses; ms from Stop to run.done and to the status "
              "line saying Stopped):\n")
        print("| tab | threads | front | presses | → done median | → done max | → Stopped shown median | max |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(stops))


if __name__ == "__main__":
    main()
