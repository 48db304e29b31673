"""benchmarks/gpu_suite.py stays runnable between GPU loans: its --quick run on this machine measures
every CPU row (none failed or skipped) and prints the one table the GPU run will fill."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_gpu_suite_runs_every_cpu_row_quickly(tmp_path):
    out = tmp_path / "table.md"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_suite.py"), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and "---" not in line][1:]
    tasks = {row.split(" | ")[0].lstrip("| ") for row in rows}
    assert tasks == {"SAC Pendulum 2×32", "Nash-MP 16 games × 10 actions", "LLM-RL", "lattice", "cliff bandit"}
    for row in rows:
        assert "failed" not in row and "skipped" not in row, row
        assert row.split(" | ")[3].endswith("/s"), row
