"""The WSGI app: routing, and the API key check every API request goes through.

:class:`ExampleEmulator` follows :class:`paysupport.emulation.Emulator`: the
sandbox serves it, hands its :meth:`~ExampleEmulator.credentials` to clients, and
tests read :meth:`~ExampleEmulator.admin_state`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings, same_secret

from .admin import admin_answer, admin_state
from .api import ROUTES
from .errors import refusal
from .seed import api_key, seed_store

__all__ = ["ExampleEmulator", "create_emulator"]


class ExampleEmulator:
    """The Example service on 127.0.0.1: one application key, its user, items and tips.

    ``api_key`` may be replaced after construction (a test's own key); requests are
    checked against it when they arrive.
    """

    name = "example"

    def __init__(self, settings: EmulatorSettings | None = None) -> None:
        self.settings = settings or EmulatorSettings()
        self.api_key = api_key(self.settings.seed)
        self.store = seed_store(self.settings)

    def credentials(self) -> dict[str, str]:
        """What a client needs: ``paysupport.connect("example", base_url=..., **these)``."""
        return {"api_key": self.api_key}

    def admin_state(self) -> dict[str, Any]:
        return admin_state(self.store)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        response = self.dispatch(Request(environ))
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """The answer to one request: the admin view, a refusal, or an API route's."""
        if request.path.startswith("/_admin/"):
            return admin_answer(self.store, request)
        self.store.count_request()
        if not same_secret(request.headers.get("X-Api-Key"), self.api_key):
            return refusal("bad_api_key", "bad api key")
        api_route = ROUTES.get(request.path)
        if api_route is None:
            return refusal("not_found", f"no route {request.path}")
        method, handler = api_route
        if request.method != method:
            return refusal("method_not_allowed", f"{request.path} takes {method}")
        return handler(self.store, request)


def create_emulator(settings: EmulatorSettings | None = None) -> ExampleEmulator:
    """The ``paysupport.sandboxes`` entry point: a fresh emulator for ``settings``."""
    return ExampleEmulator(settings)
