"""How the client authenticates: OAuth 2 on Flattr's site, with HTTP Basic client authentication.

api.md documents the authorization-code flow at ``https://flattr.com/oauth/authorize``
and ``https://flattr.com/oauth/token``, on the site rather than the API host: the
token request authenticates the client with HTTP Basic, there is no PKCE, and
tokens do not expire (no refresh). The scopes are declared in
:mod:`paysupport_flattr.catalog`; every one is asked by default.
"""

from __future__ import annotations

from paysupport.auth.oauth2 import OAuth2Endpoints

from .catalog import SCOPES

__all__ = ["SCOPES", "oauth_endpoints"]


def oauth_endpoints(site: str) -> OAuth2Endpoints:
    """The OAuth 2 endpoints on ``site`` (flattr.com, or an emulator's root)."""
    root = site.rstrip("/")
    return OAuth2Endpoints(
        authorize_url=f"{root}/oauth/authorize",
        token_url=f"{root}/oauth/token",
        scopes=SCOPES,
        default_scopes=SCOPES,
        client_auth="basic",
        pkce=False,
    )
