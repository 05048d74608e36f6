"""Serve a WSGI app over real HTTP on 127.0.0.1 in a background thread.

Werkzeug's development server (the ``sandbox`` extra) does the serving: it is
threaded, and its ``werkzeug.socket`` lets the fault injector drop a connection.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from paysupport._extras import needs_extra
from paysupport._wsgi import WSGIApp
from paysupport.redact import DEFAULT

with needs_extra("sandbox", "the sandbox (paysupport.sandbox)"):
    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class RedactingRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with secrets masked in its access log (query strings carry tokens)."""

    quiet = False

    def log(self, type: str, message: str, *args: Any) -> None:
        if self.quiet and type == "info":
            return
        super().log(type, "%s", DEFAULT.text(message % args if args else message))


class QuietRequestHandler(RedactingRequestHandler):
    """No access log at all: for the demo and embedded sandboxes."""

    quiet = True


class ServedApp:
    """A WSGI app served over real HTTP; :attr:`url` is its root."""

    def __init__(self, server: BaseWSGIServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.host = "127.0.0.1"
        self.port = server.server_port
        self.url = f"http://{self.host}:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_server(app: WSGIApp, *, port: int = 0, quiet: bool = False) -> ServedApp:
    """Start serving ``app`` on 127.0.0.1 (a free port unless given); call ``close()`` to stop."""
    handler = QuietRequestHandler if quiet else RedactingRequestHandler
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=handler)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="paysupport-wsgi",
        daemon=True,
    )
    thread.start()
    return ServedApp(server, thread)


@contextlib.contextmanager
def serve_wsgi(app: WSGIApp, *, port: int = 0, quiet: bool = False) -> Iterator[ServedApp]:
    """Serve ``app`` until the block ends."""
    served = start_server(app, port=port, quiet=quiet)
    try:
        yield served
    finally:
        served.close()
