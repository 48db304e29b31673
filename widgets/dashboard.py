"""The Panel dashboard: a landing page of the labs, then one tab per lab, each built for a browser
session when first opened.

    python -m widgets.dashboard [--port 5006] [--address 127.0.0.1] [--origin HOST:PORT ...]

Serves on localhost by default and prints the URL; Ctrl-C stops it. Another address serves the
network and requires a password (see ``widgets.serving``). Each session gets its own
LabViews (so two browsers never share a run), built lazily: a page costs only the labs it
opens. Every JS and CSS file comes from this server, never from a CDN.
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

from . import cliff, critic, critic_arena, games, lattice, llmrl_tab, repeated, synchrony
from .server_memory import after_closed_pages, tune_malloc
from .serving import allowed_origins, auth_options, is_loopback, network_password, use_lab_websocket_handler

# (tab title, what the lab shows — for the landing page, function building the tab for one session)
TABS = [
    ("Policy Cliff", "an optimal policy jumps where two rewards tie; entropy regularization makes the map "
                     "Lipschitz (Xu 2025)", cliff.cliff_tab),
    ("Preference games", "Nash-MP and its peers reach a preference game's equilibrium, and where each one's "
                         "last iterate converges (Tiapkin et al. 2025)", games.preference_tab),
    ("Repeated games", "a tournament of classic strategies in the iterated Prisoner's Dilemma, one match "
                       "move by move, a Q-learner in the repeated game", repeated.repeated_tab),
    ("Cooperation collapse", "Double DQN agents on a Prisoner's Dilemma lattice stop cooperating as "
                             "exploration grows (Weng & Lee)", lattice.lattice_tab),
    ("Critic values", "SAC on a population of seeds: the critic's value landscape, returns with intervals, "
                      "overestimation (Haarnoja et al. 2018)", critic.critic_tab),
    ("Critic arena", "stability maps: where each critic learns, stays slow, overestimates or diverges over two "
                     "stress axes, cells filling in as their seeds train", critic_arena.critic_arena_tab),
    ("Synchrony", "a chatbot mirrors its user's style or stays itself: the synchrony–stability frontier "
                  "and a learned controller (Brandt 2025)", synchrony.synchrony_tab),
    ("LLM-RL stability", "a tiny token policy under GRPO and its stabilizers: entropy collapse, exploding "
                         "ratios, gradient imbalance, reward hacking, Routing Replay", llmrl_tab.llmrl_tab),
]


def landing() -> pn.pane.Markdown:
    """The first tab: what each lab shows. It costs the server almost nothing, so a page opens at once."""
    labs = "\n".join(f"- **{title}**: {about}." for title, about, _ in TABS)
    return pn.pane.Markdown(
        "## Stability Lab\nSee an instability happen, turn one knob, watch it go away. Each tab is a lab: "
        f"small trainers run a population of seeds while the figures follow them.\n\n{labs}",
        css_classes=["lab-landing"], sizing_mode="stretch_width")


def app() -> pn.Tabs:
    """The dashboard of one browser session: the landing page now, each lab the first time its tab is
    opened (building all seven labs made every page cost seconds of the server's time)."""
    labs = [pn.Column(sizing_mode="stretch_width") for _ in TABS]
    tabs = pn.Tabs(("Labs", landing()), *[(title, lab) for (title, _, _), lab in zip(TABS, labs)],
                   dynamic=True, sizing_mode="stretch_width")

    def build(event) -> None:
        lab = event.new - 1  # tab 0 is the landing page
        if lab >= 0 and not labs[lab].objects:
            labs[lab].objects = [TABS[lab][2]()]

    tabs.param.watch(build, "active")
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
    (1,440 → 67 steps/s, measured with the server and a browser running)."""
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
    return pn.serve(app, port=port, address=address, websocket_origin=allowed_origins(address, port, origins),
                    show=show, title="Stability Lab", threaded=threaded, verbose=False, **options,
                    **server_options)


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
