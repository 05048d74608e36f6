"""How the client authenticates: Patreon's OAuth 2 endpoints and creator-token mode.

Patreon speaks the authorization-code flow (client id and secret in the form
body, PKCE accepted) and rotates refresh tokens, which the core handles. The
developer portal also hands a creator an access and a refresh token for their
own campaign; given as ``creator_access_token``/``creator_refresh_token`` (or
``access_token``/``refresh_token``), they seed the token store once and are then
refreshed and stored like any other token.
"""

from __future__ import annotations

from collections.abc import MutableMapping

import requests

from paysupport.auth.oauth2 import OAuth2Endpoints
from paysupport_patreon.catalog import DEFAULT_SCOPES, SCOPES

#: Patreon's scopes in a stable order (the catalog keeps them as a set).
ALL_SCOPES: tuple[str, ...] = tuple(sorted(SCOPES))


def oauth_endpoints(base_url: str) -> OAuth2Endpoints:
    """The authorization page and token endpoint under ``base_url`` (www.patreon.com)."""
    return OAuth2Endpoints(
        authorize_url=f"{base_url}/oauth2/authorize",
        token_url=f"{base_url}/api/oauth2/token",
        scopes=ALL_SCOPES,
        default_scopes=DEFAULT_SCOPES,
        client_auth="body",
        pkce=True,
    )


def apply_creator_token(settings: MutableMapping[str, str]) -> None:
    """Let the creator-token settings stand for ``access_token``/``refresh_token``.

    Explicit ``access_token``/``refresh_token`` win; a pair is never mixed
    (a creator refresh token is not paired with another access token).
    """
    if settings.get("access_token") or not settings.get("creator_access_token"):
        return
    settings["access_token"] = settings["creator_access_token"]
    refresh = settings.get("creator_refresh_token")
    if refresh:
        settings["refresh_token"] = refresh
    else:
        settings.pop("refresh_token", None)


class BearerToken(requests.auth.AuthBase):
    """A fixed bearer token for one call made on someone else's behalf (a patron's).

    Nothing is refreshed or stored: the web app that holds the patron's token
    owns its lifecycle. The repr never shows the token.
    """

    def __init__(self, access_token: str) -> None:
        self._value = access_token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._value}"
        return request

    def __repr__(self) -> str:
        return "<BearerToken>"
