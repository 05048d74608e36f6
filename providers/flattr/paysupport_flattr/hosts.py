"""Where Flattr lives: the API root, the site (OAuth, thing pages, auto-submit) and scopes.

The real service splits across two hosts (api.md, NOTES.md): the API at
``https://api.flattr.com/rest/v2`` and OAuth at ``https://flattr.com/oauth/...``.
A base URL other than the real one (the sandbox, a test server) serves both on
one root, so every URL is derived from it.

Flattr closed its service in 2023: the real hosts answer nothing any more. The
client keeps their names (auto-submit and thing URLs in old feeds and archives
still point there), but :class:`ClosedService` refuses every request to them
with a clear error instead of a connection failure after the timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import requests
from requests.adapters import BaseAdapter

from paysupport.auth.oauth2 import OAuth2Endpoints
from paysupport.errors import Unsupported

REAL_API_ROOT = "https://api.flattr.com"
REAL_SITE_ROOT = "https://flattr.com"
API_PREFIX = "/rest/v2"

#: Hosts of the closed service; requests to them never leave the machine.
CLOSED_ROOTS = (REAL_API_ROOT, REAL_SITE_ROOT, "https://www.flattr.com")

CLOSED_MESSAGE = (
    "Flattr closed its service in 2023, so no live Flattr call is possible. "
    "Give base_url (the sandbox: paysupport.sandbox.running(), `paysupport --sandbox`, "
    "or `paysupport sandbox`) to use the emulator of Flattr's documented API"
)


class ClosedService(BaseAdapter):
    """A transport adapter that refuses, with :class:`Unsupported`, before anything is sent."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> NoReturn:
        raise Unsupported(CLOSED_MESSAGE, provider="flattr", capability="service")

    def close(self) -> None:
        """Nothing to release: no connection is ever opened."""


def refuse_closed_hosts(session: requests.Session) -> None:
    """Route every request to the closed Flattr hosts to :class:`ClosedService`."""
    for root in CLOSED_ROOTS:
        session.mount(root + "/", ClosedService())


#: api.md, "Scopes".
SCOPES = ("flattr", "thing", "email", "extendedread")


@dataclass(frozen=True)
class Hosts:
    api: str  # ends in /rest/v2
    site: str  # flattr.com, or the sandbox root

    @classmethod
    def for_base_url(cls, base_url: str) -> Hosts:
        """Hosts for a base URL, given with or without the ``/rest/v2`` suffix."""
        root = base_url.rstrip("/")
        if root.endswith(API_PREFIX):
            root = root[: -len(API_PREFIX)]
        site = REAL_SITE_ROOT if root == REAL_API_ROOT else root
        return cls(api=root + API_PREFIX, site=site)

    @property
    def sites(self) -> tuple[str, ...]:
        """Site roots whose thing and auto-submit URLs this client recognises."""
        return (REAL_SITE_ROOT,) if self.site == REAL_SITE_ROOT else (REAL_SITE_ROOT, self.site)

    def oauth_endpoints(self) -> OAuth2Endpoints:
        """Authorization-code flow with HTTP Basic client authentication (api.md); no PKCE."""
        return OAuth2Endpoints(
            authorize_url=f"{self.site}/oauth/authorize",
            token_url=f"{self.site}/oauth/token",
            scopes=SCOPES,
            default_scopes=SCOPES,
            client_auth="basic",
            pkce=False,
        )
