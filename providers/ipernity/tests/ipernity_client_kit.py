"""Helpers for the Ipernity client tests: clients on any served emulator, request counting."""

from __future__ import annotations

from typing import Any

from ipernity_testkit import Served
from paysupport_ipernity.client import IpernityClient

from paysupport.http import HttpEvent
from paysupport.tokens import MemoryTokenStore


def client_for(served: Served, **overrides: Any) -> IpernityClient:
    """A client on ``served`` with its credentials; an override of ``None`` drops a setting."""
    settings: dict[str, Any] = {
        "base_url": served.url,
        "token_store": MemoryTokenStore(),
        **served.emulator.credentials(),
        **overrides,
    }
    return IpernityClient(**{k: v for k, v in settings.items() if v is not None})


class Requests:
    """Records the requests a client sends (its HTTP layer's events)."""

    def __init__(self, client: IpernityClient) -> None:
        self.events: list[HttpEvent] = []
        client.http.hooks.append(self._record)

    def _record(self, event: HttpEvent) -> None:
        if event.kind == "request":
            self.events.append(event)

    @property
    def count(self) -> int:
        return len(self.events)

    def methods(self) -> list[tuple[str, str]]:
        """``(HTTP verb, API method)`` of every request sent."""
        out = []
        for event in self.events:
            path = event.url.split("?", 1)[0]
            out.append((event.method, path.split("/api/", 1)[-1].removesuffix("/json")))
        return out
