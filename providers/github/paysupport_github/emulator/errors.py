"""GitHub's error bodies: REST-style messages, GraphQL ``errors`` entries, OAuth errors.

GitHub answers a refused request (bad credentials, a secondary rate limit, a
body that is not JSON) with ``{"message", "documentation_url"}`` and an HTTP
status; a query that fails inside GraphQL answers HTTP 200 with ``errors``
entries carrying a ``type`` (``NOT_FOUND``, ``FORBIDDEN``, ``RATE_LIMITED``,
...) next to graphql's own ``message``, ``locations`` and ``path``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError, Node

DOCS = "https://docs.github.com/graphql"
REST_DOCS = "https://docs.github.com/rest"
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)


class HttpError(Exception):
    """A refusal answered before GraphQL runs: an HTTP status and GitHub's message body."""

    def __init__(
        self,
        status: int,
        message: str,
        documentation_url: str = REST_DOCS,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "documentation_url": self.documentation_url}


def bad_credentials() -> HttpError:
    """401 for a missing, unknown, revoked or expired token (GitHub does not say which)."""
    return HttpError(401, "Bad credentials", REST_DOCS)


class GitHubError(GraphQLError):
    """A GraphQL error with GitHub's ``type`` (``NOT_FOUND``, ``FORBIDDEN``, ...)."""

    def __init__(
        self,
        kind: str,
        message: str,
        nodes: Node | Sequence[Node] | None = None,
        path: Sequence[str | int] | None = None,
    ) -> None:
        super().__init__(message, nodes, path=path)
        self.kind = kind


class QueryRefused(Exception):
    """Errors found before execution (pagination bounds, cost): answered with no ``data``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.errors = errors


def error_entry(error: GraphQLError) -> dict[str, Any]:
    """One ``errors`` entry the way GitHub writes it: ``type`` first when there is one."""
    entry: dict[str, Any] = {}
    original = error.original_error if isinstance(error.original_error, GitHubError) else error
    if isinstance(original, GitHubError):
        entry["type"] = original.kind
    formatted = error.formatted
    if "path" in formatted and formatted["path"] is not None:
        entry["path"] = formatted["path"]
    if formatted.get("locations"):
        entry["locations"] = formatted["locations"]
    entry["message"] = formatted["message"]
    if formatted.get("extensions"):
        entry["extensions"] = formatted["extensions"]
    return entry


def typed(kind: str, message: str, node: Node | None = None) -> dict[str, Any]:
    """An ``errors`` entry for a refusal found outside execution (no ``path``)."""
    entry: dict[str, Any] = {"type": kind}
    if node is not None and node.loc is not None:
        location = node.loc.source.get_location(node.loc.start)
        entry["locations"] = [{"line": location.line, "column": location.column}]
    entry["message"] = message
    return entry


class OAuthError(Exception):
    """An OAuth token-endpoint refusal: GitHub answers these with HTTP 200 and ``error``.

    GitHub's ``/login/oauth/access_token`` famously answers a bad code or secret
    with status 200 and ``{"error", "error_description", "error_uri"}``; only a
    malformed request (no ``client_id``) gets a 4xx (NOTES are silent: this is
    GitHub's documented troubleshooting page's behaviour).
    """

    def __init__(self, error: str, description: str, status: int = 200) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {
            "error": self.error,
            "error_description": self.description,
            "error_uri": "https://docs.github.com/apps/managing-oauth-apps/"
            "troubleshooting-oauth-app-access-token-request-errors",
        }
