"""A process that exits while a dashboard view's figure thread is inside torch exits cleanly: the
figure threads are stopped and joined at exit (widgets.panel_front.stop_figure_workers)."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A figure thread busy in torch for 7 s (matrix products, as the critic's value landscape), longer than a
# run's exit wait (EXIT_JOIN_S, 5 s), and the interpreter exiting 0.5 s into it. Without the exit hook: SIGABRT,
# 3 of 3 tries here; with a 5 s wait, a 1.3 s draw outlasted it once at load 9-15 (see FIGURE_EXIT_JOIN_S).
SCRIPT = textwrap.dedent("""
    import time, torch
    torch.set_num_threads(1)
    from widgets.panel_front import FigureWorker

    class Busy:
        show_figure = None
        def draw_figures(self):
            a, started = torch.randn(400, 400), time.monotonic()
            while time.monotonic() - started < 7:
                a = torch.tanh(a @ a)

    FigureWorker(Busy())
    time.sleep(0.5)
    print("drawing", flush=True)
""")


def test_exiting_while_a_figure_thread_is_inside_torch_exits_cleanly():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "drawing" in done.stdout, done.stderr
    assert "terminate called" not in done.stderr and done.returncode == 0, (done.returncode, done.stderr)
