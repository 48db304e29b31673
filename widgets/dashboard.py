"""The Panel dashboard: one tab per lab, built afresh for every browser session.

    python -m widgets.dashboard [--port 5006] [--address 127.0.0.1]

Serves on localhost only and prints the URL. Each session gets its own LabViews (so two
browsers never share a run), and its runs stop when the session closes.
"""
from __future__ import annotations

import argparse

import panel as pn

from . import cliff, critic, games, lattice, llmrl, repeated, synchrony

# (tab title, function building the tab's content for one session)
TABS = [
    ("Policy Cliff", cliff.cliff_tab),
    ("Preference games", games.preference_tab),
    ("Repeated games", repeated.repeated_tab),
    ("Cooperation collapse", lattice.lattice_tab),
    ("Critic values", critic.critic_tab),
    ("Synchrony", synchrony.synchrony_tab),
    ("LLM-RL stability", llmrl.llmrl_tab),
]


def app() -> pn.Tabs:
    """The dashboard of one browser session."""
    return pn.Tabs(*[(title, build()) for title, build in TABS], dynamic=True, sizing_mode="stretch_width")


def serve(port: int = 5006, address: str = "127.0.0.1", show: bool = False, threaded: bool = False,
          **server_options):
    """Start the server; returns it (a thread when ``threaded``, for tests). ``server_options``
    go to Bokeh's server (tests shorten ``unused_session_lifetime_milliseconds``)."""
    pn.extension("plotly", notifications=False)
    origins = [f"localhost:{port}", f"127.0.0.1:{port}"]
    return pn.serve(app, port=port, address=address, websocket_origin=origins, show=show,
                    title="Stability Lab", threaded=threaded, verbose=False, **server_options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Stability Lab dashboard on localhost.")
    parser.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    parser.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1, local only)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} must be in 1..65535")
    print(f"Stability Lab dashboard: http://localhost:{args.port}  (Ctrl-C stops it)", flush=True)
    serve(args.port, args.address)


if __name__ == "__main__":
    main()
