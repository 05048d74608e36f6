"""The Flattr emulator: one WSGI app serving both of Flattr's hosts on one root.

``<root>/rest/v2/...`` is api.flattr.com's API, ``<root>/oauth/...`` and the
site pages are flattr.com, and ``<root>/_admin/...`` is the sandbox's own view.
A client therefore uses ``<root>/rest/v2`` as its API base and
``<root>/oauth/authorize`` / ``<root>/oauth/token`` for OAuth.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings

from . import seed
from .admin import Admin
from .api import PREFIX, RestApi
from .auth import OAuthEndpoints
from .catalog import SCOPES
from .errors import ApiError
from .http import json_response
from .pages import Site
from .ratelimit import RateLimiter
from .store import ClientApp, Store, Token

_log = logging.getLogger(__name__)

#: The callback registered for the sandbox application.
REDIRECT_URI = "http://127.0.0.1/callback"


class FlattrEmulator:
    """Flattr REST API v2 plus OAuth 2, backed by deterministic seeded data."""

    name = "flattr"

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        sizes = self.settings.sizes
        world = seed.generate(
            self.settings.seed,
            sizes.get("users", seed.DEFAULT_USERS),
            sizes.get("things", seed.DEFAULT_THINGS),
        )
        rng = random.Random(f"flattr-credentials-{self.settings.seed}")
        self.client = ClientApp(
            client_id=f"sandbox{rng.getrandbits(40):010x}",
            client_secret=f"{rng.getrandbits(160):040x}",
            redirect_uri=REDIRECT_URI,
        )
        self.store = Store(world, clock)
        self.primary_user = world.primary_user
        self._token = Token(
            f"{rng.getrandbits(160):040x}",
            self.primary_user,
            self.client.client_id,
            frozenset(SCOPES),
        )
        self.store.tokens[self._token.value] = self._token
        # None is unlimited (headers still sent); api.md's hourly 1000 is DOCUMENTED_RATE_LIMIT.
        limiter = RateLimiter(self.settings.rate_limit, self.settings.rate_window, clock)
        self._api = RestApi(self.store, limiter)
        self._oauth = OAuthEndpoints(self.store, self.client, self.primary_user, clock)
        self._site = Site(self.store)
        self._admin = Admin(self.store, self.primary_user)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except Exception:
            # Never let a bug surface as a dropped connection: answer in the API's format.
            _log.exception("flattr emulator: unhandled error for %s", request.path)
            error = ApiError(500, "server_error", "Internal error in the emulator")
            response = json_response(error.body(), error.status)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self._api(request, path[len(PREFIX) :])
        if path == "/oauth/authorize" and request.method in ("GET", "HEAD", "POST"):
            return self._oauth.authorize(request)
        if path == "/oauth/token":
            return self._oauth.token(request)
        if path.startswith("/_admin/"):
            return self._admin(request, path)
        return self._site(request, path)

    def credentials(self) -> dict[str, str]:
        """The sandbox app's OAuth client plus a ready token for the primary user (all scopes)."""
        return {
            "client_id": self.client.client_id,
            "client_secret": self.client.client_secret,
            "redirect_uri": self.client.redirect_uri,
            "access_token": self._token.value,
        }

    def admin_state(self) -> dict[str, Any]:
        return self._admin.state()


def create_emulator(settings: EmulatorSettings | None = None) -> FlattrEmulator:
    """Entry point ``paysupport.sandboxes: flattr``."""
    return FlattrEmulator(settings)
