"""The Runs page: the saved runs and sweeps of a runs root, opened, compared and downloaded.

``runs_tab(root=None)`` builds it for one browser session (the root defaults to
``lab.core.run_store.runs_root()``). A table lists the root's entries, newest first, broken ones with
their error. Open one: a run shows its lab's figures (``widgets.run_figures``), its config with 'copy as
code', and downloads of its History (CSV, Parquet) and config (JSON); a sweep shows its report's table
and figures for a chosen metric. Compare two to six runs: one figure of a chosen metric, each run's mean
over seeds and its band from the lowest to the highest seed (``widgets.llmrl.arms_figure``). Listing,
loading and drawing happen off the event loop (``panel_front.in_the_background``); every error is a
sentence on the page, and every name and value shown is escaped.
"""
from __future__ import annotations

import asyncio
import functools
import html
import io
import json
import os
from datetime import datetime
from pathlib import Path

import panel as pn

from lab.core import History
from lab.core.run_store import Entry, Listing, list_entries, load_run, runs_root
from lab.core.sweep import load_sweep, metric_columns
from lab.core.trainers import trainer_class

from .llmrl import ARM_COLORS, arms_figure
from .panel_front import BACKGROUND, in_the_background, markdown_text, reproduce_card
from .report import sweep_figures
from .run_figures import run_figures

MAX_COMPARED = len(ARM_COLORS)
CONFIG_SHOWN = 160  # characters of an entry's config in the table


def saved_at(entry: Entry) -> str:
    """The entry's time as local 'YYYY-MM-DD HH:MM'."""
    return datetime.fromtimestamp(entry.saved).strftime("%Y-%m-%d %H:%M")


@functools.lru_cache(maxsize=None)
def _defaults(trainer: str) -> dict:
    return trainer_class(trainer).Config().model_dump()


def config_summary(entry: Entry) -> str:
    """An entry's config in one line: the fields off the trainer's defaults (a sweep: its settings and
    grid), cut to CONFIG_SHOWN characters."""
    config = entry.config
    if entry.kind == "run":
        try:
            defaults = _defaults(entry.trainer)
            config = {name: value for name, value in config.items() if defaults.get(name) != value}
        except ValueError:  # a trainer not in lab.core.trainers: show its whole config
            pass
    text = ", ".join(f"{name}={value}" for name, value in config.items()) or "the defaults"
    return text if len(text) <= CONFIG_SHOWN else text[: CONFIG_SHOWN - 1] + "…"


def entries_table(listing: Listing, root: Path) -> str:
    """The listing as an HTML table, every cell escaped; a sentence when the root holds nothing."""
    if not listing.entries:
        return (f"<p>No saved runs or sweeps in {html.escape(str(root))} yet: save a finished run from its "
                "lab's tab.</p>")
    rows = []
    for e in listing.entries:
        details = (f"<span style='color:#b00'>{html.escape(e.error)}</span>" if e.error
                   else html.escape(config_summary(e)))
        cells = [e.name, e.kind, e.trainer or "", "" if e.steps is None else f"{e.steps:,}",
                 "" if e.population is None else f"{e.population:,}", saved_at(e)]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + f"<td>{details}</td></tr>")
    more = f"<p>{listing.left_out:,} older entries are not listed.</p>" if listing.left_out else ""
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in
                   ["name", "kind", "trainer", "steps", "population", "saved", "config (off the defaults) or error"])
    return f"<table class='lab-runs-table'><tr>{head}</tr>{''.join(rows)}</table>{more}"


def common_metrics(entries: list[Entry]) -> list[str]:
    """The metrics every one of ``entries`` recorded, in the first one's order."""
    if not entries:
        return []
    shared = set.intersection(*(set(e.metrics) for e in entries))
    return [m for m in entries[0].metrics if m in shared]


def compare_figure(runs: dict[str, History], metric: str):
    """``metric`` of up to MAX_COMPARED runs side by side: each run's mean over seeds and its seed range."""
    return arms_figure(runs, [(metric, metric)], f"{metric}: runs side by side")


def csv_bytes(history: History) -> io.BytesIO:
    return io.BytesIO(history.frame().to_csv(index=False).encode())


def parquet_bytes(history: History) -> io.BytesIO:
    buffer = io.BytesIO()
    history.frame().to_parquet(buffer, index=False)
    buffer.seek(0)
    return buffer


def config_bytes(history: History) -> io.BytesIO:
    return io.BytesIO(json.dumps(history.meta.get("config", {}), indent=1).encode())


def made_in_the_background(make, history: History):
    """A FileDownload callback that makes the file on a ``BACKGROUND`` thread: the CSV of the Policy Cliff's
    default run (288,000 rows, 22 MB) takes about 4 s, which would freeze every session on the event loop."""
    async def callback():
        return await asyncio.wrap_future(BACKGROUND.submit(make, history))
    return callback


def downloads(name: str, history: History) -> pn.Row:
    """Buttons that download the run's History (CSV, Parquet) and config (JSON), made when clicked."""
    return pn.Row(*[pn.widgets.FileDownload(callback=made_in_the_background(make, history), filename=f"{name}{suffix}",
                                            label=label, embed=False, css_classes=[css], color="light")
                    for make, suffix, label, css in [
                        (csv_bytes, ".csv", "History (CSV)", "lab-download-csv"),
                        (parquet_bytes, ".parquet", "History (Parquet)", "lab-download-parquet"),
                        (config_bytes, ".config.json", "Config (JSON)", "lab-download-config")]])


class RunsPage:
    """One session's Runs page over ``root``; its methods may be called without a server (tests)."""

    def __init__(self, root: Path):
        self.root, self.listing = root, Listing([], 0)
        self.refresh_button = pn.widgets.Button(label="Refresh", width=90, css_classes=["button-refresh-runs"])
        self.table = pn.pane.HTML("<p>Reading the list…</p>", sizing_mode="stretch_width")
        self.chosen = pn.widgets.Select(label="Open", options=[], width=320, css_classes=["lab-runs-open"])
        self.open_button = pn.widgets.Button(label="Open", color="primary", width=90,
                                             css_classes=["button-open-run"])
        self.compared = pn.widgets.MultiSelect(label=f"Compare (2 to {MAX_COMPARED} runs)", options=[], size=6,
                                               width=320, css_classes=["lab-runs-compared"])
        self.metric = pn.widgets.Select(label="Metric", options=[], width=220, css_classes=["lab-runs-metric"])
        self.compare_button = pn.widgets.Button(label="Compare", color="primary", width=90,
                                                css_classes=["button-compare-runs"])
        self.message = pn.pane.Alert("", alert_type="secondary", visible=False, css_classes=["lab-runs-message"],
                                     sizing_mode="stretch_width")
        self.opened = pn.Column(sizing_mode="stretch_width", css_classes=["lab-runs-opened"])
        self.comparison = pn.Column(sizing_mode="stretch_width", css_classes=["lab-runs-comparison"])
        self.refresh_button.on_click(lambda event: self.refresh())
        self.open_button.on_click(lambda event: self.open(self.chosen.value))
        self.compare_button.on_click(lambda event: self.compare(self.compared.value, self.metric.value))
        self.compared.param.watch(lambda event: self.offer_metrics(event.new), "value")
        self.layout = pn.Column(
            pn.pane.Markdown(f"## Saved runs\nThe runs and sweeps saved in {markdown_text(root)} (save a finished "
                             f"run from its lab's tab, or `stability-lab run … --out {markdown_text(root)}/NAME`)."),
            pn.Row(self.refresh_button), self.table,
            pn.Row(self.chosen, self.open_button), pn.Row(self.compared, self.metric, self.compare_button),
            self.message, self.opened, self.comparison, sizing_mode="stretch_width")

    # --- listing -----------------------------------------------------------------------------

    def refresh(self) -> None:
        in_the_background(lambda: list_entries(self.root), self.show_listing, self.failed("read the list"))

    def show_listing(self, listing: Listing) -> None:
        self.listing = listing
        self.table.object = entries_table(listing, self.root)
        self.chosen.options = [e.name for e in listing.entries]
        self.compared.options = [e.name for e in listing.entries if e.kind == "run" and e.error is None]
        self.offer_metrics(self.compared.value)

    def entry(self, name: str | None) -> Entry | None:
        return next((e for e in self.listing.entries if e.name == name), None)

    def offer_metrics(self, names: list[str]) -> None:
        options = common_metrics([e for e in map(self.entry, names or []) if e is not None])
        self.metric.options = options
        if self.metric.value not in options:
            self.metric.value = options[0] if options else None

    # --- opening -----------------------------------------------------------------------------

    def open(self, name: str | None, metric: str | None = None) -> None:
        entry = self.entry(name)
        if entry is None:
            return self.say("Choose a run or sweep to open.", True)
        if entry.error is not None:
            return self.say(f"{entry.name} cannot be opened: {entry.error}", True)
        self.say(f"Opening {entry.name}…", False)
        if entry.kind == "sweep":
            in_the_background(lambda: self._sweep(entry, metric), self.show_opened, self.failed(f"open {entry.name}"))
        else:
            in_the_background(lambda: self._run(entry), self.show_opened, self.failed(f"open {entry.name}"))

    def _run(self, entry: Entry) -> list:
        history = load_run(self.root, entry.name)
        figures, problems = run_figures(entry.trainer, history, entry.config)
        state = history.meta.get("state")
        note = (f"This run {state} at step {int(history.steps[-1]) if len(history) else 0:,} of {entry.steps:,}; "
                "the code trains it to the end." if state in ("stopped", "failed") else "")
        return [pn.pane.Markdown(f"### {markdown_text(entry.name)}\n{markdown_text(entry.trainer)}, "
                                 f"{len(history):,} recorded steps of {history.population:,} members"),
                downloads(entry.name, history), reproduce_card(entry.trainer, entry.config, False, note),
                *[pn.pane.Markdown(markdown_text(problem)) for problem in problems],
                *[pn.pane.Plotly(fig, sizing_mode="stretch_width", css_classes=[f"lab-run-figure-{i}"])
                  for i, fig in enumerate(figures)]]

    def _sweep(self, entry: Entry, metric: str | None) -> list:
        spec, finals = load_sweep(self.root / entry.name)
        metrics = metric_columns(spec, finals)
        metric = metric if metric in metrics else metrics[0]
        table, figures = sweep_figures(spec, finals, metric)
        choice = pn.widgets.Select(label="Metric", options=metrics, value=metric, width=220,
                                   css_classes=["lab-sweep-metric"])
        choice.param.watch(lambda event: self.open(entry.name, event.new), "value")
        return [pn.pane.Markdown(f"### {markdown_text(entry.name)}\nA sweep of {markdown_text(entry.trainer)} over "
                                 f"{markdown_text(', '.join(spec.grid) or 'seeds')}: each setting's final "
                                 "value over its base seeds × members, IQM with its 95 % bootstrap interval"),
                choice, pn.pane.HTML(table.to_html(index=False, float_format=lambda v: f"{v:.4g}"),
                                     css_classes=["lab-sweep-table"]),
                *[pn.pane.Plotly(fig, sizing_mode="stretch_width", css_classes=[f"lab-sweep-figure-{i}"])
                  for i, fig in enumerate(figures)]]

    def show_opened(self, parts: list) -> None:
        self.message.visible = False
        self.opened.objects = parts

    # --- comparing ---------------------------------------------------------------------------

    def compare(self, names: list[str], metric: str | None) -> None:
        if not 2 <= len(names) <= MAX_COMPARED:
            return self.say(f"Choose 2 to {MAX_COMPARED} runs to compare ({len(names)} chosen).", True)
        if not metric:
            return self.say("The chosen runs have no metric in common to compare.", True)
        self.say(f"Comparing {', '.join(names)}…", False)

        def work():
            runs = {name: load_run(self.root, name) for name in names}
            return compare_figure(runs, metric)

        in_the_background(work, self.show_comparison, self.failed("compare the runs"))

    def show_comparison(self, fig) -> None:
        self.message.visible = False
        self.comparison.objects = [pn.pane.Plotly(fig, sizing_mode="stretch_width", css_classes=["lab-compare-figure"])]

    # --- sentences ---------------------------------------------------------------------------

    def say(self, sentence: str, is_error: bool) -> None:
        self.message.object = markdown_text(sentence)
        self.message.alert_type = "danger" if is_error else "secondary"
        self.message.visible = True

    def failed(self, what: str):
        return lambda err: self.say(f"Could not {what}: {err}" if isinstance(err, (ValueError, OSError))
                                    else f"Could not {what}: {type(err).__name__}: {err}", True)


def runs_tab(root: str | os.PathLike | None = None) -> pn.Column:
    """The Runs page for one browser session, over ``root`` (default: ``runs_root()``); the list is read
    off the event loop once the page is built."""
    page = RunsPage(Path(root) if root is not None else runs_root())
    page.refresh()
    return page.layout
