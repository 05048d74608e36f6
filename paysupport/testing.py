"""Test kit: serve WSGI apps on 127.0.0.1 and record cassettes without secrets.

Installed as a pytest plugin (entry point ``pytest11``), so downstream
applications get the ``wsgi_server`` fixture and :func:`vcr_config` by
installing paysupport.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from paysupport._wsgi import WSGIApp


class ServedApp:
    """A WSGI app served over real HTTP in a background thread."""

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


@contextlib.contextmanager
def serve_wsgi(app: WSGIApp, *, port: int = 0, threaded: bool = True) -> Iterator[ServedApp]:
    """Serve ``app`` on 127.0.0.1 (a free port unless given) until the block ends."""
    server = make_server("127.0.0.1", port, app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, name="paysupport-wsgi", daemon=True)
    thread.start()
    served = ServedApp(server, thread)
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def wsgi_server() -> Iterator[Callable[[WSGIApp], ServedApp]]:
    """Fixture: call it with a WSGI app to get a :class:`ServedApp` (closed after the test)."""
    stack = contextlib.ExitStack()

    def start(app: WSGIApp) -> ServedApp:
        return stack.enter_context(serve_wsgi(app))

    with stack:
        yield start
