"""A Run click on a loaded dashboard.

Seen with benchmarks/bench_sessions.py at load 12–16 on this 2-core machine: 1–4 of 8 Critic pages did
not say "Running" within 30 s of their Run click. The click was never lost: Chromium sent it at once
(the page's websocket frame), the server read it 20–75 s later and started the run, and the page said
"Running" 31–78 s after the click. Until then that page's websocket carried nothing from the server:
its one event loop, which reads every page's messages in turn, was working through the other pages'
tab builds (~1.2 CPU s each, far more wall time at that load) and figure pushes — and, at the first
Run, the trainer's first optimizer imported torch._dynamo and sympy on it (5.8 s).

The server now does those imports before it serves (``dashboard.import_optimizers``); that is checked
here. The wait behind other pages' work on the event loop is Panel's and Bokeh's one-loop design; it
needs a loaded machine to show and cannot be made to fail on demand without one, so it is measured by
the benchmark (the time from click to "Running" per page) and not asserted here.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_server_imports_what_the_first_optimizer_would_import_on_the_event_loop():
    """In a fresh interpreter (this one may have imported them already): before, the first Run click's
    trainer imported torch._dynamo and sympy on the event loop, and every page's clicks waited."""
    code = ("import sys; from widgets import dashboard; assert 'torch._dynamo' not in sys.modules; "
            "dashboard.import_optimizers(); assert 'torch._dynamo' in sys.modules and 'sympy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300, cwd=ROOT)
