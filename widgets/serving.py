"""Who may reach the dashboard: localhost by default; the network only deliberately, with a password.

- On a loopback address (127.0.0.1, ::1, localhost) the dashboard needs no login: only this
  machine can reach it, and websockets must come from its own pages (their Origin is
  ``localhost:PORT`` or ``127.0.0.1:PORT``).
- On any other address it requires a password (Panel's basic auth, user ``lab``): the one in
  ``LAB_DASHBOARD_PASSWORD`` or, when that is unset, one generated and printed once at start. The
  server also prints a warning that it is reachable from the network. The login and logout pages
  are the lab's own (Panel's fetch their logo from its CDN).
- A websocket without an Origin header is refused (403) on every address. Browsers always send
  one, and Bokeh checks it against the allowed origins; a request without one came from a
  program, which would otherwise drive sessions past that check.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from pathlib import Path

from bokeh.server.urls import per_app_patterns
from panel.io.server import WSHandler

PASSWORD_ENV = "LAB_DASHBOARD_PASSWORD"
USER = "lab"
TEMPLATES = Path(__file__).with_name("templates")


def is_loopback(address: str) -> bool:
    """``address`` reaches only this machine."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a host name: what it resolves to decides
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(address, None))
        except (OSError, ValueError):
            return False


def allowed_origins(address: str, port: int, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The ``host:port`` origins whose pages may open websockets: this machine's names, the bound
    address (unless it is a wildcard) and ``extra`` (the names the network uses for this host)."""
    hosts = ["localhost", "127.0.0.1"]
    if not is_loopback(address):
        hosts += [socket.gethostname(), socket.getfqdn()]
        if not (_is_ip(address) and ipaddress.ip_address(address).is_unspecified):  # not 0.0.0.0 or ::
            hosts.append(address)
    origins = [f"{host}:{port}" for host in dict.fromkeys(hosts)]
    return origins + [origin for origin in extra if origin not in origins]


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
        return True
    except ValueError:
        return False


def network_password() -> tuple[str, bool]:
    """The password for a dashboard served to the network and whether it was generated here."""
    given = os.environ.get(PASSWORD_ENV, "")
    if given:
        return given, False
    return secrets.token_urlsafe(12), True


def auth_options(password: str) -> dict:
    """``pn.serve`` options for basic auth with ``password`` and the lab's own login pages."""
    return dict(basic_auth={USER: password}, cookie_secret=secrets.token_hex(32),
                basic_login_template=str(TEMPLATES / "login.html"),
                logout_template=str(TEMPLATES / "logout.html"))


class LabWebSocketHandler(WSHandler):
    """Panel's websocket handler, with three changes: a connection without an Origin header is refused,
    a message that arrives after its page's session was detached is dropped, and so is the close of
    such a connection (``on_close``). Bokeh detaches a
    session from its connection when the page closes, or earlier, when its keep-alive ping finds the
    socket closing; a message the page sent just before (plotly's viewport, say) was still handled and
    logged an AssertionError with its traceback: 52 and 191 of them in one cycle of eight closing Critic
    pages on a loaded machine (benchmarks/bench_sessions.py)."""

    async def prepare(self):
        headers = self.request.headers
        if "Origin" not in headers and "Sec-Websocket-Origin" not in headers:
            self.set_status(403, "Origin header required")
            self.finish()
            return
        await super().prepare()

    async def _handle(self, message):
        if session_detached(self.connection):
            return None
        return await super()._handle(message)

    def on_close(self) -> None:
        """Bokeh's close handler, unless Bokeh's keep-alive ping already let the connection go
        (``client_lost`` detached its session): then Bokeh's handler fails an assertion, logged as
        "Uncaught exception GET /ws" with its traceback (once in 3 loaded rounds of the browser tests,
        2026-12-03). The session stays unsubscribed, so the page still counts as gone."""
        if session_detached(self.connection):
            return None
        return super().on_close()


def session_detached(connection) -> bool:
    """Whether Bokeh has detached ``connection``'s session (``ServerConnection.detach_session``; its
    ``session`` property then fails an assertion, and Bokeh offers no other way to ask)."""
    return connection is not None and connection._session is None


def use_lab_websocket_handler() -> None:
    """Make servers created from now on use ``LabWebSocketHandler`` for their websockets
    (Bokeh builds each server's routes from ``per_app_patterns``)."""
    for i, (pattern, handler) in enumerate(per_app_patterns):
        if pattern == r"/ws" and handler is not LabWebSocketHandler:
            per_app_patterns[i] = (pattern, LabWebSocketHandler)
