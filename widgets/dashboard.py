"""The Panel dashboard: a landing page with a card per lab (``widgets.landing``), then one tab per lab in
a list on the left, each lab built for a browser session when its tab is first opened.

    python -m widgets.dashboard [--port 5006] [--address 127.0.0.1] [--origin HOST:PORT ...]

Serves on localhost by default and prints the URL; Ctrl-C stops it. Another address serves the
network and requires a password (see ``widgets.serving``). Each session gets its own
LabViews (so two browsers never share a run), built lazily: a page costs only the labs it
opens. Every JS and CSS file comes from this server, never from a CDN; so do the landing page's
thumbnails (``data/thumbnails``, served under ``/thumbnails/``).
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys

import panel as pn
import torch
from panel.io.resources import LOCAL_DIST, patch_model_css
from panel.links import Callback
from tornado.websocket import WebSocketClosedError

from . import (agents, cliff, critic, critic_arena, expressive_tabs, games, lattice, llmrl_tab, repair_tabs, repeated,
               robust_tabs, runs_page, synchrony, temporal_tabs, url_state)
from .landing import THUMBNAIL_ROUTE, THUMBNAILS, landing
from .server_memory import after_closed_pages, freeze_startup_objects, tune_malloc
from .serving import allowed_origins, auth_options, is_loopback, network_password, use_lab_websocket_handler

RUNS_TAB = "Runs"
# (tab title, function building the tab for one session); each has a card in widgets/landing.py's CARDS
TABS = [
    ("Policy Cliff", cliff.cliff_tab),
    ("Preference games", games.preference_tab),
    ("Repeated games", repeated.repeated_tab),
    ("Cooperation collapse", lattice.lattice_tab),
    ("Critic values", critic.critic_tab),
    ("Critic arena", critic_arena.critic_arena_tab),
    ("Synchrony", synchrony.synchrony_tab),
    ("LLM-RL stability", llmrl_tab.llmrl_tab),
    ("Agents", agents.agents_tab),
    *repair_tabs.TABS,
    *expressive_tabs.TABS,
    *temporal_tabs.TABS,
    *robust_tabs.TABS,
]


def app() -> pn.Tabs:
    """The dashboard of one browser session: the landing page now, each lab the first time its tab is
    opened (building every lab made every page cost seconds of the server's time). The tabs stand
    in a list on the left, one per lab in ``TABS`` (31 with issue 22's); a card's Open button switches to its
    lab; the last tab is the Runs page (saved runs and sweeps). The page's URL names the open lab and its changed controls
    (``widgets.url_state``): a link opens that lab with those values."""
    pages = [*TABS, (RUNS_TAB, runs_page.runs_tab)]
    built = [pn.Column(sizing_mode="stretch_width") for _ in pages]
    query = url_state.page_query()
    names = [url_state.slug(title) for title, _ in pages]

    def open_lab(lab: int) -> None:
        tabs.active = lab + 1  # tab 0 is the landing page

    def build(page: int) -> None:
        if not built[page].objects:
            title, builder = pages[page]
            built[page].objects = [url_state.build_lab(title, builder)]

    def on_tab(event) -> None:
        page = event.new - 1
        if page >= 0:
            build(page)
        if query is not None:
            query.set(url_state.LAB_KEY, names[page] if page >= 0 else None)

    opened, problems = url_state.opened_lab(names)
    if opened is not None:
        build(opened)
    front = landing([title for title, _ in TABS], open_lab)
    if problems:
        front = pn.Column(url_state.link_problems(problems), front, sizing_mode="stretch_width")
    tabs = pn.Tabs(("Labs", front), *[(title, page) for (title, _), page in zip(pages, built)],
                   active=0 if opened is None else opened + 1, dynamic=True, tabs_location="left",
                   sizing_mode="stretch_width")
    tabs.param.watch(on_tab, "active")
    document = pn.state.curdoc
    if document is not None and document.session_context is not None:
        document.add_next_tick_callback(lambda: serve_styles_locally(document))
        pn.state.on_session_destroyed(lambda session_context: forget_js_links(tabs))
        after_closed_pages.session_opened()
        pn.state.on_session_destroyed(after_closed_pages.session_destroyed)
    return tabs


def serve_styles_locally(document) -> None:
    """Point the stylesheets of ``document``, and of what is added to it later, at this server, as Panel
    does when it renders a page. A page whose session expired before its websocket connected (a slow
    load, a busy machine) is given a fresh session that no page render patched: its stylesheets came
    from Panel's CDN, and offline the page lost its styles."""
    dist_url = f"{pn.state.rel_path}/{LOCAL_DIST}" if pn.state.rel_path else LOCAL_DIST
    document.template_variables["dist_url"] = dist_url
    for root in document.roots:
        patch_model_css(root, dist_url=dist_url)


def forget_js_links(layout: pn.viewable.Viewable) -> None:
    """Drop ``layout``'s widgets from Panel's registry of JS links. Its keys are weak, but an editable
    slider's entry refers back to the slider, so without this every session's controls (and the
    LabViews behind them) stayed in memory for good."""
    for obj in layout.select():
        Callback.registry.pop(obj, None)


CLOSED_WRITE = "Failed sending message as connection was closed"


class OneLinePerClosedPage(logging.Filter):
    """Let one line about writing to a closed page through per burst: a page that closes with updates
    in flight logs "Failed sending message as connection was closed" once per update (2–23 per closed
    Critic page, measured with benchmarks/bench_sessions.py), and — when the socket closes between the
    writes of one message — asyncio's "Task exception was never retrieved" with a WebSocketClosedError
    (Panel's ``_dispatch_msgs`` does not catch it; 3 of 7 lines over four closed pages at load 10), all
    saying the same harmless thing. Such a line less than ``gap_s`` after the previous one is dropped."""

    def __init__(self, gap_s: float = 1.0):
        super().__init__()
        self.gap_s, self.last = gap_s, float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        if not is_closed_page_write(record):
            return True
        first, self.last = record.created - self.last > self.gap_s, record.created
        return first


def is_closed_page_write(record: logging.LogRecord) -> bool:
    if record.getMessage().startswith(CLOSED_WRITE):
        return True
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "asyncio" and isinstance(error, WebSocketClosedError)


def quiet_closed_page_writes() -> None:
    """One filter on the loggers that write such lines (Bokeh's websocket handler, Panel's document and
    asyncio's report of a task's unretrieved exception)."""
    closed_page = OneLinePerClosedPage()
    for name in ("bokeh.server.views.ws", "panel.io.document", "asyncio"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLinePerClosedPage) for f in logger.filters):
            logger.addFilter(closed_page)


def serve(port: int = 5006, address: str = "127.0.0.1", show: bool = False, threaded: bool = False,
          password: str | None = None, origins: tuple[str, ...] = (), **server_options):
    """Start the server; returns it (a thread when ``threaded``, for tests). ``server_options``
    go to Bokeh's server (tests shorten ``unused_session_lifetime_milliseconds``).

    A non-loopback ``address`` serves the network and needs ``password`` (a ValueError without
    one); ``origins`` adds the ``host:port`` names the network uses for this machine. Websockets
    without an Origin header are refused on every address.

    Torch gets one intra-op thread: every session's run trains in a thread of its own, and two
    intra-op threads each on a 2-core machine made the Policy Cliff's small steps 20× slower
    (1,440 → 67 steps/s, measured with the server and a browser running). Served in the foreground,
    the objects alive at start-up are frozen out of the garbage collector's walks
    (``server_memory.freeze_startup_objects``)."""
    options = {}
    if not is_loopback(address):
        if not password:
            raise ValueError(f"serving on {address!r} opens the dashboard to the network: give a password "
                             f"(python -m widgets.dashboard sets one), or serve on 127.0.0.1")
        options = auth_options(password)
    torch.set_num_threads(1)
    import_optimizers()
    tune_malloc()
    use_lab_websocket_handler()
    quiet_closed_page_writes()
    pn.extension("plotly", "filedropper", notifications=False)
    if not threaded:  # a process of its own (a thread serves beside its caller's objects, not to be frozen)
        freeze_startup_objects()
    return pn.serve(app, port=port, address=address, websocket_origin=allowed_origins(address, port, origins),
                    show=show, title="Stability Lab", threaded=threaded, verbose=False,
                    static_dirs=thumbnail_route(), **options,
                    **server_options)


def thumbnail_route() -> dict[str, str]:
    """The landing page's thumbnails, served under ``/thumbnails/`` (none when their folder is missing:
    Panel refuses to serve a folder that does not exist, and the cards then show no picture anyway)."""
    return {THUMBNAIL_ROUTE: str(THUMBNAILS)} if THUMBNAILS.is_dir() else {}


def import_optimizers() -> None:
    """Do now what a session's first optimizer would do on the event loop: building torch's first
    optimizer imports torch._dynamo and sympy. At the first Run click (load 15) that made
    ``LabView.start`` take 5.8 s on the event loop, every page's clicks waiting; with the imports done
    here it took 0.03–0.2 s."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Stability Lab dashboard (localhost only unless "
                                                 "--address says otherwise; then a password is required).")
    parser.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1, this machine only; another address serves "
                             "the network behind a password: $LAB_DASHBOARD_PASSWORD or one printed at start)")
    parser.add_argument("--origin", action="append", default=[], metavar="HOST:PORT",
                        help="a name the network uses for this server, whose pages may connect (repeatable; "
                             "this machine's host names are allowed already)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} must be in 1..65535")
    password = None
    if not is_loopback(args.address):
        password, generated = network_password()
        print(f"WARNING: serving on {args.address}:{args.port}: anyone who can reach this machine and has the "
              f"password can open the dashboard and train on its CPU/GPU.", file=sys.stderr, flush=True)
        print(f"Log in as user 'lab' with password {password}" if generated else
              "Log in as user 'lab' with the password in $LAB_DASHBOARD_PASSWORD.", flush=True)
    host = "localhost" if password is None else args.address
    print(f"Stability Lab dashboard: http://{host}:{args.port}  (Ctrl-C stops it)", flush=True)
    try:  # returns when Ctrl-C stops the event loop (Panel's handler)
        server = serve(args.port, args.address, password=password, origins=tuple(args.origin))
    except KeyboardInterrupt:  # Ctrl-C before Panel took over the signal
        server = None
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C interrupts the exit
    if server is not None:
        server.stop()
    # lab.core.run stops and joins the runs still training when the interpreter exits
    print("Stability Lab dashboard stopped.", flush=True)


if __name__ == "__main__":
    main()
