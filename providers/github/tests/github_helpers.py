"""What the GitHub provider's tests share besides fixtures: a fake clock and a served emulator.

Plain classes, imported by name (``from github_helpers import Served``): a module
named ``conftest`` cannot be imported reliably when several test folders each
have one, so conftest.py keeps the fixtures and this module the types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from paysupport_github.emulator import GitHubEmulator

USER_AGENT = "paysupport-tests"


class FakeClock:
    """Seconds since the epoch that only move when a test says so."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Served:
    """A served emulator: the app, its root URL and a GraphQL caller with a token."""

    emulator: GitHubEmulator
    url: str
    http: requests.Session

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> requests.Response:
        """POST ``query`` to ``/graphql`` as the maintainer (or with ``token``; "" sends none)."""
        token = self.emulator.credentials()["access_token"] if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post(f"{self.url}/graphql", json=body, headers=headers, timeout=10)

    def data(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The ``data`` of a query that must succeed without errors."""
        answer = self.graphql(query, variables, **kw)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body, body["errors"]
        return body["data"]
