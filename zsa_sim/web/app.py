"""The Dash application and its server: offline, local by default, a token otherwise.

Offline: Dash serves its JavaScript bundles and plotly.js from the installed Python
packages (``serve_locally``), and the page loads no external stylesheet, font or script,
so it works in a workshop room without internet (the browser test checks that every
request stays on the server).

Security: the server binds to 127.0.0.1 by default, so only the own computer reaches it.
Bound to any other address, anyone on the network could start simulations and read the
results, so it then requires a random token, printed at start as part of the URL; every
request (page, assets, Dash callbacks, downloads) is checked. Opening the URL with
``?token=...`` once sets a cookie for the rest of the session.
"""

from __future__ import annotations

import hmac
import secrets
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsa_sim.errors import ZsaError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
TOKEN_COOKIE = "zsa_sim_token"
LANG_COOKIE = "zsa_sim_lang"
TOKEN_HEADER = "X-Zsa-Sim-Token"
INSTALL_HINT = "the workbench needs Dash: pip install 'zsa-sim[web]'"


def require_dash() -> None:
    """Raise a one-line ZsaError saying what to install when Dash is missing."""
    try:
        import dash  # noqa: F401
    except ImportError as err:
        raise ZsaError(INSTALL_HINT) from err


def needs_token(host: str) -> bool:
    """Whether a server bound to ``host`` must check a token (any non-loopback address)."""
    return host not in LOCAL_HOSTS


def create_app(
    scenario: str | Path,
    out_root: str | Path = "results",
    *,
    token: str | None = None,
    workers: int | None = None,
) -> Any:
    """The Dash app for a scenario file; runs go to ``out_root`` like ``zsa-sim run``'s."""
    require_dash()
    from dash import Dash

    from zsa_sim.scenario import load_scenario
    from zsa_sim.web.callbacks import Workbench, register
    from zsa_sim.web.layout import page
    from zsa_sim.web.runs import list_entries
    from zsa_sim.web.texts import t

    bench = Workbench(load_scenario(scenario), Path(out_root), workers=workers)
    app = Dash(
        __name__,
        title=t("web.title", "de"),
        serve_locally=True,
        external_stylesheets=[],
        external_scripts=[],
        assets_ignore=".*",
        update_title=None,
        suppress_callback_exceptions=True,
    )

    def layout() -> Any:
        return page(bench.scenario, bench.out_root, list_entries(bench.out_root), _lang())

    app.layout = layout
    _remember_language(app.server)
    register(app, bench)
    app.server.config["WORKBENCH"] = bench
    if token is not None:
        _protect(app.server, token)
    return app


def _lang() -> str:
    """The page's language: ``?lang=`` of this request, else the one chosen before."""
    import flask

    chosen = flask.request.args.get("lang") or flask.request.cookies.get(LANG_COOKIE)
    return "en" if chosen == "en" else "de"


def _remember_language(server: Any) -> None:
    """Keep ``?lang=`` in a cookie: Dash fetches the layout in a request of its own."""
    import flask

    @server.after_request
    def remember(response: Any) -> Any:
        chosen = flask.request.args.get("lang")
        if chosen in ("de", "en"):
            response.set_cookie(LANG_COOKIE, chosen, samesite="Strict")
        return response


def _protect(server: Any, token: str) -> None:
    """Check the token on every request; a valid ``?token=`` sets the cookie."""
    import flask

    def valid(candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate, token)

    @server.before_request
    def check() -> Any:
        request = flask.request
        if valid(request.cookies.get(TOKEN_COOKIE)) or valid(request.headers.get(TOKEN_HEADER)):
            return None
        if valid(request.args.get("token")):
            flask.g.set_token_cookie = True
            return None
        return flask.Response(
            "403 Forbidden: open the URL with the token printed at start.\n",
            status=403,
            mimetype="text/plain",
        )

    @server.after_request
    def remember(response: Any) -> Any:
        if flask.g.get("set_token_cookie"):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
        return response


def _check_address(host: str, port: int) -> None:
    """One line if the address cannot be bound (werkzeug would print several and exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise ZsaError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err


@dataclass
class Server:
    """A running workbench server (for tests, the benchmark and the CLI)."""

    url: str
    token: str | None
    _server: Any
    _thread: threading.Thread | None = None

    def stop(self) -> list[str]:
        """Stop serving and cancel a run still going; the names of cancelled runs."""
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
        bench = self._server.app.config.get("WORKBENCH")
        return bench.jobs.shutdown() if bench is not None else []


def start_server(
    scenario: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8050,
    out_root: str | Path = "results",
    workers: int | None = None,
    background: bool = False,
) -> Server:
    """Create the app and bind a server (``port=0``: any free port); serve in a thread if
    ``background``, else the caller calls ``serve_forever`` via :func:`serve`."""
    token = secrets.token_urlsafe(18) if needs_token(host) else None
    app = create_app(scenario, out_root, token=token, workers=workers)
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """No line per request: the terminal shows the URL and errors only."""

    _check_address(host, port)
    try:
        server = make_server(host, port, app.server, threaded=True, request_handler=QuietHandler)
    except (OSError, SystemExit) as err:  # werkzeug exits on a busy port
        raise ZsaError(f"cannot listen on {host}:{port}") from err
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_port}/"
    if token is not None:
        url += f"?token={token}"
    # the fork server imports the library now, so the first run starts without that wait
    app.server.config["WORKBENCH"].jobs.warm_up()
    thread = None
    if background:
        thread = threading.Thread(target=server.serve_forever, name="zsa-sim-web", daemon=True)
        thread.start()
    return Server(url, token, server, thread)


def serve(
    scenario: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8050,
    out_root: str | Path = "results",
    workers: int | None = None,
    announce: Any = print,
) -> None:
    """Serve the workbench until Ctrl-C (what ``zsa-sim serve`` calls)."""
    server = start_server(scenario, host=host, port=port, out_root=out_root, workers=workers)
    announce(f"zsa-sim workbench: {server.url}")
    if server.token is not None:
        announce(
            f"Bound to {host}: only people with this URL (it contains the access token) can "
            "use the workbench. Press Ctrl-C to stop."
        )
    else:
        announce("Only this computer can reach it. Press Ctrl-C to stop.")
    def stop_on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # as Ctrl-C: cancel a run still going, then exit

    previous = signal.signal(signal.SIGTERM, stop_on_term)
    cancelled: list[str] = []
    try:
        server._server.serve_forever()  # werkzeug ends it quietly on Ctrl-C
    finally:
        signal.signal(signal.SIGTERM, previous)
        cancelled = server.stop()
    if cancelled:
        announce(f"Stopped; cancelled the run of {', '.join(cancelled)}, nothing of it kept.")
    else:
        announce("Stopped.")
