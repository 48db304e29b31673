"""A sweep's report: per grid setting, the IQM of the members × seeds' final values; one offline page."""
import re

import numpy as np
import pytest

from lab.core import stats
from lab.core.sweep import SweepError, load_sweep, run_sweep, summarize, trainer_spec
from lab.core.trainers import TRAINERS
from widgets.report import main, write_report


@pytest.fixture
def sweep_dir(tmp_path, monkeypatch):
    monkeypatch.setitem(TRAINERS, "toy", ("toy_trainer", "DecayTrainer"))
    run_sweep(trainer_spec("toy", {"steps": "15", "members": "5"}, {"rate": ["0.1", "0.6"]}, [0, 1]), tmp_path,
              progress=False)
    return tmp_path


def test_the_summary_pools_seeds_and_members_per_setting(sweep_dir):
    spec, finals = load_sweep(sweep_dir)
    table = summarize(spec, finals, "loss", reps=200)
    assert list(table["rate"]) == [0.1, 0.6] and list(table["n"]) == [10, 10]
    for _, row in table.iterrows():
        values = finals.loc[finals["rate"] == row["rate"], "loss"].to_numpy()
        assert row["iqm"] == pytest.approx(stats.iqm(values)) and row["iqm_low"] <= row["iqm"] <= row["iqm_high"]
    with pytest.raises(SweepError, match="no metric 'los' in this sweep; its metrics: x, loss, t"):
        summarize(spec, finals, "los")


def test_the_report_page_draws_every_metric_offline(sweep_dir, capsys):
    assert main([str(sweep_dir), "--metric", "loss"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("loss\n") and "report.html" in printed
    page = (sweep_dir / "report.html").read_text()
    assert "<h2>loss</h2>" in page and page.count("Plotly.newPlot") == 3   # aggregates, profile, P(X > Y)
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"""(src|href)=["']?https?://""", outside_scripts)   # nothing fetched: no remote tag
    assert not re.search(r"<script[^>]*\bsrc=", page) and len(page) > 1_000_000  # plotly.js inlined
    text, _ = write_report(sweep_dir)
    assert [block.splitlines()[0] for block in text.split("\n\n")] == ["x", "loss", "t"]


def test_a_directory_that_is_not_a_sweep_is_named(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "is not a sweep directory (no sweep.json)" in capsys.readouterr().err
