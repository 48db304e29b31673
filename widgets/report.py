"""A sweep's report: a table per metric on stdout and one self-contained HTML page of figures.

    stability-lab report DIR [--metric NAME ...]        (python -m widgets.report DIR ...)

For every grid setting, over all its base seeds × members: n, mean, IQM and the IQM's 95 %
stratified-bootstrap interval of each metric's final value (``lab.core.sweep.summarize``). The page
``DIR/report.html`` draws, per metric, the aggregates of every grid setting with their intervals, the
performance profile and, for up to six settings, every pair's probability of improvement
(``widgets.stats_figures``); plotly.js is inlined, so it opens offline and
sends no request anywhere.
"""
from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lab.core.sweep import SweepError, load_sweep, metric_columns, summarize
from widgets.stats_figures import aggregates_figure, improvement_figure, profile_figure

REPORT = "report.html"
REPS = 5_000
MAX_PAIRED = 6      # settings up to which every pair's probability of improvement is drawn (15 pairs)


def setting_name(spec, row) -> str:
    return ", ".join(f"{name}={row[name]}" for name in spec.grid) or str(row["point"])


def sweep_figures(spec, finals, metric: str) -> tuple[pd.DataFrame, list[go.Figure]]:
    """A sweep's summary of ``metric`` per grid setting and its figures: the aggregates with their intervals,
    the performance profile and, for 2 to MAX_PAIRED settings, every pair's probability of improvement."""
    table = summarize(spec, finals, metric, reps=REPS)
    scores = {}
    for (_, row), (_, group) in zip(table.iterrows(), finals.groupby(list(spec.grid) or ["point"])):
        values = group[metric].to_numpy(float)
        if np.isfinite(values).any():
            scores[setting_name(spec, row)] = values[np.isfinite(values)]
    figures = [aggregates_figure(scores, reps=REPS), profile_figure(scores)]
    if 2 <= len(scores) <= MAX_PAIRED:
        figures.append(improvement_figure(scores, reps=REPS))
    return table, figures


def write_report(directory: str | Path, metrics: list[str] | None = None) -> tuple[str, Path]:
    """The tables as text and the path of the HTML page."""
    spec, finals = load_sweep(directory)
    metrics = metrics or metric_columns(spec, finals)
    texts, sections = [], []
    for metric in metrics:
        table, figures = sweep_figures(spec, finals, metric)
        texts.append(f"{metric}\n{table.to_string(index=False, float_format=lambda v: f'{v:.4g}')}")
        sections.append(f"<h2>{html.escape(metric)}</h2>" + "".join(
            f.to_html(full_html=False, include_plotlyjs=(not sections and k == 0)) for k, f in enumerate(figures)))
    title = f"Sweep of {html.escape(Path(spec.target).name)} over {html.escape(', '.join(spec.grid) or 'seeds')}"
    path = Path(directory) / REPORT
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
                    f"<body><h1>{title}</h1>{''.join(sections)}</body></html>")
    return "\n\n".join(texts), path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stability-lab report", description="Tables and figures of a sweep.")
    parser.add_argument("directory", metavar="DIR", help="a sweep's directory (stability-lab sweep --out DIR)")
    parser.add_argument("--metric", action="append", help="a metric to report (repeat; default: every metric)")
    args = parser.parse_args(argv)
    try:
        text, path = write_report(args.directory, args.metric)
    except SweepError as err:
        print(f"stability-lab report: error: {err}", file=sys.stderr)
        return 2
    print(text)
    print(f"\nfigures: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
