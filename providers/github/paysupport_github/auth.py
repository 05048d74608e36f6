"""How the client authenticates: a token as setting (a PAT) or GitHub's OAuth web flow.

Two hosts serve GitHub: the API at ``https://api.github.com`` (GraphQL at
``/graphql``) and the site at ``https://github.com``, which holds the OAuth
pages (``/login/oauth/authorize``, ``/login/oauth/access_token``). A base URL
other than the real API (the sandbox's emulator, a test server) serves both on
one root, as Flattr's emulator does, so every URL derives from it.

A personal access token (or any user token, ``GITHUB_TOKEN``) given as
``access_token`` needs no OAuth at all: it is stored for the account and sent
as ``Authorization: Bearer``. An OAuth app's tokens do not expire; a GitHub
App's user tokens expire after 8 hours and come with a refresh token that
*rotates* (the old one dies when used), which the core's
:class:`~paysupport.auth.oauth2.OAuth2Auth` handles through the token store,
under its refresh lock, exactly as for Patreon. GitHub answers the token
endpoint in JSON only when asked (``Accept: application/json``, the HTTP
layer's default header), and accepts PKCE (S256).
"""

from __future__ import annotations

from dataclasses import dataclass

from paysupport.auth.oauth2 import OAuth2Endpoints
from paysupport_github.catalog import DEFAULT_SCOPES, SCOPES

REAL_API_ROOT = "https://api.github.com"
REAL_SITE_ROOT = "https://github.com"
GRAPHQL_PATH = "/graphql"


@dataclass(frozen=True)
class Hosts:
    """Where the API and the site are for one base URL."""

    api: str
    site: str

    @classmethod
    def for_base_url(cls, base_url: str) -> Hosts:
        """The real pair for ``https://api.github.com``; one root for anything else."""
        root = base_url.rstrip("/")
        if root.endswith(GRAPHQL_PATH):
            root = root[: -len(GRAPHQL_PATH)]
        site = REAL_SITE_ROOT if root == REAL_API_ROOT else root
        return cls(api=root, site=site)

    @property
    def graphql(self) -> str:
        return self.api + GRAPHQL_PATH

    def sponsors_page(self, login: str) -> str:
        """The public Sponsors profile of ``login``, where a person sponsors."""
        return f"{self.site}/sponsors/{login}"

    def oauth_endpoints(self) -> OAuth2Endpoints:
        """GitHub's web flow: client id and secret in the form body, PKCE accepted."""
        return OAuth2Endpoints(
            authorize_url=f"{self.site}/login/oauth/authorize",
            token_url=f"{self.site}/login/oauth/access_token",
            scopes=SCOPES,
            default_scopes=DEFAULT_SCOPES,
            client_auth="body",
            pkce=True,
        )


__all__ = ["GRAPHQL_PATH", "REAL_API_ROOT", "REAL_SITE_ROOT", "Hosts"]
